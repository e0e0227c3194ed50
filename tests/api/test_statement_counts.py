"""SQL statements per operation, pinned: a change that adds queries to a request fails here.

Every statement the server sends is counted with a SQLAlchemy `before_cursor_execute` listener
around one request (as NetBox pins its query counts). Each operation runs twice on fresh data
and the second run is counted, so one-off work (caches filling) stays out of the figures. The
expected numbers are the table below, the same on SQLite and PostgreSQL; no hub subscriptions
exist, so the outbox costs its one look-up of the hub generation per change.

To see the current figures after an intended change: run this module and read the failures.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.api.test_tmf620 import BODIES as CATALOG_BODIES
from tests.api.test_tmf620 import body_for as catalog_body
from tests.api.test_tmf621 import ticket_v4, ticket_v5
from tests.api.test_tmf622 import make_catalog, order_v4, order_v5
from tests.api.test_tmf629 import customer_v4, customer_v5
from tests.api.test_tmf632 import individual_v4, individual_v5, organization_v4, organization_v5
from tests.api.test_tmf637 import product_v4, product_v5
from tests.api.test_tmf654 import prepaid_body, prepaid_existing
from tests.api.test_tmf666 import account_v4, account_v5, bill_structure, reference_body, structure_v4
from tests.api.test_tmf676 import payment_v4, refund_v4, sent_bill
from tests.api.test_tmf678 import bill_on_demand, complete_order, new_account, price
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.registry import api_versions

ORDERS = "/tmf-api/productOrderingManagement"
TICKETS = "/tmf-api/troubleTicket"
BILLS = "/tmf-api/customerBillManagement"
MERGE = "application/merge-patch+json"

# (API, version, resource, operation): SQL statements of one request. Reading a resource is one
# SELECT of its rendered form (tmf_api.engine.rendered), a list page those forms and the count in one
# statement (one round trip on PostgreSQL). A create
# is one INSERT per table it fills (child rows batched) and, at commit, the UPDATE writing its
# rendered forms; a PATCH of one attribute the row and its child collections (one batched SELECT
# each: 7 for an order), one UPDATE, the forms' UPDATE; every change adds the outbox's
# hub-generation look-up. A delete still deletes each loaded child row itself (the ORM does,
# despite ON DELETE CASCADE). An order of a catalog offering first reads the catalog: the offering
# with its price references, the prices with their taxes, the specification with its
# characteristics (one joined SELECT each, tmf_api.apis.pricing).
TMF622_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "productOrder", "create"): 9,
    ("v4", "productOrder", "retrieve"): 1,
    ("v4", "productOrder", "list"): 1,
    ("v4", "productOrder", "patch"): 10,
    ("v4", "productOrder", "delete"): 12,
    ("v5", "productOrder", "create"): 9,
    ("v5", "productOrder", "retrieve"): 1,
    ("v5", "productOrder", "list"): 1,
    ("v5", "productOrder", "patch"): 10,
    ("v5", "productOrder", "delete"): 12,
    # With an Idempotency-Key: the create, plus the purge of expired keys, the claim and the
    # response stored with it; a retry is the purge, the claim that finds the key, and its read.
    ("v4", "productOrder", "create-keyed"): 12,
    ("v4", "productOrder", "replay"): 3,
    ("v5", "productOrder", "create-keyed"): 12,
    ("v5", "productOrder", "replay"): 3,
    ("v4", "cancelProductOrder", "create"): 23,
    ("v4", "cancelProductOrder", "retrieve"): 1,
    ("v4", "cancelProductOrder", "list"): 1,
    ("v5", "cancelProductOrder", "create"): 23,
    ("v5", "cancelProductOrder", "retrieve"): 1,
    ("v5", "cancelProductOrder", "list"): 1,
    ("v5", "hub", "create"): 2,
    ("v5", "hub", "delete"): 3,
}
TMF621_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "troubleTicket", "create"): 7,
    ("v4", "troubleTicket", "retrieve"): 1,
    ("v4", "troubleTicket", "list"): 1,
    ("v4", "troubleTicket", "patch"): 9,
    ("v4", "troubleTicket", "delete"): 12,
    ("v5", "troubleTicket", "create"): 7,
    ("v5", "troubleTicket", "retrieve"): 1,
    ("v5", "troubleTicket", "list"): 1,
    ("v5", "troubleTicket", "patch"): 9,
    ("v5", "troubleTicket", "delete"): 12,
    ("v5", "troubleTicketSpecification", "create"): 3,
    ("v5", "troubleTicketSpecification", "retrieve"): 1,
    ("v5", "troubleTicketSpecification", "list"): 1,
    ("v5", "troubleTicketSpecification", "patch"): 5,
    ("v5", "troubleTicketSpecification", "delete"): 4,
}
# A bill on demand is first the bill run of the account's latest ended period: the account's
# billing cycle (twice: this period, then the one before), that period's bill if made, the
# account's products with their prices and status periods (three SELECTs), the charges already
# rated for them, the period's unbilled rates (none here: the order was completed today), the
# products with their offerings' attributes for the allowance renewal (one joined SELECT; none
# carries allowances here); then the off-cycle bill: the unbilled rates and, in one SELECT, the
# TMF666 account's name and cycle.
TMF678_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "customerBillOnDemand", "create"): 23,
    ("v4", "customerBillOnDemand", "retrieve"): 1,
    ("v4", "customerBillOnDemand", "list"): 1,
    ("v4", "customerBill", "retrieve"): 1,
    ("v4", "customerBill", "list"): 1,
    ("v4", "customerBill", "patch"): 5,
    ("v4", "appliedCustomerBillingRate", "retrieve"): 1,
    ("v4", "appliedCustomerBillingRate", "list"): 1,
    ("v5", "customerBillOnDemand", "create"): 23,
    ("v5", "customerBillOnDemand", "retrieve"): 1,
    ("v5", "customerBillOnDemand", "list"): 1,
    ("v5", "customerBill", "retrieve"): 1,
    ("v5", "customerBill", "list"): 1,
    ("v5", "customerBill", "patch"): 5,
    ("v5", "appliedCustomerBillingRate", "retrieve"): 1,
    ("v5", "appliedCustomerBillingRate", "list"): 1,
}
# An account is its rendered form to read; a change is its row plus one batched SELECT per child
# collection (related parties, balances), and at commit the UPDATE of its forms; a billing
# account's create also checks each reference of its bill structure (format, medium, cycle: one
# SELECT each); a PATCH does not check again the references the account already held. Opening a
# billing account opens its CNY bucket and the accumulated balance summing it (TMF654): two INSERTs
# and, at commit, the UPDATEs writing their rendered forms.
TMF666_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "billingAccount", "create"): 12,
    ("v4", "billingAccount", "retrieve"): 1,
    ("v4", "billingAccount", "list"): 1,
    ("v4", "billingAccount", "patch"): 6,
    ("v4", "billingAccount", "delete"): 7,
    ("v5", "billingAccount", "create"): 12,
    ("v5", "billingAccount", "retrieve"): 1,
    ("v5", "billingAccount", "list"): 1,
    ("v5", "billingAccount", "patch"): 6,
    ("v5", "billingAccount", "delete"): 7,
    ("v5", "billingCycleSpecification", "create"): 3,
    ("v5", "billingCycleSpecification", "retrieve"): 1,
    ("v5", "billingCycleSpecification", "list"): 1,
    ("v5", "billingCycleSpecification", "patch"): 4,
    ("v5", "billingCycleSpecification", "delete"): 3,
}
# Catalog entities: a read is the rendered form; a change the row, then one batched SELECT per
# child collection, and the forms' UPDATE at commit; a create also writes each child table it
# fills. Jobs run at once: a create is the job's INSERT, its moves Not Started → Running →
# Succeeded/Failed, (export) the listing it exports, and the forms' UPDATE.
TMF620_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "productSpecification", "create"): 4,
    ("v4", "productSpecification", "retrieve"): 1,
    ("v4", "productSpecification", "list"): 1,
    ("v4", "productSpecification", "patch"): 7,
    ("v4", "productSpecification", "delete"): 7,
    ("v4", "productOfferingPrice", "create"): 4,
    ("v4", "productOfferingPrice", "retrieve"): 1,
    ("v4", "productOfferingPrice", "list"): 1,
    ("v4", "productOfferingPrice", "patch"): 5,
    ("v4", "productOfferingPrice", "delete"): 5,
    ("v4", "productOffering", "create"): 4,
    ("v4", "productOffering", "retrieve"): 1,
    ("v4", "productOffering", "list"): 1,
    ("v4", "productOffering", "patch"): 7,
    ("v4", "productOffering", "delete"): 7,
    ("v4", "category", "create"): 4,
    ("v4", "category", "retrieve"): 1,
    ("v4", "category", "list"): 1,
    ("v4", "category", "patch"): 6,
    ("v4", "category", "delete"): 6,
    ("v4", "catalog", "create"): 4,
    ("v4", "catalog", "retrieve"): 1,
    ("v4", "catalog", "list"): 1,
    ("v4", "catalog", "patch"): 6,
    ("v4", "catalog", "delete"): 6,
    ("v4", "exportJob", "create"): 9,
    ("v4", "exportJob", "retrieve"): 1,
    ("v4", "exportJob", "list"): 1,
    ("v4", "importJob", "create"): 8,
    ("v4", "importJob", "retrieve"): 1,
    ("v4", "importJob", "list"): 1,
    ("v5", "productSpecification", "create"): 4,
    ("v5", "productSpecification", "retrieve"): 1,
    ("v5", "productSpecification", "list"): 1,
    ("v5", "productSpecification", "patch"): 7,
    ("v5", "productSpecification", "delete"): 7,
    ("v5", "productOfferingPrice", "create"): 4,
    ("v5", "productOfferingPrice", "retrieve"): 1,
    ("v5", "productOfferingPrice", "list"): 1,
    ("v5", "productOfferingPrice", "patch"): 5,
    ("v5", "productOfferingPrice", "delete"): 5,
    ("v5", "productOffering", "create"): 4,
    ("v5", "productOffering", "retrieve"): 1,
    ("v5", "productOffering", "list"): 1,
    ("v5", "productOffering", "patch"): 7,
    ("v5", "productOffering", "delete"): 7,
    ("v5", "category", "create"): 4,
    ("v5", "category", "retrieve"): 1,
    ("v5", "category", "list"): 1,
    ("v5", "category", "patch"): 6,
    ("v5", "category", "delete"): 6,
    ("v5", "productCatalog", "create"): 4,
    ("v5", "productCatalog", "retrieve"): 1,
    ("v5", "productCatalog", "list"): 1,
    ("v5", "productCatalog", "patch"): 6,
    ("v5", "productCatalog", "delete"): 6,
    ("v5", "exportJob", "create"): 9,
    ("v5", "exportJob", "retrieve"): 1,
    ("v5", "exportJob", "list"): 1,
    ("v5", "importJob", "create"): 8,
    ("v5", "importJob", "retrieve"): 1,
    ("v5", "importJob", "list"): 1,
}
# A party or a customer: its row and child collections (contact media, identifications, related
# parties) on a change; a read is its rendered form.
TMF632_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "individual", "create"): 5,
    ("v4", "individual", "retrieve"): 1,
    ("v4", "individual", "list"): 1,
    ("v4", "individual", "patch"): 7,
    ("v4", "individual", "delete"): 8,
    ("v4", "organization", "create"): 4,
    ("v4", "organization", "retrieve"): 1,
    ("v4", "organization", "list"): 1,
    ("v4", "organization", "patch"): 7,
    ("v4", "organization", "delete"): 7,
    ("v5", "individual", "create"): 6,
    ("v5", "individual", "retrieve"): 1,
    ("v5", "individual", "list"): 1,
    ("v5", "individual", "patch"): 7,
    ("v5", "individual", "delete"): 9,
    ("v5", "organization", "create"): 5,
    ("v5", "organization", "retrieve"): 1,
    ("v5", "organization", "list"): 1,
    ("v5", "organization", "patch"): 7,
    ("v5", "organization", "delete"): 8,
}
TMF629_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "customer", "create"): 4,
    ("v4", "customer", "retrieve"): 1,
    ("v4", "customer", "list"): 1,
    ("v4", "customer", "patch"): 6,
    ("v4", "customer", "delete"): 6,
    ("v5", "customer", "create"): 4,
    ("v5", "customer", "retrieve"): 1,
    ("v5", "customer", "list"): 1,
    ("v5", "customer", "patch"): 6,
    ("v5", "customer", "delete"): 6,
}
# A product: its row and child collections (prices, characteristics, related parties) and its
# status period; a state change (the patch counted) ends the open period and starts one (a SELECT
# of the periods, an UPDATE, an INSERT) and, a product active for the first time, looks up its
# offering's allowances (TMF654 allowance buckets; none here); a read is its rendered form.
TMF637_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "product", "create"): 7,
    ("v4", "product", "retrieve"): 1,
    ("v4", "product", "list"): 1,
    ("v4", "product", "patch"): 13,
    ("v4", "product", "delete"): 11,
    ("v5", "product", "create"): 7,
    ("v5", "product", "retrieve"): 1,
    ("v5", "product", "list"): 1,
    ("v5", "product", "patch"): 13,
    ("v5", "product", "delete"): 11,
}
# A payment of (part of) a bill of an account held here: the account's existence, the bill under its
# row lock, the payment's and its item's INSERTs, the bill's UPDATE and its move (the outbox's
# look-up for each of TMF678's two events and the payment's one), the forms' UPDATEs at commit.
# A refund of what a payment settled reads the payment twice (its reference, then under its row
# lock) and its items, updates the payment, the bill (as above) and the item, and writes the
# refund's, the payment's and the bill's forms. Both then refresh the TMF666 account's balances
# (tmf_api.apis.balances): the account under its row lock with its two child collections, the sums
# of receivable, credit and deposit in one SELECT, the account's and its balances' UPDATEs, the
# outbox's look-up for its event, and the account's forms at commit (8 statements).
TMF676_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "payment", "create"): 19,
    ("v4", "payment", "retrieve"): 1,
    ("v4", "payment", "list"): 1,
    ("v4", "refund", "create"): 24,
    ("v4", "refund", "retrieve"): 1,
    ("v4", "refund", "list"): 1,
}
# A balance action's create checks its bucket references (one SELECT each), inserts the action,
# locks its buckets (one SELECT … FOR UPDATE), changes each (UPDATE) and, read under its lock, its
# account's accumulated balance (SELECT … FOR UPDATE, UPDATE), moves the action's status (UPDATE)
# and inserts its history entry; create and status move each look up the hub generation; at commit
# every root it wrote (action, buckets, accumulated balances, history entry) gets its rendered
# form (one UPDATE each). A read is the rendered form (a list page one statement with its count);
# a PATCH of a text its row under the lock, one UPDATE and the form's. A top-up also looks for the
# account's bills due (prepaid meets postpaid: 12 before the forms). Money moved refreshes the
# TMF666 account's balances (its deposit; 8 statements, as a payment's; a transfer between two
# accounts refreshes both, 15: the account's forms are written once at commit).
TMF654_COUNTS: dict[tuple[str, str, str], int] = {
    ("v4", "topupBalance", "create"): 25,
    ("v4", "topupBalance", "retrieve"): 1,
    ("v4", "topupBalance", "list"): 1,
    ("v4", "topupBalance", "patch"): 4,
    ("v4", "topupBalance", "delete"): 3,
    ("v4", "transferBalance", "create"): 34,
    ("v4", "reserveBalance", "create"): 22,
    ("v4", "bucket", "retrieve"): 1,
    ("v4", "bucket", "list"): 1,
    ("v4", "balanceActionHistory", "list"): 1,
}
# One table per API (tests/test_registry.py: no typed lists of several APIs).
EXPECTED: dict[tuple[str, str, str, str], int] = (
    {("TMF622", *key): count for key, count in TMF622_COUNTS.items()}
    | {("TMF621", *key): count for key, count in TMF621_COUNTS.items()}
    | {("TMF678", *key): count for key, count in TMF678_COUNTS.items()}
    | {("TMF666", *key): count for key, count in TMF666_COUNTS.items()}
    | {("TMF620", *key): count for key, count in TMF620_COUNTS.items()}
    | {("TMF632", *key): count for key, count in TMF632_COUNTS.items()}
    | {("TMF629", *key): count for key, count in TMF629_COUNTS.items()}
    | {("TMF637", *key): count for key, count in TMF637_COUNTS.items()}
    | {("TMF676", *key): count for key, count in TMF676_COUNTS.items()}
    | {("TMF654", *key): count for key, count in TMF654_COUNTS.items()}
)


BASES = {served.api: f"/tmf-api/{served.name}" for served in api_versions()}
# An API's root may differ by version (TMF632: party/v4, partyManagement/v5).
ROOTS = {served.key: served.base_path for served in api_versions()}


@dataclass
class Call:
    """One request to count: method, URL, JSON body, content type, the status it must answer."""

    method: str
    url: str
    body: Any = None
    content_type: str = "application/json"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _marker() -> str:
    return f"count-{uuid.uuid4().hex[:10]}"


def _created(client: CheckedClient, url: str, body: Any) -> dict[str, Any]:
    response = client.post(url, json=body)
    assert response.status_code == 201, response.text
    doc: dict[str, Any] = response.json()
    return doc


_CATALOGS: weakref.WeakKeyDictionary[CheckedClient, dict[str, str]] = weakref.WeakKeyDictionary()


def _catalog(client: CheckedClient) -> dict[str, str]:
    """One small catalog per client (per module and database), written once."""
    if client not in _CATALOGS:
        _CATALOGS[client] = make_catalog(client)
    return _CATALOGS[client]


def _bodies(api: str, version: str, resource: str, client: CheckedClient) -> Callable[[str], Any]:
    """A function of a marker giving a create body for the resource."""
    v5 = version == "v5"
    if resource == "hub":  # every API's hub alike
        return lambda marker: (
            {"callback": f"http://127.0.0.1:9/{marker}", "query": "eventType=none"}
            | ({"@type": "Hub"} if v5 else {})
        )
    if api == "TMF620":
        return catalog_body(version, resource)
    if resource == "productOrder":
        # An order of an offering of this catalog: priced from it, the path orders take.
        plan = _catalog(client)["plan"]

        def order(marker: str) -> Any:
            body = order_v5(marker) if v5 else order_v4(marker)
            body["productOrderItem"][0]["productOffering"] = {"id": plan} | (
                {"@type": "ProductOfferingRef"} if v5 else {}
            )
            return body

        return order
    if resource == "troubleTicket":
        return ticket_v5 if v5 else ticket_v4
    if resource == "individual":
        # One contact medium: SQLite inserts media of different columns (a phone, an e-mail) one
        # statement each where PostgreSQL batches them, and the figures hold on both.
        made = individual_v5 if v5 else individual_v4
        return lambda marker: (lambda body: body | {"contactMedium": body["contactMedium"][:1]})(made(marker))
    if resource == "organization":
        return organization_v5 if v5 else organization_v4
    if resource == "customer":
        return customer_v5 if v5 else customer_v4
    if resource == "product":
        return product_v5 if v5 else product_v4
    if resource == "troubleTicketSpecification":
        return lambda marker: {
            "@type": "TroubleTicketSpecification",
            "name": marker,
            "lifecycleStatus": "active",
        }
    if resource == "cancelProductOrder":

        def cancel(marker: str) -> Any:
            order_body = _bodies(api, version, "productOrder", client)(marker)
            order = _created(client, f"{ORDERS}/{version}/productOrder", order_body)
            ref = {"@type": "ProductOrderRef", "id": order["id"]} if v5 else {"id": order["id"]}
            return {"cancellationReason": marker, "productOrder": ref} | (
                {"@type": "CancelProductOrder"} if v5 else {}
            )

        return cancel
    if resource == "billingAccount":

        def account(marker: str) -> Any:
            # A bill structure naming a format, a medium and a cycle held here (references checked).
            made = bill_structure(client)
            body = account_v5("BillingAccount", marker) if v5 else account_v4(marker)
            refs = structure_v4(made)
            if v5:
                refs = {
                    "@type": "BillStructure",
                    "format": {"@type": "BillFormatRef", "id": made["billFormat"]["id"]},
                    "presentationMedia": [
                        {"@type": "BillPresentationMediaRef", "id": made["billPresentationMedia"]["id"]}
                    ],
                    "cycleSpecification": {
                        "@type": "BillingCycleSpecificationRef",
                        "id": made["billingCycleSpecification"]["id"],
                    },
                }
            return body | {"billStructure": refs}

        return account
    schema = resource[0].upper() + resource[1:]
    if api == "TMF666" and resource.endswith("Account"):
        return lambda marker: account_v5(schema, marker) if v5 else account_v4(marker)
    if api == "TMF666":
        return lambda marker: reference_body(schema, marker, v5=v5)
    if api == "TMF654":
        return prepaid_body(client, resource)
    if resource == "customerBillOnDemand":

        def on_demand(marker: str) -> Any:
            account = new_account(client)
            complete_order(client, account, [price("开户费", "oneTime", "169.00", excluded="159.43")])
            if v5:
                ref = {"@type": "BillingAccountRef", "id": account}
                return {"@type": "CustomerBillOnDemand", "name": marker, "billingAccount": ref}
            return {"name": marker, "billingAccount": {"id": account}}

        return on_demand
    if resource == "payment":

        def payment(marker: str) -> Any:
            account = new_account(client)
            bill = sent_bill(client, account, "58.00")
            # A part of the bill: the body can be sent again (the idempotency tests do).
            return payment_v4(account, "10.00", [(bill, "10.00")], description=marker)

        return payment
    if resource == "refund":

        def refund(marker: str) -> Any:
            account = new_account(client)
            bill = sent_bill(client, account, "58.00")
            paid = _created(
                client, f"{ROOTS[api, version]}/payment", payment_v4(account, "58.00", [(bill, "58.00")])
            )
            return refund_v4(account, paid["id"], "18.00") | {"description": marker}

        return refund
    raise AssertionError(resource)


def _existing(api: str, version: str, resource: str, client: CheckedClient) -> tuple[dict[str, Any], str]:
    """A stored resource of this kind and a list query that finds exactly it."""
    url = f"{ROOTS[api, version]}/{resource}"
    marker = _marker()
    if resource in ("customerBill", "appliedCustomerBillingRate"):
        account = new_account(client)
        complete_order(client, account, [price("开户费", "oneTime", "169.00", excluded="159.43")])
        if resource == "customerBill":
            run = bill_on_demand(client, f"{BILLS}/{version}", account)
            doc: dict[str, Any] = client.get(f"{url}/{run['customerBill']['id']}").json()
        else:
            (doc,) = client.get(url, params={"billingAccount.id": account}).json()
        return doc, f"billingAccount.id={account}"
    if api == "TMF654" and resource in ("bucket", "accumulatedBalance", "balanceActionHistory"):
        return prepaid_existing(client, url, resource)
    body = _bodies(api, version, resource, client)(marker)
    doc = _created(client, url, body)
    if resource == "customerBillOnDemand":
        return doc, f"billingAccount.id={body['billingAccount']['id']}"
    if resource == "cancelProductOrder":
        return doc, f"cancellationReason={marker}"
    if resource in ("troubleTicketSpecification", "customer") or api == "TMF666":
        return doc, f"name={marker}"
    if resource == "individual":
        return doc, f"familyName={marker}"
    if resource == "organization":
        return doc, f"{'name' if version == 'v5' else 'tradingName'}={marker}"
    if resource in ("importJob", "exportJob"):
        return doc, f"id={doc['id']}"
    return doc, f"description={marker}"


def _patch_body(version: str, resource: str) -> Any:
    typed = {"@type": resource[0].upper() + resource[1:]} if version == "v5" else {}
    if resource == "productOrder":
        return typed | {"category": "家庭客户"}
    if resource == "troubleTicket":
        return typed | {"name": "宽带故障（已派单）"}
    if resource == "troubleTicketSpecification":
        return typed | {"description": "故障报修工单规格 v2"}
    if resource in ("billingAccount", "billingCycleSpecification"):
        return typed | {"description": "已复核"}
    if resource == "customerBill":
        return typed | {"state": "validated"} if version == "v5" else {"state": "validated"}
    if resource in CATALOG_BODIES:
        return typed | {"name": "5G畅享套餐（新版）"}
    if resource in ("individual", "organization", "customer"):
        return typed | {"status": "validated"}
    if resource == "product":
        return typed | {"status": "active"}
    if resource == "topupBalance":
        return {"reason": "话费充值（已复核）"}
    raise AssertionError(resource)


def _call(api: str, version: str, resource: str, operation: str, client: CheckedClient) -> Call:
    """Prepare fresh data for one operation (not counted) and describe the request to count."""
    url = f"{ROOTS[api, version]}/{resource}"
    if operation == "create":
        return Call("POST", url, _bodies(api, version, resource, client)(_marker()), status=201)
    if operation in ("create-keyed", "replay"):
        key = {"Idempotency-Key": _marker()}
        body = _bodies(api, version, resource, client)(_marker())
        if operation == "replay":
            assert client.post(url, json=body, headers=key).status_code == 201
        return Call("POST", url, body, status=201, headers=key)
    doc, query = _existing(api, version, resource, client)
    if operation == "retrieve":
        return Call("GET", f"{url}/{doc['id']}")
    if operation == "list":
        return Call("GET", f"{url}?{query}")
    if operation == "patch":
        return Call("PATCH", f"{url}/{doc['id']}", _patch_body(version, resource), MERGE)
    if operation == "delete":
        return Call("DELETE", f"{url}/{doc['id']}", status=204)
    raise AssertionError(operation)


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[CheckedClient]:
    # No dispatcher: its polling would be counted with the requests.
    with make_client(module_database_url, dispatch_events=False) as checked:
        yield checked


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.active = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Transaction control is not work: PostgreSQL's driver begins implicitly, while SQLite
        # writers start with an explicit BEGIN IMMEDIATE (tmf_api.adapter.handlers).
        if self.active and not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.statements.append(statement)

    def run(self, client: CheckedClient, call: Call) -> list[str]:
        self.statements = []
        self.active = True
        try:
            content = None if call.body is None else json.dumps(call.body, ensure_ascii=False)
            headers = {"content-type": call.content_type} | call.headers
            response = client.request(call.method, call.url, content=content, headers=headers)
        finally:
            self.active = False
        assert response.status_code == call.status, response.text
        return self.statements


@pytest.fixture(scope="module")
def counter(client: CheckedClient) -> Iterator[StatementCounter]:
    engine: Engine = client.app.sessions.kw["bind"]
    counting = StatementCounter(engine)
    event.listen(engine, "before_cursor_execute", counting)
    yield counting
    event.remove(engine, "before_cursor_execute", counting)


@pytest.mark.parametrize(
    ("api", "version", "resource", "operation"), [pytest.param(*key, id="-".join(key)) for key in EXPECTED]
)
def test_statements_per_operation(
    client: CheckedClient, counter: StatementCounter, api: str, version: str, resource: str, operation: str
) -> None:
    counter.run(client, _call(api, version, resource, operation, client))  # warm: caches fill once
    statements = counter.run(client, _call(api, version, resource, operation, client))
    listing = "\n".join(f"  {s.split(chr(10))[0][:150]}" for s in statements)
    assert len(statements) == EXPECTED[(api, version, resource, operation)], (
        f"{len(statements)} statements:\n{listing}"
    )
