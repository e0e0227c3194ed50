"""The TMF666 account's accountBalance (tmf_api.apis.balances), through HTTP: receivable, credit and
deposit follow the bills, payments, refunds and prepaid money, the same on GET and in a list."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.api.test_tmf654 import post, topup_body
from tests.api.test_tmf676 import V4 as PAYMENTS
from tests.api.test_tmf676 import created, payment_v4, refund_v4, sent_bill
from tests.api.test_tmf678 import new_account
from tests.fixtures.app import CheckedClient

ACCOUNTS = {"v4": "/tmf-api/accountManagement/v4", "v5": "/tmf-api/accountManagement/v5"}
MINE = ("receivable", "credit", "deposit")
NONE = Decimal(0)


def balances(client: CheckedClient, account: str) -> tuple[Decimal, ...]:
    """(receivable, credit, deposit), the same in each version's GET and list."""
    seen = set()
    for base in ACCOUNTS.values():
        one = client.get(f"{base}/billingAccount/{account}").json()
        (listed,) = client.get(f"{base}/billingAccount", params={"id": account}).json()
        for doc in (one, listed):
            found = {b["balanceType"]: b for b in doc["accountBalance"] if b["balanceType"] in MINE}
            assert {b["amount"]["unit"] for b in found.values()} == {"CNY"}
            seen.add(tuple(Decimal(str(found[kind]["amount"]["value"])) for kind in MINE))
    assert len(seen) == 1, seen
    return seen.pop()


def test_receivable_credit_and_deposit_follow_bills_payments_and_buckets(api_client: CheckedClient) -> None:
    client = api_client
    account = new_account(client)
    bill = sent_bill(client, account, "169.00")
    assert balances(client, account) == (Decimal("169.00"), NONE, NONE)
    # 100 paid: 69 still owed. 100 more: the bill settled, 31 left as credit.
    created(client.post(f"{PAYMENTS}/payment", json=payment_v4(account, "100.00", [(bill, "100.00")])))
    assert balances(client, account) == (Decimal("69.00"), NONE, NONE)
    over = payment_v4(account, "100.00", [(bill, "69.00")])
    over["paymentItem"] += [
        {
            "id": "2",
            "item": {"id": account, "@referredType": "BillingAccount"},
            "totalAmount": {"unit": "CNY", "value": 31.0},
        }
    ]
    second = created(client.post(f"{PAYMENTS}/payment", json=over))
    assert balances(client, account) == (NONE, Decimal("31.00"), NONE)
    # Refunding 50 of it: the credit first (31), then 19 the bill owes again.
    created(client.post(f"{PAYMENTS}/refund", json=refund_v4(account, second["id"], "50.00")))
    assert balances(client, account) == (Decimal("19.00"), NONE, NONE)
    # Prepaid money put in settles the 19 due; the rest is the deposit.
    post(client, "topupBalance", topup_body(account, 50))
    assert balances(client, account) == (NONE, NONE, Decimal("31.00"))
    moved = client.patch(
        f"{ACCOUNTS['v4']}/billingAccount/{account}",
        content=json.dumps({"description": "客户已结清"}),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert moved.status_code == 200, moved.text
    assert balances(client, account) == (NONE, NONE, Decimal("31.00"))
