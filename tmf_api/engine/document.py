"""JSON documents ⇄ SID rows, driven by a mapping Node. No HTTP, no framework."""

from __future__ import annotations

import json
from typing import Any

from sid_model.base import Base
from tmf_api.engine.mapping import Node, convert_scalar, to_json_value

JSON = dict[str, Any]


def dump_json(value: Any) -> str:
    """The JSON text of `value` as every response and stored form writes it: compact, and UTF-8
    text (Chinese names) left unescaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data (faster than copy.deepcopy for dicts and lists)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def _set_path(doc: JSON, path: tuple[str, ...], value: Any) -> None:
    target = doc
    for name in path[:-1]:
        nxt = target.get(name)
        if not isinstance(nxt, dict):
            nxt = {}
            target[name] = nxt
        target = nxt
    target[path[-1]] = value


def _pop_path(doc: JSON, path: tuple[str, ...]) -> Any:
    """Remove and return the value at `path`; parents emptied by the removal go too."""
    parents: list[JSON] = []
    target: Any = doc
    for name in path[:-1]:
        parents.append(target)
        target = target.get(name)
        if not isinstance(target, dict):
            return None
    value = target.pop(path[-1], None)
    for parent, name in zip(reversed(parents), reversed(path[:-1]), strict=True):
        if parent[name] == {}:
            del parent[name]
        else:
            break
    return value


def _jsonb_order(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return len(encoded), encoded


def _canonical(value: Any) -> Any:
    """A copy of a JSON value with object members in PostgreSQL's JSONB order (shorter keys first,
    then bytewise): what a row shows does not depend on whether it was read back from JSONB."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value, key=_jsonb_order)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _merge_missing(into: JSON, extra: JSON) -> None:
    for key in sorted(extra, key=_jsonb_order):
        value = extra[key]
        if key not in into:
            into[key] = _canonical(value)
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge_missing(into[key], value)


def render(node: Node, row: Base, href: str | None = None) -> JSON:
    """The JSON document of one row; `href` is the resource's own, for root nodes."""
    doc: JSON = {}
    for col in node.columns:
        value = getattr(row, col.column)
        if value is not None:
            _set_path(doc, col.path, col.shown(to_json_value(value)))
            if col.path == ("id",) and href is not None and node.has_href:
                doc["href"] = href
    for name, coll in node.collections.items():
        children = getattr(row, coll.relationship)
        if not children:
            if coll.always and not coll.scalar:
                doc[name] = []
            continue
        if coll.scalar:
            scalar = coll.node.column_for(coll.scalar)
            assert scalar is not None  # checked when the mapping was loaded
            doc[name] = to_json_value(getattr(children[0], scalar.column))
        else:
            doc[name] = [render(coll.node, child) for child in children]
    for equivalence in node.equivalences:
        # Rows written before the equivalence was declared hold one column only.
        for side, (given, missing) in enumerate((equivalence.columns, equivalence.columns[::-1])):
            value = getattr(row, given)
            shown_as = node.column_by_name(missing)
            if shown_as is not None and value is not None and getattr(row, missing) is None:
                derived = equivalence.other(side, value)
                if derived is not None:
                    _set_path(doc, shown_as.path, shown_as.shown(derived))
    extension = getattr(row, "extension", None)
    if extension:
        _merge_missing(doc, extension)
    return doc


def build(node: Node, doc: JSON, row: Base | None = None, where: str = "") -> Base:
    """Fill `row` (or a new one) from `doc`: mapped attributes to columns and child rows, the rest kept.

    Raises ValueError naming the attribute when a value does not fit its column.
    """
    existing = row is not None
    if row is None:
        row = node.entity()
    rest = copy_json(doc)
    rest.pop("href", None) if node.has_href else None
    given: dict[str, tuple[str, Any]] = {}
    for col in node.columns:
        value = col.stored(convert_scalar(_pop_path(rest, col.path), col.python_type, where + col.dotted))
        col.check(value, where + col.dotted)
        if col.column in given:
            # A shared column (Node.shared_columns): every path that is given must agree.
            first_path, first = given[col.column]
            if value is None:
                continue
            if first is not None and first != value:
                raise ValueError(
                    f"{where}{first_path} and {where}{col.dotted} must be equal (one {col.column}), "
                    f"got {first!r} and {value!r}"
                )
        given[col.column] = (col.dotted, value)
    before = {c: getattr(row, c) for e in node.equivalences for c in e.columns} if existing else {}
    for column, (_path, value) in given.items():
        setattr(row, column, value)
    for equivalence in node.equivalences:
        for side, (source, target) in enumerate((equivalence.columns, equivalence.columns[::-1])):
            if source not in given:
                continue
            value = getattr(row, source)
            # A version that maps the other column gives it (filled only when it is left empty);
            # one that does not keeps it while the source is unchanged (v4's "mobile" beside
            # v5's PhoneContactMedium), and derives it anew when the source changes.
            if target in given:
                refill = getattr(row, target) is None
            else:
                refill = getattr(row, target) is None or value != before.get(source)
            if refill and value is not None:
                setattr(row, target, equivalence.other(side, value))
            elif refill and target not in given:
                setattr(row, target, None)
    for name, coll in node.collections.items():
        value = rest.pop(name, None)
        # An update refills the stored child rows in order, so unchanged children cost no SQL and
        # changed ones an UPDATE, instead of deleting and re-inserting every child on each PATCH.
        previous: list[Any] = list(getattr(row, coll.relationship)) if existing else []
        children: list[Base] = []
        if coll.scalar:
            # One version's string is the first of the other's objects (v4 `externalId` of v5's
            # `externalId[]`): the string unchanged leaves every child as it is, and a new one
            # replaces the first child alone, so what only the other version shows is kept.
            first = previous[0] if previous else None
            scalar = coll.node.column_for(coll.scalar)
            if value is not None and first is not None and scalar is not None:
                if to_json_value(getattr(first, scalar.column)) == value:
                    continue
                children = [
                    build(coll.node, {coll.scalar: value}, first, where=f"{where}{name}"),
                    *previous[1:],
                ]
            elif value is not None:
                children.append(build(coll.node, {coll.scalar: value}, first, where=f"{where}{name}"))
        elif value is not None:
            if not isinstance(value, list):
                raise ValueError(f"{where}{name} must be an array")
            for position, item in enumerate(value):
                if not isinstance(item, dict):
                    raise ValueError(f"{where}{name}[{position}] must be an object")
                reused = previous[position] if position < len(previous) else None
                child = build(coll.node, item, reused, where=f"{where}{name}[{position}].")
                child.position = position  # type: ignore[attr-defined]
                children.append(child)
        setattr(row, coll.relationship, children)
    for summary in node.summaries.values():
        coll = node.collections[summary.collection]
        summarised = coll.node.column_for(summary.attribute)
        assert summarised is not None  # checked when the mapping was loaded
        values = (getattr(child, summarised.column) for child in getattr(row, coll.relationship))
        setattr(row, summary.column, summary.mask_of(values))
    row.extension = rest  # type: ignore[attr-defined]
    return row
