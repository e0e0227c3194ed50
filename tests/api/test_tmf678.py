"""TMF678 Customer Bill, v4 and v5: bills and rates produced by real billing (completed orders →
applied rates → bill on demand), read through the generic contracts, plus the bill lifecycle."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from sid_model import BillingCycleSpecification
from tests.api.contract import (
    CreateContract,
    LifecycleContract,
    PatchContract,
    QueryContract,
    assert_tmf_error,
)
from tests.api.test_tmf622 import V5 as ORDERS_V5
from tests.api.test_tmf622 import order_v5
from tests.api.test_tmf666 import V5 as ACCOUNTS_V5
from tests.api.test_tmf666 import account_v5
from tests.fixtures.app import CheckedClient
from tmf_api.apis.billing import Cycle
from tmf_api.engine.resource import RequestContext

V4 = "/tmf-api/customerBillManagement/v4"
V5 = "/tmf-api/customerBillManagement/v5"
MERGE = {"content-type": "application/merge-patch+json"}


def price(name: str, kind: str, included: str, rate: int = 6, excluded: str | None = None) -> dict[str, Any]:
    amounts: dict[str, Any] = {
        "@type": "Price",
        "taxRate": rate,
        "taxIncludedAmount": {"unit": "CNY", "value": float(included)},
    }
    if excluded is not None:
        amounts["dutyFreeAmount"] = {"unit": "CNY", "value": float(excluded)}
    body = {"@type": "OrderPrice", "name": name, "priceType": kind, "price": amounts}
    if kind == "recurring":
        body["recurringChargePeriod"] = "month"
    return body


def complete_order(
    client: CheckedClient, account: str, prices: list[dict[str, Any]], marker: str = "billing"
) -> dict[str, Any]:
    body = order_v5(marker)
    body["billingAccount"] = {"@type": "BillingAccountRef", "id": account}
    body["productOrderItem"][0]["itemPrice"] = prices
    body["productOrderItem"][0]["product"] = {
        "@type": "ProductRef",
        "id": f"PRD-{account}",
        "name": "5G手机号码",
    }
    order = client.post(f"{ORDERS_V5}/productOrder", json=body).json()
    for state in ("inProgress", "completed"):
        response = client.patch(
            f"{ORDERS_V5}/productOrder/{order['id']}", content=json.dumps({"state": state}), headers=MERGE
        )
        assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()
    return done


def bill_on_demand(client: CheckedClient, base: str, account: str) -> dict[str, Any]:
    body: dict[str, Any] = {"billingAccount": {"id": account}}
    if base == V5:
        body = {
            "@type": "CustomerBillOnDemand",
            "billingAccount": {"@type": "BillingAccountRef", "id": account},
        }
    response = client.post(f"{base}/customerBillOnDemand", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def new_account(client: CheckedClient, cycle: dict[str, Any] | None = None, name: str | None = None) -> str:
    """A billing account this server holds (TMF666 v5; orders name no other), optionally on the
    given billing cycle specification."""
    body: dict[str, Any] = account_v5("BillingAccount", name or f"BA-{uuid.uuid4().hex[:10]}")
    if cycle is not None:
        spec = client.post(f"{ACCOUNTS_V5}/billingCycleSpecification", json=cycle)
        assert spec.status_code == 201, spec.text
        ref = {"@type": "BillingCycleSpecificationRef", "id": spec.json()["id"]}
        body["billStructure"] = {"@type": "BillStructure", "cycleSpecification": ref}
    response = client.post(f"{ACCOUNTS_V5}/billingAccount", json=body)
    assert response.status_code == 201, response.text
    account: str = response.json()["id"]
    return account


class BillCase(QueryContract, PatchContract, LifecycleContract):
    """Bills are made by billing, not by clients: `create` runs order completion and a bill run."""

    resource = "customerBill"
    schema_name = "CustomerBill"
    collection_methods = ("GET",)
    # Bills name their account (its id and, for an account held here, its name): the marker.
    marker_attribute = "billingAccount.name"
    date_attribute = "billDate"
    nested_filter = ("billingAccount.id", "")
    patch_attribute = "state"
    legal_path = ("validated", "sent", "partiallyPaid", "settled")
    illegal_from_initial = "sent"
    final_state = "settled"
    server_owned = ("id", "href", "amountDue", "billDocument", "billNo", "taxItem")
    updated_on_patch = ("lastUpdate",)
    # declared wide: v5 adds the JSON Patch types, and an unannotated tuple is typed by its length
    patch_media_types: ClassVar[tuple[str, ...]] = ("application/merge-patch+json", "application/json")

    def create(self, client: CheckedClient, marker: str | None = None) -> dict[str, Any]:
        account = new_account(client, name=marker or self.new_marker())
        complete_order(client, account, [price("月租", "recurring", "169.00", excluded="159.43")])
        run = bill_on_demand(client, self.base, account)
        bill: dict[str, Any] = client.get(f"{self.url}/{run['customerBill']['id']}").json()
        self.nested_filter = ("billingAccount.id", account)
        return bill

    # The generic merge-patch tests change a free-text attribute; a bill has only its state.
    def test_merge_patch_changes_only_what_it_names(self, api_client: CheckedClient) -> None:
        bill = self.create(api_client)
        for media_type, state in (("application/merge-patch+json", "onHold"), ("application/json", "new")):
            body = self.merge_patch_base | {"state": state}
            response = api_client.patch(
                f"{self.url}/{bill['id']}", content=json.dumps(body), headers={"content-type": media_type}
            )
            assert response.status_code == 200, response.text
            doc = response.json()
            assert doc["state"] == state and doc["lastUpdate"] >= bill["lastUpdate"]
            assert {k: v for k, v in doc.items() if k not in ("state", "lastUpdate")} == {
                k: v for k, v in bill.items() if k not in ("state", "lastUpdate")
            }

    def test_merge_patch_null_removes(self, api_client: CheckedClient) -> None:
        bill = self.create(api_client)
        response = api_client.patch(
            f"{self.url}/{bill['id']}", content=json.dumps({"state": None}), headers=MERGE
        )
        assert_tmf_error(response, 409)  # a bill cannot lose its state

    def test_invalid_patch_is_400_and_changes_nothing(self, api_client: CheckedClient) -> None:
        bill = self.create(api_client)
        response = api_client.patch(
            f"{self.url}/{bill['id']}", content=json.dumps({"state": 42}), headers=MERGE
        )
        assert response.status_code in (400, 409)
        assert api_client.get(f"{self.url}/{bill['id']}").json() == bill


class TestCustomerBillV4(BillCase):
    base = V4
    mandatory = ("id", "href", "billDocument", "billingAccount", "state", "amountDue", "taxIncludedAmount")


class TestCustomerBillV5(BillCase):
    base = V5
    mandatory = (
        "id",
        "href",
        "billDocument",
        "billingAccount",
        "state",
        "amountDue",
        "taxIncludedAmount",
        "@type",
    )
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "CustomerBill"}
    patch_media_types = (
        "application/merge-patch+json",
        "application/json",
        "application/json-patch+json",
        "application/json-patch-query+json",
    )

    def test_json_patch_moves_the_state_too(self, api_client: CheckedClient) -> None:
        bill = self.create(api_client)
        ops: list[dict[str, Any]] = [{"op": "replace", "path": "/state", "value": "validated"}]
        response = api_client.patch(
            f"{self.url}/{bill['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch+json"},
        )
        assert response.status_code == 200 and response.json()["state"] == "validated"
        ops = [{"op": "replace", "path": "/amountDue/value", "value": 1}]
        response = api_client.patch(
            f"{self.url}/{bill['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch+json"},
        )
        assert_tmf_error(response, 400, mentions="amountDue")


class RateCase(QueryContract):
    resource = "appliedCustomerBillingRate"
    schema_name = "AppliedCustomerBillingRate"
    collection_methods = ("GET",)
    marker_attribute = "name"
    date_attribute = "date"
    nested_filter = ("billingAccount.id", "")

    def create(self, client: CheckedClient, marker: str | None = None) -> dict[str, Any]:
        account = new_account(client)
        name = marker or self.new_marker()
        complete_order(client, account, [price(name, "oneTime", "100.00", rate=13)])
        (rate,) = client.get(self.url, params={"billingAccount.id": account}).json()
        self.nested_filter = ("billingAccount.id", account)
        created: dict[str, Any] = rate
        return created


class TestAppliedCustomerBillingRateV4(RateCase):
    base = V4
    mandatory = ("id", "href", "isBilled", "type", "taxIncludedAmount", "taxExcludedAmount", "billingAccount")


class TestAppliedCustomerBillingRateV5(RateCase):
    base = V5
    mandatory = (
        "id",
        "href",
        "isBilled",
        "appliedBillingRateType",
        "taxIncludedAmount",
        "billingAccount",
        "@type",
    )


class OnDemandCase(CreateContract, QueryContract):
    resource = "customerBillOnDemand"
    schema_name = "CustomerBillOnDemand"
    marker_attribute = "name"
    date_attribute = "lastUpdate"
    nested_filter = ("billingAccount.id", "")

    @pytest.fixture(autouse=True)
    def _account_with_charges(self, api_client: CheckedClient) -> None:
        self.account = new_account(api_client)
        complete_order(api_client, self.account, [price("宽带月租", "recurring", "199.00", rate=9)])
        self.nested_filter = ("billingAccount.id", self.account)


class TestCustomerBillOnDemandV4(OnDemandCase):
    base = V4
    mandatory = ("id", "href", "state", "billingAccount", "lastUpdate")

    def body(self, marker: str) -> dict[str, Any]:
        return {"name": marker, "billingAccount": {"id": self.account}}


class TestCustomerBillOnDemandV5(OnDemandCase):
    base = V5
    mandatory = ("id", "href", "state", "billingAccount", "lastUpdate", "@type")

    def body(self, marker: str) -> dict[str, Any]:
        return {
            "@type": "CustomerBillOnDemand",
            "name": marker,
            "billingAccount": {"@type": "BillingAccountRef", "id": self.account},
        }


# -- billing itself -----------------------------------------------------------------------------


def test_completed_order_becomes_rates_and_a_bill_with_exact_sums(api_client: CheckedClient) -> None:
    account = new_account(api_client)
    complete_order(
        api_client,
        account,
        [
            price("月租", "recurring", "169.00", excluded="159.43"),
            price("号卡工本费", "oneTime", "10.00", rate=6),  # tax-excluded derived: 10 / 1.06 = 9.43
            price("光猫押金", "oneTime", "0.10", rate=0),
        ],
    )
    rates = api_client.get(
        f"{V5}/appliedCustomerBillingRate", params={"billingAccount.id": account, "sort": "name"}
    ).json()
    assert len(rates) == 3 and not any(r["isBilled"] for r in rates)
    by_name = {r["name"]: r for r in rates}
    assert by_name["月租"]["appliedBillingRateType"] == "recurring" and by_name["月租"]["periodCoverage"]
    assert Decimal(str(by_name["号卡工本费"]["taxExcludedAmount"]["value"])) == Decimal("9.43")

    run = bill_on_demand(api_client, V5, account)
    assert run["state"] == "done"
    bill = api_client.get(f"{V5}/customerBill/{run['customerBill']['id']}").json()
    assert run["customerBill"]["href"] == bill["href"]
    total = Decimal("169.00") + Decimal("10.00") + Decimal("0.10")
    assert (
        Decimal(str(bill["taxIncludedAmount"]["value"])) == total == Decimal(str(bill["amountDue"]["value"]))
    )
    assert Decimal(str(bill["taxExcludedAmount"]["value"])) == Decimal("159.43") + Decimal("9.43") + Decimal(
        "0.10"
    )
    taxes = {Decimal(str(t["taxRate"])): Decimal(str(t["taxAmount"]["value"])) for t in bill["taxItem"]}
    assert taxes == {Decimal(0): Decimal(0), Decimal(6): Decimal("10.14")}
    assert (
        bill["billDocument"][0]["id"] and bill["state"] == "new" and bill["billingAccount"]["id"] == account
    )

    billed = api_client.get(f"{V4}/appliedCustomerBillingRate", params={"bill.id": bill["id"]}).json()
    assert len(billed) == 3 and all(r["isBilled"] for r in billed)
    again = bill_on_demand(api_client, V4, account)
    assert again["state"] == "terminatedWithError" and "no unbilled charges" in again["description"]
    assert "customerBill" not in again


def test_items_in_a_final_state_are_not_completed_nor_billed(api_client: CheckedClient) -> None:
    account = new_account(api_client)
    body = order_v5("partial items")
    body["billingAccount"] = {"@type": "BillingAccountRef", "id": account}
    item = body["productOrderItem"][0]
    item["itemPrice"] = [price("月租", "recurring", "50.00")]
    body["productOrderItem"].append(
        item | {"id": "2", "state": "cancelled", "itemPrice": [price("取消的", "oneTime", "99.00")]}
    )
    order = api_client.post(f"{ORDERS_V5}/productOrder", json=body).json()
    for state in ("inProgress", "completed"):
        done = api_client.patch(
            f"{ORDERS_V5}/productOrder/{order['id']}", content=json.dumps({"state": state}), headers=MERGE
        ).json()
    assert [i["state"] for i in done["productOrderItem"]] == ["completed", "cancelled"]
    rates = api_client.get(f"{V5}/appliedCustomerBillingRate", params={"billingAccount.id": account}).json()
    assert [r["name"] for r in rates] == ["月租"]


def test_bill_on_demand_without_anything_to_bill(api_client: CheckedClient) -> None:
    run = bill_on_demand(api_client, V4, "A0815")
    assert run["state"] == "terminatedWithError"
    assert api_client.get(f"{V4}/customerBill", params={"billingAccount.id": "A0815"}).json() == []


def test_bills_cannot_be_created_or_deleted_by_clients(api_client: CheckedClient) -> None:
    assert_tmf_error(api_client.post(f"{V4}/customerBill", json={}), 405)
    response = api_client.delete(f"{V5}/customerBill/{uuid.uuid4()}")
    assert_tmf_error(response, 405)
    assert response.headers["allow"] == "GET, PATCH"


@pytest.fixture
def bill_cycles(api_client: CheckedClient) -> list[str]:
    """Bill cycles are reference data (no POST in TMF678): written through the engine directly."""
    runtime = next(r for r in api_client.app.runtimes if r.base_path == V5)
    service = runtime.services["billCycle"]
    ids = []
    with api_client.app.sessions.begin() as session:
        for day in (1, 15):
            body = {
                "@type": "BillCycle",
                "name": f"月结账期（每月{day}日出账）",
                "billingDate": f"2026-12-{day:02d}T00:00:00Z",
            }
            ids.append(service.create(session, body, RequestContext("http://tmf.test"))["id"])
    return ids


def test_bill_cycles_are_listed(api_client: CheckedClient, bill_cycles: list[str]) -> None:
    response = api_client.get(f"{V5}/billCycle", params={"id": ",".join(bill_cycles), "sort": "billingDate"})
    assert response.status_code == 200 and response.headers["x-total-count"] == "2"
    assert [c["id"] for c in response.json()] == bill_cycles
    assert (
        api_client.get(f"{V5}/billCycle/{bill_cycles[1]}").json()["billingDate"] == "2026-12-15T00:00:00.000Z"
    )
    assert_tmf_error(api_client.get(f"{V5}/billCycle/{uuid.uuid4()}"), 404)


def test_v5_bill_cycle_of_a_bill_can_be_changed_to_an_existing_one(
    api_client: CheckedClient, bill_cycles: list[str]
) -> None:
    account = new_account(api_client)
    complete_order(api_client, account, [price("月租", "recurring", "29.00")])
    bill = bill_on_demand(api_client, V5, account)["customerBill"]
    url = f"{V5}/customerBill/{bill['id']}"
    unknown = {"@type": "CustomerBill", "billCycle": {"@type": "BillCycleRef", "id": "BC-NOPE"}}
    assert_tmf_error(
        api_client.patch(url, content=json.dumps(unknown), headers=MERGE), 400, mentions="BC-NOPE"
    )
    change = {"@type": "CustomerBill", "billCycle": {"@type": "BillCycleRef", "id": bill_cycles[0]}}
    patched = api_client.patch(url, content=json.dumps(change), headers=MERGE)
    assert patched.status_code == 200 and patched.json()["billCycle"]["id"] == bill_cycles[0]


# -- the billing account's cycle (TMF666) --------------------------------------------------------
CST = dt.timezone(dt.timedelta(hours=8))


def test_bill_of_a_held_account_follows_its_billing_cycle(api_client: CheckedClient) -> None:
    monthly = {
        "@type": "BillingCycleSpecification",
        "name": "月结账期（每月1日出账）",
        "billingPeriod": "month",
        "billingDateShift": 0,
        "paymentDueDateOffset": 14,
    }
    account = new_account(api_client, monthly)
    complete_order(api_client, account, [price("月租", "recurring", "169.00")])
    bill = api_client.get(
        f"{V5}/customerBill/{bill_on_demand(api_client, V5, account)['customerBill']['id']}"
    )
    bill_json = bill.json()
    billed = dt.datetime.fromisoformat(bill_json["billDate"]).astimezone(CST)
    # The calendar month the bill is made in, in the operator's time (CST): due on its 15th, or on
    # the next month's once that has passed; the next bill on the 1st of the next month.
    start = billed.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    due = start + dt.timedelta(days=14)
    if due <= billed:
        due = following + dt.timedelta(days=14)
    assert dt.datetime.fromisoformat(bill_json["nextBillDate"]) == following
    assert dt.datetime.fromisoformat(bill_json["paymentDueDate"]) == due
    assert dt.datetime.fromisoformat(bill_json["billingPeriod"]["startDateTime"]) <= start
    # An account without a billing cycle is billed on the default terms (due in 15 days).
    other = new_account(api_client)
    complete_order(api_client, other, [price("月租", "recurring", "169.00")])
    plain = api_client.get(f"{V5}/customerBill/{bill_on_demand(api_client, V5, other)['customerBill']['id']}")
    plain_json = plain.json()
    assert "nextBillDate" not in plain_json
    assert dt.datetime.fromisoformat(plain_json["paymentDueDate"]) - dt.datetime.fromisoformat(
        plain_json["billDate"]
    ) == dt.timedelta(days=15)


@pytest.mark.parametrize(
    ("period", "shift", "due", "now", "start", "end", "due_at"),
    [
        # the 15th of each month (CST midnight is 16:00 UTC the day before)
        (
            "month",
            14,
            15,
            "2026-12-20T08:00:00Z",
            "2026-12-14T16:00:00Z",
            "2027-01-14T16:00:00Z",
            "2026-12-29T16:00:00Z",
        ),
        (
            "month",
            14,
            3,
            "2026-12-10T08:00:00Z",
            "2026-11-14T16:00:00Z",
            "2026-12-14T16:00:00Z",
            "2026-12-17T16:00:00Z",
        ),
        (
            "quarter",
            0,
            20,
            "2026-11-30T17:00:00Z",
            "2026-09-30T16:00:00Z",
            "2026-12-31T16:00:00Z",
            "2027-01-20T16:00:00Z",
        ),
        (
            "week",
            0,
            2,
            "2026-12-03T08:00:00Z",
            "2026-11-29T16:00:00Z",
            "2026-12-06T16:00:00Z",
            "2026-12-08T16:00:00Z",
        ),
    ],
)
def test_billing_cycle_periods_and_due_dates(
    period: str, shift: int, due: int, now: str, start: str, end: str, due_at: str
) -> None:
    spec = BillingCycleSpecification(
        id="c", billing_period=period, billing_date_shift=shift, payment_due_date_offset=due
    )
    cycle = Cycle(spec, dt.datetime.fromisoformat(now))
    assert (cycle.start, cycle.end) == (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
    assert cycle.payment_due == dt.datetime.fromisoformat(due_at)


def test_a_bill_on_demand_is_the_bill_run_of_the_latest_ended_period(api_client: CheckedClient) -> None:
    """A product in inventory since before last month: the bill on demand rates that month's
    recurring charge once (whole, unrounded) and bills it; asked again, that period is billed
    and nothing else is unbilled, so the request ends in error."""
    account = new_account(api_client)
    product = {
        "@type": "Product",
        "name": "5G手机号码 138 0000 0678",
        "status": "active",
        "startDate": "2026-01-05T02:00:00.000Z",
        "billingAccount": {"@type": "BillingAccountRef", "id": account},
        "productPrice": [
            {
                "@type": "ProductPrice",
                "name": "5G畅享套餐 129元/月",
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {
                    "@type": "Price",
                    "taxRate": 6,
                    "taxIncludedAmount": {"unit": "CNY", "value": 129.0},
                    "dutyFreeAmount": {"unit": "CNY", "value": 121.7},
                },
            }
        ],
    }
    created = api_client.post("/tmf-api/productInventory/v5/product", json=product)
    assert created.status_code == 201, created.text
    request = bill_on_demand(api_client, V5, account)
    assert request["state"] == "done", request
    bill = api_client.get(f"{V5}/customerBill/{request['customerBill']['id']}").json()
    assert bill["amountDue"] == {"unit": "CNY", "value": 129.0}
    assert bill["runType"] == "onCycle"
    rates = api_client.get(f"{V5}/appliedCustomerBillingRate", params={"bill.id": bill["id"]}).json()
    charged = [(r["product"]["id"], r["taxIncludedAmount"]["value"]) for r in rates]
    assert charged == [(created.json()["id"], 129.0)]
    again = bill_on_demand(api_client, V5, account)
    assert again["state"] == "terminatedWithError" and "no unbilled charges" in again["description"]
