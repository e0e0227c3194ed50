"""The events of order to cash on each hub, every version, delivered over real HTTP: TMF637's
products provisioned and suspended by orders, TMF676's payment and refund (the bills they settle
and reopen report on TMF678's hub), TMF654's top-up, its cancellation and a failed one. Each in
the envelope of the subscribing version, the payload the resource as that version returns it,
validated against the official event schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from sid_model import Bucket
from tests.fixtures.app import CheckedClient
from tests.fixtures.listener import Hub, assert_event, event_types
from tmf_api.registry import api_versions

MERGE = {"content-type": "application/merge-patch+json"}
# An API's scenario: makes its changes through the API (the hub subscribed at `base`) and returns
# the events due, in order: (eventType, resource, the resource as `base` returns it after it, or,
# where the event carries the resource as it was before the server completed it, `Partly` of it).
Expected = list[tuple[str, str, "dict[str, Any] | Partly"]]
Scenario = Callable[[Hub, str], Expected]
SCENARIOS: dict[str, Scenario] = {}


class Partly(dict[str, Any]):
    """Attributes the event's resource has (among others)."""


def scenario(api: str) -> Callable[[Scenario], Scenario]:
    def register(run: Scenario) -> Scenario:
        SCENARIOS[api] = run
        return run

    return register


def _get(client: CheckedClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@scenario("TMF637")
def _products(hub: Hub, base: str) -> Expected:
    """开户 by an order (ProductCreateEvent), then 停机 by a modify order: the product's order items
    change (ProductAttributeValueChangeEvent), then its status (ProductStateChangeEvent)."""
    from tests.api.test_tmf637 import _completed, _item
    from tests.api.test_tmf678 import new_account

    client = hub.client
    account = new_account(client)
    order = _completed(client, account, [_item("1", "add")])
    line = order["productOrderItem"][0]["product"]["id"]
    made = _get(client, f"{base}/product/{line}")
    assert made["status"] == "active"
    ref = {"@type": "ProductRef", "id": line, "status": "suspended"}
    _completed(client, account, [_item("1", "modify", product=ref)])
    suspended = _get(client, f"{base}/product/{line}")
    assert suspended["status"] == "suspended"
    return [
        ("ProductCreateEvent", "product", made),
        ("ProductAttributeValueChangeEvent", "product", suspended | {"status": "active"}),
        ("ProductStateChangeEvent", "product", suspended),
    ]


@scenario("TMF676")
def _payments(hub: Hub, base: str) -> Expected:
    """A payment settling a bill, a refund of part of it; the bill's moves on TMF678's hub."""
    from tests.api.test_tmf676 import BILLS, payment_v4, refund_v4, sent_bill
    from tests.api.test_tmf678 import new_account

    client = hub.client
    account = new_account(client)
    bill = sent_bill(client, account, "88.00")
    bills, _ = hub.subscribe(BILLS, query="eventType=CustomerBillStateChangeEvent")
    payment = client.post(f"{base}/payment", json=payment_v4(account, "88.00", [(bill, "88.00")])).json()
    refund = client.post(f"{base}/refund", json=refund_v4(account, payment["id"], "8.00")).json()
    moves = hub.settled(bills, 2)
    assert [e["event"]["customerBill"]["state"] for e in moves] == ["settled", "partiallyPaid"]
    assert moves[1]["event"]["customerBill"]["remainingAmount"]["value"] == 8
    return [("PaymentCreateEvent", "payment", payment), ("RefundCreateEvent", "refund", refund)]


@scenario("TMF654")
def _balances(hub: Hub, base: str) -> Expected:
    """话费充值, its cancellation (冲正), and a top-up of a suspended bucket that fails: the document's
    Create, Cancel and Failure events (it defines no state-change event)."""
    from tests.api.test_tmf654 import open_account, topup_body

    client = hub.client
    account = open_account(client)
    done = client.post(f"{base}/topupBalance", json=topup_body(account, 50)).json()
    assert done["status"] == "completed"
    cancel = client.patch(
        f"{base}/topupBalance/{done['id']}", content=json.dumps({"status": "cancelled"}), headers=MERGE
    )
    assert cancel.status_code == 200, cancel.text
    with client.app.sessions.begin() as session:  # buckets have no write operation: the server's own
        session.scalars(select(Bucket).where(Bucket.id == f"CNY-{account}")).one().status = "suspended"
    failed = client.post(f"{base}/topupBalance", json=topup_body(account, 20)).json()
    assert failed["status"] == "failed"
    # The CreateEvent carries the top-up as requested (`created`; the engine reports a create
    # before the rules apply it); its completion has no event in the document, a failure has.
    def requested(action: dict[str, Any]) -> Partly:
        kept = ("id", "amount", "usageType", "partyAccount", "paymentMethod")
        return Partly({k: action[k] for k in kept}, status="created")

    return [
        ("TopupBalanceCreateEvent", "topupBalance", requested(done)),
        ("TopupBalanceCancelEvent", "topupBalance", cancel.json()),
        ("TopupBalanceCreateEvent", "topupBalance", requested(failed)),
        ("TopupBalanceFailureEvent", "topupBalance", failed),
    ]


HUBS = [
    pytest.param(v, id=f"{v.api}-{v.version}") for v in api_versions() if v.api in SCENARIOS
]


@pytest.mark.parametrize("served", HUBS)
def test_each_change_emits_its_documents_event_in_the_subscribers_envelope(hub: Hub, served: Any) -> None:
    base = served.base_path
    callback, _ = hub.subscribe(base)
    expected = SCENARIOS[served.api](hub, base)
    events = hub.settled(callback, len(expected))
    assert event_types(events) == [name for name, _, _ in expected]
    for event, (name, resource, doc) in zip(events, expected, strict=True):
        if isinstance(doc, Partly):
            carried = event["event"][resource]
            assert {k: carried.get(k) for k in doc} == doc, (name, carried)
            doc = carried
        assert_event(served.api, served.version, event, name, resource, doc, official=True)
