"""Billing disputes (tmf_api.apis.disputes), through HTTP in both TMF621 versions: a 计费争议 ticket
resolved with an adjustment note produces the adjustment once — a TMF676 credit for a postpaid
account, a TMF654 adjustBalance for a prepaid one — and names it in `relatedEntity`; a bad
adjustment is a 400 naming the note, and nothing changes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf654 import values
from tests.api.test_tmf666 import account_v5
from tests.api.test_tmf676 import V4 as PAYMENTS
from tests.api.test_tmf676 import created, owed, payment_v4, sent_bill
from tests.api.test_tmf678 import new_account
from tests.fixtures.app import CheckedClient

TICKETS = {"v4": "/tmf-api/troubleTicket/v4", "v5": "/tmf-api/troubleTicket/v5"}
PREPAY = "/tmf-api/prepayBalanceManagement/v4"
MERGE = {"content-type": "application/merge-patch+json"}


def dispute(client: CheckedClient, version: str, bill: str) -> str:
    """A 计费争议 ticket naming the bill, taken in hand (inProgress)."""
    if version == "v4":
        related: dict[str, Any] = {"id": bill, "role": "disputedBill", "@referredType": "CustomerBill"}
        body: dict[str, Any] = {"name": "账单费用有误", "ticketType": "计费争议", "severity": "major"}
    else:
        related = {
            "@type": "RelatedEntity",
            "role": "disputedBill",
            "entity": {"@type": "EntityRef", "id": bill, "@referredType": "CustomerBill"},
        }
        body = {
            "@type": "TroubleTicket",
            "name": "账单费用有误",
            "ticketType": "计费争议",
            "severity": "major",
        }
    body |= {"description": "客户对分期月供有异议", "relatedEntity": [related]}
    ticket = created(client.post(f"{TICKETS[version]}/troubleTicket", json=body))["id"]
    assert move(client, version, ticket, "inProgress").status_code == 200
    return str(ticket)


def move(client: CheckedClient, version: str, ticket: str, status: str, note: str | None = None) -> Any:
    body: dict[str, Any] = {"status": status}
    if note is not None:
        body["note"] = [{"id": "adjustment", "author": "10000号坐席", "text": note}]
        if version == "v5":
            body["note"][0]["@type"] = "Note"
    return client.patch(f"{TICKETS[version]}/troubleTicket/{ticket}", content=json.dumps(body), headers=MERGE)


def adjustments(client: CheckedClient, version: str, ticket: str) -> list[tuple[str, str]]:
    doc = client.get(f"{TICKETS[version]}/troubleTicket/{ticket}").json()
    refs = [e if version == "v4" else e["entity"] | {"role": e["role"]} for e in doc.get("relatedEntity", [])]
    return [(r["@referredType"], r["id"]) for r in refs if r["role"] == "adjustment"]


def balance(client: CheckedClient, account: str) -> dict[str, Decimal]:
    doc = client.get(f"/tmf-api/accountManagement/v4/billingAccount/{account}").json()
    mine = ("receivable", "credit", "deposit")  # the server's; others are kept as the client sent them
    found = doc.get("accountBalance", [])
    return {b["balanceType"]: Decimal(str(b["amount"]["value"])) for b in found if b["balanceType"] in mine}


def test_a_dispute_resolved_with_an_adjustment_credits_the_customer_once(api_client: CheckedClient) -> None:
    client = api_client
    # Postpaid, v4: 458 billed, 100 paid; the dispute gives 400 back: 358 off the bill, 42 as credit.
    account = new_account(client)
    bill = sent_bill(client, account, "458.00")
    created(client.post(f"{PAYMENTS}/payment", json=payment_v4(account, "100.00", [(bill, "100.00")])))
    ticket = dispute(client, "v4", bill)
    for bad in ("about 30 CNY", "-30.00 CNY", "30.001 CNY", "30.00 USD", "458.01 CNY"):
        refused = move(client, "v4", ticket, "resolved", bad)
        assert_tmf_error(refused, 400)
        assert "note[id=adjustment].text" in refused.json()["message"], bad
    assert client.get(f"{TICKETS['v4']}/troubleTicket/{ticket}").json()["status"] == "inProgress"
    assert owed(client, bill) == ("partiallyPaid", Decimal("358.00"))
    resolved = move(client, "v4", ticket, "resolved", "400.00 CNY 合约为24期每月229元，退还多收")
    assert resolved.status_code == 200, resolved.text
    (made,) = adjustments(client, "v4", ticket)
    assert made[0] == "Payment"
    assert owed(client, bill) == ("settled", Decimal("0.00"))
    assert balance(client, account) == {
        "receivable": Decimal(0),
        "credit": Decimal(42),
        "deposit": Decimal(0),
    }
    # Reopened and resolved again, or the resolving PATCH retried: nothing more is given back.
    assert move(client, "v4", ticket, "inProgress").status_code == 200
    for _ in range(2):
        assert (
            move(client, "v4", ticket, "resolved", "400.00 CNY 合约为24期每月229元，退还多收").status_code
            == 200
        )
    assert adjustments(client, "v4", ticket) == [made]
    payments = client.get(f"{PAYMENTS}/payment", params={"account.id": account}).json()
    assert sorted(p["paymentMethod"]["name"] for p in payments) == ["现金", "计费争议调账"]
    assert balance(client, account)["credit"] == Decimal(42)

    # Prepaid, v5: the bill is paid; the dispute's 29 CNY go into the prepaid bucket.
    body = account_v5("BillingAccount", "预付费争议账户") | {"ratingType": "prepaid"}
    prepaid = created(client.post("/tmf-api/accountManagement/v5/billingAccount", json=body))["id"]
    paid = sent_bill(client, prepaid, "129.00")
    created(client.post(f"{PAYMENTS}/payment", json=payment_v4(prepaid, "129.00", [(paid, "129.00")])))
    ticket = dispute(client, "v5", paid)
    resolved = move(client, "v5", ticket, "resolved", "29.00 CNY 多收月租退还")
    assert resolved.status_code == 200, resolved.text
    ((kind, action),) = adjustments(client, "v5", ticket)
    assert kind == "AdjustBalance"
    adjusted = client.get(f"{PREPAY}/adjustBalance/{action}").json()
    assert adjusted["status"] == "completed" and adjusted["amount"] == {"amount": 29, "units": "CNY"}
    assert values(client, prepaid) == (Decimal("29.00"), Decimal(0))
    history = client.get(f"{PREPAY}/balanceActionHistory", params={"balanceTopup.id": action}).json()
    assert [Decimal(str(h["amount"]["amount"])) for h in history] == [Decimal("29.00")]
    assert balance(client, prepaid) == {
        "receivable": Decimal(0),
        "credit": Decimal(0),
        "deposit": Decimal(29),
    }
    assert move(client, "v5", ticket, "inProgress").status_code == 200
    assert move(client, "v5", ticket, "resolved").status_code == 200
    assert values(client, prepaid) == (Decimal("29.00"), Decimal(0))
