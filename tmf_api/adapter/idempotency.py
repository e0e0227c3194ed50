"""`Idempotency-Key` on POST: a retry creates nothing and gets the first response again.

The key is claimed in the request's own transaction, before the resource is created, with an
INSERT that cannot race (ON CONFLICT DO NOTHING on the key's unique constraint): on PostgreSQL a
second request with the same key waits on the first one's uncommitted row, then finds it
committed with its response (or gone, when the first failed, and claims it itself); on SQLite
writers hold the write lock from the start and take turns. The response is stored by the same
transaction that created the resource, so a key is never seen without its response, and a
request that fails leaves no key behind: its retry runs afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from starlette.responses import Response

from sid_model import IdempotencyKey
from tmf_api.engine.resource import utcnow
from tmf_api.errors import TMFError, bad_request

HEADER = "idempotency-key"
KEY_MAX = 255  # idempotency_key.key
REPLAYED = ("location", "etag")  # the headers of the first response a retry gets again


def fingerprint(body: Any) -> str:
    """The request body's digest: canonical JSON, so spacing and key order do not matter."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Claim:
    """A key this request holds: its response is to be remembered with it."""

    api: str
    version: str
    path: str
    key: str

    def where(self) -> Any:
        return (
            (IdempotencyKey.api == self.api)
            & (IdempotencyKey.version == self.version)
            & (IdempotencyKey.path == self.path)
            & (IdempotencyKey.key == self.key)
        )


def parse_key(header: str) -> str:
    """The key a header carries: a string, bare or quoted (the IETF draft's sf-string)."""
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key:
        raise bad_request("Idempotency-Key is empty")
    if len(key) > KEY_MAX:
        raise bad_request(f"Idempotency-Key has at most {KEY_MAX} characters")
    return key


def claim(
    session: Session, claim: Claim, body: Any, retention_s: float, now: dt.datetime | None = None
) -> Response | None:
    """Claim the key for this request (None: go on and create), or the response to replay.

    The same key with another body is a 409: the client reused a key for a different request.
    """
    now = now or utcnow()
    digest = fingerprint(body)
    # Expired keys go first, so that an old key may be used afresh.
    expired = now - dt.timedelta(seconds=retention_s)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created < expired))
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(IdempotencyKey)
    values = {"api": claim.api, "version": claim.version, "path": claim.path, "key": claim.key}
    claimed = session.scalar(
        insert.values(**values, fingerprint=digest, created=now)
        .on_conflict_do_nothing(index_elements=["api", "version", "path", "key"])
        .returning(IdempotencyKey.pk)
    )
    if claimed is not None:
        return None
    first = session.scalars(select(IdempotencyKey).where(claim.where())).one()
    if first.fingerprint != digest:
        raise TMFError(
            409,
            f"Idempotency-Key {claim.key!r} was used for another request to this collection; "
            "a retry must send the same body, a new request a new key",
            reason="Idempotency key reused",
        )
    assert first.status is not None and first.body is not None  # stored with the key, committed together
    return Response(
        first.body.encode("utf-8"),
        status_code=first.status,
        headers=dict(first.headers or {}),
        media_type="application/json",
    )


def remember(session: Session, claim: Claim, response: Response) -> None:
    """Store the response with the claimed key, in the transaction that created the resource."""
    headers = {name: response.headers[name] for name in REPLAYED if name in response.headers}
    session.execute(
        update(IdempotencyKey)
        .where(claim.where())
        .values(status=response.status_code, body=bytes(response.body).decode("utf-8"), headers=headers)
    )
