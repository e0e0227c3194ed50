"""TMF678 Customer Bill events, v4 and v5: a bill run on demand and the bill's lifecycle.

TMF678 v4's document defines no events, so v4 subscribers get the v5 event names in the v4
envelope; their `event.customerBill` is checked against the v4 CustomerBill definition instead.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.api.test_tmf678 import V4, V5, bill_on_demand, complete_order, new_account, price
from tests.fixtures.listener import (
    Hub,
    assert_event,
    event_types,
    official_event_names,
)
from tests.fixtures.official import _official
from tests.fixtures.reference import official_reference

MERGE = {"content-type": "application/merge-patch+json"}
API = "TMF678"
VERSIONS = [pytest.param(V4, id="v4"), pytest.param(V5, id="v5")]


@pytest.mark.parametrize("base", VERSIONS)
def test_bill_on_demand_and_bill_state_events_in_order(hub: Hub, base: str) -> None:
    client, version = hub.client, base.rsplit("/", 1)[1]
    account = new_account(client)
    complete_order(client, account, [price("SIM卡费", "oneTime", "10.60", excluded="10.00")])
    callback, _ = hub.subscribe(base)
    request = bill_on_demand(client, base, account)
    assert request["state"] == "done"
    (bill,) = client.get(f"{base}/customerBill", params={"billingAccount.id": account}).json()
    response = client.patch(
        f"{base}/customerBill/{bill['id']}", content=json.dumps({"state": "validated"}), headers=MERGE
    )
    assert response.status_code == 200, response.text
    validated = response.json()

    events = hub.settled(callback, 4)
    assert event_types(events) == [
        "CustomerBillOnDemandCreateEvent",
        "CustomerBillCreateEvent",
        "CustomerBillOnDemandStateChangeEvent",
        "CustomerBillStateChangeEvent",
    ]
    created_request = events[0]["event"]["customerBillOnDemand"]
    assert created_request["id"] == request["id"] and created_request["state"] == "inProgress"
    assert_event(API, version, events[0], events[0]["eventType"], "customerBillOnDemand", created_request)
    assert_event(API, version, events[1], "CustomerBillCreateEvent", "customerBill", bill)
    assert_event(
        API, version, events[2], "CustomerBillOnDemandStateChangeEvent", "customerBillOnDemand", request
    )
    assert_event(API, version, events[3], "CustomerBillStateChangeEvent", "customerBill", validated)
    if version == "v4" and official_reference() is not None:
        assert official_event_names(API, "v4") == set()  # hence the v5 names
        assert set(event_types(events)) <= official_event_names(API, "v5")
        doc = _official(API, "v4")
        for event in (events[1], events[3]):
            schema = {**doc["definitions"]["CustomerBill"], "definitions": doc["definitions"]}
            jsonschema.Draft4Validator(schema).validate(event["event"]["customerBill"])


@pytest.mark.parametrize("base", VERSIONS)
def test_bill_run_with_nothing_to_bill(hub: Hub, base: str) -> None:
    """No bill is produced: the request's create and terminatedWithError state change only."""
    client, version = hub.client, base.rsplit("/", 1)[1]
    callback, _ = hub.subscribe(base)
    request = bill_on_demand(client, base, new_account(client))
    assert request["state"] == "terminatedWithError"
    events = hub.settled(callback, 2)
    assert event_types(events) == ["CustomerBillOnDemandCreateEvent", "CustomerBillOnDemandStateChangeEvent"]
    assert_event(API, version, events[1], events[1]["eventType"], "customerBillOnDemand", request)


def test_order_completion_is_not_a_billing_event_and_orders_subscribers_get_no_bills(hub: Hub) -> None:
    """A subscription belongs to its API: TMF622 subscribers see no bill events, TMF678 ones no
    order events (completing an order writes rates, which have no events)."""
    client = hub.client
    on_bills, _ = hub.subscribe(V5)
    on_orders, _ = hub.subscribe("/tmf-api/productOrderingManagement/v5", "eventType=CustomerBillCreateEvent")
    account = new_account(client)
    complete_order(client, account, [price("宽带安装费", "oneTime", "106.00", excluded="100.00")])
    bill_on_demand(client, V5, account)
    events = hub.settled(on_bills, 3)
    assert all(e["eventType"].startswith("CustomerBill") for e in events)
    assert hub.listener.events(on_orders) == []
