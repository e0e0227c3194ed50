"""The event dispatcher: delivers outbox rows to subscribers' callbacks, at least once.

Work is claimed in batches with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises
writers anyway), marked `sending` with a lease, posted concurrently (bounded, with timeouts, so
a slow callback holds only its own slot), then recorded: delivered, or back to `pending` with
exponential backoff, or `dead` after the last attempt. A worker that dies mid-delivery leaves
leases that expire, and another worker (or itself, restarted) takes the work again; listeners
de-duplicate by `eventId`. Database work runs in a thread so the event loop serving API
requests never waits on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import random
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sid_model import EventDelivery, EventDeliveryAttempt, EventRecord, EventSubscription
from tmf_api.callbacks import CallbackClient, CallbackError, CallbackPolicy
from tmf_api.engine.resource import utcnow
from tmf_api.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    pk: int
    subscription_pk: int
    attempts: int
    callback: str
    body: bytes  # the event, encoded once for all its subscribers


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Dispatcher:
    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, worker: str | None = None
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- waking ------------------------------------------------------------------------------
    def wake(self) -> None:
        """Thread-safe: new deliveries were committed."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- database steps (run in a worker thread) ----------------------------------------------
    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.delivery_timeout * 3 + 5)

    def claim(self, limit: int, saturated: frozenset[int] = frozenset()) -> list[Claimed]:
        """Lease up to `limit` due deliveries, none for the subscriptions in `saturated`."""
        now = utcnow()
        due = or_(
            and_(EventDelivery.state == "pending", EventDelivery.next_attempt_at <= now),
            and_(EventDelivery.state == "sending", EventDelivery.lease_until < now),
        )
        if saturated:
            due = and_(due, EventDelivery.subscription_pk.not_in(saturated))
        with self.sessions.begin() as session:
            pks = (
                select(EventDelivery.pk)
                .where(due)
                .order_by(EventDelivery.pk)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            claimed = session.scalars(
                update(EventDelivery)
                .where(EventDelivery.pk.in_(pks.scalar_subquery()), due)
                .values(state="sending", lease_until=now + self.lease, claimed_by=self.worker)
                .returning(EventDelivery.pk)
            ).all()
            if not claimed:
                return []
            rows = session.execute(
                select(
                    EventDelivery.pk,
                    EventDelivery.subscription_pk,
                    EventDelivery.attempts,
                    EventSubscription.callback,
                    EventRecord.pk,
                    EventRecord.payload,
                )
                .join(EventSubscription, EventSubscription.pk == EventDelivery.subscription_pk)
                .join(EventRecord, EventRecord.pk == EventDelivery.event_pk)
                .where(EventDelivery.pk.in_(claimed))
                .order_by(EventDelivery.pk)
            ).all()
        encoded: dict[int, bytes] = {}
        claimed_rows = []
        for pk, subscription, attempts, url, event_pk, payload in rows:
            if event_pk not in encoded:
                encoded[event_pk] = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            claimed_rows.append(Claimed(pk, subscription, attempts, url, encoded[event_pk]))
        return claimed_rows

    def release(self, pks: list[int]) -> None:
        """Give leased deliveries back untried (their subscription has enough posts in flight)."""
        with self.sessions.begin() as session:
            session.execute(
                update(EventDelivery)
                .where(EventDelivery.pk.in_(pks), EventDelivery.claimed_by == self.worker)
                .values(state="pending", lease_until=None, claimed_by=None)
            )

    def backoff(self, attempts: int) -> dt.timedelta:
        base = self.settings.delivery_backoff_base * 2 ** max(attempts - 1, 0)
        seconds = min(self.settings.delivery_backoff_max, base) * random.uniform(0.8, 1.2)
        return dt.timedelta(seconds=seconds)

    def record(self, results: list[tuple[Claimed, Outcome]]) -> None:
        """Record a batch of attempts in one transaction (one writer round trip, not one per post).

        Only rows still leased by this worker are touched: a row whose lease expired and another
        worker took, or whose subscription was removed, is left to its new owner.
        """
        now = utcnow()
        ours = and_(EventDelivery.claimed_by == self.worker, EventDelivery.state == "sending")
        delivered = [claimed.pk for claimed, outcome in results if outcome.ok]
        with self.sessions.begin() as session:
            mine = set(
                session.scalars(
                    select(EventDelivery.pk)
                    .where(EventDelivery.pk.in_([claimed.pk for claimed, _ in results]), ours)
                    .with_for_update()
                )
            )
            attempts = [
                {
                    "delivery_pk": claimed.pk,
                    "attempted_at": now,
                    "worker": self.worker,
                    "status_code": outcome.status_code,
                    "error": outcome.error,
                    "duration_ms": outcome.duration_ms,
                }
                for claimed, outcome in results
                if claimed.pk in mine
            ]
            if attempts:
                session.execute(insert(EventDeliveryAttempt), attempts)
            if delivered:
                # The common case, one statement for the whole batch.
                session.execute(
                    update(EventDelivery)
                    .where(EventDelivery.pk.in_([pk for pk in delivered if pk in mine]))
                    .values(
                        state="delivered",
                        delivered_at=now,
                        attempts=EventDelivery.attempts + 1,
                        lease_until=None,
                        last_error=None,
                    )
                )
            for claimed, outcome in results:
                if outcome.ok or claimed.pk not in mine:
                    continue
                tries = claimed.attempts + 1
                error = outcome.error or f"HTTP {outcome.status_code}"
                if tries >= self.settings.delivery_max_attempts:
                    values: dict[str, Any] = {"state": "dead"}
                    log.warning("event delivery %s is dead after %d attempts: %s", claimed.pk, tries, error)
                else:
                    values = {"state": "pending", "next_attempt_at": now + self.backoff(tries)}
                session.execute(
                    update(EventDelivery)
                    .where(EventDelivery.pk == claimed.pk)
                    .values(attempts=tries, lease_until=None, last_error=error, **values)
                )

    # -- the loop ----------------------------------------------------------------------------
    async def post(self, client: CallbackClient, claimed: Claimed) -> Outcome:
        started = time.perf_counter()
        try:
            status, content = await client.post(claimed.callback, claimed.body)
        except CallbackError as error:
            return Outcome(None, str(error)[:500], _ms(started))
        except Exception as error:
            # Whatever went wrong is a failed attempt like any other, so it is retried with
            # backoff and ends a dead letter; left unrecorded, the lease would bring it back forever.
            log.warning("event delivery %s failed: %s", claimed.pk, type(error).__name__)
            return Outcome(None, f"delivery failed: {type(error).__name__}", _ms(started))
        ok = 200 <= status < 300
        return Outcome(status, None if ok else content[:500].decode("utf-8", "replace"), _ms(started))

    async def deliver(
        self,
        client: CallbackClient,
        slots: asyncio.Semaphore,
        claimed: Claimed,
        inflight: Counter[int],
        outcomes: list[tuple[Claimed, Outcome]],
    ) -> None:
        try:
            outcomes.append((claimed, await self.post(client, claimed)))
        except Exception:  # one delivery's failure must not stop the others; its lease will expire
            log.exception("event delivery %s failed unexpectedly", claimed.pk)
        finally:
            inflight[claimed.subscription_pk] -= 1
            slots.release()
            self._wake.set()  # a slot is free and an outcome waits to be recorded

    async def flush(self, outcomes: list[tuple[Claimed, Outcome]]) -> None:
        if not outcomes:
            return
        batch = outcomes[:]
        del outcomes[:]
        try:
            await asyncio.to_thread(self.record, batch)
        except Exception:
            # Unrecorded attempts keep their lease: another round delivers them again (at least once).
            log.exception("recording %d event deliveries failed", len(batch))

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        settings = self.settings
        slots = asyncio.Semaphore(settings.delivery_concurrency)
        running: set[asyncio.Task[None]] = set()
        inflight: Counter[int] = Counter()
        outcomes: list[tuple[Claimed, Outcome]] = []
        cap = settings.delivery_per_subscription
        policy = CallbackPolicy.from_settings(settings.callback_allow_private, settings.database_url)
        client = CallbackClient(
            settings.delivery_timeout, keep_per_origin=settings.delivery_concurrency, policy=policy
        )
        try:
            while not stop.is_set():
                # Cleared before looking for work, so that a wake-up during this round is not lost.
                self._wake.clear()
                await self.flush(outcomes)
                free = settings.delivery_concurrency - len(running)
                claimed: list[Claimed] = []
                if free > 0:
                    saturated = frozenset(s for s, n in inflight.items() if n >= cap)
                    try:
                        claimed = await asyncio.to_thread(
                            self.claim, min(free, settings.delivery_batch), saturated
                        )
                    except Exception:
                        log.exception("claiming event deliveries failed; retrying")
                surplus = []
                for item in claimed:
                    if inflight[item.subscription_pk] >= cap:
                        surplus.append(item.pk)
                        continue
                    inflight[item.subscription_pk] += 1
                    await slots.acquire()
                    task = asyncio.create_task(self.deliver(client, slots, item, inflight, outcomes))
                    running.add(task)
                    task.add_done_callback(running.discard)
                if surplus:
                    await asyncio.to_thread(self.release, surplus)
                if claimed and len(claimed) == min(free, settings.delivery_batch):
                    continue  # more may be waiting
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
                await asyncio.wait(
                    waiters, timeout=settings.delivery_poll_interval, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
            if running:
                # Give in-flight posts their timeout; unfinished ones keep their lease and are retried.
                await asyncio.wait(running, timeout=settings.delivery_timeout + 1)
            await self.flush(outcomes)
        finally:
            await client.aclose()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def dead_letters(session: Session, limit: int = 100) -> list[EventDelivery]:
    return list(
        session.scalars(
            select(EventDelivery).where(EventDelivery.state == "dead").order_by(EventDelivery.pk).limit(limit)
        )
    )


def replay(session: Session, ids: list[str] | None) -> int:
    """Put dead deliveries (all, or those named) back to pending with a fresh attempt budget."""
    stmt = update(EventDelivery).where(EventDelivery.state == "dead")
    if ids:
        stmt = stmt.where(EventDelivery.id.in_(ids))
    result = session.execute(
        stmt.values(state="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None, claimed_by=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
