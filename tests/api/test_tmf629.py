"""TMF629 Customer, v4 and v5: the generic contracts filled with the business hall's customers,
plus the customer's engaged party (TMF632's, or one held elsewhere as the official kit sends)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient

V4 = "/tmf-api/customerManagement/v4"
V5 = "/tmf-api/customer/v5"


def customer_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": marker,
        "engagedParty": {"id": "IND-0002", "name": "王芳", "@referredType": "Individual"},
        "statusReason": "新入网，待审核实名资料",
        "validFor": {"startDateTime": "2026-11-20T08:30:00.000Z"},
        "relatedParty": [
            {"id": "EMP-0301", "name": "赵敏", "role": "accountManager", "@referredType": "Individual"}
        ],
    } | extra


def customer_v5(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "Customer",
        "name": marker,
        "engagedParty": {
            "@type": "PartyRef",
            "id": "IND-0002",
            "name": "王芳",
            "@referredType": "Individual",
        },
        "statusReason": "新入网，待审核实名资料",
        "validFor": {"startDateTime": "2026-11-20T08:30:00.000Z"},
        "relatedParty": [
            {
                "@type": "RelatedPartyOrPartyRole",
                "role": "accountManager",
                "partyOrPartyRole": {"@type": "PartyRef", "id": "EMP-0301", "@referredType": "Individual"},
            }
        ],
    } | extra


class CustomerCase(ReadContract, DeleteContract, LifecycleContract):
    resource = "customer"
    schema_name = "Customer"
    marker_attribute = "name"
    date_attribute = "validFor.startDateTime"
    nested_filter = ("relatedParty.role", "accountManager")
    patch_attribute = "statusReason"
    state_attribute = "status"
    server_owned = ("id", "href")
    legal_path = ("validated", "suspended", "closed")
    illegal_from_initial = "suspended"
    final_state = "closed"


class TestCustomerV4(CustomerCase, PatchContract):
    base = V4
    mandatory = ("id", "href", "name", "engagedParty", "status")
    patch_media_types = ("application/merge-patch+json", "application/json")

    def body(self, marker: str) -> dict[str, Any]:
        return customer_v4(marker)


class TestCustomerV5(CustomerCase, JsonPatchContract):
    base = V5
    mandatory = ("@type", "id", "href", "name", "engagedParty", "status")
    patch_media_types = (
        "application/merge-patch+json",
        "application/json",
        "application/json-patch+json",
        "application/json-patch-query+json",
    )
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "Customer"}
    json_patch_query = (
        "/relatedParty/role?relatedParty.partyOrPartyRole.id=EMP-0301",
        "role",
        "salesRepresentative",
    )

    def body(self, marker: str) -> dict[str, Any]:
        return customer_v5(marker)


# -- the engaged party ---------------------------------------------------------------------------

PARTY_V5 = "/tmf-api/partyManagement/v5"


def _individual(client: CheckedClient) -> dict[str, Any]:
    body = {"@type": "Individual", "givenName": "伟", "familyName": "张", "name": "张伟"}
    response = client.post(f"{PARTY_V5}/individual", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def test_an_engaged_party_of_this_server_must_exist(api_client: CheckedClient) -> None:
    party = _individual(api_client)
    here = {"id": party["id"], "href": party["href"], "@referredType": "Individual"}
    created = api_client.post(f"{V4}/customer", json=customer_v4("engaged", engagedParty=here))
    assert created.status_code == 201, created.text
    # each version names the party in its own generation of TMF632 (whose roots differ by version)
    v5 = api_client.get(f"{V5}/customer/{created.json()['id']}").json()
    assert v5["engagedParty"]["href"] == party["href"]
    assert created.json()["engagedParty"]["href"].endswith(f"/tmf-api/party/v4/individual/{party['id']}")
    gone = here | {"id": "no-such-party", "href": party["href"].replace(party["id"], "no-such-party")}
    assert_tmf_error(
        api_client.post(f"{V4}/customer", json=customer_v4("gone", engagedParty=gone)),
        400,
        mentions="engagedParty.id",
    )
    # an href naming another collection of this server (an organization) with the individual's id
    wrong = here | {"href": party["href"].replace("/individual/", "/organization/")}
    assert_tmf_error(
        api_client.post(
            f"{V5}/customer", json=customer_v5("wrong", engagedParty=wrong | {"@type": "PartyRef"})
        ),
        400,
        mentions="engagedParty.id",
    )
    # a patch cannot point an existing customer at a party this server does not hold
    url = f"{V4}/customer/{created.json()['id']}"
    response = api_client.patch(
        url,
        content=json.dumps({"engagedParty": gone}),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert_tmf_error(response, 400, mentions="engagedParty.id")
    assert api_client.get(url).json()["engagedParty"]["id"] == party["id"]


def test_an_engaged_party_held_elsewhere_is_stored_as_given(api_client: CheckedClient) -> None:
    # as the official kit sends it: no href
    kit = api_client.post(
        f"{V4}/customer",
        json={"name": "Moon Football Club", "engagedParty": {"@referredType": "Organization", "id": "500"}},
    )
    assert kit.status_code == 201, kit.text
    assert kit.json()["engagedParty"] == {"@referredType": "Organization", "id": "500"}
    foreign = {"id": "P-9", "href": "https://crm.partner.example/party/P-9", "@referredType": "Individual"}
    elsewhere = api_client.post(f"{V4}/customer", json=customer_v4("elsewhere", engagedParty=foreign))
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["engagedParty"]["href"] == foreign["href"]
