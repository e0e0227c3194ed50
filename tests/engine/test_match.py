from __future__ import annotations

import pytest

from tmf_api.engine.match import matches
from tmf_api.engine.query import parse_query

EVENT = {
    "eventType": "ProductOrderStateChangeEvent",
    "eventTime": "2026-11-22T05:00:00.000Z",
    "event": {
        "productOrder": {
            "state": "completed",
            "priority": "1",
            "productOrderItem": [{"action": "add", "quantity": 2}, {"action": "modify", "quantity": 1}],
            "x-flag": True,
        }
    },
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", True),
        ("eventType=ProductOrderStateChangeEvent", True),
        ("eventType=ProductOrderCreateEvent", False),
        ("eventType=ProductOrderCreateEvent,ProductOrderStateChangeEvent", True),
        ("eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed", True),
        ("eventType=ProductOrderStateChangeEvent&event.productOrder.state=inProgress", False),
        ("event.productOrder.productOrderItem.action=modify", True),
        ("event.productOrder.productOrderItem.action=delete", False),
        ("event.productOrder.productOrderItem.quantity.gt=1", True),
        ("event.productOrder.productOrderItem.quantity.gt=2", False),
        ("event.productOrder.state.ne=completed", False),
        ("event.productOrder.state.ne=failed", True),
        ("eventTime.gt=2026-11-22T04:00:00Z", True),
        ("eventTime.lt=2026-11-22T04:00:00Z", False),
        ("eventType*=StateChange", True),
        ("event.productOrder.x-flag=true", True),
        ("event.productOrder.noSuchAttribute=x", False),
    ],
)
def test_subscription_queries(query: str, expected: bool) -> None:
    assert matches(EVENT, parse_query(query)) is expected


def test_a_regular_expression_in_a_subscription_query_never_backtracks() -> None:
    """`(a+)+$` against 60 `a` and a `!`: 2^60 steps in Python's `re`, at once in RE2; an
    expression RE2 refuses matches nothing rather than failing the change that raised the event."""
    event = {"eventType": "X", "event": {"productOrder": {"description": "a" * 60 + "!"}}}
    assert not matches(event, parse_query("event.productOrder.description.regex=(a%2B)%2B%24"))
    assert matches(event, parse_query("event.productOrder.description.regex=^a%2B!%24"))
    assert not matches(event, parse_query("event.productOrder.description.regex=(a)%5C1"))
