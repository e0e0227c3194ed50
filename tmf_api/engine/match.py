"""Evaluating TMF630 conditions against a JSON document in memory, for hub subscription queries.

The grammar is the list filter's (tmf_api.engine.query); an event is a document, not a row, so
its conditions are evaluated here. A path through arrays matches when any element matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import re2

from sid_model.db import re2_search
from tmf_api.engine.query import Condition, Op, Query


def values_at(doc: Any, path: list[str]) -> Iterator[Any]:
    if not path:
        if isinstance(doc, list):
            yield from doc
        else:
            yield doc
        return
    if isinstance(doc, list):
        for item in doc:
            yield from values_at(item, path)
    elif isinstance(doc, dict) and path[0] in doc:
        yield from values_at(doc[path[0]], path[1:])


def _as_instant(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _comparable(actual: Any, wanted: str) -> tuple[Any, Any] | None:
    """The pair to compare, typed after the document's value; None when they cannot compare."""
    if isinstance(actual, bool):
        return (actual, wanted == "true") if wanted in ("true", "false") else None
    if isinstance(actual, int | float):
        try:
            return actual, float(wanted)
        except ValueError:
            return None
    if isinstance(actual, str):
        left, right = _as_instant(actual), _as_instant(wanted)
        if left is not None and right is not None and "T" in actual:
            return left, right
        return actual, wanted
    return None


def _matches_one(actual: Any, op: Op, wanted: str) -> bool:
    if op is Op.REGEX:
        # RE2, as the filters on SQLite: an event is matched on the request's and the dispatcher's
        # time, and a backtracking matcher could hold either for minutes on one expression.
        if not isinstance(actual, str):
            return False
        try:
            return bool(re2_search(wanted, actual))
        except re2.error:
            return False  # refused when the subscription was made; stored before that check
    pair = _comparable(actual, wanted)
    if pair is None:
        return False
    left, right = pair
    try:
        if op is Op.EQ:
            return bool(left == right)
        if op is Op.GT:
            return bool(left > right)
        if op is Op.GTE:
            return bool(left >= right)
        if op is Op.LT:
            return bool(left < right)
        if op is Op.LTE:
            return bool(left <= right)
    except TypeError:
        return False
    raise AssertionError(op)


def condition_matches(doc: Any, cond: Condition) -> bool:
    actual = list(values_at(doc, cond.path.split(".")))
    if cond.op is Op.NE:
        return not any(_matches_one(a, Op.EQ, w) for a in actual for w in cond.values)
    return any(_matches_one(a, cond.op, w) for a in actual for w in cond.values)


def matches(doc: Any, query: Query) -> bool:
    return all(condition_matches(doc, cond) for cond in query.conditions)
