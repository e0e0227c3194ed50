"""Declarative API ⇄ SID mappings, checked once: nodes, columns, collections, resources.

tmf_api.engine.assembly builds one API version's mapping from its per-resource files (overlays
and templates applied); `parse_mapping` checks it against the SID model.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Float, Integer, Numeric, SmallInteger, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper

import sid_model
from sid_model.base import Base
from tmf_api.resources import data_dir

MAPPINGS_ROOT: Path = data_dir("mappings")

# Marker for the resource's own href, rendered from the request rather than stored.
HREF = "$href"


@dataclass(frozen=True)
class ColumnAttribute:
    """A JSON attribute (dotted path into nested objects) held in one column of the node's row."""

    path: tuple[str, ...]
    column: str
    python_type: type
    # What the column's SQL type holds, taken from the model: PostgreSQL refuses anything beyond
    # it and SQLite stores it anyway, so `check` refuses it on both alike.
    max_length: int | None = None
    integers: range | None = None
    magnitude: decimal.Decimal | None = None  # NUMERIC(p, s): |value| below 10^(p-s)
    # A value this version spells its own way (`{column: …, values: {stored: shown}}`): v4's
    # `deceaded` is the stored `deceased`. Reads show it, writes and filters store it back.
    shown_values: dict[Any, Any] = field(default_factory=dict, hash=False)
    stored_values: dict[Any, Any] = field(default_factory=dict, hash=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    def stored(self, value: Any) -> Any:
        """What the column holds for a value of this version (itself unless translated)."""
        return self.stored_values.get(value, value) if self.stored_values and _hashable(value) else value

    def shown(self, value: Any) -> Any:
        """How this version shows a value the column holds."""
        return self.shown_values.get(value, value) if self.shown_values and _hashable(value) else value

    def check(self, value: Any, where: str) -> None:
        """ValueError naming `where` when `value` (already of python_type) does not fit the column."""
        if value is None:
            return
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            raise ValueError(f"{where} is longer than {self.max_length} characters")
        if self.integers is not None and isinstance(value, int) and value not in self.integers:
            raise ValueError(f"{where} is out of range ({self.integers.start} to {self.integers.stop - 1})")
        if (
            self.magnitude is not None
            and isinstance(value, decimal.Decimal)
            and (not value.is_finite() or abs(value) >= self.magnitude)
        ):
            raise ValueError(f"{where} is out of range (below {self.magnitude:,} in magnitude)")


def _hashable(value: Any) -> bool:
    return not isinstance(value, dict | list)


@dataclass
class CollectionAttribute:
    """A JSON array held as child rows; `scalar` maps a plain string onto one child's attribute.
    `always`: rendered as `[]` when there are no rows (an attribute the documents' readers, such as
    an official kit, expect on every resource), instead of being left out."""

    name: str
    relationship: str
    node_name: str
    scalar: str | None = None
    always: bool = False
    node: Node = field(init=False, repr=False)


# Masks of up to this many bits are listed in filters (32 masks for 5 bits, half of them matching).
MASKS_LISTED_UP_TO_BITS = 6


@dataclass(frozen=True)
class Summary:
    """The values one attribute takes across a child collection, kept as a bitmask column on the
    owner's row by every write, so that filters on it need not probe the children.

    Bit n stands for `values[n]`; any other value sets bit len(values) ("other"), so that a filter
    on a listed value can always be answered from the mask alone, and one on an unlisted value
    falls back to probing the children.
    """

    collection: str  # the JSON name of the collection on the owner
    attribute: str  # the child node's attribute (dotted) whose values are summarised
    column: str  # the owner's integer column holding the mask
    values: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return f"{self.collection}.{self.attribute}"

    def bits(self, values: Sequence[Any]) -> int | None:
        """The mask of `values`, or None when one of them is not listed."""
        mask = 0
        for value in values:
            if value not in self.values:
                return None
            mask |= 1 << self.values.index(value)
        return mask

    def masks_matching(self, mask: int, *, any_set: bool) -> list[int] | None:
        """Every mask a row can hold that has a bit of `mask` set (`any_set`) or none of them, when
        there are few enough to list: `column IN (…)` walks an index led by the column's equality
        where `column & mask` would test every entry (bench/README.md: the orders' count)."""
        width = len(self.values) + 1  # the listed values and "other"
        if width > MASKS_LISTED_UP_TO_BITS:
            return None
        return [m for m in range(1 << width) if bool(m & mask) is any_set]

    def mask_of(self, values: Iterable[Any]) -> int:
        mask = 0
        for value in values:
            if value is None:
                continue
            index = self.values.index(value) if value in self.values else len(self.values)
            mask |= 1 << index
        return mask


@dataclass(frozen=True)
class Equivalence:
    """Two columns that name one thing in each generation's terms (v4 `mediumType` "email", v5
    `@type` EmailContactMedium), as (first, second) value pairs: a write fills the column its
    version does not give from the other, so each version reads and filters its own; the first
    pair naming a value wins."""

    columns: tuple[str, str]
    pairs: tuple[tuple[Any, Any], ...]

    def other(self, side: int, value: Any) -> Any:
        """The value of the column other than columns[side] that `value` corresponds to, or None."""
        return next((pair[1 - side] for pair in self.pairs if pair[side] == value), None)


@dataclass
class Node:
    name: str
    entity: type[Base]
    columns: list[ColumnAttribute]
    collections: dict[str, CollectionAttribute]
    has_href: bool = False
    # Columns that several attribute paths hold on purpose (a bill's one currency is the `unit` of
    # each of its amounts): a write gives them one value, or is refused when the paths disagree.
    shared_columns: frozenset[str] = frozenset()
    summaries: dict[str, Summary] = field(default_factory=dict)
    equivalences: tuple[Equivalence, ...] = ()

    def column_for(self, dotted: str) -> ColumnAttribute | None:
        for col in self.columns:
            if col.dotted == dotted:
                return col
        return None

    def column_by_name(self, column: str) -> ColumnAttribute | None:
        """The (first) attribute this node maps to `column`, if it maps one."""
        return next((col for col in self.columns if col.column == column), None)

    def place(self, dotted: str) -> tuple[Node, ColumnAttribute] | None:
        """The node and column holding an attribute path, through child collections; None when
        the path is kept in a JSON `extension` document instead."""
        col = self.column_for(dotted)
        if col is not None:
            return self, col
        first, _, rest = dotted.partition(".")
        coll = self.collections.get(first)
        if coll is None:
            return None
        if coll.scalar:
            scalar = coll.node.column_for(coll.scalar) if not rest else None
            return (coll.node, scalar) if scalar is not None else None
        return coll.node.place(rest) if rest else None


@dataclass(frozen=True)
class Reference:
    """An id in a resource's document that must name a stored resource (`references`).

    Each target is (api, resource), api None meaning the mapping's own API; a reference may have
    targets in several APIs (an account's related party is a TMF632 party or a TMF629 customer).
    With `only_local`, the id is checked only when the reference's `href` points at this server:
    references to resources held elsewhere are kept as given. A target whose state is in
    `excluded_states` counts as not there (a closed account).
    """

    path: str  # dotted path to the id; arrays on the way are walked element by element
    targets: tuple[tuple[str | None, str], ...]
    only_local: bool = False
    excluded_states: frozenset[str] = frozenset()


_REFERENCE_KEYS = {"api", "resource", "targets", "only_local", "excluded_states"}


def _reference_targets(spec: dict[str, Any], own_api: str, where: str) -> list[tuple[str | None, str]]:
    """(api, resource) pairs of one `{api, resource}` declaration; api None is the own API."""
    if "resource" not in spec:
        raise ValueError(f"{where}: each target needs a resource")
    names = spec["resource"]
    resources = (names,) if isinstance(names, str) else tuple(names) if isinstance(names, list) else ()
    if not resources or not all(isinstance(r, str) for r in resources):
        raise ValueError(f"{where}: resource must be a name or a list of names")
    api = spec.get("api")
    return [(None if api in (None, own_api) else str(api), name) for name in resources]


def parse_reference(path: str, spec: Any, own_api: str) -> Reference:
    if isinstance(spec, str):
        return Reference(path, ((None, spec),))
    where = f"reference {path}"
    if not isinstance(spec, dict) or ("resource" not in spec) == ("targets" not in spec):
        raise ValueError(
            f"{where}: give a resource name or {{api, resource | targets, only_local, excluded_states}}"
        )
    unknown = set(spec) - _REFERENCE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if "targets" in spec:
        listed = spec["targets"]
        if "api" in spec or not isinstance(listed, list) or not listed:
            raise ValueError(f"{where}: targets must be a list of {{api, resource}}, with no api beside it")
        targets: list[tuple[str | None, str]] = []
        for target in listed:
            if not isinstance(target, dict) or set(target) - {"api", "resource"}:
                raise ValueError(f"{where}: each target is {{api, resource}}")
            targets += _reference_targets(target, own_api, where)
    else:
        targets = _reference_targets(spec, own_api, where)
    return Reference(
        path,
        tuple(dict.fromkeys(targets)),
        only_local=bool(spec.get("only_local", False)),
        excluded_states=frozenset(spec.get("excluded_states", [])),
    )


@dataclass(frozen=True)
class ResourceMapping:
    path: str
    node: Node
    schema: str
    create_schema: str | None
    patch_schema: str | None
    lifecycle: str | None
    state_attribute: str | None
    on_create: dict[str, Any]
    on_update: dict[str, Any]
    server_owned: frozenset[str]
    # When set, the only first-level attributes a PATCH may touch.
    patchable: frozenset[str] | None
    # Ids that must name a stored resource, of this API or another (Reference).
    references: tuple[Reference, ...]
    # Columns whose fixed values select this resource's rows in a shared table (e.g. the hub's
    # subscriptions of one API version); set on create, required on every read.
    scope: dict[str, Any]
    # Filterable attributes whose column deliberately has no index: {attribute path: why}.
    unindexed: dict[str, str]
    options: dict[str, Any]
    # Event names this resource's changes raise besides the defaults (tmf_api.engine.events):
    # the state change event's name, and further events on reaching a state.
    state_change_event: str | None = None
    state_events: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiMapping:
    api: str
    version: str
    name: str
    resources: dict[str, ResourceMapping]
    nodes: dict[str, Node]
    lifecycles: dict[str, Lifecycle] = field(default_factory=dict)
    # The version whose event names this one sends when its own document defines none.
    events_from: str | None = None
    source: str = ""  # the raw mapping it was parsed from, as JSON

    @property
    def base_path(self) -> str:
        return f"/tmf-api/{self.name}/{self.version}"


def _python_type(mapper: Mapper[Any], column: str, where: str) -> type:
    if column not in mapper.columns:
        raise ValueError(f"{where}: {mapper.class_.__name__} has no column {column!r}")
    col = mapper.columns[column]
    try:
        python_type: type = col.type.python_type
        return python_type
    except NotImplementedError:
        raise ValueError(
            f"{where}: column {column!r} has no plain Python type to map a JSON value to"
        ) from None


def _signed(bits: int) -> range:
    return range(-(2 ** (bits - 1)), 2 ** (bits - 1))


def _column_attribute(
    mapper: Mapper[Any], attr: str, column: str, where: str, values: dict[Any, Any] | None = None
) -> ColumnAttribute:
    python_type = _python_type(mapper, column, where)
    sql_type = mapper.columns[column].type
    limits: dict[str, Any] = {}
    if isinstance(sql_type, String) and sql_type.length:
        limits["max_length"] = sql_type.length
    if isinstance(sql_type, Integer):
        bits = 64 if isinstance(sql_type, BigInteger) else 16 if isinstance(sql_type, SmallInteger) else 32
        limits["integers"] = _signed(bits)
    if isinstance(sql_type, Numeric) and not isinstance(sql_type, Float) and sql_type.precision:
        limits["magnitude"] = decimal.Decimal(10) ** (sql_type.precision - (sql_type.scale or 0))
    if values:
        shown = {convert_scalar(k, python_type, where): v for k, v in values.items()}
        stored = {v: k for k, v in shown.items()}
        # Each shown value must read back as one stored value, and none may be another's
        # stored spelling: the column would then not tell them apart.
        if len(stored) != len(shown) or set(stored) & set(shown):
            raise ValueError(f"{where}: values must map each stored value to a distinct shown value")
        limits |= {"shown_values": shown, "stored_values": stored}
    return ColumnAttribute(tuple(attr.split(".")), column, python_type, **limits)


def _load_node(name: str, raw: dict[str, Any]) -> Node:
    entity = sid_model.entity_class(raw["entity"])
    mapper = sa_inspect(entity)
    columns: list[ColumnAttribute] = []
    collections: dict[str, CollectionAttribute] = {}
    has_href = False
    shared = frozenset(raw.get("shared_columns", []))
    holders: dict[str, str] = {}
    for attr, target in raw["attributes"].items():
        where = f"node {name}, attribute {attr}"
        if target == HREF:
            has_href = True
        elif isinstance(target, str) or (isinstance(target, dict) and "column" in target):
            translated: dict[Any, Any] | None = None
            if isinstance(target, dict):
                spec: dict[str, Any] = target
                if set(spec) - {"column", "values"} or not isinstance(spec.get("values", {}), dict):
                    raise ValueError(f"{where}: give {{column, values: {{stored: shown}}}}")
                target, translated = str(spec["column"]), spec.get("values")
            # Two paths on one column lose one path's value on every write, unless declared shared.
            if target in holders and target not in shared:
                raise ValueError(
                    f"node {name}: attributes {holders[target]} and {attr} both map to column {target!r}; "
                    "map them to different columns or list the column under shared_columns"
                )
            holders.setdefault(target, attr)
            columns.append(_column_attribute(mapper, attr, target, where, translated))
        elif isinstance(target, dict) and "collection" in target:
            if target["collection"] not in mapper.relationships:
                raise ValueError(f"{where}: {entity.__name__} has no relationship {target['collection']!r}")
            collections[attr] = CollectionAttribute(
                attr, target["collection"], target["node"], target.get("scalar"), bool(target.get("always"))
            )
        else:
            raise ValueError(f"{where}: cannot read mapping target {target!r}")
    for column in shared - set(holders):
        raise ValueError(f"node {name}: shared column {column!r} is mapped by no attribute")
    summaries: dict[str, Summary] = {}
    for dotted, spec in raw.get("summaries", {}).items():
        where = f"node {name}, summary {dotted}"
        collection, _, attribute = dotted.partition(".")
        if collection not in collections or not attribute:
            raise ValueError(f"{where}: {name} has no collection {collection!r} to summarise")
        values = tuple(spec.get("values", []))
        if not values or len(set(values)) != len(values) or len(values) > 62:
            raise ValueError(f"{where}: needs 1 to 62 distinct values")
        if _python_type(mapper, spec["column"], where) is not int:
            raise ValueError(f"{where}: column {spec['column']!r} must be an integer column")
        summaries[dotted] = Summary(collection, attribute, spec["column"], values)
    equivalences = []
    for spec in raw.get("equivalents", []):
        where = f"node {name}, equivalents"
        pair = tuple(spec.get("columns", ()))
        if len(pair) != 2 or any(c not in mapper.columns for c in pair):
            raise ValueError(f"{where}: columns must be two columns of {entity.__name__}, got {list(pair)}")
        values = spec.get("values", [])
        if not values or not all(isinstance(v, list) and len(v) == 2 for v in values):
            raise ValueError(f"{where}: values must be a list of [{pair[0]}, {pair[1]}] pairs")
        equivalences.append(Equivalence((pair[0], pair[1]), tuple((a, b) for a, b in values)))
    return Node(name, entity, columns, collections, has_href, shared, summaries, tuple(equivalences))


def parse_mapping(
    raw: dict[str, Any],
    lifecycles: dict[str, Lifecycle] | None = None,
    events: dict[str, Any] | None = None,
) -> ApiMapping:
    """The checked mapping of one API version from its assembled form (see `assemble`).

    `events` holds the manifest's event names per resource (`state_change`, `on_state`).
    """
    lifecycles = lifecycles or {}
    events = events or {}
    nodes = {name: _load_node(name, spec) for name, spec in raw["nodes"].items()}
    for node in nodes.values():
        for coll in node.collections.values():
            if coll.node_name not in nodes:
                raise ValueError(f"node {node.name}: unknown node {coll.node_name!r}")
            coll.node = nodes[coll.node_name]
            if coll.scalar and coll.node.column_for(coll.scalar) is None:
                raise ValueError(f"node {node.name}: {coll.node_name} maps no attribute {coll.scalar!r}")
        for summary in node.summaries.values():
            child = node.collections[summary.collection].node
            if child.column_for(summary.attribute) is None:
                raise ValueError(
                    f"node {node.name}, summary {summary.dotted}: {child.name} maps no column for "
                    f"{summary.attribute!r}"
                )
    resources = {}
    known = {
        "node",
        "schema",
        "create_schema",
        "patch_schema",
        "lifecycle",
        "state_attribute",
        "on_create",
        "on_update",
        "server_owned",
        "patchable",
        "references",
        "scope",
        "unindexed",
    }
    for path, spec in raw["resources"].items():
        node = nodes[spec["node"]]
        for key in ("on_create", "on_update", "scope"):
            for column in spec.get(key, {}):
                _python_type(sa_inspect(node.entity), column, f"resource {path}, {key}")
        unindexed = dict(spec.get("unindexed", {}))
        for attr, reason in unindexed.items():
            if node.place(attr) is None:
                raise ValueError(f"resource {path}, unindexed: {node.name} maps no column for {attr!r}")
            if not isinstance(reason, str) or not reason.strip():
                raise ValueError(f"resource {path}, unindexed: {attr!r} needs a reason")
        resources[path] = ResourceMapping(
            path=path,
            node=node,
            schema=spec["schema"],
            create_schema=spec.get("create_schema"),
            patch_schema=spec.get("patch_schema"),
            lifecycle=spec.get("lifecycle"),
            state_attribute=spec.get("state_attribute"),
            on_create=dict(spec.get("on_create", {})),
            on_update=dict(spec.get("on_update", {})),
            server_owned=frozenset(spec.get("server_owned", [])) | {"id", "href"},
            patchable=frozenset(spec["patchable"]) if "patchable" in spec else None,
            references=tuple(
                parse_reference(at, ref, raw["api"]) for at, ref in spec.get("references", {}).items()
            ),
            scope=dict(spec.get("scope", {})),
            unindexed=unindexed,
            options={k: v for k, v in spec.items() if k not in known},
            state_change_event=events.get(path, {}).get("state_change"),
            state_events={
                state: tuple([names] if isinstance(names, str) else names)
                for state, names in events.get(path, {}).get("on_state", {}).items()
            },
        )
    for path, resource in resources.items():
        for reference in resource.references:
            for api, target in reference.targets:
                # Another API's resources are checked by the registry, which knows every API.
                if api is None and target not in resources:
                    raise ValueError(f"resource {path}: references unknown resource {target!r}")
        if resource.lifecycle and resource.lifecycle not in lifecycles:
            raise ValueError(f"resource {path}: unknown lifecycle {resource.lifecycle!r}")
    for path in events:
        if path not in resources:
            raise ValueError(f"events named for unknown resource {path!r}")
    return ApiMapping(
        raw["api"],
        raw["version"],
        raw["name"],
        resources,
        nodes,
        lifecycles,
        raw.get("events_from"),
        # What the documents are rendered from, for the rendered forms' fingerprint.
        source=json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str),
    )


def parse_lifecycles(raw: dict[str, Any]) -> dict[str, Lifecycle]:
    return {name: Lifecycle(name, spec) for name, spec in raw.items()}


class Lifecycle:
    """A state machine read from an API's lifecycles (mappings/<API>/lifecycles.yaml)."""

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name = name
        self.attribute: str = spec["attribute"]
        self.initial: list[str] = list(spec.get("initial", []))
        self.final: list[str] = list(spec.get("final", []))
        self.transitions: dict[str, list[str]] = {k: list(v) for k, v in spec["transitions"].items()}
        # Moves only the server's own rules make, never a PATCH (a refund reopens a settled bill).
        self.server_transitions: dict[str, list[str]] = {
            k: list(v) for k, v in (spec.get("server_transitions") or {}).items()
        }
        self.groups: dict[str, list[str]] = {
            k: list(v) for k, v in spec.items() if k not in _LIFECYCLE_KEYS
        }

    def allowed(self, current: str | None) -> list[str]:
        return self.transitions.get(current or "", [])

    def can_move(self, current: str | None, target: str) -> bool:
        return target in self.allowed(current)

    def server_can_move(self, current: str | None, target: str) -> bool:
        """A move the server may make: a client's, or one of `server_transitions`."""
        return self.can_move(current, target) or target in self.server_transitions.get(current or "", [])


_LIFECYCLE_KEYS = frozenset({"attribute", "initial", "final", "transitions", "server_transitions"})


def convert_scalar(value: Any, python_type: type, where: str) -> Any:
    """A JSON value as the column's Python type; ValueError names `where` when it does not fit."""
    if value is None:
        return None
    if python_type is dt.datetime:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a date-time string")
        return parse_datetime(value, where)
    if python_type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be an integer")
        return value
    if python_type is decimal.Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{where} must be a number")
        try:
            return decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise ValueError(f"{where} must be a number") from None
    if python_type is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be a boolean")
        return value
    if python_type is str:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a string")
        return value
    return value


def parse_datetime(value: str, where: str) -> dt.datetime:
    text = value.strip().replace(" ", "+")  # '+' in an unencoded query string arrives as a space
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where} must be an ISO 8601 date-time, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def format_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    # Not strftime("%Y"): it does not pad years below 1000 to four digits ("404-08-23").
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def to_json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value
