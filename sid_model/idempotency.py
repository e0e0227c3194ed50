"""Idempotency keys of POSTs (`Idempotency-Key`), with the first response to replay on a retry.

Not a SID entity: request plumbing, like the event outbox. A key belongs to one collection of one
API version (`api`, `version`, `path`); rows older than the retention setting are purged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("api", "version", "path", "key"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(100))  # the collection POSTed to
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the request body (canonical JSON): the same key with another body is a conflict.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(index=True)
    # The first response, filled in by the transaction that made it (so never seen half-done).
    status: Mapped[int | None] = mapped_column()
    body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any] | None] = mapped_column()
