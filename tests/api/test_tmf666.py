"""TMF666 Account Management, v4 and v5: the generic contracts filled with the operator's accounts
(个人/政企 billing accounts, agents' settlement accounts …) and their bill structure, plus the
API's own rules (account state lifecycle, references within the bill structure, balances)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from tests.api.contract import (
    CreateContract,
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.api.test_tmf629 import customer_v4
from tests.fixtures.app import CheckedClient

V4 = "/tmf-api/accountManagement/v4"
V5 = "/tmf-api/accountManagement/v5"
MERGE = {"content-type": "application/merge-patch+json"}


def account_v4(marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": marker,
        "description": "个人客户后付费账户",
        "accountType": "个人客户",
        "relatedParty": [{"id": "CUST-0001", "name": "张伟", "role": "owner", "@referredType": "Individual"}],
        "accountBalance": [
            {
                "balanceType": "预存款余额",
                "amount": {"unit": "CNY", "value": 50.25},
                "validFor": {"startDateTime": "2026-11-01T00:00:00.000Z"},
            }
        ],
        "creditLimit": {"unit": "CNY", "value": 300},
    } | extra


def account_v5(schema: str, marker: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": schema,
        "name": marker,
        "description": "个人客户后付费账户",
        "accountType": "个人客户",
        "relatedParty": [
            {
                "@type": "RelatedPartyRefOrPartyRoleRef",
                "role": "owner",
                "partyOrPartyRole": {
                    "@type": "PartyRef",
                    "id": "CUST-0001",
                    "name": "张伟",
                    "@referredType": "Individual",
                },
            }
        ],
        "accountBalance": [
            {
                "@type": "AccountBalance",
                "balanceType": "预存款余额",
                "amount": {"unit": "CNY", "value": 50.25},
                "validFor": {"startDateTime": "2026-11-01T00:00:00.000Z"},
            }
        ],
    } | extra


V4_MEDIA = ("application/merge-patch+json", "application/json")
V5_MEDIA = (*V4_MEDIA, "application/json-patch+json", "application/json-patch-query+json")


class AccountCase(ReadContract, DeleteContract, LifecycleContract):
    """The four account kinds: one design, so one set of data in each version."""

    marker_attribute = "name"
    nested_filter = ("relatedParty.role", "owner")
    patch_attribute = "description"
    legal_path = ("suspended", "pendingClosure", "closed")
    illegal_from_initial = "closed"
    final_state = "closed"

    def test_list_filter_on_state(self, api_client: CheckedClient) -> None:
        # The documents leave `state` a free string (no enumeration to refuse a filter value by).
        marker = self.new_marker()
        created = self.create(api_client, marker)
        found = self.list(api_client, {self.marker_attribute: marker, "state": "active"}).json()
        assert [d["id"] for d in found] == [created["id"]]
        for other in ("closed", "noSuchState"):
            assert self.list(api_client, {self.marker_attribute: marker, "state": other}).json() == []


class AccountV4(AccountCase, PatchContract):
    base = V4
    date_attribute = "lastModified"
    mandatory = ("id", "href", "name", "relatedParty", "state", "lastModified", "accountBalance")
    server_owned = ("id", "href", "lastModified")
    updated_on_patch = ("lastModified",)
    patch_media_types = V4_MEDIA

    def body(self, marker: str) -> dict[str, Any]:
        return account_v4(marker)


class AccountV5(AccountCase, JsonPatchContract):
    base = V5
    date_attribute = "lastUpdate"
    mandatory = ("@type", "id", "href", "name", "relatedParty", "state", "lastUpdate", "accountBalance")
    server_owned = ("id", "href", "lastUpdate")
    updated_on_patch = ("lastUpdate",)
    patch_media_types = V5_MEDIA
    json_patch_query = ("/relatedParty/role?relatedParty.partyOrPartyRole.id=CUST-0001", "role", "payer")

    @property
    def merge_patch_base(self) -> dict[str, Any]:  # type: ignore[override]
        return {"@type": self.schema_name}

    def body(self, marker: str) -> dict[str, Any]:
        return account_v5(self.schema_name, marker)


class TestBillingAccountV4(AccountV4):
    resource, schema_name = "billingAccount", "BillingAccount"


class TestBillingAccountV5(AccountV5):
    resource, schema_name = "billingAccount", "BillingAccount"


# The other three kinds are the same design on the same table, selected by kind: the contracts
# that touch the kind (create, read back, delete, lifecycle) run for each, the rest once above.
class OtherKindV4(CreateContract, DeleteContract, LifecycleContract):
    base = V4
    marker_attribute = AccountCase.marker_attribute
    date_attribute = AccountV4.date_attribute
    mandatory = AccountV4.mandatory
    legal_path = AccountCase.legal_path
    illegal_from_initial = AccountCase.illegal_from_initial
    final_state = AccountCase.final_state
    test_list_filter_on_state = AccountCase.test_list_filter_on_state

    def body(self, marker: str) -> dict[str, Any]:
        return account_v4(marker)


class OtherKindV5(CreateContract, DeleteContract, LifecycleContract):
    base = V5
    marker_attribute = AccountCase.marker_attribute
    date_attribute = AccountV5.date_attribute
    mandatory = AccountV5.mandatory
    legal_path = AccountCase.legal_path
    illegal_from_initial = AccountCase.illegal_from_initial
    final_state = AccountCase.final_state
    test_list_filter_on_state = AccountCase.test_list_filter_on_state
    merge_patch_base = AccountV5.merge_patch_base

    def body(self, marker: str) -> dict[str, Any]:
        return account_v5(self.schema_name, marker)


class TestSettlementAccountV4(OtherKindV4):
    resource, schema_name = "settlementAccount", "SettlementAccount"


class TestSettlementAccountV5(OtherKindV5):
    resource, schema_name = "settlementAccount", "SettlementAccount"


class TestPartyAccountV4(OtherKindV4):
    resource, schema_name = "partyAccount", "PartyAccount"


class TestPartyAccountV5(OtherKindV5):
    resource, schema_name = "partyAccount", "PartyAccount"


class TestFinancialAccountV4(OtherKindV4):
    resource, schema_name = "financialAccount", "FinancialAccount"


class TestFinancialAccountV5(OtherKindV5):
    resource, schema_name = "financialAccount", "FinancialAccount"


# ------------------------------------------------------------------ the bill structure's reference data
class ReferenceDataCase(ReadContract, DeleteContract):
    """Bill formats, presentation media, billing cycle specifications: no state, no server-set date."""

    marker_attribute = "name"
    patch_attribute = "description"
    server_owned = ("id", "href")
    # A date-time the body carries (billing cycle specifications have validFor); None: the
    # resource has no date at all, and a date filter is refused like any unknown attribute.
    date_path: ClassVar[str | None] = None

    def test_list_date_operators(self, api_client: CheckedClient) -> None:
        if self.date_path is None:
            assert_tmf_error(self.list(api_client, {"lastUpdate.gt": "2026-01-01T00:00:00Z"}), 400)
            return
        marker = self.new_marker()
        created = self.create(api_client, marker)
        for operator, expected in {"gte": [created["id"]], "gt": [], "lt": []}.items():
            params = {
                self.marker_attribute: marker,
                f"{self.date_path}.{operator}": "2026-01-01T00:00:00.000Z",
            }
            assert [d["id"] for d in self.list(api_client, params).json()] == expected, operator

    def test_list_bad_values_are_400(self, api_client: CheckedClient) -> None:
        assert_tmf_error(self.list(api_client, {f"{self.marker_attribute}*": "(unclosed"}), 400)

    def test_list_filter_on_nested_attribute(self, api_client: CheckedClient) -> None:
        # Nothing nested but the polymorphism attributes: filter on '@type'.
        marker = self.new_marker()
        created = self.create(api_client, marker)
        hit = self.list(api_client, {self.marker_attribute: marker, "@type": self.schema_name}).json()
        assert [d["id"] for d in hit] == [created["id"]]
        assert self.list(api_client, {self.marker_attribute: marker, "@type": "Other"}).json() == []

    def test_create_answers_201_with_location_id_href_and_server_attributes(
        self, api_client: CheckedClient
    ) -> None:
        marker = self.new_marker()
        response = api_client.post(self.url, json=self.body(marker))
        assert response.status_code == 201, response.text
        doc = response.json()
        assert response.headers["location"] == doc["href"] == f"http://tmf.test{self.url}/{doc['id']}"
        assert doc["name"] == marker and doc["@type"] == self.schema_name
        assert set(self.mandatory) <= set(doc), doc


def reference_body(schema: str, marker: str, v5: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": marker, "description": "电子账单"}
    if schema == "BillingCycleSpecification":
        body |= {
            "billingPeriod": "month",
            "frequency": "monthly",
            "mailingDateOffset": 1,
            "paymentDueDateOffset": 14,
            "validFor": {"startDateTime": "2026-01-01T00:00:00.000Z"},
        }
    return ({"@type": schema} | body) if v5 else body


class ReferenceV4(ReferenceDataCase, PatchContract):
    base = V4
    mandatory = ("id", "href", "name")
    patch_media_types = V4_MEDIA

    def body(self, marker: str) -> dict[str, Any]:
        return reference_body(self.schema_name, marker, v5=False)


class ReferenceV5(ReferenceDataCase, PatchContract):
    base = V5
    mandatory = ("@type", "id", "href", "name")
    patch_media_types = V5_MEDIA

    @property
    def merge_patch_base(self) -> dict[str, Any]:  # type: ignore[override]
        return {"@type": self.schema_name}

    def body(self, marker: str) -> dict[str, Any]:
        return reference_body(self.schema_name, marker, v5=True)


class TestBillFormatV4(ReferenceV4):
    resource, schema_name = "billFormat", "BillFormat"


class TestBillFormatV5(ReferenceV5):
    resource, schema_name = "billFormat", "BillFormat"


class TestBillPresentationMediaV4(ReferenceV4):
    resource, schema_name = "billPresentationMedia", "BillPresentationMedia"


class TestBillPresentationMediaV5(ReferenceV5):
    resource, schema_name = "billPresentationMedia", "BillPresentationMedia"


class TestBillingCycleSpecificationV4(ReferenceV4):
    resource, schema_name = "billingCycleSpecification", "BillingCycleSpecification"
    date_path = "validFor.startDateTime"


class TestBillingCycleSpecificationV5(ReferenceV5):
    resource, schema_name = "billingCycleSpecification", "BillingCycleSpecification"
    date_path = "validFor.startDateTime"


# ------------------------------------------------------------------ the API's own rules
def bill_structure(client: CheckedClient) -> dict[str, dict[str, Any]]:
    """A bill format, an SMS presentation medium and a monthly cycle, created through v5."""
    made = {}
    for path, schema, name in (
        ("billFormat", "BillFormat", "电子账单"),
        ("billPresentationMedia", "BillPresentationMedia", "短信"),
        ("billingCycleSpecification", "BillingCycleSpecification", "月结账期（每月1日出账）"),
    ):
        response = client.post(f"{V5}/{path}", json=reference_body(schema, name, v5=True))
        assert response.status_code == 201, response.text
        made[path] = response.json()
    return made


def structure_v4(made: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def ref(path: str) -> dict[str, Any]:
        return {"id": made[path]["id"], "name": made[path]["name"], "isRef": True}

    return {
        "format": ref("billFormat"),
        "presentationMedia": [ref("billPresentationMedia")],
        "cycleSpecification": ref("billingCycleSpecification"),
    }


def test_billing_account_names_its_bill_structure_and_reads_in_both_versions(
    api_client: CheckedClient,
) -> None:
    made = bill_structure(api_client)
    marker = ReadContract.new_marker()
    body = account_v4(
        marker, billStructure=structure_v4(made), paymentPlan=[{"planType": "银行代扣", "priority": 1}]
    )
    created = api_client.post(f"{V4}/billingAccount", json=body)
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["state"] == "active"
    assert account["billStructure"] == body["billStructure"]
    assert account["accountBalance"] == body["accountBalance"]  # the amount exactly as sent
    v5 = api_client.get(f"{V5}/billingAccount/{account['id']}").json()
    assert v5["billStructure"]["cycleSpecification"]["id"] == made["billingCycleSpecification"]["id"]
    assert v5["lastUpdate"] == account["lastModified"]
    assert v5["relatedParty"][0]["partyOrPartyRole"]["id"] == "CUST-0001"
    # Accounts are found by what their bill structure names and by their balances.
    cycle = made["billingCycleSpecification"]["id"]
    for params in (
        {"billStructure.cycleSpecification.id": cycle},
        {"billStructure.format.id": made["billFormat"]["id"], "accountBalance.balanceType": "预存款余额"},
    ):
        found = api_client.get(f"{V5}/billingAccount", params={"name": marker} | params).json()
        assert [a["id"] for a in found] == [account["id"]], params
    # Other account kinds are other collections of the same table: nothing leaks across.
    assert api_client.get(f"{V4}/settlementAccount", params={"id": account["id"]}).json() == []
    assert_tmf_error(api_client.get(f"{V4}/financialAccount/{account['id']}"), 404)


@pytest.mark.parametrize("member", ["format", "cycleSpecification", "presentationMedia"])
def test_bill_structure_references_must_name_held_resources(api_client: CheckedClient, member: str) -> None:
    made = bill_structure(api_client)
    structure = structure_v4(made)
    unknown = {"id": "no-such-id", "name": "未知", "isRef": True}
    if member == "presentationMedia":  # every medium of the list is checked
        structure[member] = [*structure[member], unknown]
    else:
        structure[member] = structure[member] | unknown
    marker = ReadContract.new_marker()
    response = api_client.post(f"{V4}/billingAccount", json=account_v4(marker, billStructure=structure))
    assert_tmf_error(response, 400, mentions=f"billStructure.{member}.id 'no-such-id'")
    assert api_client.get(f"{V4}/billingAccount", params={"name": marker}).json() == []
    account = api_client.post(f"{V4}/billingAccount", json=account_v4(marker)).json()
    patch = {"billStructure": structure}
    response = api_client.patch(
        f"{V4}/billingAccount/{account['id']}", content=json.dumps(patch), headers=MERGE
    )
    assert_tmf_error(response, 400, mentions="no-such-id")


def test_financial_account_reference_names_a_financial_account(api_client: CheckedClient) -> None:
    financial = api_client.post(f"{V4}/financialAccount", json=account_v4("集团财务账户")).json()
    other = api_client.post(f"{V4}/partyAccount", json=account_v4("不是财务账户")).json()
    ok = api_client.post(
        f"{V4}/billingAccount", json=account_v4("子账户", financialAccount={"id": financial["id"]})
    )
    assert ok.status_code == 201, ok.text
    wrong = api_client.post(
        f"{V4}/billingAccount", json=account_v4("子账户", financialAccount={"id": other["id"]})
    )
    assert_tmf_error(wrong, 400, mentions="financialAccount.id")


def test_state_is_set_by_the_server_and_walks_the_lifecycle(api_client: CheckedClient) -> None:
    account = api_client.post(f"{V4}/billingAccount", json=account_v4("停机测试", state="closed")).json()
    assert account["state"] == "active"  # an account opens active, whatever the request says
    url = f"{V4}/billingAccount/{account['id']}"
    for state in ("suspended", "active", "pendingClosure", "active"):  # 停机, 复机, 预销户, 撤销预销户
        response = api_client.patch(url, content=json.dumps({"state": state}), headers=MERGE)
        assert response.status_code == 200 and response.json()["state"] == state, response.text
    refused = assert_tmf_error(
        api_client.patch(url, content=json.dumps({"state": "closed"}), headers=MERGE), 409
    )
    assert "pendingClosure" in refused["message"]


def _naming(schema: str | None, party: dict[str, Any]) -> dict[str, Any]:
    """An account of `schema` (v5; None for v4) whose owner is `party`."""
    if schema is None:
        return account_v4("关联方", relatedParty=[party | {"role": "owner"}])
    related = {"@type": "RelatedPartyRefOrPartyRoleRef", "role": "owner"}
    return account_v5(
        schema, "关联方", relatedParty=[related | {"partyOrPartyRole": party | {"@type": "PartyRef"}}]
    )


def test_a_related_party_of_this_server_must_exist(api_client: CheckedClient) -> None:
    # A party of TMF632 or a customer of TMF629, in either version's shape, for every account kind.
    person = api_client.post(
        "/tmf-api/partyManagement/v5/individual",
        json={"@type": "Individual", "givenName": "伟", "familyName": "张"},
    ).json()
    customer = api_client.post("/tmf-api/customerManagement/v4/customer", json=customer_v4("张伟")).json()
    for resource in ("billingAccount", "settlementAccount", "partyAccount", "financialAccount"):
        for held, kind in ((person, "Individual"), (customer, "Customer")):
            party = {"id": held["id"], "href": held["href"], "name": "张伟", "@referredType": kind}
            ghost = party | {"id": "ghost", "href": held["href"].replace(held["id"], "ghost")}
            for base, schema, at in (
                (V4, None, "relatedParty.id"),
                (V5, resource[0].upper() + resource[1:], "relatedParty.partyOrPartyRole.id"),
            ):
                made = api_client.post(f"{base}/{resource}", json=_naming(schema, party))
                assert made.status_code == 201, (resource, kind, made.text)
                refused = api_client.post(f"{base}/{resource}", json=_naming(schema, ghost))
                assert_tmf_error(refused, 400, mentions=f"{at} 'ghost'")
