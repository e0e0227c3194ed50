"""TMF676 Payment v4: the generic contracts filled with payments received at the business hall, and
the API's own rules: payments settle TMF678 bills and leave the rest as TMF666 credit, refunds
reverse them, every amount exact, and two payments of one bill at once never settle it twice."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from sid_model import EventRecord
from tests.adapter.test_handlers import WAIT_S
from tests.api.contract import ReadContract, assert_tmf_error
from tests.api.test_concurrency import race_on_sqlite, two_servers
from tests.api.test_tmf678 import bill_on_demand, complete_order, new_account, price
from tests.fixtures.app import CheckedClient, make_client

V4 = "/tmf-api/payment/v4"
BILLS = "/tmf-api/customerBillManagement/v4"
ACCOUNTS = "/tmf-api/accountManagement/v4"
MERGE = {"content-type": "application/merge-patch+json"}


def cny(value: str) -> dict[str, Any]:
    return {"unit": "CNY", "value": float(value)}


def payment_v4(
    account: str, total: str, items: Sequence[tuple[str, str]] = (), **extra: Any
) -> dict[str, Any]:
    """A cash payment at the business hall counter; `items` are (bill id, amount)."""
    body: dict[str, Any] = {
        "name": "营业厅柜台缴费",
        "account": {"id": account, "@referredType": "BillingAccount"},
        "channel": {"id": "CH-YYT-0755-01", "name": "深圳南山营业厅柜台", "@referredType": "SalesChannel"},
        "payer": {"id": "CUST-0001", "name": "张伟", "role": "payer", "@referredType": "Individual"},
        "paymentMethod": {"name": "现金", "description": "营业厅柜台现金缴费"},
        "totalAmount": cny(total),
    }
    if items:
        body["paymentItem"] = [
            {"id": str(n), "item": {"id": bill, "@referredType": "CustomerBill"}, "totalAmount": cny(amount)}
            for n, (bill, amount) in enumerate(items, 1)
        ]
    return body | extra


def refund_v4(account: str, payment: str, total: str) -> dict[str, Any]:
    return {
        "name": "多缴话费退款",
        "account": {"id": account},
        "payment": {"id": payment},
        "paymentMethod": {"name": "现金"},
        "totalAmount": cny(total),
    }


def sent_bill(client: CheckedClient, account: str, amount: str) -> str:
    """A bill of `amount` CNY for the account, sent to the customer (so that it can be paid)."""
    complete_order(client, account, [price("月租", "recurring", amount)])
    bill: str = bill_on_demand(client, BILLS, account)["customerBill"]["id"]
    for state in ("validated", "sent"):
        response = client.patch(f"{BILLS}/customerBill/{bill}", json={"state": state}, headers=MERGE)
        assert response.status_code == 200, response.text
    return bill


def owed(client: CheckedClient, bill: str) -> tuple[str, Decimal]:
    doc = client.get(f"{BILLS}/customerBill/{bill}").json()
    return doc["state"], Decimal(str(doc["remainingAmount"]["value"]))


def credit(client: CheckedClient, account: str) -> Decimal | None:
    balances = client.get(f"{ACCOUNTS}/billingAccount/{account}").json().get("accountBalance", [])
    found = [Decimal(str(b["amount"]["value"])) for b in balances if b["balanceType"] == "credit"]
    assert len(found) <= 1, balances
    return found[0] if found else None


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    doc: dict[str, Any] = response.json()
    return doc


class TestPaymentV4(ReadContract):
    """Payments for an account held elsewhere (as the official kit sends): recorded, unapplied."""

    base = V4
    resource = "payment"
    schema_name = "Payment"
    marker_attribute = "description"
    date_attribute = "paymentDate"
    mandatory = ("id", "href", "account", "paymentMethod", "totalAmount", "status", "paymentDate")
    nested_filter = ("paymentItem.item.id", "ZD20261101-ELSEWHERE")

    def body(self, marker: str) -> dict[str, Any]:
        return payment_v4("ACC-ELSEWHERE", "58.00", [("ZD20261101-ELSEWHERE", "58.00")], description=marker)


def test_payments_settle_bills_credit_the_account_and_refunds_reverse_them(api_client: CheckedClient) -> None:
    client = api_client
    account = new_account(client)
    hub = client.post(f"{BILLS}/hub", json={"callback": "http://127.0.0.1:9/bills"})
    assert hub.status_code == 201, hub.text
    older, newer = sent_bill(client, account, "169.00"), sent_bill(client, account, "59.00")

    # Items may leave a bill partly paid; amounts add up exactly (0.1 + 0.2 is 0.3, not a float's).
    first = created(
        client.post(
            f"{V4}/payment", json=payment_v4(account, "200.00", [(older, "169.00"), (newer, "31.00")])
        )
    )
    assert first["status"] == "done"
    assert owed(client, older) == ("settled", Decimal(0)) and owed(client, newer) == (
        "partiallyPaid",
        Decimal(28),
    )
    exact = payment_v4(account, "0.30", [(newer, "0.10")])
    exact["paymentItem"].append(
        {"item": {"id": account, "@referredType": "BillingAccount"}, "totalAmount": cny("0.20")}
    )
    created(client.post(f"{V4}/payment", json=exact))
    assert owed(client, newer) == ("partiallyPaid", Decimal("27.90")) and credit(client, account) == Decimal(
        "0.20"
    )
    # A payment without items is credit on the account.
    created(client.post(f"{V4}/payment", json=payment_v4(account, "12.50")))
    assert credit(client, account) == Decimal("12.70")
    # A payment for an account held elsewhere is recorded and applied to nothing.
    elsewhere = created(
        client.post(f"{V4}/payment", json=payment_v4("ACC-ELSEWHERE", "27.90", [(newer, "27.90")]))
    )
    assert elsewhere["status"] == "captured" and owed(client, newer) == ("partiallyPaid", Decimal("27.90"))

    # A refund reverses what its payment settled, most recent bill first, and moves the bills back.
    created(client.post(f"{V4}/refund", json=refund_v4(account, first["id"], "50.00")))
    assert owed(client, newer) == ("partiallyPaid", Decimal("58.90")) and owed(client, older) == (
        "partiallyPaid",
        Decimal(19),
    )
    above = client.post(f"{V4}/refund", json=refund_v4(account, first["id"], "150.01"))
    assert_tmf_error(above, 400, mentions="totalAmount.value 150.01 is above what remains of payment")
    created(client.post(f"{V4}/refund", json=refund_v4(account, first["id"], "150.00")))
    assert owed(client, older) == ("sent", Decimal(169)) and owed(client, newer) == (
        "partiallyPaid",
        Decimal("58.90"),
    )
    assert credit(client, account) == Decimal("12.70")
    # A refund of a payment that left credit takes the credit back first.
    credited = created(
        client.post(
            f"{V4}/payment",
            json=payment_v4(account, "70.00", [(newer, "58.90")])
            | {
                "paymentItem": [
                    {"item": {"id": newer}, "totalAmount": cny("58.90")},
                    {"item": {"id": account, "@referredType": "BillingAccount"}, "totalAmount": cny("11.10")},
                ]
            },
        )
    )
    assert owed(client, newer) == ("settled", Decimal(0)) and credit(client, account) == Decimal("23.80")
    created(client.post(f"{V4}/refund", json=refund_v4(account, credited["id"], "20.00")))
    assert credit(client, account) == Decimal("12.70") and owed(client, newer) == (
        "partiallyPaid",
        Decimal("8.90"),
    )

    # Each bill change was TMF678's own: its events (and the GETs above read its rendered forms).
    with client.app.sessions() as session:
        counts: dict[str, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(EventRecord.event_type, func.count())
                .where(EventRecord.api == "TMF678")
                .group_by(EventRecord.event_type)
            ).all()
        )
    # Sending the two bills made 4; the payments and refunds moved them 6 times.
    assert counts["CustomerBillStateChangeEvent"] == 4 + 6, counts


@pytest.fixture(scope="module")
def bill(api_client: CheckedClient) -> tuple[str, str, str]:
    """(account, bill of 100 CNY sent, another account's bill) for the refusals below."""
    account = new_account(api_client)
    return (
        account,
        sent_bill(api_client, account, "100.00"),
        sent_bill(api_client, new_account(api_client), "10.00"),
    )


REFUSALS: dict[str, tuple[Callable[[str, str, str], dict[str, Any]], str]] = {
    "another currency": (
        lambda a, b, _: (
            payment_v4(a, "10.00", [(b, "10.00")])
            | {
                "totalAmount": {"unit": "USD", "value": 10},
                "paymentItem": [{"item": {"id": b}, "totalAmount": {"unit": "USD", "value": 10}}],
            }
        ),
        "totalAmount.unit 'USD' is not the currency of CustomerBill",
    ),
    "item above what remains": (
        lambda a, b, _: payment_v4(a, "100.01", [(b, "100.01")]),
        "paymentItem[0].totalAmount.value 100.01 is above what remains",
    ),
    "items not adding up": (
        lambda a, b, _: payment_v4(a, "50.00", [(b, "40.00")]),
        "paymentItem amounts add up to 40.00, not to totalAmount.value 50.00",
    ),
    "finer than a fen": (lambda a, b, _: payment_v4(a, "10.001", [(b, "10.001")]), "totalAmount.value"),
    "another account's bill": (
        lambda a, _, other: payment_v4(a, "10.00", [(other, "10.00")]),
        "paymentItem[0].item.id",
    ),
    "no total": (lambda a, _b, _o: payment_v4(a, "1") | {"totalAmount": {}}, "totalAmount.value is required"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_payments_name_the_field_and_change_nothing(
    api_client: CheckedClient, bill: tuple[str, str, str], case: str
) -> None:
    account, own, other = bill
    make, mentions = REFUSALS[case]
    before = api_client.get(f"{V4}/payment", params={"account.id": account}).headers["x-total-count"]
    assert_tmf_error(api_client.post(f"{V4}/payment", json=make(account, own, other)), 400, mentions=mentions)
    assert owed(api_client, own) == ("sent", Decimal(100)) and owed(api_client, other) == (
        "sent",
        Decimal(10),
    )
    assert api_client.get(f"{V4}/payment", params={"account.id": account}).headers["x-total-count"] == before


# -- two payments of one bill at once -----------------------------------------------------------


@contextlib.contextmanager
def bill_row_locked(database_url: str, bill: str) -> Iterator[psycopg.Connection[Any]]:
    """Hold the bill's row (PostgreSQL FOR UPDATE) from another connection."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        conn.execute("SELECT pk FROM customer_bill WHERE id = %s FOR UPDATE", (bill,))
        try:
            yield conn
        finally:
            conn.rollback()


def wait_until_waiting_on_bill(conn: psycopg.Connection[Any], requests: int) -> None:
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(conn.info.dsn, autocommit=True) as observer:
        while time.monotonic() < deadline:
            waiting = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%%customer_bill%%'"
            ).fetchone()
            if waiting and waiting[0] >= requests:
                return
            time.sleep(0.05)
    raise AssertionError("the payments never waited on the bill's row lock")


def test_two_payments_of_one_bill_at_once_never_settle_more_than_it_owes(
    db_kind: str, database_url: str
) -> None:
    with make_client(database_url) as client:
        account = new_account(client)
        bill = sent_bill(client, account, "80.00")
    body = payment_v4(account, "80.00", [(bill, "80.00")])
    if db_kind == "postgresql":
        with two_servers(database_url) as (one, other), ThreadPoolExecutor(max_workers=2) as pool:
            with bill_row_locked(database_url, bill) as holder:
                futures = [pool.submit(c.post, f"{V4}/payment", json=body) for c in (one, other)]
                wait_until_waiting_on_bill(holder, requests=2)
            answers = [f.result(timeout=WAIT_S) for f in futures]
            state = one.get(f"{BILLS}/customerBill/{bill}").json()
    else:
        with make_client(database_url) as client:
            engine = client.app.sessions.kw["bind"]
            answers = race_on_sqlite(
                database_url, engine, bill, [lambda: client.post(f"{V4}/payment", json=body)] * 2
            )
            state = client.get(f"{BILLS}/customerBill/{bill}").json()
    assert sorted(a.status_code for a in answers) == [201, 400], [a.text for a in answers]
    (refused,) = [a for a in answers if a.status_code == 400]
    assert "is settled" in refused.json()["message"] or "above what remains" in refused.json()["message"]
    assert (state["state"], state["remainingAmount"]["value"]) == ("settled", 0)
