"""Our listener side: events POSTed to `<base>/listener/<eventName>` (v4 201, v5 204) or to
`<base>/listener` are stored once per eventId and read back with `GET <base>/listener`; and one
of our servers (a real subprocess) subscribed to this one receives its events."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import CheckedClient, make_client
from tests.fixtures.databases import _new_database_url
from tests.fixtures.listener import WAIT_S, Hub, subscribe
from tests.fixtures.server import running_server
from tmf_api.engine.events import published_events, receive_event
from tmf_api.engine.schema import SchemaView

V4 = "/tmf-api/productOrderingManagement/v4"
V5 = "/tmf-api/productOrderingManagement/v5"


def _event(client: CheckedClient, base: str) -> dict[str, Any]:
    """A well-formed ProductOrderCreateEvent in that version's envelope, about a real order."""
    version = base[-2:]
    order = client.post(
        f"{base}/productOrder", json=(order_v4 if version == "v4" else order_v5)("heard")
    ).json()
    event_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "eventId": event_id,
        "eventTime": "2026-11-22T08:00:00.000Z",
        "eventType": "ProductOrderCreateEvent",
        "event": {"productOrder": order},
    }
    if version == "v5":
        return {"@type": "ProductOrderCreateEvent", **body, "timeOccurred": body["eventTime"]}
    return body | {"id": event_id, "timeOcurred": body["eventTime"]}


def _received(client: CheckedClient, base: str, event_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{base}/listener", params={"eventType": "ProductOrderCreateEvent"})
    assert response.status_code == 200, response.text
    return [e for e in response.json() if e["eventId"] == event_id]


@pytest.mark.parametrize(("base", "status"), [pytest.param(V4, 201, id="v4"), pytest.param(V5, 204, id="v5")])
def test_named_listener_stores_an_event_once(hub_client: CheckedClient, base: str, status: int) -> None:
    event = _event(hub_client, base)
    for _ in range(2):
        response = hub_client.post(f"{base}/listener/productOrderCreateEvent", json=event)
        assert response.status_code == status, response.text
    assert _received(hub_client, base, event["eventId"]) == [event]


@pytest.mark.parametrize("base", [pytest.param(V4, id="v4"), pytest.param(V5, id="v5")])
def test_listener_as_registered_callback(hub_client: CheckedClient, base: str) -> None:
    event = _event(hub_client, base)
    assert hub_client.post(f"{base}/listener", json=event).status_code == 204
    assert hub_client.post(f"{base}/listener", json=event).status_code == 204
    assert _received(hub_client, base, event["eventId"]) == [event]
    assert_tmf_error(hub_client.post(f"{base}/listener", content=b"not json"), 400)
    assert_tmf_error(hub_client.post(f"{base}/listener", json={"eventType": "x"}), 400)
    # stored per API version: the other generation's listener did not get it
    other = V5 if base == V4 else V4
    assert _received(hub_client, other, event["eventId"]) == []


@pytest.fixture(scope="module")
def second_server(
    module_db_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Another of our servers, a real subprocess with its own database."""
    folder: Path = tmp_path_factory.mktemp("second")
    with running_server(_new_database_url(module_db_kind, request, folder)) as base_url:
        yield base_url


def _poll_listener(url: str, wanted: set[str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200, response.text
        seen = response.json()
        if wanted <= {e["event"]["productOrder"]["id"] for e in seen if "productOrder" in e.get("event", {})}:
            return seen
        time.sleep(0.05)
    raise AssertionError(
        f"{url} did not receive orders {wanted}; it has {[e.get('eventType') for e in seen]}"
    )


def test_our_server_as_subscriber_of_another(hub: Hub, second_server: str) -> None:
    """v5: callback = the other server's `<base>/listener`; v4: its named listener path (201)."""
    client = hub.client
    hubs = [
        subscribe(client, V5, f"{second_server}{V5}/listener", "eventType=ProductOrderCreateEvent"),
        subscribe(
            client,
            V4,
            f"{second_server}{V4}/listener/productOrderCreateEvent",
            "eventType=ProductOrderCreateEvent",
        ),
    ]
    try:
        created = client.post(f"{V5}/productOrder", json=order_v5("to the other server")).json()
        as_v4 = client.get(f"{V4}/productOrder/{created['id']}").json()
        v5_seen = _poll_listener(f"{second_server}{V5}/listener", {created["id"]})
        v4_seen = _poll_listener(f"{second_server}{V4}/listener", {created["id"]})
        (v5_event,) = [e for e in v5_seen if e["event"]["productOrder"]["id"] == created["id"]]
        (v4_event,) = [e for e in v4_seen if e["event"]["productOrder"]["id"] == created["id"]]
        assert v5_event["@type"] == "ProductOrderCreateEvent" and v5_event["event"]["productOrder"] == created
        assert v4_event["timeOcurred"] and v4_event["event"]["productOrder"] == as_v4
        assert "@type" not in v4_event
    finally:
        for base, made in zip((V5, V4), hubs, strict=True):
            client.delete(f"{base}/hub/{made['id']}")


@pytest.mark.parametrize("path", ["listener", "listener/productOrderCreateEvent"])
def test_identical_events_posted_at_once_are_stored_once_and_never_a_500(
    db_kind: str, database_url: str, path: str
) -> None:
    # Every request is held just before its INSERT until all have got there, so each has made
    # whatever check it makes before any has stored the event. On SQLite writers take the
    # write lock first (BEGIN IMMEDIATE), so there they cannot get that far together: they take turns.
    copies = 4
    with make_client(database_url) as client, ThreadPoolExecutor(max_workers=copies) as pool:
        event = _event(client, V5)
        engine = client.app.sessions.kw["bind"]
        together = threading.Barrier(copies if db_kind == "postgresql" else 1, timeout=WAIT_S)
        began: list[str] = []

        @sa_event.listens_for(engine, "before_cursor_execute")
        def _hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("BEGIN IMMEDIATE"):
                began.append(statement)
            if statement.startswith("INSERT INTO received_event"):
                together.wait()

        posts = [pool.submit(client.post, f"{V5}/{path}", json=event) for _ in range(copies)]
        statuses = [p.result(timeout=WAIT_S).status_code for p in posts]
        sa_event.remove(engine, "before_cursor_execute", _hold)
        assert statuses == [204] * copies
        assert _received(client, V5, event["eventId"]) == [event]
        if db_kind == "sqlite":
            assert len(began) >= copies


def test_an_event_id_longer_than_the_store_keeps_is_a_400(hub_client: CheckedClient) -> None:
    event = _event(hub_client, V5) | {"eventId": "x" * 201}
    assert_tmf_error(hub_client.post(f"{V5}/listener", json=event), 400, mentions="eventId")


def test_receive_event_tells_a_new_event_from_a_repeated_one(hub_client: CheckedClient) -> None:
    runtime = next(r for r in hub_client.app.runtimes if r.base_path == V5)
    event = _event(hub_client, V5)
    seen = []
    for _ in range(2):
        with hub_client.app.sessions.begin() as session:
            seen.append(receive_event(session, runtime, event))
    assert seen == [True, False]


def _forgeries(event: dict[str, Any]) -> list[Any]:
    without_id = {k: v for k, v in event.items() if k != "eventId"}
    return [
        without_id,
        event | {"eventId": ""},
        event | {"eventId": 42},
        event | {"eventType": "NoSuchEvent"},
        event | {"eventType": "TroubleTicketCreateEvent"},  # another API's event
        {k: v for k, v in event.items() if k != "eventType"},
        event | {"eventTime": "yesterday"},
        event | {"eventTime": "2026-11-22T08:00:00"},  # no time zone
        event | {"eventTime": "2026-13-40T08:00:00Z"},
        {k: v for k, v in event.items() if k != "eventTime"},
        event | {"event": {}},
        event | {"event": {"troubleTicket": {"id": "1"}}},
        event | {"event": {"productOrder": "an order"}},
        event | {"event": "anything"},
        [event],
    ]


@pytest.mark.parametrize("base", [pytest.param(V4, id="v4"), pytest.param(V5, id="v5")])
def test_forged_events_are_refused(hub_client: CheckedClient, base: str) -> None:
    event = _event(hub_client, base)
    for forged in _forgeries(event):
        for path in ("/listener", "/listener/productOrderCreateEvent"):
            assert_tmf_error(hub_client.post(f"{base}{path}", json=forged), 400)
    # An event posted to another event's listener path is not that event.
    assert_tmf_error(hub_client.post(f"{base}/listener/productOrderDeleteEvent", json=event), 400)
    assert _received(hub_client, base, event["eventId"]) == []
    assert hub_client.post(f"{base}/listener", json=event).status_code == 204


def test_every_event_an_api_publishes_is_heard(hub_client: CheckedClient) -> None:
    # With its resource where the document puts it: TMF630's `event`, or (TMF666 v4) `payload`.
    app: Any = hub_client.app
    for runtime in app.runtimes:
        published = published_events(runtime)
        assert published, runtime.base_path
        for event_type, resource in published.items():
            schema = runtime.spec["components"]["schemas"].get(event_type)
            members = [
                m
                for m in ("event", "payload")
                if schema and m in SchemaView.named(runtime.spec, event_type).properties
            ]
            for member in members or ["event"]:
                body = {
                    "eventId": str(uuid.uuid4()),
                    "eventType": event_type,
                    "eventTime": "2026-11-22T08:00:00.000+08:00",
                    member: {resource: {"id": "1"}},
                }
                response = hub_client.post(f"{runtime.base_path}/listener", json=body)
                assert response.status_code == 204, (runtime.base_path, event_type, response.text)
        # Forged events are refused by every API's listener, not only by TMF622's (above).
        for forged in (
            body | {"eventType": "NoSuchEvent"},
            {k: v for k, v in body.items() if k != "eventId"},
            body | {member: {"noSuchResource": {"id": "1"}}},
            body | {"eventTime": "yesterday"},
        ):
            assert_tmf_error(hub_client.post(f"{runtime.base_path}/listener", json=forged), 400)
