"""TMF622 Product Ordering events, v4 and v5, delivered over real HTTP to a subscriber."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_tmf622 import V4, V5, order_v4, order_v5
from tests.fixtures.app import CheckedClient
from tests.fixtures.listener import Hub, assert_event, event_types

MERGE = {"content-type": "application/merge-patch+json"}
API = "TMF622"
VERSIONS = [pytest.param(V4, id="v4"), pytest.param(V5, id="v5")]


def _version(base: str) -> str:
    return base.rsplit("/", 1)[1]


def _order(base: str, marker: str) -> dict[str, Any]:
    return order_v4(marker) if base == V4 else order_v5(marker)


_href_any = "(href checked in test_delete_event_href_is_the_one_the_api_returned)"


def _patch(client: CheckedClient, base: str, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(f"{base}/productOrder/{order_id}", content=json.dumps(body), headers=MERGE)
    assert response.status_code == 200, response.text
    patched: dict[str, Any] = response.json()
    return patched


@pytest.mark.parametrize("base", VERSIONS)
def test_order_life_events_in_order(hub: Hub, base: str) -> None:
    """create, state change, attribute change (v4 fieldPath), pending (+ information required),
    completion, delete: each one event, in order, carrying the order as this version returns it."""
    client, version = hub.client, _version(base)
    callback, _ = hub.subscribe(base)
    created = client.post(f"{base}/productOrder", json=_order(base, "events"))
    assert created.status_code == 201
    order = created.json()
    docs = [order]
    docs.append(_patch(client, base, order["id"], {"state": "inProgress"}))
    docs.append(_patch(client, base, order["id"], {"category": "企业客户"}))
    docs.append(_patch(client, base, order["id"], {"state": "pending"}))
    docs.append(_patch(client, base, order["id"], {"state": "inProgress"}))
    docs.append(_patch(client, base, order["id"], {"state": "completed"}))
    last = client.get(f"{base}/productOrder/{order['id']}").json()
    assert client.delete(f"{base}/productOrder/{order['id']}").status_code == 204

    expected = [
        ("ProductOrderCreateEvent", docs[0]),
        ("ProductOrderStateChangeEvent", docs[1]),
        ("ProductOrderAttributeValueChangeEvent", docs[2]),
        ("ProductOrderStateChangeEvent", docs[3]),
        ("ProductOrderInformationRequiredEvent", docs[3]),
        ("ProductOrderStateChangeEvent", docs[4]),
        ("ProductOrderStateChangeEvent", docs[5]),
        # The href of a deleted order is checked on its own (test_delete_event_href_...).
        ("ProductOrderDeleteEvent", last | {"href": _href_any}),
    ]
    events = hub.settled(callback, len(expected))
    assert event_types(events) == [name for name, _ in expected]
    events[-1]["event"]["productOrder"]["href"] = _href_any
    for event, (name, doc) in zip(events, expected, strict=True):
        field_path = "category" if name.endswith("AttributeValueChangeEvent") else None
        assert_event(API, version, event, name, "productOrder", doc, field_path=field_path)
    assert [e["event"]["productOrder"]["state"] for e in events] == [
        "acknowledged",
        "inProgress",
        "inProgress",
        "pending",
        "pending",
        "inProgress",
        "completed",
        "completed",
    ]
    assert len({e["eventId"] for e in events}) == len(events)
    post = hub.listener.posts(callback)[0]
    assert post.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("base", VERSIONS)
def test_delete_event_href_is_the_one_the_api_returned(hub: Hub, base: str) -> None:
    client = hub.client
    callback, _ = hub.subscribe(base, "eventType=ProductOrderDeleteEvent")
    order = client.post(f"{base}/productOrder", json=_order(base, "deleted")).json()
    assert client.delete(f"{base}/productOrder/{order['id']}").status_code == 204
    (event,) = hub.listener.wait_for(callback, 1)
    assert event["event"]["productOrder"]["href"] == order["href"]
    assert_event(API, _version(base), event, "ProductOrderDeleteEvent", "productOrder", order)


@pytest.mark.parametrize("base", VERSIONS)
def test_cancellation_events(hub: Hub, base: str) -> None:
    """A CancelProductOrder: its create and state change events, interleaved with the order's."""
    client, version = hub.client, _version(base)
    order = client.post(f"{base}/productOrder", json=_order(base, "to cancel")).json()
    callback, _ = hub.subscribe(base)
    body: dict[str, Any] = {"cancellationReason": "客户申请取消", "productOrder": {"id": order["id"]}}
    if base == V5:
        body |= {"@type": "CancelProductOrder"}
        body["productOrder"]["@type"] = "ProductOrderRef"
    response = client.post(f"{base}/cancelProductOrder", json=body)
    assert response.status_code == 201, response.text
    cancel = response.json()
    assert cancel["state"] == "done"
    cancelled = client.get(f"{base}/productOrder/{order['id']}").json()

    events = hub.settled(callback, 6)
    assert event_types(events) == [
        "CancelProductOrderCreateEvent",
        "CancelProductOrderStateChangeEvent",
        "ProductOrderStateChangeEvent",
        "ProductOrderStateChangeEvent",
        "ProductOrderStateChangeEvent",
        "CancelProductOrderStateChangeEvent",
    ]
    states = [e["event"].get("cancelProductOrder", e["event"].get("productOrder"))["state"] for e in events]
    assert states == [
        "acknowledged",
        "inProgress",
        "assessingCancellation",
        "pendingCancellation",
        "cancelled",
        "done",
    ]
    for event in events[:-2]:
        (name,) = event["event"]
        assert event["event"][name]["id"] == (cancel["id"] if name == "cancelProductOrder" else order["id"])
    assert events[-2]["event"]["productOrder"]["id"] == cancelled["id"]
    assert_event(API, version, events[-1], "CancelProductOrderStateChangeEvent", "cancelProductOrder", cancel)
    for event in events[:-1]:
        assert_event(API, version, event, event["eventType"], *next(iter(event["event"].items())))


@pytest.mark.parametrize("base", VERSIONS)
def test_cancelled_order_event_carries_the_cancelled_order(hub: Hub, base: str) -> None:
    client = hub.client
    order = client.post(f"{base}/productOrder", json=_order(base, "to cancel")).json()
    callback, _ = hub.subscribe(
        base, "eventType=ProductOrderStateChangeEvent&event.productOrder.state=cancelled"
    )
    body: dict[str, Any] = {"cancellationReason": "客户申请取消", "productOrder": {"id": order["id"]}}
    if base == V5:
        body |= {"@type": "CancelProductOrder"}
        body["productOrder"]["@type"] = "ProductOrderRef"
    assert client.post(f"{base}/cancelProductOrder", json=body).status_code == 201
    cancelled = client.get(f"{base}/productOrder/{order['id']}").json()
    (event,) = hub.listener.wait_for(callback, 1)
    assert event["event"]["productOrder"].get("cancellationReason") == "客户申请取消"
    assert_event(API, _version(base), event, "ProductOrderStateChangeEvent", "productOrder", cancelled)


@pytest.mark.parametrize("base", VERSIONS)
def test_subscription_query_selects_completed_orders_only(hub: Hub, base: str) -> None:
    client = hub.client
    query = "eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed"
    callback, _ = hub.subscribe(base, query)
    everything, _ = hub.subscribe(base)
    order = client.post(f"{base}/productOrder", json=_order(base, "filtered")).json()
    _patch(client, base, order["id"], {"state": "inProgress"})
    _patch(client, base, order["id"], {"description": "still filtered"})
    completed = _patch(client, base, order["id"], {"state": "completed"})
    hub.listener.wait_for(everything, 4)
    events = hub.settled(callback, 1)
    assert event_types(events) == ["ProductOrderStateChangeEvent"]
    assert_event(API, _version(base), events[0], "ProductOrderStateChangeEvent", "productOrder", completed)


def test_v4_and_v5_subscribers_get_their_own_shape_of_one_change(hub: Hub) -> None:
    client = hub.client
    on_v4, _ = hub.subscribe(V4, "eventType=ProductOrderCreateEvent")
    on_v5, _ = hub.subscribe(V5, "eventType=ProductOrderCreateEvent")
    created = client.post(f"{V5}/productOrder", json=order_v5("both generations")).json()
    as_v4 = client.get(f"{V4}/productOrder/{created['id']}").json()
    (v4_event,) = hub.settled(on_v4, 1)
    (v5_event,) = hub.settled(on_v5, 1)
    assert_event(API, "v4", v4_event, "ProductOrderCreateEvent", "productOrder", as_v4)
    assert_event(API, "v5", v5_event, "ProductOrderCreateEvent", "productOrder", created)
    assert "orderDate" in v4_event["event"]["productOrder"]
    assert "creationDate" in v5_event["event"]["productOrder"]
    assert v4_event["eventId"] != v5_event["eventId"]


@pytest.mark.parametrize("base", VERSIONS)
def test_failed_changes_write_no_event(hub: Hub, base: str) -> None:
    """Transactional outbox: a refused change (409 illegal transition, 400 invalid body, 400
    server-owned attribute) leaves no event; the next good change's event is the only one."""
    client = hub.client
    order = client.post(f"{base}/productOrder", json=_order(base, "outbox")).json()
    callback, _ = hub.subscribe(base)
    url = f"{base}/productOrder/{order['id']}"
    illegal = client.patch(url, content=json.dumps({"state": "completed"}), headers=MERGE)
    assert illegal.status_code == 409
    invalid = client.patch(url, content=json.dumps({"productOrderItem": "not a list"}), headers=MERGE)
    assert invalid.status_code == 400
    owned = client.patch(url, content=json.dumps({"id": "another"}), headers=MERGE)
    assert owned.status_code == 400
    bad_create = client.post(
        f"{base}/productOrder",
        json={"description": "no items"} | ({"@type": "ProductOrder"} if base == V5 else {}),
    )
    assert bad_create.status_code == 400
    good = _patch(client, base, order["id"], {"state": "inProgress"})
    events = hub.settled(callback, 1)
    assert event_types(events) == ["ProductOrderStateChangeEvent"]
    assert events[0]["event"]["productOrder"] == good
