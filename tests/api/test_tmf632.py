"""TMF632 Party, v4 and v5: the generic contracts filled with the business hall's residents and
enterprise customers, plus what the API adds: contact media and names that one store shows in
both generations' shapes, and each version's spelling of an individual's final status."""

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

V4 = "/tmf-api/party/v4"
V5 = "/tmf-api/partyManagement/v5"
MERGE = "application/merge-patch+json"


def individual_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "givenName": "芳",
        "familyName": marker,
        "fullName": "王芳",
        "gender": "female",
        "location": "深圳市南山区",
        "birthDate": "2001-06-18T00:00:00.000Z",
        "contactMedium": [
            {"mediumType": "mobile", "preferred": True, "characteristic": {"phoneNumber": "13912345678"}},
            {"mediumType": "email", "characteristic": {"emailAddress": "wangfang@example.cn"}},
        ],
        "individualIdentification": [
            {"identificationType": "居民身份证", "identificationId": "440305200106180048"}
        ],
    } | extra


def individual_v5(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "Individual",
        "givenName": "芳",
        "familyName": marker,
        "name": "王芳",
        "gender": "female",
        "location": "深圳市南山区",
        "birthDate": "2001-06-18T00:00:00.000Z",
        "contactMedium": [
            {"@type": "PhoneContactMedium", "preferred": True, "phoneNumber": "13912345678"},
            {"@type": "EmailContactMedium", "emailAddress": "wangfang@example.cn"},
        ],
        "individualIdentification": [
            {
                "@type": "IndividualIdentification",
                "identificationType": "居民身份证",
                "identificationId": "440305200106180048",
            }
        ],
        "relatedParty": [
            {
                "@type": "RelatedPartyOrPartyRole",
                "role": "guardian",
                "partyOrPartyRole": {"@type": "PartyRef", "id": "IND-0001", "@referredType": "Individual"},
            }
        ],
    } | extra


def organization_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "tradingName": marker,
        "name": "深圳市鹏城智造电子科技有限公司",
        "organizationType": "企业",
        "nameType": "有限公司",
        "existsDuring": {"startDateTime": "2016-03-08T00:00:00.000Z"},
        "organizationIdentification": [
            {"identificationType": "统一社会信用代码", "identificationId": "91440300MA5H5678ZQ"}
        ],
    } | extra


def organization_v5(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": marker,
        "tradingName": "鹏城电子",
        "organizationType": "企业",
        "nameType": "有限公司",
        "existsDuring": {"startDateTime": "2016-03-08T00:00:00.000Z"},
        "organizationIdentification": [
            {
                "@type": "OrganizationIdentification",
                "identificationType": "统一社会信用代码",
                "identificationId": "91440300MA5H5678ZQ",
            }
        ],
        "relatedParty": [
            {
                "@type": "RelatedPartyOrPartyRole",
                "role": "legalRepresentative",
                "partyOrPartyRole": {"@type": "PartyRef", "id": "IND-0002", "@referredType": "Individual"},
            }
        ],
    } | extra


V4_MEDIA = ("application/merge-patch+json", "application/json")
V5_MEDIA = (*V4_MEDIA, "application/json-patch+json", "application/json-patch-query+json")


class IndividualCase(ReadContract, DeleteContract, LifecycleContract):
    resource = "individual"
    schema_name = "Individual"
    marker_attribute = "familyName"
    date_attribute = "birthDate"
    nested_filter = ("individualIdentification.identificationType", "居民身份证")
    patch_attribute = "location"
    state_attribute = "status"
    server_owned = ("id", "href")


class TestIndividualV4(IndividualCase, PatchContract):
    base = V4
    mandatory = ("id", "href", "givenName", "familyName", "status", "contactMedium")
    patch_media_types = V4_MEDIA
    legal_path = ("validated", "deceaded")
    illegal_from_initial = "deceaded"
    final_state = "deceaded"

    def body(self, marker: str) -> dict[str, Any]:
        return individual_v4(marker)


class TestIndividualV5(IndividualCase, JsonPatchContract):
    base = V5
    mandatory = ("@type", "id", "href", "givenName", "familyName", "status", "contactMedium")
    patch_media_types = V5_MEDIA
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "Individual"}
    json_patch_query = ("/relatedParty/role?relatedParty.partyOrPartyRole.id=IND-0001", "role", "parent")
    legal_path = ("validated", "deceased")
    illegal_from_initial = "deceased"
    final_state = "deceased"

    def body(self, marker: str) -> dict[str, Any]:
        return individual_v5(marker)


class OrganizationCase(ReadContract, DeleteContract, LifecycleContract):
    resource = "organization"
    schema_name = "Organization"
    date_attribute = "existsDuring.startDateTime"
    nested_filter = ("organizationIdentification.identificationType", "统一社会信用代码")
    patch_attribute = "nameType"
    state_attribute = "status"
    server_owned = ("id", "href")
    legal_path = ("validated", "closed")
    illegal_from_initial = "closed"
    final_state = "closed"


class TestOrganizationV4(OrganizationCase, PatchContract):
    base = V4
    marker_attribute = "tradingName"
    mandatory = ("id", "href", "tradingName", "status")
    patch_media_types = V4_MEDIA

    def body(self, marker: str) -> dict[str, Any]:
        return organization_v4(marker)


class TestOrganizationV5(OrganizationCase, JsonPatchContract):
    base = V5
    marker_attribute = "name"
    mandatory = ("@type", "id", "href", "name", "status")
    patch_media_types = V5_MEDIA
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "Organization"}
    json_patch_query = (
        "/relatedParty/role?relatedParty.partyOrPartyRole.id=IND-0002",
        "role",
        "contactPerson",
    )

    def body(self, marker: str) -> dict[str, Any]:
        return organization_v5(marker)


# -- one store, both generations' shapes ---------------------------------------------------------


def test_a_contact_medium_reads_in_each_versions_shape_and_filters_there(api_client: CheckedClient) -> None:
    marker = ContactCase.new_marker()
    made_v4 = api_client.post(f"{V4}/individual", json=individual_v4(marker)).json()
    made_v5 = api_client.post(f"{V5}/individual", json=individual_v5(marker)).json()
    for made in (made_v4, made_v5):
        v5 = api_client.get(f"{V5}/individual/{made['id']}").json()
        v4 = api_client.get(f"{V4}/individual/{made['id']}").json()
        assert v5["contactMedium"][0]["phoneNumber"] == "13912345678"
        assert v4["contactMedium"][0]["characteristic"]["phoneNumber"] == "13912345678"
        assert v5["name"] == v4["fullName"] == "王芳"
    # v5's typed medium keeps its type through v4 (its own subtype there too)
    assert api_client.get(f"{V4}/individual/{made_v5['id']}").json()["contactMedium"][0]["@type"] == (
        "PhoneContactMedium"
    )
    both = sorted([made_v4["id"], made_v5["id"]])
    found_v5 = api_client.get(
        f"{V5}/individual", params={"familyName": marker, "contactMedium.phoneNumber": "13912345678"}
    ).json()
    found_v4 = api_client.get(
        f"{V4}/individual",
        params={"familyName": marker, "contactMedium.characteristic.emailAddress": "wangfang@example.cn"},
    ).json()
    assert sorted(d["id"] for d in found_v5) == both == sorted(d["id"] for d in found_v4)


def test_a_contact_mediums_kind_reads_in_each_versions_terms(api_client: CheckedClient) -> None:
    # v4 names the kind in `mediumType` (which TMF629 v4 requires), v5 in `@type`: each version's
    # write gives the other's, and a change through the other version keeps it.
    marker = ContactCase.new_marker()
    made_v4 = api_client.post(f"{V4}/individual", json=individual_v4(marker)).json()
    made_v5 = api_client.post(f"{V5}/individual", json=individual_v5(marker)).json()
    for _ in range(2):  # as created, then after each version rewrote the other's contact media
        v5 = api_client.get(f"{V5}/individual/{made_v4['id']}").json()["contactMedium"]
        v4 = api_client.get(f"{V4}/individual/{made_v5['id']}").json()["contactMedium"]
        assert [m["@type"] for m in v5] == ["PhoneContactMedium", "EmailContactMedium"]
        assert [m["mediumType"] for m in v4] == ["phone", "email"]
        assert [
            m["mediumType"]
            for m in api_client.get(f"{V4}/individual/{made_v4['id']}").json()["contactMedium"]
        ] == ["mobile", "email"]
        for made, base, doc in (
            (made_v4, V5, {"@type": "Individual", "contactMedium": v5}),
            (made_v5, V4, {"contactMedium": v4}),
        ):
            response = api_client.patch(
                f"{base}/individual/{made['id']}", content=json.dumps(doc), headers={"content-type": MERGE}
            )
            assert response.status_code == 200, response.text
    for base, condition in (
        (V4, {"contactMedium.mediumType": "email"}),
        (V5, {"contactMedium.@type": "PhoneContactMedium"}),
    ):
        found = api_client.get(f"{base}/individual", params={"familyName": marker} | condition).json()
        assert sorted(d["id"] for d in found) == sorted([made_v4["id"], made_v5["id"]])


class ContactCase(IndividualCase):
    """Only its marker maker is used (no tests of its own)."""

    __test__ = False


def test_each_version_spells_the_final_status_its_own_way(api_client: CheckedClient) -> None:
    # v4 publishes `deceaded` (sic), v5 `deceased`: one stored value, read in each version's spelling.
    marker = ContactCase.new_marker()
    made = api_client.post(f"{V5}/individual", json=individual_v5(marker)).json()
    urls = {"v4": f"{V4}/individual/{made['id']}", "v5": f"{V5}/individual/{made['id']}"}
    spelt = {"v4": "deceaded", "v5": "deceased"}

    def patch(version: str, status: str) -> Any:
        body = {"status": status} | ({"@type": "Individual"} if version == "v5" else {})
        return api_client.patch(urls[version], content=json.dumps(body), headers={"content-type": MERGE})

    assert patch("v5", "validated").status_code == 200
    # each document admits only its own spelling
    assert_tmf_error(patch("v5", "deceaded"), 400)
    assert_tmf_error(patch("v4", "deceased"), 400)
    response = patch("v4", "deceaded")
    assert response.status_code == 200, response.text
    for version, base in (("v4", V4), ("v5", V5)):
        assert api_client.get(urls[version]).json()["status"] == spelt[version]
        found = api_client.get(f"{base}/individual", params={"familyName": marker, "status": spelt[version]})
        assert [d["id"] for d in found.json()] == [made["id"]]
    # a final state, in either spelling
    assert_tmf_error(patch("v5", "validated"), 409, mentions="deceased")
    assert_tmf_error(patch("v4", "validated"), 409, mentions="deceaded")


def test_an_organization_names_its_parent(api_client: CheckedClient) -> None:
    parent = api_client.post(f"{V5}/organization", json=organization_v5(ContactCase.new_marker())).json()
    child = api_client.post(
        f"{V4}/organization",
        json=organization_v4(
            ContactCase.new_marker(),
            organizationParentRelationship={
                "relationshipType": "子公司",
                "organization": {"id": parent["id"], "href": parent["href"], "@referredType": "Organization"},
            },
        ),
    ).json()
    v5 = api_client.get(f"{V5}/organization/{child['id']}").json()
    assert v5["organizationParentRelationship"]["organization"]["href"] == parent["href"]
    children = api_client.get(
        f"{V4}/organization", params={"organizationParentRelationship.organization.id": parent["id"]}
    ).json()
    assert [c["id"] for c in children] == [child["id"]]
    # a parent named on this server must be one of its organizations; one held elsewhere is kept
    missing = parent["href"].replace(parent["id"], "no-such-organization")
    orphan = organization_v4(
        ContactCase.new_marker(),
        organizationParentRelationship={"organization": {"id": "no-such-organization", "href": missing}},
    )
    assert_tmf_error(api_client.post(f"{V4}/organization", json=orphan), 400, mentions="organization.id")
    orphan["organizationParentRelationship"]["organization"] = {
        "id": "GRP-1",
        "href": "https://elsewhere.example/GRP-1",
    }
    assert api_client.post(f"{V4}/organization", json=orphan).status_code == 201
