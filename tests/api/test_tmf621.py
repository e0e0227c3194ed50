"""TMF621 Trouble Ticket, v4 and v5: the generic contracts filled with tickets from the 10000
hotline, plus the API's own rules (status lifecycle and history, service-level targets)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    QueryContract,
    ReadContract,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient

V4 = "/tmf-api/troubleTicket/v4"
V5 = "/tmf-api/troubleTicket/v5"


def ticket_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": marker,
        "name": "宽带故障",
        "severity": "major",
        "ticketType": "故障报修",
        "channel": {"id": "HOTLINE-10000", "name": "10000号客服热线"},
        "relatedParty": [
            {"id": "CUST-0002", "name": "王芳", "role": "customer", "@referredType": "Individual"}
        ],
        "externalId": "10000-20261122-0001",
    } | extra


def ticket_v5(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "TroubleTicket",
        "description": marker,
        "name": "宽带故障",
        "severity": "major",
        "ticketType": "故障报修",
        "channel": {"@type": "ChannelRef", "id": "HOTLINE-10000", "name": "10000号客服热线"},
        "relatedParty": [
            {
                "@type": "RelatedPartyRefOrPartyRoleRef",
                "role": "customer",
                "partyOrPartyRole": {
                    "@type": "PartyRef",
                    "id": "CUST-0002",
                    "name": "王芳",
                    "@referredType": "Individual",
                },
            }
        ],
        "externalIdentifier": [
            {"@type": "ExternalIdentifier", "id": "10000-20261122-0001", "owner": "10000号"}
        ],
    } | extra


class TroubleTicketCase(ReadContract, DeleteContract, LifecycleContract):
    resource = "troubleTicket"
    schema_name = "TroubleTicket"
    marker_attribute = "description"
    date_attribute = "creationDate"
    nested_filter = ("relatedParty.role", "customer")
    patch_attribute = "name"
    state_attribute = "status"
    legal_path = ("inProgress", "resolved", "closed")
    illegal_from_initial = "closed"
    final_state = "closed"
    server_owned = ("id", "href", "creationDate", "resolutionDate")
    updated_on_patch = ("lastUpdate",)


class TestTroubleTicketV4(TroubleTicketCase, PatchContract):
    base = V4
    mandatory = (
        "id",
        "href",
        "description",
        "severity",
        "ticketType",
        "status",
        "creationDate",
        "statusChange",
    )
    patch_media_types = ("application/merge-patch+json", "application/json")

    def body(self, marker: str) -> dict[str, Any]:
        return ticket_v4(marker)


class TestTroubleTicketV5(TroubleTicketCase, JsonPatchContract):
    base = V5
    mandatory = (
        "id",
        "href",
        "description",
        "severity",
        "ticketType",
        "status",
        "creationDate",
        "statusChangeHistory",
    )
    patch_media_types = (
        "application/merge-patch+json",
        "application/json",
        "application/json-patch+json",
        "application/json-patch-query+json",
    )
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "TroubleTicket"}
    json_patch_query = ("/relatedParty/role?relatedParty.partyOrPartyRole.id=CUST-0002", "role", "reporter")

    def body(self, marker: str) -> dict[str, Any]:
        return ticket_v5(marker)


class TestTroubleTicketSpecificationV5(ReadContract, JsonPatchContract, DeleteContract, QueryContract):
    base = V5
    resource = "troubleTicketSpecification"
    schema_name = "TroubleTicketSpecification"
    marker_attribute = "name"
    date_attribute = "creationDate"
    nested_filter = ("relatedParty.role", "owner")
    mandatory = ("id", "href", "name", "creationDate", "@type")
    patch_attribute = "description"
    server_owned = ("id", "href", "creationDate")
    updated_on_patch = ("lastUpdate",)
    merge_patch_base: ClassVar[dict[str, Any]] = {"@type": "TroubleTicketSpecification"}
    patch_media_types = TestTroubleTicketV5.patch_media_types
    json_patch_query = ("/relatedParty/role?relatedParty.partyOrPartyRole.id=DEPT-NOC", "role", "maintainer")

    def body(self, marker: str) -> dict[str, Any]:
        return {
            "@type": "TroubleTicketSpecification",
            "name": marker,
            "description": "故障报修工单规格",
            "lifecycleStatus": "active",
            "version": "1.0",
            "relatedParty": [
                {
                    "@type": "RelatedPartyRefOrPartyRoleRef",
                    "role": "owner",
                    "partyOrPartyRole": {"@type": "PartyRef", "id": "DEPT-NOC", "name": "网络运维中心"},
                }
            ],
        }


# -- TMF621's own rules -------------------------------------------------------------------------


def _patch(client: CheckedClient, url: str, body: dict[str, Any]) -> Any:
    return client.patch(
        url, content=json.dumps(body), headers={"content-type": "application/merge-patch+json"}
    )


def _hours(ticket: dict[str, Any]) -> float:
    created = dt.datetime.fromisoformat(ticket["creationDate"])
    expected = dt.datetime.fromisoformat(ticket["expectedResolutionDate"])
    return (expected - created).total_seconds() / 3600


def test_service_level_sets_expected_resolution_by_type_and_severity(api_client: CheckedClient) -> None:
    cases = [
        ({"ticketType": "故障报修", "severity": "critical"}, 4, "45 分钟"),
        ({"ticketType": "故障报修", "severity": "minor"}, 24, "45 分钟"),
        ({"ticketType": "投诉", "severity": "minor"}, 48, "120 分钟"),
        ({"ticketType": "计费争议", "severity": "minor"}, 72, "240 分钟"),
        ({"ticketType": "inquiry", "severity": "minor"}, 24, "240 分钟"),
    ]
    for fields, hours, response in cases:
        ticket = api_client.post(f"{V4}/troubleTicket", json=ticket_v4("sla") | fields).json()
        assert _hours(ticket) == hours, fields
        assert any(response in note["text"] for note in ticket["note"] if note.get("author") == "SLA"), (
            ticket["note"]
        )


def test_a_client_given_expected_resolution_date_is_kept(api_client: CheckedClient) -> None:
    ticket = api_client.post(
        f"{V4}/troubleTicket", json=ticket_v4("own date", expectedResolutionDate="2030-01-01T00:00:00.000Z")
    ).json()
    assert ticket["expectedResolutionDate"] == "2030-01-01T00:00:00.000Z"
    assert not any(note.get("author") == "SLA" for note in ticket.get("note", []))


def test_status_history_change_date_and_resolution_date(api_client: CheckedClient) -> None:
    ticket = api_client.post(f"{V5}/troubleTicket", json=ticket_v5("history")).json()
    url = f"{V5}/troubleTicket/{ticket['id']}"
    assert [h["status"] for h in ticket["statusChangeHistory"]] == ["acknowledged"]
    assert "resolutionDate" not in ticket
    progressing = _patch(
        api_client, url, {"status": "inProgress", "statusChangeReason": "已派单至装维"}
    ).json()
    resolved = _patch(api_client, url, {"status": "resolved"}).json()
    assert [h["status"] for h in resolved["statusChangeHistory"]] == [
        "acknowledged",
        "inProgress",
        "resolved",
    ]
    assert resolved["statusChangeHistory"][1]["statusChangeReason"] == "已派单至装维"
    assert "statusChangeReason" not in resolved["statusChangeHistory"][2]
    assert resolved["resolutionDate"] == resolved["statusChangeDate"] >= progressing["statusChangeDate"]
    reopened = _patch(
        api_client, url, {"status": "inProgress", "statusChangeReason": "客户回访：仍无法上网"}
    ).json()
    assert "resolutionDate" not in reopened
    v4 = api_client.get(f"{V4}/troubleTicket/{ticket['id']}").json()
    assert [h["status"] for h in v4["statusChange"]] == [
        "acknowledged",
        "inProgress",
        "resolved",
        "inProgress",
    ]


def test_required_attributes_on_create(api_client: CheckedClient) -> None:
    for missing in ("description", "severity", "ticketType"):
        body = ticket_v4("required")
        del body[missing]
        assert_tmf_error(api_client.post(f"{V4}/troubleTicket", json=body), 400, mentions=missing)
    body = ticket_v5("required")
    del body["@type"]
    assert_tmf_error(api_client.post(f"{V5}/troubleTicket", json=body), 400, mentions="@type")


def test_history_and_dates_are_server_owned(api_client: CheckedClient) -> None:
    ticket = api_client.post(f"{V5}/troubleTicket", json=ticket_v5("owned")).json()
    body: dict[str, Any]
    for body in (
        {"statusChangeHistory": []},
        {"creationDate": "2000-01-01T00:00:00Z"},
        {"resolutionDate": "2000-01-01T00:00:00Z"},
    ):
        assert_tmf_error(
            _patch(api_client, f"{V5}/troubleTicket/{ticket['id']}", body), 400, mentions=next(iter(body))
        )


def test_filters_by_type_severity_and_channel(api_client: CheckedClient) -> None:
    complaint = api_client.post(
        f"{V4}/troubleTicket", json=ticket_v4("filters", ticketType="投诉", severity="minor")
    ).json()
    api_client.post(f"{V4}/troubleTicket", json=ticket_v4("filters"))
    found = api_client.get(
        f"{V4}/troubleTicket",
        params={"description": "filters", "ticketType": "投诉", "channel.name": "10000号客服热线"},
    ).json()
    assert [t["id"] for t in found] == [complaint["id"]]
    by_expected = api_client.get(
        f"{V5}/troubleTicket", params={"description": "filters", "sort": "-expectedResolutionDate"}
    ).json()
    assert by_expected[0]["id"] == complaint["id"]  # 48 h beats 24 h


def test_billing_dispute_references_a_customer_bill(api_client: CheckedClient) -> None:
    from tests.api.test_tmf678 import V5 as BILLS_V5
    from tests.api.test_tmf678 import bill_on_demand, complete_order, new_account, price

    account = new_account(api_client)
    complete_order(api_client, account, [price("装机调测费", "oneTime", "50.00")])
    bill = api_client.get(
        f"{BILLS_V5}/customerBill/{bill_on_demand(api_client, BILLS_V5, account)['customerBill']['id']}"
    ).json()
    entity = {"@type": "EntityRef", "id": bill["id"], "href": bill["href"], "@referredType": "CustomerBill"}
    dispute = api_client.post(
        f"{V5}/troubleTicket",
        json=ticket_v5(
            "dispute",
            ticketType="计费争议",
            relatedEntity=[{"@type": "RelatedEntity", "role": "disputedBill", "entity": entity}],
        ),
    ).json()
    assert _hours(dispute) == 72
    found = api_client.get(f"{V5}/troubleTicket", params={"relatedEntity.entity.id": bill["id"]}).json()
    assert [t["id"] for t in found] == [dispute["id"]]
    v4 = api_client.get(
        f"{V4}/troubleTicket",
        params={"relatedEntity.@referredType": "CustomerBill", "relatedEntity.id": bill["id"]},
    ).json()
    assert [t["id"] for t in v4] == [dispute["id"]]
    assert v4[0]["relatedEntity"] == [
        {
            "id": bill["id"],
            # Our own bill, read through v4: its v4 href (hrefs are rendered in the reader's version).
            "href": bill["href"].replace("/customerBillManagement/v5/", "/customerBillManagement/v4/"),
            "role": "disputedBill",
            "@referredType": "CustomerBill",
            "@type": "RelatedEntity",
        }
    ]


def test_equality_filters_on_attributes_kept_as_json(api_client: CheckedClient) -> None:
    """Specification references and relationships are not columns: the same answers on SQLite and
    PostgreSQL (where equalities are JSONB containment served by the GIN index)."""

    def spec(id_: str) -> dict[str, Any]:
        return {"@type": "TroubleTicketSpecificationRef", "id": id_, "name": "宽带故障单"}

    def related(*ids: str) -> list[dict[str, Any]]:
        return [
            {"@type": "TroubleTicketRelationship", "id": i, "relationshipType": "duplicate"} for i in ids
        ]

    body = ticket_v5("json-eq", troubleTicketSpecification=spec("TTS-1"))
    body["troubleTicketRelationship"] = related("TT-8", "TT-9")
    first = api_client.post(f"{V5}/troubleTicket", json=body).json()
    second = api_client.post(
        f"{V5}/troubleTicket", json=ticket_v5("json-eq", troubleTicketSpecification=spec("TTS-2"))
    ).json()
    spec_id, relation_id = "troubleTicketSpecification.id", "troubleTicketRelationship.id"
    for params, expected in [
        ([(spec_id, "TTS-1")], [first]),
        ([(spec_id, "TTS-1,TTS-2")], [first, second]),  # comma: OR
        ([(spec_id, "TTS-2"), (spec_id, "TTS-3")], [second]),  # repeated: OR
        ([(spec_id, "TTS-3")], []),
        ([(relation_id, "TT-9")], [first]),  # any element of the array
        ([(relation_id, "TT-9"), (spec_id, "TTS-2")], []),
        ([(f"{spec_id}.ne", "TTS-1")], [second]),
    ]:
        found = api_client.get(f"{V5}/troubleTicket", params=[*params, ("description", "json-eq")]).json()
        assert sorted(t["id"] for t in found) == sorted(t["id"] for t in expected), params
    v4 = api_client.get(
        f"{V4}/troubleTicket", params={"troubleTicketRelationship.id": "TT-8", "description": "json-eq"}
    ).json()
    assert [t["id"] for t in v4] == [first["id"]]
