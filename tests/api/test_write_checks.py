"""What POST checks, PATCH checks too: formats, the resource's required attributes, `@type` (the
resource's type or a declared subtype, nested objects included) and `@schemaLocation` (a URI)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf621 import V4 as TICKETS_V4
from tests.api.test_tmf621 import ticket_v4
from tests.api.test_tmf622 import V4, V5, order_v4, order_v5
from tests.fixtures.app import CheckedClient

MERGE = "application/merge-patch+json"


def _patch(client: CheckedClient, url: str, body: Any, media_type: str = MERGE) -> Any:
    return client.patch(
        url, content=json.dumps(body, ensure_ascii=False), headers={"content-type": media_type}
    )


@pytest.mark.parametrize("base", [V4, V5])
def test_patch_checks_date_time_formats_as_post_does(api_client: CheckedClient, base: str) -> None:
    make = order_v4 if base == V4 else order_v5
    order = api_client.post(f"{base}/productOrder", json=make("date")).json()
    # A date alone, or a week date, Python reads as a date-time but RFC 3339 does not.
    for value in ("2026-13-45T99:00:00Z", "2026-11-01", "2026-W48-2T08:00:00Z"):
        bad = {"requestedStartDate": value}
        assert_tmf_error(api_client.post(f"{base}/productOrder", json=make("bad date") | bad), 400)
        response = _patch(api_client, f"{base}/productOrder/{order['id']}", bad)
        assert_tmf_error(response, 400, mentions="requestedStartDate")
        assert "requestedStartDate" not in api_client.get(f"{base}/productOrder/{order['id']}").json()


@pytest.mark.parametrize("base", [V4, V5])
def test_a_patch_cannot_remove_a_required_attribute(api_client: CheckedClient, base: str) -> None:
    make = order_v4 if base == V4 else order_v5
    order = api_client.post(f"{base}/productOrder", json=make("required")).json()
    url = f"{base}/productOrder/{order['id']}"
    before = api_client.get(url).json()
    assert_tmf_error(_patch(api_client, url, {"productOrderItem": []}), 400, mentions="productOrderItem")
    assert_tmf_error(_patch(api_client, url, {"productOrderItem": None}), 400, mentions="productOrderItem")
    ops = [{"op": "remove", "path": "/productOrderItem"}]
    if base == V5:
        assert_tmf_error(_patch(api_client, url, ops, "application/json-patch+json"), 400)
    assert api_client.get(url).json() == before


BAD_TYPES = ["", "<script>alert(1)</script>", "CancelProductOrder"]


@pytest.mark.parametrize("base", [V4, V5])
@pytest.mark.parametrize("bad", BAD_TYPES)
def test_an_order_type_must_be_the_resources_or_a_declared_subtype(
    api_client: CheckedClient, base: str, bad: str
) -> None:
    make = order_v4 if base == V4 else order_v5
    assert_tmf_error(
        api_client.post(f"{base}/productOrder", json=make("t") | {"@type": bad}), 400, mentions="@type"
    )
    nested = make("nested")
    nested["relatedParty"][0]["@type"] = bad
    response = api_client.post(f"{base}/productOrder", json=nested)
    assert_tmf_error(response, 400, mentions="relatedParty[0].@type")
    order = api_client.post(f"{base}/productOrder", json=make("patched type")).json()
    url = f"{base}/productOrder/{order['id']}"
    before = api_client.get(url).json()
    assert_tmf_error(_patch(api_client, url, {"@type": bad}), 400, mentions="@type")
    assert api_client.get(url).json() == before


def test_a_cancellation_is_typed_as_one(api_client: CheckedClient) -> None:
    order = api_client.post(f"{V5}/productOrder", json=order_v5("cancel type")).json()
    body = {"@type": "ProductOrder", "productOrder": {"@type": "ProductOrderRef", "id": order["id"]}}
    assert_tmf_error(
        api_client.post(f"{V5}/cancelProductOrder", json=body), 400, mentions="CancelProductOrder"
    )
    v4_body = {"@type": "ProductOrder", "productOrder": {"id": order["id"]}}
    assert_tmf_error(
        api_client.post(f"{V4}/cancelProductOrder", json=v4_body), 400, mentions="CancelProductOrder"
    )
    assert api_client.get(f"{V5}/productOrder/{order['id']}").json()["state"] == "acknowledged"


def test_declared_subtypes_are_accepted(api_client: CheckedClient) -> None:
    body = order_v5("subtype")
    body["productOrderItem"][0]["product"] = {
        "@type": "Product",
        "productCharacteristic": [
            {"@type": "StringCharacteristic", "name": "MSISDN", "value": "18926880101"}
        ],
    }
    created = api_client.post(f"{V5}/productOrder", json=body)
    assert created.status_code == 201, created.text
    characteristic = created.json()["productOrderItem"][0]["product"]["productCharacteristic"][0]
    assert characteristic["@type"] == "StringCharacteristic"
    body["productOrderItem"][0]["product"]["productCharacteristic"][0]["@type"] = "NoSuchCharacteristic"
    assert_tmf_error(
        api_client.post(f"{V5}/productOrder", json=body), 400, mentions="productCharacteristic[0].@type"
    )


@pytest.mark.parametrize("location", ["not a uri", "<script>", "://missing-scheme"])
def test_schema_location_must_be_a_uri(api_client: CheckedClient, location: str) -> None:
    bad = {"@schemaLocation": location}
    assert_tmf_error(
        api_client.post(f"{V4}/productOrder", json=order_v4("loc") | bad), 400, mentions="@schemaLocation"
    )
    ticket = api_client.post(f"{TICKETS_V4}/troubleTicket", json=ticket_v4("loc")).json()
    response = _patch(api_client, f"{TICKETS_V4}/troubleTicket/{ticket['id']}", bad)
    assert_tmf_error(response, 400, mentions="@schemaLocation")
    good = {"@schemaLocation": "https://schemas.example.com/ProductOrder.json"}
    assert api_client.post(f"{V4}/productOrder", json=order_v4("loc") | good).status_code == 201


def test_every_create_of_the_registry_refuses_a_foreign_type_and_a_bad_schema_location(
    api_client: CheckedClient,
) -> None:
    """The checks are the engine's, run on each API version's documents: one collection POST of
    every API version served, with a body that is otherwise valid (the order tests above go
    through nested objects and PATCH)."""
    from tests.adapter.test_conditional import CREATABLE
    from tests.api.test_statement_counts import ROOTS, _bodies

    first: dict[tuple[str, str], str] = {}
    for api, version, resource in CREATABLE:
        if resource != "hub":
            first.setdefault((api, version), resource)
    for (api, version), resource in first.items():
        body = _bodies(api, version, resource, api_client)(f"typed-{resource}")
        url = f"{ROOTS[api, version]}/{resource}"
        where = f"{api} {version} {resource}"
        refused = [
            (body | {"@type": "<script>alert(1)</script>"}, "@type"),
            (body | {"@type": ""}, "@type"),
            (body | {"@schemaLocation": "not a uri"}, "@schemaLocation"),
        ]
        for bad, named in refused:
            response = api_client.post(url, json=bad)
            assert response.status_code == 400 and named in response.json()["message"], (where, response.text)
