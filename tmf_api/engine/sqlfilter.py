"""TMF630 filters and sort keys compiled to SQL through the mapping, never evaluated in Python.

A path is first checked against the resource's schema (unknown attribute: 400), then placed:
a mapped column becomes a column predicate, a child collection an EXISTS on the child table, and
anything else a JSON-path predicate on the row's `extension` document. Values are bound
parameters, converted to the attribute's type first (a value that does not fit: 400).

Regular expressions (`attr*=re`, `attr.regex=re`) are checked before any SQL for the databases
that run them: SQLite runs them in RE2 (sid_model.db.re2_search), which never backtracks, and
PostgreSQL in its own engine, which differs from Python's `re` and RE2. So that both databases
answer one filter alike, both accept the same expressions: RE2's syntax without what PostgreSQL
lacks (named groups, flag groups, `\\p{…}` classes, repetition counts above 255),
at most MAX_REGEX_LENGTH characters, whose nested counted repetitions expand to at most
MAX_REGEX_EXPANSION copies; PostgreSQL's statement_timeout bounds whatever is left.

On PostgreSQL an equality on an extension path (or a comma list of them) is a JSONB containment
instead, `extension @> '{"a": [{"b": "v"}]}'`, which the GIN index on the root tables' `extension`
serves; every other operator, and SQLite, extracts the value at the path row by row.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Sequence
from typing import Any

import re2
from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import type_coerce

from sid_model.db import RE2_MAX_MEM
from tmf_api.engine.mapping import Node, convert_scalar, parse_datetime
from tmf_api.engine.query import Condition, Op, SortKey
from tmf_api.engine.schema import PathStep, SchemaView
from tmf_api.errors import bad_request

_SCALARS = {"string", "integer", "number", "boolean"}
# Decimal exponents beyond this are no amount or quantity, and overflow PostgreSQL's NUMERIC.
_MAX_EXPONENT = 1000
# Filter integers are bound parameters: SQLite's are signed 64-bit.
_INT64 = range(-(2**63), 2**63)
MAX_REGEX_LENGTH = 256
# The largest repetition count PostgreSQL accepts (RE_DUP_MAX); RE2 accepts up to 1000.
MAX_REPEAT = 255
# How many copies of an atom nested counted repetitions may make (`(a{1,20}){1,50}`: 1000).
MAX_REGEX_EXPANSION = 1000
# ISO 8601 date-times as stored in JSON documents, and SQLite's UTC form of them (milliseconds).
_ISO_DATETIME_PG = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
_SQLITE_INSTANT = "%Y-%m-%dT%H:%M:%f"
_COUNT = re.compile(r"\{(\d+)(,(\d*))?\}")
# Escapes RE2 knows and PostgreSQL does not (or reads otherwise): Unicode classes, \Q…\E, \C, \z,
# and \b / \B, word boundaries in RE2 but backspace and backslash in PostgreSQL (whose word
# boundaries, \m \M \y, RE2 lacks): refused, so that one filter finds the same on both.
_PG_MISSING_ESCAPES = frozenset("pPQECzbB")


def _skip_class(pattern: str, start: int) -> int:
    """The index just past the bracket expression starting at `start`."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        if pattern[i] == "\\":
            i += 1
        elif pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            i = end + 1 if end >= 0 else i
        i += 1
    return i + 1


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` cannot run as a filter on both databases, or None when it can."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"longer than {MAX_REGEX_LENGTH} characters"
    options = re2.Options()
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else exc
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return f"not supported ({detail})"
    # Weight of each open group: the most copies any atom inside it makes; `last` is the weight of
    # the atom a quantifier would apply to.
    frames: list[int] = [1]
    last: int | None = None
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if pattern[i + 1 : i + 2] in _PG_MISSING_ESCAPES:
                return f"'\\{pattern[i + 1]}' is not supported"
            i += 2
            last = 1
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            last = 1
            continue
        if char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return "named groups and flag groups are not supported"
            frames.append(1)
            last = None
            i += 1
            continue
        if char == ")":
            inner = frames.pop() if len(frames) > 1 else 1
            frames[-1] = max(frames[-1], inner)
            last = inner
            i += 1
            continue
        if char == "|":
            last = None
            i += 1
            continue
        count = _COUNT.match(pattern, i) if char == "{" else None
        if count is not None:
            low = int(count.group(1))
            high = int(count.group(3)) if count.group(3) else low
            if max(low, high) > MAX_REPEAT:
                return f"repetition counts above {MAX_REPEAT} are not supported"
            weight = (last or 1) * max(high, 1)
            if weight > MAX_REGEX_EXPANSION:
                return f"too complex (nested repetitions make more than {MAX_REGEX_EXPANSION} copies)"
            frames[-1] = max(frames[-1], weight)
            last = weight
            i = count.end()
            continue
        if char in "*+?":
            i += 1
            continue
        last = 1
        i += 1
    return None


def _resolve(schema: SchemaView, path: str, parameter: str, *, what: str) -> list[PathStep]:
    steps = schema.walk(path)
    if steps is None:
        raise bad_request(
            f"Query parameter {parameter!r}: {schema.name or 'the resource'} has no attribute {path!r}"
        )
    leaf = steps[-1].schema.element
    if leaf.json_type not in _SCALARS:
        raise bad_request(
            f"Query parameter {parameter!r}: cannot {what} on {path!r}, which is not a plain value"
        )
    return steps


def _typed(value: str, leaf: SchemaView, python_type: type | None, parameter: str, op: Op) -> Any:
    """The filter value as the type it is compared with."""
    where = f"Query parameter {parameter!r}"
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: refused on both databases alike.
        raise bad_request(f"{where}: the value must not contain NUL characters")
    if op is Op.REGEX:
        problem = regex_problem(value)
        if problem is not None:
            raise bad_request(f"{where}: {value[:100]!r} is not a usable regular expression: {problem}")
        return value
    enum = leaf.enum
    if enum is not None and op in (Op.EQ, Op.NE) and value not in enum:
        # Query values are trimmed (`a, b` lists); a published value with a blank of its own
        # (TMF637's `aborted `) is named by its trimmed form.
        padded = [member for member in enum if isinstance(member, str) and member.strip() == value]
        if len(padded) == 1:
            value = padded[0]
    if enum is not None and op in (Op.EQ, Op.NE) and value not in enum:
        raise bad_request(f"{where}: {value!r} is not one of {', '.join(map(str, enum))}")
    target = python_type
    if target is None:
        target = {"integer": int, "number": decimal.Decimal, "boolean": bool}.get(leaf.json_type or "", str)
        if leaf.format == "date-time" and python_type is None:
            # Dates inside JSON documents are compared as instants, like dates in columns
            # (`_JsonPaths.instant`), not as the strings they are stored as.
            target = dt.datetime
    try:
        if target is dt.datetime:
            return parse_datetime(value, where)
        if target is int:
            integer = int(value)
            if integer not in _INT64:
                raise ValueError(f"{where}: {value[:50]!r} is out of range")
            return integer
        if target is decimal.Decimal:
            number = decimal.Decimal(value)
            if number.is_finite() and abs(number.adjusted()) > _MAX_EXPONENT:
                raise ValueError(f"{where}: {value!r} is out of range")
            return number
        if target is bool:
            if value not in ("true", "false"):
                raise ValueError(f"{where} must be true or false")
            return value == "true"
        return convert_scalar(value, target, where)
    except (ValueError, decimal.InvalidOperation) as exc:
        message = (
            str(exc) if str(exc).startswith(where) else f"{where}: {value!r} is not a valid {leaf.json_type}"
        )
        raise bad_request(message) from None


def _compare(expr: Any, op: Op, values: Sequence[Any]) -> ColumnElement[bool]:
    return cast_bool(_comparison(expr, op, values))


def cast_bool(expr: Any) -> ColumnElement[bool]:
    """Typing aid: SQLAlchemy's operator overloads are untyped on `Any` expressions."""
    result: ColumnElement[bool] = expr
    return result


def _comparison(expr: Any, op: Op, values: Sequence[Any]) -> Any:
    if op is Op.EQ:
        return expr == values[0] if len(values) == 1 else expr.in_(values)
    if op is Op.NE:
        return expr != values[0] if len(values) == 1 else expr.not_in(values)
    if op is Op.REGEX:
        return or_(*(expr.regexp_match(v) for v in values))
    method = {Op.GT: "__gt__", Op.GTE: "__ge__", Op.LT: "__lt__", Op.LTE: "__le__"}[op]
    return or_(*(getattr(expr, method)(v) for v in values))


class _JsonPaths:
    """Dialect-specific JSON navigation: scalar extraction and array expansion."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def scalar(self, doc: Any, path: Sequence[str], leaf: SchemaView, *, instant: bool = False) -> Any:
        """The value at `path`; with `instant`, a stored date-time as a comparable instant."""
        if self.pg:
            text = type_coerce(doc, JSONB)[tuple(path)].astext
            kind = leaf.json_type
            if instant:
                # Only what looks like an ISO date-time is cast, so that another stored string
                # is no match rather than an error for the whole list.
                looks_like = text.regexp_match(_ISO_DATETIME_PG)
                return case((looks_like, cast(text, DateTime(timezone=True))), else_=null())
            if kind in ("integer", "number"):
                return cast(text, Numeric)
            if kind == "boolean":
                return cast(text, Boolean)
            return text
        value = func.json_extract(doc, "$" + "".join(f'."{p}"' for p in path))
        if instant:
            # SQLite's date functions read any ISO offset (or Z) and answer UTC, NULL for a non-date.
            return func.strftime(_SQLITE_INSTANT, value)
        return value

    def instant(self, value: dt.datetime) -> Any:
        """A filter's date-time in the form `scalar(..., instant=True)` compares with."""
        if self.pg:
            return value
        utc = value.astimezone(dt.UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}"

    def elements(self, doc: Any, path: Sequence[str]) -> Any:
        """A table of the elements of the array at `path` (column `value`)."""
        if self.pg:
            arr = type_coerce(doc, JSONB)[tuple(path)] if path else type_coerce(doc, JSONB)
            # Lax jsonpath turns a missing or non-array value into zero or one element, never an error.
            safe = func.coalesce(
                func.jsonb_path_query_array(arr, literal_column("'$[*]'::jsonpath")),
                literal_column("'[]'::jsonb"),
            )
            return func.jsonb_array_elements(safe).table_valued("value")
        return func.json_each(doc, "$" + "".join(f'."{p}"' for p in path)).table_valued("value")


def _containment_document(steps: Sequence[PathStep], value: Any) -> str | None:
    """The JSON text `{"a": [{"b": value}]}` that contains `value` at the path `steps`, arrays
    where the schema has arrays; None when the value has no exact JSON form (NaN, infinities).

    Containment in an array means "some element contains", which is what a TMF filter across an
    array asks and what the row-by-row form tests, for documents of the schema's shape.
    """
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        text = str(value)  # exact: a float would round long decimals
    elif isinstance(value, bool | int | str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        return None
    for step in reversed(steps):
        if step.is_array:
            text = f"[{text}]"
        text = f"{{{json.dumps(step.name, ensure_ascii=False)}: {text}}}"
    return text


class FilterCompiler:
    """Compiles Conditions and SortKeys for one resource (its root mapping Node and schema)."""

    def __init__(self, node: Node, schema: SchemaView, dialect: str) -> None:
        self.node = node
        self.schema = schema
        self.json = _JsonPaths(dialect)

    # -- filters -----------------------------------------------------------------------------
    def condition(self, cond: Condition) -> ColumnElement[bool]:
        if cond.path == "href":
            # href is rendered, not stored: a client filtering on it means the id at its end.
            ids = [v.rstrip("/").rsplit("/", 1)[-1] for v in cond.values]
            cond = Condition("id", cond.op, tuple(ids), cond.parameter)
        steps = _resolve(self.schema, cond.path, cond.parameter, what="filter")
        return self._node_predicate(self.node, self.node.entity, steps, cond)

    def _node_predicate(
        self, node: Node, entity: Any, steps: list[PathStep], cond: Condition
    ) -> ColumnElement[bool]:
        names = [s.name for s in steps]
        dotted = ".".join(names)
        col = node.column_for(dotted)
        if col is not None:
            values = [
                col.stored(_typed(v, steps[-1].schema.element, col.python_type, cond.parameter, cond.op))
                for v in cond.values
            ]
            return _compare(getattr(entity, col.column), cond.op, values)
        summary = node.summaries.get(dotted)
        if summary is not None and cond.op in (Op.EQ, Op.NE):
            leaf = steps[-1].schema.element
            mask = summary.bits([_typed(v, leaf, str, cond.parameter, cond.op) for v in cond.values])
            if mask is not None:
                # Some child has one of the values (EQ) or none has any (NE): the owner's mask says.
                column = getattr(entity, summary.column)
                listed = summary.masks_matching(mask, any_set=cond.op is Op.EQ)
                if listed is not None:
                    matching: ColumnElement[bool] = column.in_(listed)
                    return matching
                bits = column.op("&")(mask)
                return cast_bool(bits != 0 if cond.op is Op.EQ else bits == 0)
        coll = node.collections.get(names[0])
        if coll is not None:
            child = aliased(coll.node.entity)
            relationship = getattr(entity, coll.relationship).of_type(child)
            if coll.scalar:
                if len(steps) != 1:
                    raise bad_request(f"Query parameter {cond.parameter!r}: {names[0]} has no attributes")
                scalar_steps = [PathStep(coll.scalar, False, steps[0].schema)]
                inner = self._node_predicate(coll.node, child, scalar_steps, cond)
            elif len(steps) == 1:
                raise bad_request(f"Query parameter {cond.parameter!r}: cannot filter on {names[0]!r} itself")
            else:
                inner = self._node_predicate(coll.node, child, steps[1:], cond)
            if cond.op is Op.NE:
                # "no element equals v" rather than "some element differs from v"
                positive = Condition(cond.path, Op.EQ, cond.values, cond.parameter)
                inner_eq = (
                    self._node_predicate(coll.node, child, scalar_steps, positive)
                    if coll.scalar
                    else self._node_predicate(coll.node, child, steps[1:], positive)
                )
                return cast_bool(not_(relationship.any(inner_eq)))
            result: ColumnElement[bool] = relationship.any(inner)
            return result
        return self._json_predicate(entity.extension, steps, cond)

    def _json_predicate(self, doc: Any, steps: list[PathStep], cond: Condition) -> ColumnElement[bool]:
        leaf = steps[-1].schema.element
        values = [_typed(v, leaf, None, cond.parameter, cond.op) for v in cond.values]
        instant = leaf.format == "date-time" and cond.op is not Op.REGEX
        if instant:
            values = [self.json.instant(v) for v in values]
        if self.json.pg and cond.op is Op.EQ:
            documents = [_containment_document(steps, v) for v in values]
            if all(d is not None for d in documents):
                jsonb = type_coerce(doc, JSONB)
                return cast_bool(or_(*(jsonb.contains(cast(literal(d, String), JSONB)) for d in documents)))
        # Split the path at arrays: each array becomes one EXISTS over its elements.
        prefix: list[str] = []
        for index, step in enumerate(steps):
            prefix.append(step.name)
            if step.is_array and index < len(steps) - 1:
                table = self.json.elements(doc, prefix)
                inner = self._json_predicate(table.c.value, steps[index + 1 :], cond)
                return select(1).select_from(table).where(inner).exists()
        last = steps[-1]
        if last.is_array:
            table = self.json.elements(doc, prefix)
            return (
                select(1)
                .select_from(table)
                .where(_compare(self.json.scalar(table.c.value, [], leaf, instant=instant), cond.op, values))
                .exists()
            )
        return _compare(self.json.scalar(doc, prefix, leaf, instant=instant), cond.op, values)

    def where(self, conditions: Sequence[Condition]) -> ColumnElement[bool] | None:
        if not conditions:
            return None
        return and_(*(self.condition(c) for c in conditions))

    # -- sort --------------------------------------------------------------------------------
    def order_by(self, keys: Sequence[SortKey]) -> list[Any]:
        out: list[Any] = []
        for key in keys:
            steps = _resolve(self.schema, key.path, "sort", what="sort")
            if any(s.is_array for s in steps):
                raise bad_request(
                    f"Query parameter 'sort': cannot sort on {key.path!r}, which is inside an array"
                )
            names = [s.name for s in steps]
            if names[0] in self.node.collections:
                raise bad_request(
                    f"Query parameter 'sort': cannot sort on {key.path!r}, which is inside an array"
                )
            col = self.node.column_for(".".join(names))
            expr: Any
            if col is not None:
                expr = getattr(self.node.entity, col.column)
            elif key.path == "href":
                expr = self.node.entity.id  # type: ignore[attr-defined]
            else:
                expr = self.json.scalar(self.node.entity.extension, names, steps[-1].schema.element)  # type: ignore[attr-defined]
            out.append(expr.desc() if key.descending else expr.asc())
        return out
