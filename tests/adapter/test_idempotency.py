"""`Idempotency-Key` on every collection POST: a retry creates nothing and gets the first response;
the key with another body is a 409; concurrent retries create one resource (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update

from sid_model import IdempotencyKey
from tests.adapter.test_conditional import CREATABLE
from tests.api.contract import assert_tmf_error
from tests.api.test_statement_counts import BASES, ROOTS, _bodies
from tests.api.test_tmf622 import V4, V5, order_v4
from tests.fixtures.app import CheckedClient, make_client

WAIT_S = 30.0


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[CheckedClient]:
    with make_client(module_database_url, dispatch_events=False) as checked:
        yield checked


def _rows(client: CheckedClient, api: str, version: str, resource: str) -> int:
    """Stored rows of the collection's entity (every resource of it, whichever version made it)."""
    runtime = next(r for r in client.app.runtimes if r.base_path == f"{ROOTS[api, version]}")
    service = runtime.services[resource]
    with client.app.sessions() as session:
        return int(session.scalar(service.scoped(select(func.count()).select_from(service.entity))) or 0)


def _key() -> str:
    return f"key-{uuid.uuid4()}"


def _same_response(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    for header in ("location", "etag", "content-type"):
        assert again.headers.get(header) == first.headers.get(header), header


@pytest.mark.parametrize(
    ("api", "version", "resource"), [pytest.param(*k, id="-".join(k)) for k in CREATABLE]
)
def test_a_retry_with_the_key_gets_the_first_response_and_creates_nothing(
    client: CheckedClient, api: str, version: str, resource: str
) -> None:
    url = f"{ROOTS[api, version]}/{resource}"
    body = _bodies(api, version, resource, client)(f"idem-{uuid.uuid4().hex[:8]}")
    key = _key()
    first = client.post(url, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert first.headers["location"] and first.headers["etag"]
    stored = _rows(client, api, version, resource)
    for _ in range(2):
        _same_response(first, client.post(url, json=body, headers={"Idempotency-Key": key}))
    # The quoted form of the IETF draft (an sf-string) is the same key.
    _same_response(first, client.post(url, json=body, headers={"Idempotency-Key": f'"{key}"'}))
    assert _rows(client, api, version, resource) == stored
    # Another request: its first free-text attribute changed.
    name = next(k for k, v in body.items() if isinstance(v, str) and not k.startswith("@"))
    other = dict(body, **{name: body[name] + "-other"})
    conflict = client.post(url, json=other, headers={"Idempotency-Key": key})
    assert_tmf_error(conflict, 409, mentions=key)
    assert _rows(client, api, version, resource) == stored
    # Without a key, or with another one, a POST creates as before.
    assert client.post(url, json=body).status_code == 201
    assert client.post(url, json=body, headers={"Idempotency-Key": _key()}).status_code == 201
    assert _rows(client, api, version, resource) == stored + 2


def test_the_key_belongs_to_one_collection_of_one_version(client: CheckedClient) -> None:
    key = _key()
    v4 = client.post(f"{V4}/productOrder", json=order_v4("scoped"), headers={"Idempotency-Key": key})
    again = client.post(f"{V4}/productOrder", json=order_v4("scoped"), headers={"Idempotency-Key": key})
    ticket = client.post(
        f"{BASES['TMF621']}/v4/troubleTicket",
        json=_bodies("TMF621", "v4", "troubleTicket", client)("scoped"),
        headers={"Idempotency-Key": key},
    )
    v5 = client.post(
        f"{V5}/productOrder",
        json=_bodies("TMF622", "v5", "productOrder", client)("scoped"),
        headers={"Idempotency-Key": key},
    )
    assert v4.status_code == again.status_code == ticket.status_code == v5.status_code == 201, ticket.text
    assert v4.json()["id"] == again.json()["id"] != v5.json()["id"]


def test_a_failed_first_request_leaves_no_key_behind(client: CheckedClient) -> None:
    key = _key()
    unknown = {"productOrder": {"id": "no-such-order"}}
    assert_tmf_error(
        client.post(f"{V4}/cancelProductOrder", json=unknown, headers={"Idempotency-Key": key}), 400
    )
    order = client.post(f"{V4}/productOrder", json=order_v4("after a failure")).json()
    cancel = client.post(
        f"{V4}/cancelProductOrder",
        json={"productOrder": {"id": order["id"]}},
        headers={"Idempotency-Key": key},
    )
    assert cancel.status_code == 201 and cancel.json()["state"] == "done", cancel.text


def test_an_expired_key_may_be_used_afresh(client: CheckedClient) -> None:
    key = _key()
    first = client.post(f"{V4}/productOrder", json=order_v4("expiring"), headers={"Idempotency-Key": key})
    retention = client.app.runtimes[0].settings.idempotency_retention
    with client.app.sessions.begin() as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=retention + 60)
        session.execute(update(IdempotencyKey).where(IdempotencyKey.key == key).values(created=past))
    again = client.post(f"{V4}/productOrder", json=order_v4("expiring"), headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    with client.app.sessions() as session:
        assert session.scalar(select(func.count()).where(IdempotencyKey.key == key)) == 1


@pytest.mark.parametrize("header", ["", '""', "x" * 256])
def test_a_key_that_is_empty_or_too_long_is_a_400(client: CheckedClient, header: str) -> None:
    response = client.post(
        f"{V4}/productOrder", json=order_v4("bad key"), headers={"Idempotency-Key": header}
    )
    assert_tmf_error(response, 400, mentions="Idempotency-Key")


def test_the_retention_is_a_setting() -> None:
    from tmf_api.settings import from_environ

    assert from_environ({"TMF_IDEMPOTENCY_RETENTION": "3600"}).idempotency_retention == 3600.0


def test_concurrent_retries_with_one_key_create_one_resource(db_kind: str, database_url: str) -> None:
    # Every request is held before it claims the key until all have got there, so each has read
    # whatever it reads first. On SQLite writers hold the write lock from BEGIN IMMEDIATE on, so
    # they cannot get there together: they take turns, which is what is checked there.
    copies = 4
    with make_client(database_url) as client, ThreadPoolExecutor(max_workers=copies) as pool:
        engine = client.app.sessions.kw["bind"]
        together = threading.Barrier(copies if db_kind == "postgresql" else 1, timeout=WAIT_S)
        began: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("BEGIN IMMEDIATE"):
                began.append(statement)
            if statement.startswith("INSERT INTO idempotency_key"):
                together.wait()

        key = _key()
        posts = [
            pool.submit(
                client.post, f"{V4}/productOrder", json=order_v4("once"), headers={"Idempotency-Key": key}
            )
            for _ in range(copies)
        ]
        responses = [p.result(timeout=WAIT_S) for p in posts]
        event.remove(engine, "before_cursor_execute", _hold)
        assert [r.status_code for r in responses] == [201] * copies, [r.text for r in responses]
        assert len({r.content for r in responses}) == 1
        assert _rows(client, "TMF622", "v4", "productOrder") == 1
        if db_kind == "sqlite":
            assert len(began) >= copies
