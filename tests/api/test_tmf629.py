"""TMF629 Customer, v4 and v5: the generic contracts filled with the business hall's customers,
plus the customer's engaged party (TMF632's, or one held elsewhere as the official kit sends)."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
)

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
