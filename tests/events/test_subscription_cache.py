"""The outbox's subscription look-up: cached per API, re-read only when a hub changed.

Two apps on one database stand for two server processes (`tmf serve --workers 2`): a hub change
made through one must reach the other's outbox at once, without either re-reading every
subscription on every change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from sid_model import EventDelivery, EventRecord
from tests.api.test_tmf622 import order_v4
from tests.fixtures.app import CheckedClient, make_client
from tests.fixtures.listener import subscribe

BASE = "/tmf-api/productOrderingManagement/v4"
CALLBACK = "http://127.0.0.1:9/listener"


def _deliveries(client: CheckedClient) -> int:
    with client.app.sessions() as session:
        stmt = select(func.count()).select_from(EventDelivery).join(EventRecord)
        return int(session.scalar(stmt) or 0)


def _order(client: CheckedClient) -> None:
    response = client.post(f"{BASE}/productOrder", json=order_v4("cache"))
    assert response.status_code == 201, response.text


def test_hub_changes_through_another_process_reach_the_outbox(database_url: str) -> None:
    with (
        make_client(database_url, dispatch_events=False) as one,
        make_client(database_url, dispatch_events=False) as other,
    ):
        _order(one)  # `one` has now looked up (and cached) TMF622's subscriptions: none
        assert _deliveries(one) == 0
        hub = subscribe(other, BASE, CALLBACK)
        _order(one)
        assert _deliveries(one) == 1  # the subscription made through `other` got the event
        assert other.delete(f"{BASE}/hub/{hub['id']}").status_code == 204
        subscribe(other, BASE, CALLBACK, "eventType=ProductOrderDeleteEvent")
        _order(one)
        assert _deliveries(one) == 0  # the deleted one is gone, the new one wants other events


def test_changes_do_not_reread_the_subscriptions_while_the_hub_is_unchanged(database_url: str) -> None:
    with make_client(database_url, dispatch_events=False) as client:
        for _ in range(3):
            subscribe(client, BASE, CALLBACK)
        _order(client)  # fills the cache
        engine = client.app.sessions.kw["bind"]
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            _order(client)
            _order(client)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert _deliveries(client) == 3 * 3  # every order still reached the three subscriptions
        reads = [s for s in statements if "FROM event_subscription" in s]
        assert reads == [], reads
