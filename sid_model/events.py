"""Event subscriptions, the transactional outbox and the listener's inbox (TMF630 part 2).

Not SID business entities: the plumbing of TMF's notification pattern, kept beside them because
outbox rows are written in the same transaction as the business change that causes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified


class EventSubscription(Base, Identified, Extensible):
    """A listener registered at an API's hub: where to POST events, and which ones (`query`)."""

    __tablename__ = "event_subscription"

    # The hub it was registered at: events are rendered in that API version's shape.
    api: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(10))
    callback: Mapped[str] = mapped_column(String(2000))
    query: Mapped[str | None] = mapped_column(Text)
    creation_date: Mapped[dt.datetime | None] = mapped_column()


class EventHubGeneration(Base):
    """A counter per API, moved by every change to its hub's subscriptions (in the same transaction).

    Servers cache an API's subscriptions and re-read them only when this counter moved, so the
    outbox need not read every subscription on every change; several processes on one database
    see each other's hub changes through it.
    """

    __tablename__ = "event_hub_generation"

    api: Mapped[str] = mapped_column(String(20), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class EventRecord(Base):
    """One event as it was when its change committed, rendered for one API version."""

    __tablename__ = "event_record"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    api: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(10))
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    event_time: Mapped[dt.datetime] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column()


class EventDelivery(Base, Identified):
    """The delivery of one event to one subscription: pending → sending → delivered, or dead."""

    __tablename__ = "event_delivery"
    # The dispatcher's claim query: due pending rows, and expired leases of crashed workers.
    __table_args__ = (Index("ix_event_delivery_state_next_attempt_at", "state", "next_attempt_at"),)

    event_pk: Mapped[int] = mapped_column(ForeignKey("event_record.pk", ondelete="CASCADE"), index=True)
    subscription_pk: Mapped[int] = mapped_column(
        ForeignKey("event_subscription.pk", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column()
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column()


class EventDeliveryAttempt(Base):
    """One POST of a delivery to its callback, kept for diagnosis."""

    __tablename__ = "event_delivery_attempt"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_pk: Mapped[int] = mapped_column(ForeignKey("event_delivery.pk", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[dt.datetime] = mapped_column()
    worker: Mapped[str | None] = mapped_column(String(100))
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column()


class ReceivedEvent(Base):
    """An event received on this server's listener side (from another hub), de-duplicated by eventId."""

    __tablename__ = "received_event"
    __table_args__ = (UniqueConstraint("api", "version", "event_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str | None] = mapped_column(String(100), index=True)
    received_at: Mapped[dt.datetime] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column()
