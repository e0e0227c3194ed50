"""Races on one order that end as the lifecycle says: two server processes on one PostgreSQL
database, and threads against one app on SQLite (one process: SQLite's lock cannot be watched from
outside). Each race is made certain, not hoped for: the order's row is held from another
connection until both requests are seen waiting for it, then let go.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.adapter.test_handlers import WAIT_S, row_locked, wait_until_waiting_on_lock, waits_for_the_lock
from tests.api.test_tmf622 import V4, order_v4
from tests.fixtures.app import make_client
from tests.fixtures.server import running_server

MERGE = {"Content-Type": "application/merge-patch+json"}
Send = Callable[..., httpx.Response]


@contextlib.contextmanager
def two_servers(database_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two server processes on one PostgreSQL database, a client for each."""
    with (
        running_server(database_url) as first,
        running_server(database_url) as second,
        httpx.Client(base_url=first, timeout=WAIT_S * 2) as one,
        httpx.Client(base_url=second, timeout=WAIT_S * 2) as other,
    ):
        yield one, other


def race_on_postgresql(
    database_url: str, order_id: str, requests: list[Callable[[], httpx.Response]]
) -> list[httpx.Response]:
    """Run `requests` together while the order's row is held, let it go once all wait for it."""
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        with row_locked("postgresql", database_url, order_id) as holder:
            futures = [pool.submit(request) for request in requests]
            wait_until_waiting_on_lock(holder, requests=len(requests))
        return [f.result(timeout=WAIT_S) for f in futures]


def race_on_sqlite(
    database_url: str, engine: Any, order_id: str, requests: list[Callable[[], httpx.Response]]
) -> list[httpx.Response]:
    """The same on SQLite, in one process: the write lock is held until every request has asked for it."""
    asked: list[str] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if waits_for_the_lock(statement):
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", _seen)
    try:
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            futures: list[Future[httpx.Response]]
            with row_locked("sqlite", database_url, order_id):
                futures = [pool.submit(request) for request in requests]
                deadline = time.monotonic() + WAIT_S
                while len(asked) < len(requests) and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert len(asked) >= len(requests), asked
            return [f.result(timeout=WAIT_S) for f in futures]
    finally:
        event.remove(engine, "before_cursor_execute", _seen)


@contextlib.contextmanager
def racing(
    db_kind: str, database_url: str
) -> Iterator[tuple[Send, Send, Callable[..., list[httpx.Response]]]]:
    """Two ways in to one database (two processes, or two threads of one app) and the race runner."""
    if db_kind == "postgresql":
        with two_servers(database_url) as (one, other):
            yield one.request, other.request, lambda oid, reqs: race_on_postgresql(database_url, oid, reqs)
        return
    with make_client(database_url) as client:
        engine = client.app.sessions.kw["bind"]
        yield (
            client.request,
            client.request,
            lambda oid, reqs: race_on_sqlite(database_url, engine, oid, reqs),
        )


@pytest.fixture
def order(
    db_kind: str, database_url: str
) -> Iterator[tuple[Send, Send, Callable[..., list[httpx.Response]], str]]:
    with racing(db_kind, database_url) as (one, other, race):
        created = one("POST", f"{V4}/productOrder", json=order_v4("raced"))
        assert created.status_code == 201, created.text
        yield one, other, race, created.json()["id"]


def test_held_and_rejected_at_once_cannot_both_commit(order: Any) -> None:
    one, other, race, order_id = order
    url = f"{V4}/productOrder/{order_id}"
    # From acknowledged both are legal; after either the other is not (lifecycles.yaml).
    held, rejected = race(
        order_id,
        [
            lambda: one("PATCH", url, json={"state": "held"}, headers=MERGE),
            lambda: other("PATCH", url, json={"state": "rejected"}, headers=MERGE),
        ],
    )
    assert sorted([held.status_code, rejected.status_code]) == [200, 409], (held.text, rejected.text)
    winner, loser = (held, rejected) if held.status_code == 200 else (rejected, held)
    assert "Allowed next states" in loser.json()["message"]
    final = one("GET", url).json()["state"]
    assert final == winner.json()["state"]


def test_two_patches_with_one_if_match_cannot_both_commit(order: Any) -> None:
    one, other, race, order_id = order
    url = f"{V4}/productOrder/{order_id}"
    tag = one("GET", url).headers["etag"]
    first, second = race(
        order_id,
        [
            lambda: one("PATCH", url, json={"description": "one"}, headers=MERGE | {"If-Match": tag}),
            lambda: other("PATCH", url, json={"description": "other"}, headers=MERGE | {"If-Match": tag}),
        ],
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    assert one("GET", url).json()["description"] == winner.json()["description"]


def test_two_cancellations_at_once_end_with_one_done(order: Any) -> None:
    one, other, race, order_id = order
    body = {"cancellationReason": "客户申请取消", "productOrder": {"id": order_id}}
    cancels = race(
        order_id,
        [
            lambda: one("POST", f"{V4}/cancelProductOrder", json=body),
            lambda: other("POST", f"{V4}/cancelProductOrder", json=body),
        ],
    )
    assert [c.status_code for c in cancels] == [201, 201], [c.text for c in cancels]
    # Measured before the order was read under its lock: both `done`, the order cancelled twice.
    assert sorted(c.json()["state"] for c in cancels) == ["done", "terminatedWithError"]
    assert one("GET", f"{V4}/productOrder/{order_id}").json()["state"] == "cancelled"
