"""Handlers run off the event loop: a request waiting on the database holds up no other request."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf622 import V4, order_v4
from tests.fixtures.app import make_client

WAIT_S = 30.0  # generous: the proof is the order of states, not how fast they come


@contextlib.contextmanager
def row_locked(db_kind: str, database_url: str, order_id: str) -> Iterator[Any]:
    """Hold the order's row (PostgreSQL `FOR UPDATE`; SQLite: the write lock) from another connection."""
    url = make_url(database_url)
    if db_kind == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as conn:
            conn.execute("SELECT pk FROM product_order WHERE id = %s FOR UPDATE", (order_id,))
            try:
                yield conn
            finally:
                conn.rollback()
    else:
        writer = sqlite3.connect(str(url.database), isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            try:
                yield writer
            finally:
                writer.execute("ROLLBACK")
        finally:
            writer.close()


def wait_until_waiting_on_lock(conn: psycopg.Connection[Any], requests: int = 1) -> None:
    """PostgreSQL shows `requests` of our PATCHes waiting for the row lock."""
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(conn.info.dsn, autocommit=True) as observer:
        while time.monotonic() < deadline:
            waiting = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%%product_order%%'"
            ).fetchone()
            if waiting and waiting[0] >= requests:
                return
            time.sleep(0.05)
    raise AssertionError("the PATCH never waited on the row lock")


def waits_for_the_lock(statement: str) -> bool:
    """A statement a writing request blocks on while the row is held elsewhere: its first read
    under the lock (SQLite BEGIN IMMEDIATE, PostgreSQL FOR UPDATE) or, without one, its UPDATE."""
    return statement.startswith(("BEGIN IMMEDIATE", "UPDATE product_order ")) or (
        "FOR UPDATE" in statement and "product_order" in statement
    )


def test_a_request_waiting_on_a_row_lock_holds_up_no_other_request(db_kind: str, database_url: str) -> None:
    with make_client(database_url) as client, ThreadPoolExecutor(max_workers=3) as pool:
        locked = client.post(f"{V4}/productOrder", json=order_v4("locked")).json()
        other = client.post(f"{V4}/productOrder", json=order_v4("other")).json()
        engine = client.app.sessions.kw["bind"]
        patch_writing = threading.Event()

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if waits_for_the_lock(statement):
                patch_writing.set()

        with row_locked(db_kind, database_url, locked["id"]) as holder:
            patch = pool.submit(
                client.patch,
                f"{V4}/productOrder/{locked['id']}",
                json={"description": "changed while locked"},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert patch_writing.wait(WAIT_S), "the PATCH never reached the lock"
            if db_kind == "postgresql":
                wait_until_waiting_on_lock(holder)
            get = pool.submit(client.get, f"{V4}/productOrder/{other['id']}")
            listed = pool.submit(client.get, f"{V4}/productOrder", params={"limit": 5})
            # With handlers on the event loop these never answer while the PATCH waits.
            assert get.result(timeout=WAIT_S).status_code == 200
            assert get.result().json()["id"] == other["id"]
            assert listed.result(timeout=WAIT_S).status_code == 200
            assert not patch.done(), "the PATCH finished while the row was still locked"
        response = patch.result(timeout=WAIT_S)
        assert response.status_code == 200, response.text
        assert response.json()["description"] == "changed while locked"



def test_a_statement_stopped_by_the_statement_timeout_is_a_tmf_503(db_kind: str, database_url: str) -> None:
    # PostgreSQL cancels the PATCH's UPDATE (statement_timeout); SQLite gives up waiting for the
    # write lock (its busy timeout). Either way the client is told to retry, not that we crashed.
    with make_client(database_url, statement_timeout=0.2) as client:
        order = client.post(f"{V4}/productOrder", json=order_v4("timeout")).json()
        with row_locked(db_kind, database_url, order["id"]):
            response = client.patch(
                f"{V4}/productOrder/{order['id']}",
                json={"description": "never"},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert client.get(f"{V4}/productOrder/{order['id']}").status_code == 200  # reads go on
        body = assert_tmf_error(response, 503, mentions="retry")
        assert body["reason"] == "Service Unavailable"
        assert response.headers["retry-after"] == "1"
        assert client.get(f"{V4}/productOrder/{order['id']}").json()["description"] == "timeout"


def test_two_patches_racing_for_one_order_cannot_both_pass_its_lifecycle(
    db_kind: str, database_url: str
) -> None:
    # From acknowledged both moves are legal; after either, the other is not. Both PATCHes are
    # made to start while the row is held, so both would read `acknowledged` if they could.
    with make_client(database_url) as client, ThreadPoolExecutor(max_workers=2) as pool:
        order = client.post(f"{V4}/productOrder", json=order_v4("race")).json()
        engine = client.app.sessions.kw["bind"]
        waiting: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if waits_for_the_lock(statement):
                waiting.append(statement)

        def move(state: str) -> Any:
            return client.patch(
                f"{V4}/productOrder/{order['id']}",
                json={"state": state},
                headers={"Content-Type": "application/merge-patch+json"},
            )

        with row_locked(db_kind, database_url, order["id"]) as holder:
            moves = [pool.submit(move, "rejected"), pool.submit(move, "inProgress")]
            deadline = time.monotonic() + WAIT_S
            while len(waiting) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(waiting) >= 2, waiting
            if db_kind == "postgresql":
                wait_until_waiting_on_lock(holder, requests=2)
        statuses = sorted(m.result(timeout=WAIT_S).status_code for m in moves)
        assert statuses == [200, 409]
        final = client.get(f"{V4}/productOrder/{order['id']}").json()["state"]
        assert final in ("rejected", "inProgress")
