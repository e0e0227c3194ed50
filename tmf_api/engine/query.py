"""TMF630 part 1 query strings, parsed from the raw query string into a framework-free Query.

Attribute filters are not declared in the specs, so they cannot come from the framework's
parameter parsing: they are read here from the raw string, keeping repeated parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import parse_qsl

from tmf_api.errors import bad_request


class Op(Enum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    REGEX = "regex"


_SUFFIX_OPS = {f".{op.value}": op for op in Op}
# TMF630 also allows comparison signs in the parameter itself: `orderDate>=2020-01-01` arrives as
# key `orderDate>` with value `2020-01-01`, `orderDate>2020` as key `orderDate>2020`, no value.
_SIGN_IN_KEY = re.compile(r"^(?P<path>[^<>!=*]+)(?P<sign>>=|<=|>|<)(?P<value>.*)$")
_SIGN_OPS = {">": Op.GT, ">=": Op.GTE, "<": Op.LT, "<=": Op.LTE}
_PATH = re.compile(r"^[@A-Za-z_][\w@-]*(\.[@A-Za-z_][\w@-]*)*$")

RESERVED = frozenset({"fields", "sort", "offset", "limit", "depth", "expand"})
# OFFSET is a signed 64-bit integer on both databases; larger is no page of any list.
MAX_OFFSET = 2**63 - 1


@dataclass(frozen=True)
class Condition:
    """One attribute test; `values` are OR-ed (comma lists and repeated parameters)."""

    path: str
    op: Op
    values: tuple[str, ...]
    parameter: str


@dataclass(frozen=True)
class SortKey:
    path: str
    descending: bool


@dataclass
class Query:
    """Everything a list or item request asks beyond its path. Conditions are AND-ed."""

    conditions: list[Condition] = field(default_factory=list)
    fields: list[str] | None = None
    sort: list[SortKey] = field(default_factory=list)
    offset: int = 0
    limit: int | None = None


def _split_list(value: str) -> list[str]:
    return [v for v in (part.strip() for part in value.split(",")) if v]


def _check_path(path: str, parameter: str) -> str:
    if not _PATH.match(path):
        raise bad_request(f"Query parameter {parameter!r}: {path!r} is not an attribute path")
    return path


def _parse_int(name: str, raw: str, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:  # also a number too long to convert (Python refuses over 4300 digits)
        raise bad_request(f"Query parameter {name!r} must be an integer, got {raw[:50]!r}") from None
    if value < minimum:
        raise bad_request(f"Query parameter {name!r} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise bad_request(f"Query parameter {name!r} must be at most {maximum}")
    return value


def _condition(key: str, value: str) -> Condition:
    if not key:
        raise bad_request(f"Query parameter with an empty name (value {value[:50]!r})")
    if key.endswith("*"):
        return Condition(_check_path(key[:-1], key), Op.REGEX, (value,), key)
    sign = _SIGN_IN_KEY.match(key + ("=" + value if value and key[-1:] in "<>" else ""))
    if sign and not value:
        # `a>5` with no `=`: everything after the sign is the value.
        raw = sign.group("value")
        return Condition(_check_path(sign.group("path"), key), _SIGN_OPS[sign.group("sign")], (raw,), key)
    if key[-1:] in "<>":
        op = _SIGN_OPS[key[-1] + "="]
        return Condition(_check_path(key[:-1], key), op, tuple(_split_list(value)) or ("",), key)
    for suffix, op in _SUFFIX_OPS.items():
        if key.endswith(suffix):
            path = key[: -len(suffix)]
            values = (value,) if op is Op.REGEX else tuple(_split_list(value))
            return Condition(_check_path(path, key), op, values or ("",), key)
    if "." in key:
        last = key.rsplit(".", 1)[1]
        if last in {"gt", "lt", "ge", "le", "gte", "lte", "eq", "ne", "regex", "like", "in"}:
            raise bad_request(f"Query parameter {key!r}: unknown operator {last!r}")
    return Condition(_check_path(key, key), Op.EQ, tuple(_split_list(value)) or ("",), key)


def parse_query(raw: str, *, declared: frozenset[str] = frozenset()) -> Query:
    """Parse a raw query string. `declared` names non-TMF630 parameters the operation owns."""
    query = Query()
    by_key: dict[str, Condition] = {}
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:  # pragma: no cover - parse_qsl is lenient
        raise bad_request(f"Malformed query string: {exc}") from None
    for key, value in pairs:
        if key == "fields":
            names = _split_list(value)
            if not names:
                raise bad_request("Query parameter 'fields' is empty")
            query.fields = (query.fields or []) + [
                n if n == "none" else _check_path(n, "fields") for n in names
            ]
        elif key == "sort":
            for item in _split_list(value):
                descending = item.startswith("-")
                path = item.lstrip("+-")
                query.sort.append(SortKey(_check_path(path, "sort"), descending))
        elif key == "offset":
            query.offset = _parse_int("offset", value, 0, MAX_OFFSET)
        elif key == "limit":
            # A limit above the server's maximum is clamped to it (ResourceService.list), as
            # TMF630 lets a server return fewer items than asked, so any size is accepted here.
            query.limit = min(_parse_int("limit", value, 1), MAX_OFFSET)
        elif key in RESERVED or key in declared:
            continue
        else:
            cond = _condition(key, value)
            previous = by_key.get(key)
            if previous is not None:
                # Repeating one parameter ORs its values (TMF630 part 1).
                cond = Condition(cond.path, cond.op, previous.values + cond.values, key)
            by_key[key] = cond
    query.conditions = list(by_key.values())
    return query
