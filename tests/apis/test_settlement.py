"""Prepaid meets postpaid (tmf_api.apis.settlement), through HTTP: a bill sent to an account with
prepaid money, and money put into an account with a bill due, settle the bill from the bucket as
far as it goes, each as a TMF676 payment by prepaid balance; the rest stays due."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.api.test_tmf654 import post, topup_body, values
from tests.api.test_tmf678 import V5, bill_on_demand, complete_order, new_account, price
from tests.fixtures.app import CheckedClient

MERGE = {"content-type": "application/merge-patch+json"}
PAYMENTS = "/tmf-api/payment/v4/payment"


def bill_state(client: CheckedClient, bill_id: str) -> tuple[str, Decimal]:
    bill = client.get(f"{V5}/customerBill/{bill_id}").json()
    return bill["state"], Decimal(str(bill["remainingAmount"]["value"]))


def test_prepaid_money_settles_bills_as_far_as_it_goes(api_client: CheckedClient) -> None:
    account = new_account(api_client, name="孙丽的融合账户")
    complete_order(api_client, account, [price("5G畅享套餐 129元", "oneTime", "129.00")], marker="prepaid")
    bill = bill_on_demand(api_client, V5, account)["customerBill"]["id"]
    post(api_client, "topupBalance", topup_body(account, 50))
    assert values(api_client, account) == (Decimal("50.00"), Decimal(0))
    # Validated, then sent: the bucket's 50 CNY go to the bill, 79 stay due.
    for state in ("validated", "sent"):
        moved = api_client.patch(
            f"{V5}/customerBill/{bill}", content=json.dumps({"state": state}), headers=MERGE
        )
        assert moved.status_code == 200, moved.text
    assert bill_state(api_client, bill) == ("partiallyPaid", Decimal("79.00"))
    assert values(api_client, account) == (Decimal("0.00"), Decimal(0))
    # A top-up at the business hall: 79 of its 100 CNY settle the rest, 21 stay prepaid.
    post(api_client, "topupBalance", topup_body(account, 100, marker="营业厅充值"))
    assert bill_state(api_client, bill) == ("settled", Decimal("0.00"))
    assert values(api_client, account) == (Decimal("21.00"), Decimal(0))
    payments = api_client.get(PAYMENTS, params={"account.id": account}).json()
    assert sorted(
        (p["paymentMethod"]["name"], p["totalAmount"]["value"], p["paymentItem"][0]["item"]["id"])
        for p in payments
    ) == [("预付费余额", 50.0, bill), ("预付费余额", 79.0, bill)]
    # Another top-up with nothing due stays in the bucket.
    post(api_client, "topupBalance", topup_body(account, 10, marker="网上充值"))
    assert values(api_client, account) == (Decimal("31.00"), Decimal(0))
    assert len(api_client.get(PAYMENTS, params={"account.id": account}).json()) == 2
