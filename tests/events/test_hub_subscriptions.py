"""The hub resource of every API version: subscribe, refuse bad subscriptions, unsubscribe, and
subscriptions outliving the app that took them."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf621 import ticket_v5
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import make_client
from tests.fixtures.listener import FAST_DELIVERY, MARKER, Hub, Listener, event_types, settled, subscribe
from tmf_api.registry import ApiVersion, api_versions, load_mapping

ORDERS_V4 = "/tmf-api/productOrderingManagement/v4"
ORDERS_V5 = "/tmf-api/productOrderingManagement/v5"
TICKETS_V5 = "/tmf-api/troubleTicket/v5"
# Every API version the registry serves has a hub.
BASE_PARAMS = [pytest.param(v.base_path, id=f"{v.api}-{v.version}") for v in api_versions()]


@pytest.mark.parametrize("base", BASE_PARAMS)
def test_subscribe_and_unsubscribe_at_every_hub(hub: Hub, base: str) -> None:
    _, created = hub.subscribe(base, "eventType=NoSuchEvent")
    assert hub.client.delete(f"{base}/hub/{created['id']}").status_code == 204
    assert_tmf_error(hub.client.delete(f"{base}/hub/{created['id']}"), 404)


@pytest.mark.parametrize("served", [pytest.param(v, id=f"{v.api}-{v.version}") for v in api_versions()])
def test_queries_on_the_envelope_and_every_resource_are_accepted(hub: Hub, served: ApiVersion) -> None:
    for resource, spec in load_mapping(served.api, served.version).resources.items():
        if resource == "hub":
            continue
        query = f"eventType={spec.schema}CreateEvent&event.{resource}.id=x&eventTime.gt=2026-01-01T00:00:00Z"
        _, created = hub.subscribe(served.base_path, query)
        assert created["query"] == query


@pytest.mark.parametrize("base", BASE_PARAMS)
@pytest.mark.parametrize(
    ("callback", "query"),
    [
        pytest.param("/relative/callback", None, id="relative-callback"),
        pytest.param("ftp://127.0.0.1/cb", None, id="ftp-callback"),
        pytest.param("http://127.0.0.1/cb", "state.like=x", id="unknown-operator"),
        pytest.param("http://127.0.0.1/cb", "fields=id", id="fields-in-query"),
        # Filters a list refuses are refused here too, not accepted to never match.
        pytest.param("http://127.0.0.1/cb", "colour=red", id="unknown-attribute"),
        pytest.param("http://127.0.0.1/cb", "event.noSuchResource.id=1", id="unknown-resource"),
        pytest.param("http://127.0.0.1/cb", "eventType=X&event.hub.id=1", id="the-hub-itself"),
    ],
)
def test_bad_subscriptions_are_400(hub: Hub, base: str, callback: str, query: str | None) -> None:
    body = {"callback": callback} | ({"query": query} if query else {})
    if base.endswith("v5"):
        body["@type"] = "Hub"
    assert_tmf_error(hub.client.post(f"{base}/hub", json=body), 400)


def test_unsubscribed_callback_gets_nothing_more(hub: Hub) -> None:
    client = hub.client
    gone, created = hub.subscribe(ORDERS_V5, "eventType=ProductOrderCreateEvent")
    sentinel, _ = hub.subscribe(ORDERS_V5, "eventType=ProductOrderCreateEvent")
    client.post(f"{ORDERS_V5}/productOrder", json=order_v5("before"))
    hub.listener.wait_for(gone, 1)
    assert client.delete(f"{ORDERS_V5}/hub/{created['id']}").status_code == 204
    client.post(f"{ORDERS_V5}/productOrder", json=order_v5("after"))
    hub.settled(sentinel, 2)
    assert [e["event"]["productOrder"]["description"] for e in hub.listener.events(gone)] == ["before"]


def test_another_apis_subscriber_gets_nothing(hub: Hub) -> None:
    client = hub.client
    tickets, _ = hub.subscribe(TICKETS_V5)
    orders, _ = hub.subscribe(ORDERS_V4)
    client.post(f"{ORDERS_V4}/productOrder", json=order_v4("orders only"))
    client.post(f"{TICKETS_V5}/troubleTicket", json=ticket_v5("tickets only"))
    assert event_types(hub.settled(orders, 1)) == ["ProductOrderCreateEvent"]
    assert event_types(hub.settled(tickets, 1)) == ["TroubleTicketCreateEvent"]


def test_subscriptions_survive_a_restart(database_url: str, listener: Listener) -> None:
    callback = listener.url()
    with make_client(database_url, **FAST_DELIVERY) as client:
        subscribe(client, ORDERS_V5, callback, "eventType=ProductOrderCreateEvent")
        client.post(f"{ORDERS_V5}/productOrder", json=order_v5("first run"))
        listener.wait_for(callback, 1)
    with make_client(database_url, **FAST_DELIVERY) as client:
        client.post(f"{ORDERS_V5}/productOrder", json=order_v5("second run"))
        events = settled(client, listener, callback, 2)
    assert [e["event"]["productOrder"]["description"] for e in events] == ["first run", "second run"]


def test_failing_callback_is_retried_until_it_answers(database_url: str, listener: Listener) -> None:
    """A 503 is not a delivery: the same event (same eventId) comes again and is then delivered once."""
    callback = listener.url()
    path = "/" + callback.split("/", 3)[3]
    listener.answer(path, 503)
    settings = FAST_DELIVERY | {"delivery_backoff_base": 0.05, "delivery_backoff_max": 0.1}
    with make_client(database_url, **settings) as client:
        subscribe(client, ORDERS_V5, callback)
        client.post(f"{ORDERS_V5}/productOrder", json=order_v5("retried"))
        listener.wait_for(path, lambda _: len(listener.posts(path)) >= 2)
        listener.answer(path, 204)
        events = settled(client, listener, callback, 1)
    posts = [p for p in listener.posts(path) if p.body["eventType"] != MARKER]
    assert len(events) == 1 and len(posts) >= 3
    assert {p.body["eventId"] for p in posts} == {events[0]["eventId"]}
    assert [p.status for p in posts][-1] == 204


def test_query_on_a_nested_attribute_of_the_event(hub: Hub) -> None:
    """Subscription queries read the event document: dotted paths into arrays, regex."""
    client = hub.client
    callback, _ = hub.subscribe(
        ORDERS_V5,
        "event.productOrder.productOrderItem.productOffering.id*=^PO-5G&eventType=ProductOrderCreateEvent",
    )
    other = order_v5("broadband")
    other["productOrderItem"][0]["productOffering"]["id"] = "PO-FTTH-200"
    client.post(f"{ORDERS_V5}/productOrder", json=other)
    client.post(f"{ORDERS_V5}/productOrder", json=order_v5("5G"))
    events = hub.settled(callback, 1)
    assert [e["event"]["productOrder"]["description"] for e in events] == ["5G"]


# Addresses a subscriber could otherwise make the hub post to inside the server's own network.
PRIVATE_CALLBACKS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:22/",
    "http://[::1]:8080/cb",
    "http://10.0.0.7/cb",
    "http://[fd12::1]/cb",
]


def test_private_callbacks_are_refused_unless_the_server_allows_them(database_url: str) -> None:
    with make_client(database_url, callback_allow_private=False, dispatch_events=False) as client:
        for base in (ORDERS_V4, ORDERS_V5):
            extra = {"@type": "Hub"} if base.endswith("v5") else {}
            for callback in [*PRIVATE_CALLBACKS, "http://user:secret@8.8.8.8/cb"]:
                response = client.post(f"{base}/hub", json={"callback": callback} | extra)
                assert_tmf_error(response, 400, mentions="refused")
            # A public address is fine (nothing is delivered here).
            public = client.post(f"{base}/hub", json={"callback": "https://8.8.8.8/cb"} | extra)
            assert public.status_code == 201, public.text
    with make_client(database_url, dispatch_events=False) as client:  # callback_allow_private, as tests run
        for callback in PRIVATE_CALLBACKS:
            assert client.post(f"{ORDERS_V4}/hub", json={"callback": callback}).status_code == 201


def test_the_database_endpoint_is_refused_as_a_callback(database_url: str) -> None:
    url = make_url(database_url)
    if url.host is None:
        pytest.skip("SQLite has no network endpoint")  # the PostgreSQL run of this test checks it
    with make_client(database_url, dispatch_events=False) as client:
        response = client.post(f"{ORDERS_V4}/hub", json={"callback": f"http://{url.host}:{url.port}/"})
        assert_tmf_error(response, 400, mentions="database")
