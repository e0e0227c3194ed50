"""TMF637 Product Inventory, v4 and v5: the generic contracts filled with the business hall's
products, plus the published `aborted ` status and the initial states a product may enter in."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient

V4 = "/tmf-api/productInventory/v4"
V5 = "/tmf-api/productInventory/v5"

_PRICE = {
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
