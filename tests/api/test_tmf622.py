"""TMF622 Product Ordering, v4 and v5: the generic contracts filled with order data, plus the
API's own rules (state machine, cancellation, v5 draft orders, one store for both versions)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    ResourceCase,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient

V4 = "/tmf-api/productOrderingManagement/v4"
V5 = "/tmf-api/productOrderingManagement/v5"
# The orders of the generic tests name an offering of a partner's catalog (as the official kit
# names none of this server's): taken as given, as before orders were priced from the catalog.
PARTNER_OFFERING = (
    "https://catalog.partner.example/tmf-api/productCatalogManagement/v4/productOffering/PO-5G-169"
)


def order_v4(marker: str) -> dict[str, Any]:
    return {
        "description": marker,
        "category": "个人客户",
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "quantity": 1,
                "productOffering": {"id": "PO-5G-169", "href": PARTNER_OFFERING, "name": "5G畅享169元套餐"},
            }
        ],
        "relatedParty": [
            {"id": "CUST-0001", "name": "张伟", "role": "customer", "@referredType": "Individual"}
        ],
        "externalId": "YYT-0001",
    }


def order_v5(marker: str) -> dict[str, Any]:
    return {
        "@type": "ProductOrder",
        "description": marker,
        "category": "个人客户",
        "productOrderItem": [
            {
                "@type": "ProductOrderItem",
                "id": "1",
                "action": "add",
                "quantity": 1,
                "productOffering": {
                    "@type": "ProductOfferingRef",
                    "id": "PO-5G-169",
                    "href": PARTNER_OFFERING,
                    "name": "5G畅享169元套餐",
                },
            }
        ],
        "relatedParty": [
            {
                "@type": "RelatedPartyRefOrPartyRoleRef",
                "role": "customer",
                "partyOrPartyRole": {
                    "@type": "PartyRef",
                    "id": "CUST-0001",
                    "name": "张伟",
                    "@referredType": "Individual",
                },
            }
        ],
        "externalId": [{"@type": "ExternalIdentifier", "id": "YYT-0001", "owner": "营业厅"}],
    }


class ProductOrderCase(ResourceCase):
    resource = "productOrder"
    schema_name = "ProductOrder"
    marker_attribute = "description"
    nested_filter = ("productOrderItem.action", "add")
    patch_attribute = "category"
    legal_path = ("inProgress", "completed")
    illegal_from_initial = "completed"
    final_state = "completed"


class TestProductOrderV4(ProductOrderCase, ReadContract, PatchContract, DeleteContract, LifecycleContract):
    base = V4
    date_attribute = "orderDate"
    mandatory = ("id", "href", "orderDate", "state", "productOrderItem", "relatedParty")
    patch_media_types = ("application/merge-patch+json", "application/json")
    server_owned = ("id", "href", "orderDate")

    def body(self, marker: str) -> dict[str, Any]:
        return order_v4(marker)


class TestProductOrderV5(
    ProductOrderCase, ReadContract, JsonPatchContract, DeleteContract, LifecycleContract
):
    base = V5
    date_attribute = "creationDate"
    mandatory = ("id", "href", "creationDate", "state", "productOrderItem", "relatedParty", "@type")
    patch_media_types = (
        "application/merge-patch+json",
        "application/json",
        "application/json-patch+json",
        "application/json-patch-query+json",
    )
    server_owned = ("id", "href", "creationDate")
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "ProductOrder"}
    json_patch_query = ("/productOrderItem/quantity?productOrderItem.id=1", "quantity", 3)

    def body(self, marker: str) -> dict[str, Any]:
        return order_v5(marker)


class CancelCase(ResourceCase):
    resource = "cancelProductOrder"
    schema_name = "CancelProductOrder"
    marker_attribute = "cancellationReason"
    order_body: Any

    @pytest.fixture(autouse=True)
    def _target_order(self, api_client: CheckedClient) -> None:
        """Each test cancels a fresh order of its own (later cancels of it are refused, still 201)."""
        order = api_client.post(
            f"{self.base}/productOrder", json=type(self).order_body("to be cancelled")
        ).json()
        self.order_id = order["id"]
        self.nested_filter = ("productOrder.id", order["id"])


class TestCancelProductOrderV4(CancelCase, ReadContract):
    base = V4
    date_attribute = "effectiveCancellationDate"
    mandatory = ("id", "href", "state", "productOrder")

    order_body = staticmethod(order_v4)

    def body(self, marker: str) -> dict[str, Any]:
        return {"cancellationReason": marker, "productOrder": {"id": self.order_id}}


class TestCancelProductOrderV5(CancelCase, ReadContract):
    base = V5
    date_attribute = "creationDate"
    mandatory = ("id", "href", "state", "productOrder", "creationDate", "@type")
    order_body = staticmethod(order_v5)

    def body(self, marker: str) -> dict[str, Any]:
        return {
            "@type": "CancelProductOrder",
            "cancellationReason": marker,
            "productOrder": {"@type": "ProductOrderRef", "id": self.order_id},
        }


# -- TMF622's own rules -------------------------------------------------------------------------


def _patch(client: CheckedClient, url: str, body: dict[str, Any]) -> Any:
    if f"{V5}/" in url:
        body = {"@type": "ProductOrder"} | body
    return client.patch(
        url, content=json.dumps(body), headers={"content-type": "application/merge-patch+json"}
    )


def test_one_order_reads_through_both_versions(api_client: CheckedClient) -> None:
    v4 = api_client.post(f"{V4}/productOrder", json=order_v4("cross-version")).json()
    v5 = api_client.get(f"{V5}/productOrder/{v4['id']}").json()
    assert v5["creationDate"] == v4["orderDate"] and "orderDate" not in v5
    assert v5["externalId"] == [{"id": "YYT-0001", "@type": "ExternalIdentifier"}]
    party = v5["relatedParty"][0]
    assert party["role"] == "customer" and party["@type"] == "RelatedPartyRefOrPartyRoleRef"
    assert party["partyOrPartyRole"]["id"] == "CUST-0001"
    assert party["partyOrPartyRole"]["@referredType"] == "Individual"
    assert v5["productOrderItem"][0]["@type"] == "ProductOrderItem"
    assert v5["href"].endswith(f"{V5}/productOrder/{v4['id']}")

    created5 = api_client.post(f"{V5}/productOrder", json=order_v5("cross-version-5")).json()
    back4 = api_client.get(f"{V4}/productOrder/{created5['id']}").json()
    assert back4["orderDate"] == created5["creationDate"]
    assert back4["externalId"] == "YYT-0001"
    assert back4["relatedParty"][0]["id"] == "CUST-0001" and back4["relatedParty"][0]["name"] == "张伟"
    # a filter on a v4 attribute finds rows written through v5, and the other way round
    found = api_client.get(
        f"{V4}/productOrder", params={"relatedParty.id": "CUST-0001", "description": "cross-version-5"}
    )
    assert [d["id"] for d in found.json()] == [created5["id"]]
    found = api_client.get(
        f"{V5}/productOrder", params={"externalId.id": "YYT-0001", "description": "cross-version"}
    )
    assert [d["id"] for d in found.json()] == [v4["id"]]


def test_v5_draft_order_is_released_by_moving_to_acknowledged(api_client: CheckedClient) -> None:
    draft = api_client.post(
        f"{V5}/productOrder", json=order_v5("draft") | {"requestedInitialState": "draft"}
    ).json()
    assert draft["state"] == "draft"
    assert _patch(api_client, draft["href"], {"state": "inProgress"}).status_code == 409
    assert _patch(api_client, draft["href"], {"state": "acknowledged"}).json()["state"] == "acknowledged"


def test_item_action_must_be_a_known_value(api_client: CheckedClient) -> None:
    body = order_v4("bad action")
    body["productOrderItem"][0]["action"] = "upgrade"
    assert_tmf_error(api_client.post(f"{V4}/productOrder", json=body), 400)


def test_an_order_without_items_is_a_400_in_both_versions(api_client: CheckedClient) -> None:
    # Found by schemathesis (tests/api/test_fuzz_own_documents.py): v4 took `"productOrderItem": []`
    # with a 201 whose body, without items, broke our own document; the published v4 document
    # says minItems 1, as v5 does.
    for base, make in ((V4, order_v4), (V5, order_v5)):
        body = make("no items") | {"productOrderItem": []}
        assert_tmf_error(api_client.post(f"{base}/productOrder", json=body), 400, mentions="productOrderItem")


def test_cancellation_of_a_cancellable_order(api_client: CheckedClient) -> None:
    for base, make in ((V4, order_v4), (V5, order_v5)):
        order = api_client.post(f"{base}/productOrder", json=make("to cancel")).json()
        _patch(api_client, f"{base}/productOrder/{order['id']}", {"state": "inProgress"})
        ref: dict[str, Any] = {"id": order["id"]}
        body: dict[str, Any] = {"cancellationReason": "客户申请取消", "productOrder": ref}
        if base == V5:
            ref["@type"] = "ProductOrderRef"
            body["@type"] = "CancelProductOrder"
        cancel = api_client.post(f"{base}/cancelProductOrder", json=body)
        assert cancel.status_code == 201, cancel.text
        assert cancel.json()["state"] == "done" and cancel.json()["effectiveCancellationDate"]
        after = api_client.get(f"{base}/productOrder/{order['id']}").json()
        assert after["state"] == "cancelled"
        assert after["cancellationReason"] == "客户申请取消" and after["cancellationDate"]
        listed = api_client.get(f"{base}/cancelProductOrder", params={"productOrder.id": order["id"]}).json()
        assert [c["id"] for c in listed] == [cancel.json()["id"]]


def test_cancellation_of_a_completed_order_is_refused_and_leaves_it_untouched(
    api_client: CheckedClient,
) -> None:
    for base, make, refused in ((V4, order_v4, "terminatedWithError"), (V5, order_v5, "rejected")):
        order = api_client.post(f"{base}/productOrder", json=make("completed")).json()
        _patch(api_client, f"{base}/productOrder/{order['id']}", {"state": "inProgress"})
        done = _patch(api_client, f"{base}/productOrder/{order['id']}", {"state": "completed"}).json()
        ref: dict[str, Any] = {"id": order["id"]}
        body: dict[str, Any] = {"productOrder": ref}
        if base == V5:
            ref["@type"] = "ProductOrderRef"
            body["@type"] = "CancelProductOrder"
        cancel = api_client.post(f"{base}/cancelProductOrder", json=body)
        assert cancel.status_code == 201 and cancel.json()["state"] == refused
        after = api_client.get(f"{base}/productOrder/{order['id']}").json()
        # The order is as it was but for a Note giving the partner the refusal's reason.
        notes = after.pop("note")
        assert after == done
        assert [n["id"] for n in notes] == [f"cancellation-{cancel.json()['id']}"]
        assert "completed" in notes[0]["text"] and "refused" in notes[0]["text"]
        assert notes[0]["author"] and notes[0]["date"]


def test_cancellation_of_an_unknown_order_is_400(api_client: CheckedClient) -> None:
    response = api_client.post(f"{V4}/cancelProductOrder", json={"productOrder": {"id": "no-such-order"}})
    assert_tmf_error(response, 400, mentions="no-such-order")


def test_cancel_requests_cannot_be_patched_or_deleted(api_client: CheckedClient) -> None:
    order = api_client.post(f"{V4}/productOrder", json=order_v4("x")).json()
    cancel = api_client.post(f"{V4}/cancelProductOrder", json={"productOrder": {"id": order["id"]}}).json()
    response = api_client.delete(f"{V4}/cancelProductOrder/{cancel['id']}")
    assert_tmf_error(response, 405)
    assert response.headers["allow"] == "GET"


def test_nested_items_filter_and_render(api_client: CheckedClient) -> None:
    body = order_v5("bundle")
    body["productOrderItem"][0]["productOrderItem"] = [
        {
            "@type": "ProductOrderItem",
            "id": "1.1",
            "action": "add",
            "productOffering": {"@type": "ProductOfferingRef", "id": "PO-IPTV", "href": PARTNER_OFFERING},
        }
    ]
    created = api_client.post(f"{V5}/productOrder", json=body).json()
    assert created["productOrderItem"][0]["productOrderItem"][0]["id"] == "1.1"
    found = api_client.get(
        f"{V5}/productOrder",
        params={"productOrderItem.productOrderItem.productOffering.id": "PO-IPTV", "description": "bundle"},
    ).json()
    assert [d["id"] for d in found] == [created["id"]]


def test_filters_on_attributes_kept_as_json(api_client: CheckedClient) -> None:
    body = order_v5("json-filter")
    body["channel"] = [
        {
            "@type": "RelatedChannel",
            "role": "受理渠道",
            "channel": {"@type": "ChannelRef", "id": "BH-001", "name": "福田营业厅"},
        }
    ]
    body["productOrderItem"][0]["itemPrice"] = [
        {
            "@type": "OrderPrice",
            "priceType": "recurring",
            "price": {"@type": "Price", "taxIncludedAmount": {"unit": "CNY", "value": 169.0}},
        }
    ]
    created = api_client.post(f"{V5}/productOrder", json=body).json()
    for params, hit in [
        ({"channel.channel.name": "福田营业厅"}, True),
        ({"channel.channel.name": "南山营业厅"}, False),
        ({"productOrderItem.itemPrice.price.taxIncludedAmount.value.gt": "150"}, True),
        ({"productOrderItem.itemPrice.price.taxIncludedAmount.value.lt": "150"}, False),
        ({"productOrderItem.itemPrice.priceType": "recurring"}, True),
    ]:
        found = api_client.get(f"{V5}/productOrder", params=params | {"description": "json-filter"}).json()
        assert [d["id"] for d in found] == ([created["id"]] if hit else []), params


def test_spec_documents_and_docs_page_are_served(api_client: CheckedClient) -> None:
    for base in (V4, V5):
        spec = api_client.get(f"{base}/openapi.json")
        assert spec.status_code == 200 and spec.json()["paths"]["/productOrder"]
    docs = api_client.get("/swagger")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert f"{V5}/openapi.json" in docs.text
    assert api_client.get("/swagger/static/swagger-ui-bundle.js").status_code == 200


def test_channel_reads_flat_in_v4_and_nested_in_v5(api_client: CheckedClient) -> None:
    body = order_v5("channel")
    body["channel"] = [
        {
            "@type": "RelatedChannel",
            "role": "受理渠道",
            "channel": {"@type": "ChannelRef", "id": "BH-1", "name": "福田营业厅"},
        }
    ]
    created = api_client.post(f"{V5}/productOrder", json=body).json()
    assert created["channel"] == body["channel"]
    v4 = api_client.get(f"{V4}/productOrder/{created['id']}").json()  # validated against the official v4
    assert v4["channel"] == [
        {"id": "BH-1", "name": "福田营业厅", "role": "受理渠道", "@type": "RelatedChannel"}
    ]
    found = api_client.get(
        f"{V4}/productOrder", params={"channel.name": "福田营业厅", "description": "channel"}
    ).json()
    assert [o["id"] for o in found] == [created["id"]]


def test_filter_values_postgresql_cannot_hold_are_a_400(api_client: CheckedClient) -> None:
    """NUL characters and numbers beyond NUMERIC's range: a TMF 400 on both databases, not a 500."""
    price = "orderTotalPrice.price.taxIncludedAmount.value"
    for parameter, value in [
        ("description", "a\x00b"),  # a column
        ("agreement.id", "a\x00b"),  # kept as JSON
        ("description.regex", "a\x00"),
        (price, "1e999999"),
        (f"{price}.gt", "-1e-999999"),
    ]:
        response = api_client.get(f"{V5}/productOrder", params={parameter: value})
        assert_tmf_error(response, 400, mentions=parameter)
    assert api_client.get(f"{V5}/productOrder", params={price: "1e2"}).status_code == 200


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_an_order_bills_a_held_billing_account_that_is_not_closed(
    api_client: CheckedClient, version: str
) -> None:
    from tests.api.test_tmf678 import new_account  # test_tmf678 builds on this module's orders

    base, body = (V4, order_v4("billing account")) if version == "v4" else (V5, order_v5("billing account"))
    ref: dict[str, Any] = {"@type": "BillingAccountRef"} if version == "v5" else {}
    account = new_account(api_client)
    created = api_client.post(f"{base}/productOrder", json=body | {"billingAccount": ref | {"id": account}})
    assert created.status_code == 201, created.text
    # An account this server does not hold, on the order or on an item: refused, naming it.
    unknown = body | {"billingAccount": ref | {"id": "BA-NOT-HELD"}}
    assert_tmf_error(api_client.post(f"{base}/productOrder", json=unknown), 400, mentions="BA-NOT-HELD")
    item = body["productOrderItem"][0] | {"billingAccount": ref | {"id": "BA-ITEM-NOT-HELD"}}
    on_item = body | {"productOrderItem": [item]}
    assert_tmf_error(api_client.post(f"{base}/productOrder", json=on_item), 400, mentions="BA-ITEM-NOT-HELD")
    order_url = f"{base}/productOrder/{created.json()['id']}"
    patch = {"billingAccount": ref | {"id": "BA-NOT-HELD"}} | (
        {"@type": "ProductOrder"} if version == "v5" else {}
    )
    headers = {"content-type": "application/merge-patch+json"}
    assert_tmf_error(
        api_client.patch(order_url, content=json.dumps(patch), headers=headers),
        400,
        mentions="billingAccount.id",
    )
    # A closed account (销户) takes no new order; the orders it already has stay changeable.
    accounts = "/tmf-api/accountManagement/v4/billingAccount"
    for state in ("pendingClosure", "closed"):
        moved = api_client.patch(
            f"{accounts}/{account}", content=json.dumps({"state": state}), headers=headers
        )
        assert moved.status_code == 200, moved.text
    closed = body | {"billingAccount": ref | {"id": account}}
    assert_tmf_error(api_client.post(f"{base}/productOrder", json=closed), 400, mentions="closed")
    note = {"description": "客户已销户"} | ({"@type": "ProductOrder"} if version == "v5" else {})
    assert api_client.patch(order_url, content=json.dumps(note), headers=headers).status_code == 200


# -- orders priced from the catalog (TMF620) --------------------------------------------------

CATALOG = "/tmf-api/productCatalogManagement/v5"


@pytest.fixture(scope="module")
def catalog(api_client: CheckedClient) -> dict[str, str]:
    return make_catalog(api_client)


def make_catalog(api_client: CheckedClient) -> dict[str, str]:
    """The ids of a small catalog written through TMF620 v5: a 128 CNY 5G plan (monthly fee, SIM card fee
    and a usage price) on a specification with characteristics, a fixed line, a bundle of both
    without a price of its own, a retired plan and one not yet on sale."""
    from tests.api.test_tmf620 import offering, offering_price, specification

    def post(path: str, body: dict[str, Any]) -> str:
        response = api_client.post(f"{CATALOG}/{path}", json=body)
        assert response.status_code == 201, response.text
        created: str = response.json()["id"]
        return created

    def price(name: str, kind: str, value: float, tax: float | None, **more: Any) -> dict[str, str]:
        body = offering_price("v5", name) | {"name": name, "priceType": kind, "lifecycleStatus": "Launched"}
        body |= {"price": {"@type": "Money", "unit": "CNY", "value": value}} | more
        item: dict[str, Any] = {"@type": "TaxItem", "taxCategory": "增值税", "taxRate": 9.0}
        if tax is not None:
            item["taxAmount"] = {"@type": "Money", "unit": "CNY", "value": tax}
        return {
            "@type": "ProductOfferingPriceRef",
            "id": post("productOfferingPrice", body | {"tax": [item]}),
        }

    characteristic = {"@type": "CharacteristicSpecification", "configurable": True}
    spec = post(
        "productSpecification",
        specification("v5", "5G移动套餐")
        | {
            "lifecycleStatus": "Launched",
            "productSpecCharacteristic": [
                characteristic
                | {
                    "name": "国内通用流量",
                    "valueType": "integer",
                    "characteristicValueSpecification": [
                        {"@type": "IntegerCharacteristicValueSpecification", "value": 30, "isDefault": True}
                    ],
                },
                characteristic | {"name": "手机号码", "valueType": "string"},
            ],
        },
    )
    monthly = price("5G畅享128元套餐月租", "recurring", 128.00, 10.57, recurringChargePeriodType="month")
    usage = price("套外流量", "usage", 5.00, None)

    def sold(name: str, prices: list[dict[str, str]], **more: Any) -> str:
        body = offering("v5", name) | {
            "name": name,
            "lifecycleStatus": "Launched",
            "productOfferingPrice": prices,
        }
        spec_ref = {"@type": "ProductSpecificationRef", "id": spec, "name": "5G移动套餐"}
        return post("productOffering", body | {"productSpecification": spec_ref} | more)

    plan = sold("5G畅享128元套餐", [monthly, price("号卡工本费", "oneTime", 10.00, None), usage])
    line = sold(
        "固话基础套餐25元", [price("固话月租", "recurring", 25.00, 2.06, recurringChargePeriodType="month")]
    )
    parts = [{"@type": "BundledProductOffering", "id": plan}, {"@type": "BundledProductOffering", "id": line}]
    retired = sold("4G畅享99元套餐", [monthly])
    moved = api_client.patch(
        f"{CATALOG}/productOffering/{retired}",
        content=json.dumps({"@type": "ProductOffering", "lifecycleStatus": "Retired"}),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert moved.status_code == 200, moved.text
    return {
        "spec": spec,
        "plan": plan,
        "bundle": sold("融合套餐", [], isBundle=True, bundledProductOffering=parts),
        "retired": retired,
        "future": sold("5G畅享239元套餐", [monthly], validFor={"startDateTime": "2999-01-01T00:00:00Z"}),
    }


def _catalog_order(version: str, offering: str, **item: Any) -> tuple[str, dict[str, Any]]:
    """An order for one catalog offering, named by its id alone (no price, no href)."""
    base, body = (V4, order_v4("catalog order")) if version == "v4" else (V5, order_v5("catalog order"))
    ref = {"@type": "ProductOfferingRef"} if version == "v5" else {}
    body["productOrderItem"][0]["productOffering"] = ref | {"id": offering}
    body["productOrderItem"][0] |= item
    return base, body


def _amounts(price: dict[str, Any]) -> tuple[str, Decimal, Decimal, Decimal]:
    p = price["price"]
    return (
        price["priceType"],
        Decimal(str(p["dutyFreeAmount"]["value"])),
        Decimal(str(p["taxIncludedAmount"]["value"])),
        Decimal(str(p["taxRate"])),
    )


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_an_order_by_offering_id_is_priced_from_the_catalog_and_billed_so(
    api_client: CheckedClient, catalog: dict[str, str], version: str
) -> None:
    from tests.api.test_tmf678 import V4 as BILLS_V4
    from tests.api.test_tmf678 import V5 as BILLS_V5
    from tests.api.test_tmf678 import bill_on_demand, new_account

    account = new_account(api_client)
    base, body = _catalog_order(version, catalog["plan"], quantity=2)  # two lines of one plan
    body["billingAccount"] = ({"@type": "BillingAccountRef"} if version == "v5" else {}) | {"id": account}
    created = api_client.post(f"{base}/productOrder", json=body)
    assert created.status_code == 201, created.text
    item = created.json()["productOrderItem"][0]
    # The plan's monthly fee and SIM card fee, tax-excluded amounts exact (128 − 10.57; 10 / 1.09),
    # each naming its catalog price; the usage price is charged on usage, not on the order.
    assert [_amounts(p) for p in item["itemPrice"]] == [
        ("recurring", Decimal("117.43"), Decimal("128.00"), Decimal(9)),
        ("oneTime", Decimal("9.17"), Decimal("10.00"), Decimal(9)),
    ]
    assert item["itemPrice"][0]["recurringChargePeriod"] == "month"
    assert all(p["productOfferingPrice"]["href"].startswith("http") for p in item["itemPrice"])
    assert sorted(_amounts(p) for p in item["itemTotalPrice"]) == sorted(
        (kind, 2 * excluded, 2 * included, rate)
        for kind, excluded, included, rate in map(_amounts, item["itemPrice"])
    )
    product = item["product"]
    assert product["productSpecification"]["id"] == catalog["spec"]
    assert [(c["name"], c["value"]) for c in product["productCharacteristic"]] == [("国内通用流量", 30)]

    order_url = f"{base}/productOrder/{created.json()['id']}"
    for state in ("inProgress", "completed"):
        moved = _patch(api_client, order_url, {"state": state})
        assert moved.status_code == 200, moved.text
    run = bill_on_demand(api_client, BILLS_V4 if version == "v4" else BILLS_V5, account)
    assert run["state"] == "done", run
    bills = BILLS_V4 if version == "v4" else BILLS_V5
    bill = api_client.get(f"{bills}/customerBill/{run['customerBill']['id']}").json()
    # Both lines' SIM card fees at once: 2 × 10 (2 × 9.17 tax-excluded). The monthly fee is the
    # product's, which bill runs charge per period (tests/apis/test_billing.py).
    assert Decimal(str(bill["taxIncludedAmount"]["value"])) == Decimal("20.00")
    assert Decimal(str(bill["taxExcludedAmount"]["value"])) == Decimal("18.34")
    assert [(t["taxRate"], Decimal(str(t["taxAmount"]["value"]))) for t in bill["taxItem"]] == [
        (9, Decimal("1.66"))
    ]
    completed = api_client.get(order_url).json()["productOrderItem"][0]["product"]["id"]
    held = api_client.get(f"/tmf-api/productInventory/v5/product/{completed}").json()
    monthly = [p for p in held["productPrice"] if p["priceType"] == "recurring"]
    assert [Decimal(str(p["price"]["taxIncludedAmount"]["value"])) for p in monthly] == [Decimal("128.00")]


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_catalog_rules_on_order_items(
    api_client: CheckedClient, catalog: dict[str, str], version: str
) -> None:
    def post(offering: str, **item: Any) -> Any:
        base, body = _catalog_order(version, offering, **item)
        return api_client.post(f"{base}/productOrder", json=body)

    # Not held, retired, not yet valid: a 400 naming the item and the offering.
    for offering, says in (
        ("PO-NOT-HELD", "not an offering"),
        (catalog["retired"], "Retired"),
        (catalog["future"], "2999"),
    ):
        body = assert_tmf_error(
            post(offering), 400, mentions=f"productOrderItem '1': productOffering {offering!r}"
        )
        assert says in body["message"], body
    # A reference by this server's href is the catalog's to judge too: priced when it names the offering.
    typed_ref = {"@type": "ProductOfferingRef"} if version == "v5" else {}
    href = api_client.get(f"{CATALOG}/productOffering/{catalog['plan']}").json()["href"]
    local = post(catalog["plan"], productOffering=typed_ref | {"id": catalog["plan"], "href": href})
    assert local.status_code == 201 and local.json()["productOrderItem"][0]["itemPrice"], local.text
    elsewhere = typed_ref | {"id": catalog["plan"], "href": href.replace("productOffering", "category")}
    assert_tmf_error(post(catalog["plan"], productOffering=elsewhere), 400, mentions="names no offering")
    # An offering of another server's catalog is taken as given, unpriced.
    partner = {"id": "PO-NOT-HELD", "href": PARTNER_OFFERING} | (
        {"@type": "ProductOfferingRef"} if version == "v5" else {}
    )
    foreign = post("PO-NOT-HELD", productOffering=partner)
    assert foreign.status_code == 201 and "itemPrice" not in foreign.json()["productOrderItem"][0], (
        foreign.text
    )

    typed = {"@type": "StringCharacteristic"} if version == "v5" else {}
    product = ({"@type": "ProductRefOrValue"} if version == "v5" else {}) | {
        "productCharacteristic": [typed | {"name": "颜色", "valueType": "string", "value": "黑"}]
    }
    assert_tmf_error(post(catalog["plan"], product=product), 400, mentions="'颜色'")

    # A sent price that contradicts the catalog is kept; the difference is a priceAlteration.
    from tests.api.test_tmf678 import price

    sent = post(catalog["plan"], itemPrice=[price("月租优惠价", "recurring", "100.00", rate=9)])
    assert sent.status_code == 201, sent.text
    (kept,) = sent.json()["productOrderItem"][0]["itemPrice"]
    assert kept["price"]["taxIncludedAmount"]["value"] == 100
    # 100 − 128 tax included; 91.74 (100 / 1.09) − 117.43 tax excluded.
    (alteration,) = kept["priceAlteration"]
    assert _amounts(alteration) == ("recurring", Decimal("-25.69"), Decimal("-28.00"), Decimal(9))

    # A bundle without a price of its own: one price per part, as the catalog prices each part.
    bundle = post(catalog["bundle"])
    assert bundle.status_code == 201, bundle.text
    prices = bundle.json()["productOrderItem"][0]["itemPrice"]
    assert [_amounts(p)[2] for p in prices] == [Decimal("128.00"), Decimal("10.00"), Decimal("25.00")]
    assert "5G畅享128元套餐" in prices[0]["description"] and "固话基础套餐25元" in prices[2]["description"]


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_items_a_patch_adds_or_changes_are_held_to_the_catalog(
    api_client: CheckedClient, version: str
) -> None:
    from tests.api.test_tmf678 import price

    catalog = make_catalog(api_client)  # its plan is retired below

    base, body = _catalog_order(version, catalog["plan"])
    body["productOrderItem"][0]["itemPrice"] = [price("月租优惠价", "recurring", "100.00", rate=9)]
    order = api_client.post(f"{base}/productOrder", json=body).json()
    url = f"{base}/productOrder/{order['id']}"
    typed = {"@type": "ProductOrder"} if version == "v5" else {}

    def patch(change: dict[str, Any]) -> Any:
        return api_client.patch(
            url,
            content=json.dumps(typed | change),
            headers={"content-type": "application/merge-patch+json"},
        )

    def added(offering: str) -> list[dict[str, Any]]:
        _, extra = _catalog_order(version, offering, id="2")
        # The first item changes too (two SIM cards): it is priced again.
        return [order["productOrderItem"][0] | {"quantity": 2}, extra["productOrderItem"][0]]

    assert_tmf_error(
        patch({"productOrderItem": added(catalog["retired"])}), 400, mentions="productOrderItem '2'"
    )
    priced = patch({"productOrderItem": added(catalog["plan"])})
    assert priced.status_code == 200, priced.text
    first, second = priced.json()["productOrderItem"]
    assert [_amounts(p)[2] for p in second["itemPrice"]] == [Decimal("128.00"), Decimal("10.00")]
    # The first item, priced again for two, keeps its one recorded alteration.
    assert first["itemTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 200
    assert len(first["itemPrice"][0]["priceAlteration"]) == 1
    # Once its offering is retired, an ordered item still lets the order change.
    retired = api_client.patch(
        f"{CATALOG}/productOffering/{catalog['plan']}",
        content=json.dumps({"@type": "ProductOffering", "lifecycleStatus": "Retired"}),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert retired.status_code == 200, retired.text
    assert patch({"description": "改约装机时间"}).status_code == 200
    again = patch({"productOrderItem": priced.json()["productOrderItem"]})
    assert again.status_code == 200, again.text
    # Nor can a bundle be ordered once one of its parts is retired.
    _, bundled = _catalog_order(version, catalog["bundle"])
    assert_tmf_error(api_client.post(f"{base}/productOrder", json=bundled), 400, mentions=catalog["plan"])
