"""hrefs, Location and events are built on the configured public URL, never on the request's Host
header; references to our own resources read in the version and on the base URL of the reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_tmf621 import V4 as TICKETS_V4
from tests.api.test_tmf621 import V5 as TICKETS_V5
from tests.api.test_tmf622 import V4 as ORDERS_V4
from tests.api.test_tmf622 import V5 as ORDERS_V5
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import CheckedClient, make_client
from tests.fixtures.listener import FAST_DELIVERY, Listener, settled, subscribe
from tests.fixtures.server import running_server
from tmf_api.demo import load_demo_data
from tmf_api.engine.resource import utcnow
from tmf_api.simulator import FulfilmentSimulator

PUBLIC = "https://api.example.cn:8443"
BILLS = "/tmf-api/customerBillManagement"
EVIL = {"host": "evil.example:666"}


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[CheckedClient]:
    with make_client(module_database_url, public_url=PUBLIC, **FAST_DELIVERY) as made:
        load_demo_data(made.app)
        yield made


def hrefs(doc: Any) -> list[str]:
    """Every href in `doc`, at any depth."""
    if isinstance(doc, list):
        return [h for item in doc for h in hrefs(item)]
    if not isinstance(doc, dict):
        return []
    found = [doc["href"]] if isinstance(doc.get("href"), str) else []
    return found + [h for key, value in doc.items() if key != "href" for h in hrefs(value)]


def test_a_forged_host_header_reaches_neither_hrefs_nor_location_nor_events(
    client: CheckedClient, listener: Listener
) -> None:
    callback = listener.url()
    subscribe(client, ORDERS_V4, callback, "eventType=ProductOrderCreateEvent")
    created = client.post(f"{ORDERS_V4}/productOrder", json=order_v4("forged host"), headers=EVIL)
    assert created.status_code == 201, created.text
    href = f"{PUBLIC}{ORDERS_V4}/productOrder/{created.json()['id']}"
    assert created.headers["location"] == created.json()["href"] == href
    assert client.get(f"{ORDERS_V5}/productOrder/{created.json()['id']}", headers=EVIL).json()["href"] == (
        f"{PUBLIC}{ORDERS_V5}/productOrder/{created.json()['id']}"
    )
    (event,) = settled(client, listener, callback, 1)
    assert event["event"]["productOrder"]["href"] == href
    assert "evil.example" not in str(event)


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_demo_references_read_in_the_readers_version_and_base_url(
    client: CheckedClient, version: str
) -> None:
    base = TICKETS_V4 if version == "v4" else TICKETS_V5
    (dispute,) = client.get(f"{base}/troubleTicket", params={"ticketType": "计费争议"}).json()
    bill_hrefs = [h for h in hrefs(dispute) if "/customerBill/" in h]
    assert bill_hrefs and all(h.startswith(f"{PUBLIC}{BILLS}/{version}/customerBill/") for h in bill_hrefs)
    runs = client.get(f"{BILLS}/{version}/customerBillOnDemand").json()
    linked = [run["customerBill"]["href"] for run in runs if run.get("customerBill")]
    assert linked and all(h.startswith(f"{PUBLIC}{BILLS}/{version}/customerBill/") for h in linked)
    for href in linked:  # each names a bill this server serves, in this version
        assert client.get(href.removeprefix(PUBLIC)).status_code == 200
    for doc in client.get(f"{base}/troubleTicket").json():
        assert all(h.startswith(PUBLIC) or "8080" not in h for h in hrefs(doc)), doc


def test_a_reference_given_absolute_on_our_base_url_reads_in_the_other_version(client: CheckedClient) -> None:
    order = client.post(f"{ORDERS_V5}/productOrder", json=order_v5("to cancel")).json()
    cancel = client.post(
        f"{ORDERS_V5}/cancelProductOrder",
        json={
            "@type": "CancelProductOrder",
            "cancellationReason": "changed my mind",
            "productOrder": {"id": order["id"], "href": order["href"], "@type": "ProductOrderRef"},
        },
    )
    assert cancel.status_code == 201, cancel.text
    read = client.get(f"{ORDERS_V4}/cancelProductOrder/{cancel.json()['id']}").json()
    assert read["productOrder"]["href"] == f"{PUBLIC}{ORDERS_V4}/productOrder/{order['id']}"


def test_the_simulator_builds_hrefs_and_events_on_the_public_url(
    client: CheckedClient, listener: Listener
) -> None:
    callback = listener.url()
    subscribe(client, ORDERS_V5, callback, "eventType=ProductOrderStateChangeEvent")
    order = client.post(f"{ORDERS_V5}/productOrder", json=order_v5("moved by the server")).json()
    app: Any = client.app
    sim = FulfilmentSimulator(app.runtimes, app.sessions)
    start = utcnow()
    sim.tick(start)
    moved = 0
    for hours in range(1, 48):
        moved += sim.tick(start + dt.timedelta(hours=hours))
        if client.get(f"{ORDERS_V5}/productOrder/{order['id']}").json()["state"] != "acknowledged":
            break
    events = settled(client, listener, callback, lambda evs: len(evs) >= 1)
    mine = [e for e in events if e["event"]["productOrder"]["id"] == order["id"]]
    assert mine and all(
        e["event"]["productOrder"]["href"] == f"{PUBLIC}{ORDERS_V5}/productOrder/{order['id']}" for e in mine
    )
    assert all("127.0.0.1:8080" not in str(e) for e in events)


def test_tmf_serve_builds_hrefs_on_its_real_port(database_url: str) -> None:
    """Without --public-url, hrefs name the address served, with its port (not 8080)."""
    with running_server(database_url, demo_data=True) as base_url, httpx.Client(base_url=base_url) as http:
        assert not base_url.endswith(":8080")
        for version in ("v4", "v5"):
            orders = http.get(f"/tmf-api/productOrderingManagement/{version}/productOrder").json()
            assert orders and all(
                o["href"] == f"{base_url}/tmf-api/productOrderingManagement/{version}/productOrder/{o['id']}"
                for o in orders
            )
            tickets = http.get(f"/tmf-api/troubleTicket/{version}/troubleTicket").json()
            bill_hrefs = [h for h in hrefs(tickets) if "/customerBill/" in h]
            assert bill_hrefs and all(h.startswith(f"{base_url}{BILLS}/{version}/") for h in bill_hrefs)
            created = http.post(
                f"/tmf-api/productOrderingManagement/{version}/productOrder",
                json=order_v4("on its port") if version == "v4" else order_v5("on its port"),
                headers=EVIL,
            )
            assert created.headers["location"].startswith(f"{base_url}/tmf-api/")
