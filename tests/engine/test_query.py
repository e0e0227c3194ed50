from __future__ import annotations

import pytest

from tmf_api.engine.query import Condition, Op, SortKey, parse_query
from tmf_api.errors import TMFError


def test_equality_comma_or_and_repetition_or() -> None:
    q = parse_query("state=completed,failed&state=held&category=B2C")
    assert q.conditions == [
        Condition("state", Op.EQ, ("completed", "failed", "held"), "state"),
        Condition("category", Op.EQ, ("B2C",), "category"),
    ]


@pytest.mark.parametrize(
    ("raw", "path", "op", "value"),
    [
        ("orderDate.gt=2020-01-01", "orderDate", Op.GT, "2020-01-01"),
        ("orderDate.gte=2020-01-01", "orderDate", Op.GTE, "2020-01-01"),
        ("orderDate.lt=2020-01-01", "orderDate", Op.LT, "2020-01-01"),
        ("orderDate.lte=2020-01-01", "orderDate", Op.LTE, "2020-01-01"),
        ("state.eq=held", "state", Op.EQ, "held"),
        ("state.ne=held", "state", Op.NE, "held"),
        ("description*=^5G", "description", Op.REGEX, "^5G"),
        ("description.regex=a,b", "description", Op.REGEX, "a,b"),
        ("orderDate>=2020-01-01", "orderDate", Op.GTE, "2020-01-01"),
        ("orderDate<=2020-01-01", "orderDate", Op.LTE, "2020-01-01"),
        ("orderDate>2020-01-01", "orderDate", Op.GT, "2020-01-01"),
        ("orderDate<2020-01-01", "orderDate", Op.LT, "2020-01-01"),
        ("productOrderItem.action=add", "productOrderItem.action", Op.EQ, "add"),
    ],
)
def test_operators(raw: str, path: str, op: Op, value: str) -> None:
    (cond,) = parse_query(raw).conditions
    assert (cond.path, cond.op, cond.values) == (path, op, (value,))


def test_reserved_parameters() -> None:
    q = parse_query("fields=id,state&fields=note.text&sort=-orderDate,+id&offset=5&limit=7")
    assert q.fields == ["id", "state", "note.text"]
    assert q.sort == [SortKey("orderDate", True), SortKey("id", False)]
    assert (q.offset, q.limit, q.conditions) == (5, 7, [])
    assert parse_query("fields=none").fields == ["none"]


@pytest.mark.parametrize(
    ("raw", "mentions"),
    [
        ("offset=-1", "offset"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("fields=", "fields"),
        ("a..b=1", "a..b"),
        ("state.like=x", "like"),
        ("sort=-", "sort"),
    ],
)
def test_malformed_parameters_name_the_parameter(raw: str, mentions: str) -> None:
    with pytest.raises(TMFError) as err:
        parse_query(raw)
    assert err.value.status == 400 and mentions in err.value.message
