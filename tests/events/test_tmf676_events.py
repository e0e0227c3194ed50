"""TMF676 Payment events: a payment and its refund on the TMF676 hub, in the document's envelope;
the bill they settle and reopen reports its own TMF678 state changes on TMF678's hub."""

from __future__ import annotations

from tests.api.test_tmf676 import BILLS, V4, payment_v4, refund_v4, sent_bill
from tests.api.test_tmf678 import new_account
from tests.fixtures.listener import Hub, assert_event, event_types

API = "TMF676"


def test_payment_and_refund_events_and_the_bills_own(hub: Hub) -> None:
    client = hub.client
    account = new_account(client)
    bill = sent_bill(client, account, "88.00")
    payments, _ = hub.subscribe(V4)
    bills, _ = hub.subscribe(BILLS, query="eventType=CustomerBillStateChangeEvent")
    payment = client.post(f"{V4}/payment", json=payment_v4(account, "88.00", [(bill, "88.00")])).json()
    refund = client.post(f"{V4}/refund", json=refund_v4(account, payment["id"], "8.00")).json()

    events = hub.settled(payments, 2)
    assert event_types(events) == ["PaymentCreateEvent", "RefundCreateEvent"]
    assert_event(API, "v4", events[0], "PaymentCreateEvent", "payment", payment)
    assert_event(API, "v4", events[1], "RefundCreateEvent", "refund", refund)
    moves = hub.settled(bills, 2)
    assert [e["event"]["customerBill"]["state"] for e in moves] == ["settled", "partiallyPaid"]
    assert moves[1]["event"]["customerBill"]["remainingAmount"]["value"] == 8
