"""TMF637 Product Inventory, v4 and v5: the generic contracts filled with the business hall's
products, plus the published `aborted ` status and the initial states a product may enter in."""

from __future__ import annotations

import itertools
import json
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from sid_model import EventRecord
from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient
from tests.fixtures.listener import subscribe

V4 = "/tmf-api/productInventory/v4"
V5 = "/tmf-api/productInventory/v5"

_PRICE: dict[str, Any] = {
    "name": "5G畅享169元套餐月租",
    "priceType": "recurring",
    "recurringChargePeriod": "month",
    "price": {
        "taxRate": 9,
        "dutyFreeAmount": {"unit": "CNY", "value": 155.05},
        "taxIncludedAmount": {"unit": "CNY", "value": 169.0},
    },
}


def product_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": marker,
        "name": "5G手机号码 189 2688 0909",
        "status": "created",
        "startDate": "2026-11-20T08:30:00.000Z",
        "productOffering": {"id": "PO-5G-169", "name": "5G畅享169元套餐"},
        "billingAccount": {"id": "BA-TEST-0001", "name": "测试账户"},
        "relatedParty": [
            {"id": "CUST-0001", "name": "张伟", "role": "customer", "@referredType": "Individual"}
        ],
        "productCharacteristic": [{"name": "手机号码", "valueType": "string", "value": "18926880909"}],
        "productPrice": [_PRICE],
    } | extra


def product_v5(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "Product",
        "description": marker,
        "name": "5G手机号码 189 2688 0909",
        "status": "created",
        "startDate": "2026-11-20T08:30:00.000Z",
        "productOffering": {"@type": "ProductOfferingRef", "id": "PO-5G-169", "name": "5G畅享169元套餐"},
        "billingAccount": {"@type": "BillingAccountRef", "id": "BA-TEST-0001", "name": "测试账户"},
        "relatedParty": [
            {
                "@type": "RelatedPartyOrPartyRole",
                "role": "customer",
                "partyOrPartyRole": {"@type": "PartyRef", "id": "CUST-0001", "@referredType": "Individual"},
            }
        ],
        "productCharacteristic": [
            {
                "@type": "StringCharacteristic",
                "name": "手机号码",
                "valueType": "string",
                "value": "18926880909",
            }
        ],
        "productPrice": [_PRICE | {"@type": "ProductPrice", "price": _PRICE["price"] | {"@type": "Price"}}],
    } | extra


class ProductCase(ReadContract, DeleteContract, LifecycleContract):
    resource = "product"
    schema_name = "Product"
    marker_attribute = "description"
    date_attribute = "startDate"
    nested_filter = ("relatedParty.role", "customer")
    patch_attribute = "name"
    state_attribute = "status"
    server_owned = ("id", "href")
    legal_path = ("active", "suspended", "active", "terminated")
    illegal_from_initial = "terminated"
    final_state = "terminated"


class TestProductV4(ProductCase, PatchContract):
    base = V4
    mandatory = ("id", "href", "status")
    patch_media_types = ("application/merge-patch+json", "application/json")

    def body(self, marker: str) -> dict[str, Any]:
        return product_v4(marker)


class TestProductV5(ProductCase, JsonPatchContract):
    base = V5
    mandatory = ("@type", "id", "href", "status", "creationDate")
    patch_media_types = (
        "application/merge-patch+json",
        "application/json",
        "application/json-patch+json",
        "application/json-patch-query+json",
    )
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "Product"}
    json_patch_query = (
        "/productCharacteristic/value?productCharacteristic.name=手机号码",
        "value",
        "18926880910",
    )

    def body(self, marker: str) -> dict[str, Any]:
        return product_v5(marker)


@pytest.mark.parametrize("base", [V4, V5])
def test_aborted_is_served_as_each_document_spells_it(api_client: CheckedClient, base: str) -> None:
    """Both documents publish `aborted ` (trailing blank): it is stored as `aborted` and shown as
    published in either version, and the lifecycle reaches it from pendingActive only."""
    made = product_v5 if base == V5 else product_v4
    marker = f"aborted-{base[-2:]}"
    created = api_client.post(f"{base}/product", json=made(marker, status="pendingActive"))
    assert created.status_code == 201, created.text
    url = f"{base}/product/{created.json()['id']}"
    patched = api_client.patch(
        url,
        content=json.dumps({"status": "aborted "}),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "aborted "
    other = V4 if base == V5 else V5
    assert api_client.get(f"{other}/product/{created.json()['id']}").json()["status"] == "aborted "
    # a query value is trimmed: `status=aborted` names the published `aborted `
    found = api_client.get(f"{base}/product", params={"status": "aborted", "description": marker}).json()
    assert [p["id"] for p in found] == [created.json()["id"]]


def test_a_product_enters_the_inventory_in_an_initial_state(api_client: CheckedClient) -> None:
    assert_tmf_error(
        api_client.post(f"{V4}/product", json=product_v4("terminated", status="terminated")),
        400,
        mentions="status",
    )
    # v5 requires no status: a product recorded without one is `created`
    body = product_v5("no-status")
    del body["status"]
    created = api_client.post(f"{V5}/product", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "created"


# -- provisioning from TMF622 orders -------------------------------------------------------------

ORDERS = "/tmf-api/productOrderingManagement/v5/productOrder"
MERGE = {"content-type": "application/merge-patch+json"}


def _order(client: CheckedClient, account: str, items: list[dict[str, Any]]) -> Any:
    body = {
        "@type": "ProductOrder",
        "description": "provisioning",
        "billingAccount": {"@type": "BillingAccountRef", "id": account},
        "productOrderItem": items,
        "relatedParty": [
            {
                "@type": "RelatedPartyRefOrPartyRoleRef",
                "role": "customer",
                "partyOrPartyRole": {"@type": "PartyRef", "id": "CUST-0001", "@referredType": "Individual"},
            }
        ],
    }
    return client.post(ORDERS, json=body)


def _completed(client: CheckedClient, account: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    created = _order(client, account, items)
    assert created.status_code == 201, created.text
    for state in ("inProgress", "completed"):
        response = client.patch(
            f"{ORDERS}/{created.json()['id']}", content=json.dumps({"state": state}), headers=MERGE
        )
        assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()
    return done


def _item(item_id: str, action: str, offering: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "ProductOrderItem", "id": item_id, "action": action, "quantity": 1}
    if offering is not None:
        item["productOffering"] = {"@type": "ProductOfferingRef", "id": offering}
    return item | more


def _product(client: CheckedClient, product_id: str) -> dict[str, Any]:
    response = client.get(f"{V4}/product/{product_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _setup(client: CheckedClient) -> tuple[dict[str, str], str]:
    from tests.api.test_tmf622 import make_catalog
    from tests.api.test_tmf678 import new_account

    return make_catalog(client), new_account(client)


def test_a_completed_order_provisions_its_items_and_a_delete_terminates_a_bundle(
    api_client: CheckedClient,
) -> None:
    catalog, account = _setup(api_client)
    hub = subscribe(api_client, V4, "http://127.0.0.1:9/listener")
    order = _completed(
        api_client,
        account,
        [
            _item(
                "1",
                "add",
                catalog["bundle"],
                productOrderItem=[_item("1.1", "add", catalog["plan"]), _item("1.2", "add")],
            )
        ],
    )
    bundle_id = order["productOrderItem"][0]["product"]["id"]
    bundle = _product(api_client, bundle_id)
    assert bundle["status"] == "active" and bundle["startDate"]
    assert bundle["productOffering"]["id"] == catalog["bundle"]
    assert bundle["billingAccount"]["id"] == account
    assert [p["id"] for p in bundle["relatedParty"]] == ["CUST-0001"]
    assert bundle["productOrderItem"] == [
        {
            "productOrderId": order["id"],
            "productOrderHref": bundle["productOrderItem"][0]["productOrderHref"],
            "orderItemId": "1",
            "orderItemAction": "add",
            "role": "fulfilment",
            "@referredType": "ProductOrder",
        }
    ]
    assert bundle["productOrderItem"][0]["productOrderHref"].endswith(f"/productOrder/{order['id']}")
    # the bundle without a price of its own is priced by its parts (TMF622 pricing), as ordered
    assert {p["name"] for p in bundle["productPrice"]} == {"5G畅享128元套餐月租", "号卡工本费", "固话月租"}
    monthly = next(p for p in bundle["productPrice"] if p["name"] == "5G畅享128元套餐月租")
    assert monthly["priceType"] == "recurring" and monthly["recurringChargePeriod"] == "month"
    assert monthly["price"]["taxIncludedAmount"] == {"unit": "CNY", "value": 128}
    assert monthly["price"]["dutyFreeAmount"] == {"unit": "CNY", "value": 117.43}
    parts = [r for r in bundle["productRelationship"] if r["relationshipType"] == "bundles"]
    assert len(parts) == 2
    plan = _product(api_client, order["productOrderItem"][0]["productOrderItem"][0]["product"]["id"])
    assert plan["productOffering"]["id"] == catalog["plan"]
    assert {"name": "国内通用流量", "valueType": "integer", "value": 30} in plan["productCharacteristic"]
    assert plan["productRelationship"][0]["relationshipType"] == "bundledBy"
    assert plan["productRelationship"][0]["product"]["id"] == bundle_id
    assert {p["product"]["id"] for p in parts} == {
        i["product"]["id"] for i in order["productOrderItem"][0]["productOrderItem"]
    }
    # 拆机: the bundle and its parts end
    _completed(api_client, account, [_item("1", "delete", product={"@type": "ProductRef", "id": bundle_id})])
    for part in [bundle_id, *(p["product"]["id"] for p in parts)]:
        ended = _product(api_client, part)
        assert ended["status"] == "terminated" and ended["terminationDate"], part
    # each change raised its TMF637 event, in the subscribing version's envelope
    with api_client.app.sessions() as session:
        events = session.execute(
            select(EventRecord.event_type, EventRecord.payload).where(EventRecord.api == "TMF637")
        ).all()
    assert api_client.delete(f"{V4}/hub/{hub['id']}").status_code == 204
    seen = {(kind, payload["event"]["product"]["id"]) for kind, payload in events}
    for part in [bundle_id, *(p["product"]["id"] for p in parts)]:
        assert ("ProductCreateEvent", part) in seen
        assert ("ProductStateChangeEvent", part) in seen


def _plan_199(client: CheckedClient) -> str:
    """A second plan of the catalog, the one a plan change moves to (one 199 CNY monthly fee)."""
    from tests.api.test_tmf620 import offering, offering_price

    catalog = "/tmf-api/productCatalogManagement/v5"
    fee = offering_price("v5", "5G畅享199元套餐月租") | {
        "priceType": "recurring",
        "lifecycleStatus": "Launched",
        "recurringChargePeriodType": "month",
        "price": {"@type": "Money", "unit": "CNY", "value": 199.0},
        "tax": [{"@type": "TaxItem", "taxCategory": "增值税", "taxRate": 9.0}],
    }
    price = client.post(f"{catalog}/productOfferingPrice", json=fee)
    assert price.status_code == 201, price.text
    plan = offering("v5", "5G畅享199元套餐") | {
        "lifecycleStatus": "Launched",
        "productOfferingPrice": [{"@type": "ProductOfferingPriceRef", "id": price.json()["id"]}],
    }
    made = client.post(f"{catalog}/productOffering", json=plan)
    assert made.status_code == 201, made.text
    found: str = made.json()["id"]
    return found


def test_modify_items_change_plan_characteristics_and_status(api_client: CheckedClient) -> None:
    catalog, account = _setup(api_client)
    upgrade = _plan_199(api_client)
    order = _completed(api_client, account, [_item("1", "add", catalog["plan"])])
    line = order["productOrderItem"][0]["product"]["id"]
    before = _product(api_client, line)
    # 套餐变更 and a new number: the plan's prices from the next charge period, the number at once
    ref = {"@type": "ProductRef", "id": line}
    changed = {
        "productCharacteristic": [
            {"@type": "StringCharacteristic", "name": "手机号码", "value": "18926881111"}
        ]
    }
    _completed(
        api_client,
        account,
        [_item("1", "modify", upgrade, product=ref | changed)],
    )
    after = _product(api_client, line)
    assert after["productOffering"]["id"] == upgrade
    assert {"name": "手机号码", "value": "18926881111"}.items() <= next(
        c for c in after["productCharacteristic"] if c["name"] == "手机号码"
    ).items()
    old = [p for p in after["productPrice"] if p["name"] in {q["name"] for q in before["productPrice"]}]
    new = after["productPrice"][len(before["productPrice"]) :]
    assert new and old
    switch = new[0]["validFor"]["startDateTime"]
    assert all(p["validFor"]["endDateTime"] == switch for p in old[: len(before["productPrice"])])
    assert switch > before["productPrice"][0]["validFor"]["startDateTime"]
    assert after["status"] == "active"
    # 停机 / 复机
    _completed(api_client, account, [_item("1", "modify", product=ref | {"status": "suspended"})])
    assert _product(api_client, line)["status"] == "suspended"
    _completed(api_client, account, [_item("1", "modify", product=ref | {"status": "active"})])
    assert _product(api_client, line)["status"] == "active"


def test_items_that_do_not_fit_the_inventory_are_refused(api_client: CheckedClient) -> None:
    catalog, account = _setup(api_client)
    unknown = _order(
        api_client, account, [_item("7", "modify", product={"@type": "ProductRef", "id": "PRD-NONE"})]
    )
    assert_tmf_error(unknown, 400, mentions="productOrderItem '7'")
    order = _completed(api_client, account, [_item("1", "add", catalog["plan"])])
    line = {"@type": "ProductRef", "id": order["productOrderItem"][0]["product"]["id"]}
    _completed(api_client, account, [_item("1", "delete", product=line)])
    resume = _order(api_client, account, [_item("2", "modify", product=line | {"status": "active"})])
    assert_tmf_error(resume, 400, mentions="productOrderItem '2'")
    again = _order(api_client, account, [_item("3", "delete", product=line)])
    assert_tmf_error(again, 400, mentions="productOrderItem '3'")
    # another inventory's product is that inventory's to judge
    foreign = line | {"href": "https://inventory.partner.example/product/PRD-NONE", "id": "PRD-NONE"}
    assert _order(api_client, account, [_item("4", "modify", product=foreign)]).status_code == 201


def test_a_plan_change_takes_effect_from_the_operators_next_day() -> None:
    """Bills prorate by days: a plan change completed on a day takes effect at the operator's next
    midnight (China Standard Time; 2026-11-30 16:30 UTC is already 1 December there)."""
    import datetime as dt

    from tmf_api.apis.tmf637 import next_charge_period

    now = dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)
    assert next_charge_period(now) == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)
    assert next_charge_period(now - dt.timedelta(hours=1)) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)


def test_every_status_change_records_a_status_period(api_client: CheckedClient) -> None:
    """Through the API (create, PATCH) and through orders (停机 / 复机, 拆机): billing reads them."""
    from sid_model import Product

    catalog, account = _setup(api_client)
    created = api_client.post(f"{V4}/product", json=product_v4("periods", status="active"))
    assert created.status_code == 201, created.text
    url = f"{V4}/product/{created.json()['id']}"
    patched = api_client.patch(url, content=json.dumps({"status": "suspended"}), headers=MERGE)
    assert patched.status_code == 200, patched.text
    order = _completed(api_client, account, [_item("1", "add", catalog["plan"])])
    line = {"@type": "ProductRef", "id": order["productOrderItem"][0]["product"]["id"]}
    _completed(api_client, account, [_item("1", "modify", product=line | {"status": "suspended"})])
    _completed(api_client, account, [_item("1", "delete", product=line)])

    def periods(product_id: str) -> list[tuple[str | None, bool]]:
        with api_client.app.sessions() as session:
            product = session.scalars(select(Product).where(Product.id == product_id)).one()
            spans = [(p.status, p.valid_from, p.valid_to) for p in product.status_periods]
        # each period ends where the next starts; the last is open
        assert all(a[2] == b[1] for a, b in itertools.pairwise(spans)), spans
        return [(status, end is None) for status, _, end in spans]

    assert periods(created.json()["id"]) == [("active", False), ("suspended", True)]
    assert periods(line["id"]) == [("active", False), ("suspended", False), ("terminated", True)]
