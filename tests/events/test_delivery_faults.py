"""Event delivery under faults (TMF630 part 2 hub): at-least-once, nothing lost.

A real HTTP listener (tests/events/faults_support.py) stands in for subscribers; it is stopped,
restarted, told to fail or to hang. Servers are in-process (`make_client`, short backoff) where
settings must be tuned, and real `tmf serve` subprocesses (default settings: backoff 1 s doubling,
timeout 5 s, lease 20 s) where processes must die or run side by side.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from sid_model import EventSubscription
from tests.api.test_tmf622 import V4 as ORDERS_V4
from tests.api.test_tmf622 import order_v4
from tests.events.faults_support import (
    TT_V4,
    CallbackListener,
    DispatchProcess,
    Outbox,
    ServerProcess,
    create_tickets,
    subscribe,
    tmf_cli,
    wait_until,
)
from tests.fixtures.app import make_client
from tests.fixtures.databases import PostgresCluster

FAST = {
    "delivery_backoff_base": 0.05,
    "delivery_backoff_max": 0.4,
    "delivery_poll_interval": 0.05,
}


def _all_final(outbox: Outbox, expected: int, state: str = "delivered") -> bool:
    states = outbox.states()
    return sum(states.values()) == expected and states[state] == expected


# -- 1. listener down, then up ----------------------------------------------------------------


def test_events_produced_while_listener_down_are_delivered_when_it_returns(database_url: str) -> None:
    outbox = Outbox(database_url)
    listener = CallbackListener().start()
    try:
        with make_client(database_url, delivery_max_attempts=50, **FAST) as client:
            subscribe(client, listener.url("/down-up"))
            listener.stop()  # connection refused from now on
            create_tickets(client, 5, "while down")
            # Retried with backoff while the listener is away: several failed attempts each.
            outbox.wait_for(
                lambda: all(d["attempts"] >= 3 for d in outbox.deliveries()), 15, "three failed attempts each"
            )
            assert not listener.delivered()
            pending = outbox.deliveries()
            assert {d["state"] for d in pending} <= {"pending", "sending"}
            assert all("Connect" in (d["last_error"] or "") for d in pending if d["state"] == "pending")

            listener.start()  # same port
            outbox.wait_for(lambda: _all_final(outbox, 5), 15, "every delivery delivered")

        event_ids = outbox.event_ids()
        assert len(event_ids) == 5
        counts = listener.counts("/down-up")
        assert set(counts) == event_ids  # none lost, nothing foreign
        assert all(n >= 1 for n in counts.values())
        for delivery in outbox.deliveries():
            # every POST is recorded: the failed ones and the successful last one
            assert delivery["attempt_rows"] == delivery["attempts"] >= 4
    finally:
        listener.close()
        outbox.close()


# -- 2. dead letters and replay ---------------------------------------------------------------


def test_callbacks_that_cannot_be_posted_to_dead_letter_like_any_failure(database_url: str) -> None:
    """A URL the client could not encode was retried forever, never recorded; now it is posted
    percent-encoded, and one refused at delivery (stored before the checks existed) is a failed
    attempt like a refused connection: both end dead after the last attempt."""
    outbox = Outbox(database_url)
    try:
        with make_client(database_url, delivery_max_attempts=2, **FAST) as client:
            subscribe(client, "http://127.0.0.1:9/订单")  # nothing listens on the discard port
            unposted = subscribe(client, "http://127.0.0.1:9/stored-before")
            with Session(outbox.engine) as session, session.begin():
                # As a subscription taken before credentials were refused would be stored.
                session.execute(
                    update(EventSubscription)
                    .where(EventSubscription.id == unposted)
                    .values(callback="http://user:secret@127.0.0.1:9/stored-before")
                )
            create_tickets(client, 1, "undeliverable")
            outbox.wait_for(lambda: _all_final(outbox, 2, "dead"), 15, "both deliveries dead")
        deliveries = {d["callback"]: d for d in outbox.deliveries()}
        assert all(d["attempts"] == d["attempt_rows"] == 2 for d in deliveries.values())
        assert "credentials" in deliveries["http://user:secret@127.0.0.1:9/stored-before"]["last_error"]
        assert "Connect" in deliveries["http://127.0.0.1:9/订单"]["last_error"]
    finally:
        outbox.close()



def test_always_failing_callback_ends_dead_and_replay_delivers_it(database_url: str) -> None:
    outbox = Outbox(database_url)
    listener = CallbackListener(mode="fail", path_modes={"/marker": "ok"}).start()
    try:
        with make_client(database_url, delivery_max_attempts=3, **FAST) as client:
            subscribe(client, listener.url("/broken"))
            # Another API's hub, answered: its events show the dispatcher at work later on.
            subscribe(client, listener.url("/marker"), ORDERS_V4)
            create_tickets(client, 2, "dead letter")
            outbox.wait_for(lambda: _all_final(outbox, 2, "dead"), 15, "both deliveries dead")
            deliveries = outbox.deliveries()
            assert all(d["attempts"] == d["attempt_rows"] == 3 for d in deliveries)
            assert len(listener.received) == 6 and {r.status for r in listener.received} == {500}
            assert not listener.delivered()

            listed = tmf_cli("events", "dead-letters", "--database-url", database_url)
            assert listed.returncode == 0, listed.stderr
            for delivery in deliveries:
                assert delivery["id"] in listed.stdout
            assert "2 dead deliveries" in listed.stdout
            assert "attempts=3" in listed.stdout and listener.url("/broken") in listed.stdout
            assert "HTTP 500" in listed.stdout or "500" in listed.stdout

            # Dead stays dead: the dispatcher goes on delivering (a marker event reaches /marker)
            # and the dead deliveries get no further attempt meanwhile. No sleep stands in for it.
            marker = client.post(f"{ORDERS_V4}/productOrder", json=order_v4("after the deaths"))
            assert marker.status_code == 201, marker.text
            wait_until(lambda: len(listener.delivered("/marker")) == 1, 15, "the marker event")
            assert outbox.states()["dead"] == 2
            assert len([r for r in listener.received if r.path == "/broken"]) == 6

            listener.mode = "ok"  # the subscriber is fixed
            replayed = tmf_cli("events", "replay", "--all", "--database-url", database_url)
            assert replayed.returncode == 0, replayed.stderr
            assert "2 deliveries queued again" in replayed.stdout
            outbox.wait_for(lambda: _all_final(outbox, 3), 15, "the replayed deliveries and the marker")

        assert set(listener.counts("/broken")) | set(listener.counts("/marker")) == outbox.event_ids()
        listed = tmf_cli("events", "dead-letters", "--database-url", database_url)
        assert "0 dead deliveries" in listed.stdout
    finally:
        listener.close()
        outbox.close()


# -- 3. server killed mid-delivery -------------------------------------------------------------


def test_server_killed_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL with deliveries `sending` (posts hanging) and `pending` (listener down, backing off):
    after a restart every event arrives; the `sending` ones once their lease expires (3 × the
    delivery timeout + 5 s: 11 s with the 2 s timeout here, 20 s with the default 5 s)."""
    database_url = f"sqlite:///{tmp_path / 'tmf.db'}"
    outbox = Outbox(database_url)
    listener = CallbackListener(mode="hang", hang_seconds=60).start()
    server = ServerProcess(database_url, "--delivery-timeout", "2").start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            subscribe(client, listener.url("/restart"))
            create_tickets(client, 3, "hanging")
            outbox.wait_for(lambda: outbox.states()["sending"] == 3, 10, "three deliveries sending")
            listener.stop()  # now refused: the next deliveries fail fast and back off
            create_tickets(client, 3, "refused")
            outbox.wait_for(
                lambda: all(d["attempts"] >= 1 for d in outbox.deliveries()[3:]),
                10,
                "a refused attempt for each of the last three deliveries",
            )
        server.kill()
        states = outbox.states()
        # Usually 3 sending (hanging posts, leased 20 s) + 3 pending (backing off); timing may
        # move a few from one to the other, never out of these two states.
        assert sum(states.values()) == 6 and set(states) <= {"sending", "pending"}, states
        listener.release()  # the hanging requests end (their client is gone)
        listener.mode = "ok"
        listener.start()
        server.start()
        # pending ones come quickly; leased ones when the lease runs out (11 s after the claim)
        outbox.wait_for(lambda: _all_final(outbox, 6), 40, "every delivery delivered after restart")
        event_ids = outbox.event_ids()
        counts = listener.counts("/restart")
        assert set(counts) == event_ids and len(event_ids) == 6
        assert all(n >= 1 for n in counts.values())  # at least once
    finally:
        server.kill()
        listener.close()
        outbox.close()


# -- 4. two dispatchers on one PostgreSQL database -------------------------------------------


@pytest.mark.postgres
def test_two_dispatchers_share_the_work_exactly_once(postgres_cluster: PostgresCluster) -> None:
    subscriptions, changes = 5, 60
    database_url = postgres_cluster.new_database()
    outbox = Outbox(database_url)
    listener = CallbackListener().start()
    # Posts wait at this gate (less than the delivery timeout), so the first worker cannot drain
    # the outbox before the second has claimed its share, however fast the machine.
    gate = threading.Event()
    listener.on_receive = lambda _item: gate.wait(3.0)
    second = "tmf-second-dispatcher"
    server = ServerProcess(database_url).start()  # upgrades the schema; dispatches too
    try:
        with (
            DispatchProcess(f"{database_url}?application_name={second}") as worker,
            httpx.Client(base_url=server.base_url, timeout=30) as client,
        ):
            # The second worker polls once it has connected.
            wait_until(lambda: outbox.connections(second) > 0, 60, "the second dispatcher connected")
            for n in range(subscriptions):
                subscribe(client, listener.url(f"/sub{n}"))
            threads = [
                threading.Thread(target=create_tickets, args=(client, changes // 4, f"pair {k}"))
                for k in range(4)
            ]
            for thread in threads:
                thread.start()
            wait_until(lambda: len(outbox.claimers()) == 2, 30, "both workers holding deliveries")
            gate.set()
            for thread in threads:
                thread.join()
            total = subscriptions * changes
            outbox.wait_for(lambda: _all_final(outbox, total), 60, f"{total} deliveries delivered")
            assert worker.process is not None and worker.process.poll() is None, worker.output()
        pairs = listener.pairs()
        event_ids = outbox.event_ids()
        assert len(event_ids) == changes
        expected = {(e, f"/sub{n}") for e in event_ids for n in range(subscriptions)}
        assert set(pairs) == expected
        duplicates = {pair: n for pair, n in pairs.items() if n != 1}
        assert not duplicates, f"delivered more than once: {list(duplicates.items())[:5]}"
        workers = outbox.attempt_workers()
        assert sum(workers.values()) == total  # one attempt per delivery
        assert len(workers) == 2, f"both workers should have delivered some events: {workers}"
    finally:
        server.kill()
        listener.close()
        outbox.close()


# -- 5. a hanging subscriber stalls neither the API nor other subscribers ---------------------

# The dispatcher's slots (Settings.delivery_concurrency) that hanging posts could occupy, and the
# posts in flight it allows one subscription (Settings.delivery_per_subscription).
SLOTS = 16
PER_SUBSCRIPTION = 4
# /slow's posts hang longer than the test waits for anything, and the dispatcher waits longer
# still: whatever /fast receives, it receives while /slow's posts hold their slots.
HANG_S = 120.0
WAIT_S = 60.0


@pytest.mark.parametrize("tickets", [SLOTS // 2, SLOTS + 8], ids=["fewer-than-slots", "more-than-slots"])
def test_hanging_callback_stalls_neither_api_nor_other_subscriber(tmp_path: Path, tickets: int) -> None:
    """Subscriber /slow never answers, /fast does. Every /fast event and every GET arrives while
    /slow's posts are still hanging: proven by state, not by timing. Without the per-subscription
    cap (before dcaf3ff) /slow took all the slots and /fast got nothing until /slow's timeouts."""
    database_url = f"sqlite:///{tmp_path / 'tmf.db'}"
    listener = CallbackListener(path_modes={"/slow": "hang"}, hang_seconds=HANG_S).start()
    outbox = Outbox(database_url)
    server = ServerProcess(database_url, "--delivery-timeout", str(HANG_S * 2)).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=WAIT_S) as client:
            subscribe(client, listener.url("/slow"))
            subscribe(client, listener.url("/fast"))
            created = create_tickets(client, tickets, "hang")
            wait_until(lambda: len(listener.delivered("/fast")) >= tickets, WAIT_S, "/fast's events")
            for ticket_id in created:
                assert client.get(f"{TT_V4}/troubleTicket/{ticket_id}").status_code == 200
            slow = [d for d in outbox.deliveries() if d["callback"].endswith("/slow")]
            # /slow still holds its slots, its posts unanswered: none ended, none retried.
            assert not listener.delivered("/slow")
            in_flight = [d for d in slow if d["state"] == "sending"]
            assert len(in_flight) == min(tickets, PER_SUBSCRIPTION), [d["state"] for d in slow]
            assert all(d["attempt_rows"] == 0 for d in slow)
        assert {r.resource_id for r in listener.delivered("/fast")} == set(created)
    finally:
        server.kill()
        listener.close()
        outbox.close()
