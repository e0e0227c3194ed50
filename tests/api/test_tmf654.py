"""TMF654 Prepay Balance Management v4: the generic contracts on top-ups (the four balance actions
share one mapping template and table), and the prepaid balance rules: a CNY bucket for every
billing account opened, values moved exactly and never below zero, statuses as the lifecycles
say, history entries, accumulated balances and the document's events."""

from __future__ import annotations

import contextlib
import functools
import json
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from sid_model import Bucket, EventRecord
from tests.adapter.test_handlers import WAIT_S
from tests.api.contract import (
    DeleteContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.api.test_concurrency import race_on_sqlite, two_servers
from tests.api.test_tmf666 import V4 as ACCOUNTS_V4
from tests.api.test_tmf666 import V5 as ACCOUNTS_V5
from tests.api.test_tmf666 import account_v4, account_v5
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.apis import prepay

V4 = "/tmf-api/prepayBalanceManagement/v4"
MERGE = {"content-type": "application/merge-patch+json"}

_ACCOUNTS: weakref.WeakKeyDictionary[CheckedClient, str] = weakref.WeakKeyDictionary()


def open_account(client: CheckedClient, name: str | None = None, *, v5: bool = False) -> str:
    """A new billing account (TMF666): the server opens its CNY bucket `CNY-<id>`."""
    marker = name or f"预付费-{uuid.uuid4().hex[:8]}"
    if v5:
        response = client.post(f"{ACCOUNTS_V5}/billingAccount", json=account_v5("BillingAccount", marker))
    else:
        response = client.post(f"{ACCOUNTS_V4}/billingAccount", json=account_v4(marker))
    assert response.status_code == 201, response.text
    account: str = response.json()["id"]
    return account


def topup_body(account: str, amount: Any, marker: str = "话费充值", **extra: Any) -> dict[str, Any]:
    return {
        "description": marker,
        "reason": "话费充值",
        "amount": {"amount": amount, "units": "CNY"},
        "usageType": "monetary",
        "bucket": {"id": f"CNY-{account}"},
        "partyAccount": {"id": account},
        "channel": {"id": "businessHall"},
        "paymentMethod": {"id": "cash", "name": "现金"},
    } | extra


def bucket_of(client: CheckedClient, account: str) -> dict[str, Any]:
    response = client.get(f"{V4}/bucket/CNY-{account}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def values(client: CheckedClient, account: str) -> tuple[Decimal, Decimal]:
    """(remaining, reserved) of the account's CNY bucket, exactly."""
    bucket = bucket_of(client, account)
    return Decimal(str(bucket["remainingValue"]["amount"])), Decimal(str(bucket["reservedValue"]["amount"]))


def post(client: CheckedClient, resource: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post(f"{V4}/{resource}", json=body)
    assert response.status_code == status, response.text
    doc: dict[str, Any] = response.json()
    return doc


def patch_status(client: CheckedClient, resource: str, id_: str, status: str, **extra: Any) -> httpx.Response:
    response: httpx.Response = client.patch(
        f"{V4}/{resource}/{id_}", content=json.dumps({"status": status} | extra), headers=MERGE
    )
    return response


_FUNDED: weakref.WeakKeyDictionary[CheckedClient, tuple[str, str]] = weakref.WeakKeyDictionary()


def funded_accounts(client: CheckedClient) -> tuple[str, str]:
    """Two accounts per client (per module and database): one holding 1,000,000 CNY, one empty."""
    if client not in _FUNDED:
        rich, other = open_account(client), open_account(client)
        post(client, "topupBalance", topup_body(rich, 1_000_000))
        _FUNDED[client] = (rich, other)
    return _FUNDED[client]


def prepaid_body(client: CheckedClient, resource: str) -> Callable[[str], Any]:
    """A create body (a function of a marker) for each balance action, for the generic tests."""
    rich, other = funded_accounts(client)
    bucket = {"id": f"CNY-{rich}"}
    # The marker first: the idempotency test changes a body's first text.
    common = {"amount": {"amount": 1, "units": "CNY"}, "usageType": "monetary", "bucket": bucket}
    transfer = {
        "reason": "话费转赠",
        "receiverBucket": {"id": f"CNY-{other}"},
        "receiverBucketUsageType": "monetary",
        "channel": {"id": "online"},
        "logicalResource": [{"id": "13316880123"}],
        "receiverLogicalResource": {"id": "18938650456"},
    }
    bodies: dict[str, Callable[[str], Any]] = {
        "topupBalance": lambda marker: topup_body(rich, 1, marker),
        "adjustBalance": lambda marker: {"description": marker} | common | {"adjustType": "oneTime"},
        "reserveBalance": lambda marker: {"description": marker} | common | {"partyAccount": {"id": rich}},
        "transferBalance": lambda marker: {"description": marker} | common | transfer,
    }
    return bodies[resource]


def prepaid_existing(client: CheckedClient, url: str, resource: str) -> tuple[dict[str, Any], str]:
    """A stored resource the server made (a bucket, its sum, a history entry) and a list query that
    finds exactly it."""
    account = open_account(client)
    if resource == "balanceActionHistory":
        post(client, "topupBalance", topup_body(account, 1))
        (doc,) = client.get(url, params={"bucket.id": f"CNY-{account}"}).json()
        return doc, f"bucket.id=CNY-{account}"
    (doc,) = client.get(url, params={"partyAccount.id": account}).json()
    return doc, f"partyAccount.id={account}"


class TestTopupBalance(ReadContract, PatchContract, DeleteContract, LifecycleContract):
    """The generic contracts, on the top-ups of one prepaid account (each adds 1.00 CNY)."""

    base = V4
    resource = "topupBalance"
    schema_name = "TopupBalance"
    marker_attribute = "description"
    date_attribute = "requestedDate"
    mandatory = ("id", "href", "status", "amount", "usageType", "bucket", "partyAccount", "requestedDate")
    nested_filter = ("channel.id", "businessHall")
    patch_attribute = "reason"
    server_owned = ("id", "href", "requestedDate", "confirmationDate")
    patch_media_types: ClassVar[tuple[str, ...]] = ("application/merge-patch+json", "application/json")
    state_attribute = "status"
    # A top-up is applied when it is made: it starts `completed`, and cancelling it is final.
    legal_path = ("cancelled",)
    illegal_from_initial = "created"
    final_state = "cancelled"
    account: str

    @pytest.fixture(autouse=True)
    def _account(self, api_client: CheckedClient) -> None:
        if api_client not in _ACCOUNTS:
            _ACCOUNTS[api_client] = open_account(api_client)
        self.account = _ACCOUNTS[api_client]

    def body(self, marker: str) -> dict[str, Any]:
        return topup_body(self.account, 1.00, marker)

    def test_final_state_allows_no_move(self, api_client: CheckedClient) -> None:
        # The path has one move, to the final state: the move tried after it is back to `completed`.
        created = self.create(api_client)
        assert self._patch_state(api_client, created["id"], "cancelled").status_code == 200
        assert_tmf_error(self._patch_state(api_client, created["id"], "completed"), 409, mentions="final")


def test_every_billing_account_opened_gets_an_empty_cny_bucket_and_its_sum(api_client: CheckedClient) -> None:
    for v5 in (False, True):
        account = open_account(api_client, "李娜的预付费账户", v5=v5)
        bucket = bucket_of(api_client, account)
        assert (bucket["usageType"], bucket["status"], bucket["partyAccount"]["id"]) == (
            "monetary",
            "active",
            account,
        )
        assert (
            bucket["remainingValue"] == {"amount": 0, "units": "CNY"}
            and bucket["name"] == "李娜的预付费账户 话费余额"
        )
        (total,) = api_client.get(f"{V4}/accumulatedBalance", params={"partyAccount.id": account}).json()
        assert total["bucket"][0]["id"] == bucket["id"] and total["totalBalance"] == {
            "amount": 0,
            "units": "CNY",
        }


def test_prepaid_balance_flow_exact_never_below_zero(api_client: CheckedClient) -> None:
    """Top-ups, an adjustment, a transfer and reservations on two accounts, checked to the fen."""
    client = api_client
    sun, zhou = open_account(client, "孙丽的预付费账户"), open_account(client, "周强的预付费账户")
    # 100 CNY at the business hall counter; 0.1 + 0.2 sent as JSON numbers stays exactly 0.30.
    topup = post(client, "topupBalance", topup_body(sun, 100))
    assert topup["status"] == "completed" and topup["channel"] == {"id": "businessHall", "name": "营业厅"}
    post(client, "topupBalance", topup_body(sun, 0.1))
    post(client, "topupBalance", topup_body(sun, 0.2))
    assert values(client, sun) == (Decimal("100.30"), Decimal(0))
    # Through 10000 with a top-up card, used once only.
    card = topup_body(zhou, 50, channel={"id": "10000"}, voucher="1900-0001", paymentMethod=None)
    post(client, "topupBalance", {k: v for k, v in card.items() if v is not None})
    again = client.post(f"{V4}/topupBalance", json={k: v for k, v in card.items() if v is not None})
    assert_tmf_error(again, 400, mentions="voucher")
    refused = {
        "amount.amount": topup_body(sun, 10.005),  # finer than the fen
        "usageType": topup_body(sun, 10, usageType="data"),
        "amount.units": topup_body(sun, 10) | {"amount": {"amount": 10, "units": "USD"}},
        "channel.id": topup_body(sun, 10, channel={"id": "门户网站"}),
        "paymentMethod": {k: v for k, v in topup_body(sun, 10).items() if k != "paymentMethod"},
        "partyAccount.id": topup_body(sun, 10, partyAccount={"id": zhou}),
        "bucket.id": topup_body(sun, 10, bucket={"id": "CNY-nobody"}),
    }
    for field, body in refused.items():
        assert_tmf_error(client.post(f"{V4}/topupBalance", json=body), 400, mentions=field)
    # An adjustment down beyond what the bucket holds is refused; within it, applied.
    down = {
        "amount": {"amount": -200, "units": "CNY"},
        "usageType": "monetary",
        "bucket": {"id": f"CNY-{sun}"},
    }
    assert_tmf_error(client.post(f"{V4}/adjustBalance", json=down), 400, mentions="amount.amount")
    adjust = post(client, "adjustBalance", down | {"amount": {"amount": -0.3}, "adjustType": "oneTime"})
    assert adjust["partyAccount"] == {"id": sun} and values(client, sun) == (Decimal(100), Decimal(0))
    # A transfer of 30 to 周强; one of more than remains is refused.
    transfer = {
        "reason": "话费转赠",
        "amount": {"amount": 30, "units": "CNY"},
        "usageType": "monetary",
        "bucket": {"id": f"CNY-{sun}"},
        "receiverBucket": {"id": f"CNY-{zhou}"},
        "receiverBucketUsageType": "monetary",
        "channel": {"id": "online"},
        "logicalResource": [{"id": "13316880123"}],
        "receiverLogicalResource": {"id": "18938650456"},
    }
    moved = post(client, "transferBalance", transfer)
    assert moved["status"] == "completed" and values(client, zhou) == (Decimal(80), Decimal(0))
    too_much = transfer | {"amount": {"amount": 70.01, "units": "CNY"}}
    assert_tmf_error(client.post(f"{V4}/transferBalance", json=too_much), 400, mentions="amount.amount")
    # Reservations hold value: 50 held, 30 more refused (20 left), then released and re-held.
    hold = {
        "amount": {"amount": 50},
        "usageType": "monetary",
        "bucket": {"id": f"CNY-{sun}"},
        "partyAccount": {"id": sun},
    }
    first = post(client, "reserveBalance", hold)
    assert first["status"] == "created" and values(client, sun) == (Decimal(20), Decimal(50))
    assert_tmf_error(
        client.post(f"{V4}/reserveBalance", json=hold | {"amount": {"amount": 30}}), 400, mentions="amount"
    )
    # Deleting a held reservation withdraws it: its value is released.
    assert client.delete(f"{V4}/reserveBalance/{first['id']}").status_code == 204
    assert values(client, sun) == (Decimal(70), Decimal(0))
    second = post(client, "reserveBalance", hold | {"amount": {"amount": 12.34}})
    assert (
        patch_status(client, "reserveBalance", second["id"], "completed", reason="漫游话单确认").status_code
        == 200
    )
    assert values(client, sun) == (Decimal("57.66"), Decimal(0))
    assert_tmf_error(patch_status(client, "reserveBalance", second["id"], "cancelled", reason="x"), 409)
    # Cancelling the first top-up would need 100 of the 57.66 left: refused, naming the status.
    assert_tmf_error(patch_status(client, "topupBalance", topup["id"], "cancelled"), 400, mentions="status")
    # Cancelling the transfer gives the 30 back; then the top-up of 0.2 returns its value.
    assert (
        patch_status(
            client,
            "transferBalance",
            moved["id"],
            "cancelled",
            **{k: transfer[k] for k in ("reason", "channel", "logicalResource", "receiverLogicalResource")},
        ).status_code
        == 200
    )
    assert values(client, sun) == (Decimal("87.66"), Decimal(0)) and values(client, zhou) == (
        Decimal(50),
        Decimal(0),
    )
    small = client.get(f"{V4}/topupBalance", params={"partyAccount.id": sun, "amount.amount": "0.2"}).json()
    assert patch_status(client, "topupBalance", small[0]["id"], "cancelled").status_code == 200
    assert values(client, sun) == (Decimal("87.46"), Decimal(0))
    (total,) = client.get(f"{V4}/accumulatedBalance", params={"partyAccount.id": sun}).json()
    assert Decimal(str(total["totalBalance"]["amount"])) == Decimal("87.46")
    # Every change is one history entry of the bucket, naming its action.
    history = client.get(
        f"{V4}/balanceActionHistory", params={"bucket.id": f"CNY-{sun}", "limit": 100}
    ).json()
    moves = [(h["balanceTopup"]["@referredType"], h["description"].split(" ")[0]) for h in history]
    assert len(moves) == 11, moves
    assert ("ReserveBalance", "released") in moves and ("TopupBalance", "cancelled") in moves
    # Each entry's amount is what it moved in or out of the remaining value (a confirmation: none).
    assert sum(Decimal(str(h["amount"]["amount"])) for h in history) == Decimal("87.46")


def test_a_suspended_bucket_fails_the_action_with_the_failure_event(api_client: CheckedClient) -> None:
    client = api_client
    subscribed = client.post(f"{V4}/hub", json={"callback": "http://127.0.0.1:9/prepaid"})
    assert subscribed.status_code == 201, subscribed.text
    account = open_account(client)
    done = post(client, "topupBalance", topup_body(account, 10))
    assert patch_status(client, "topupBalance", done["id"], "cancelled").status_code == 200
    sessions = client.app.sessions
    with sessions.begin() as session:
        session.scalars(select(Bucket).where(Bucket.id == f"CNY-{account}")).one().status = "suspended"
    failed = post(client, "topupBalance", topup_body(account, 10))
    assert failed["status"] == "failed" and values(client, account) == (Decimal(0), Decimal(0))
    with sessions() as session:
        events = session.scalars(
            select(EventRecord).where(EventRecord.api == "TMF654").order_by(EventRecord.pk)
        ).all()
        mine = [e.event_type for e in events if json.dumps(e.payload, ensure_ascii=False).count(account)]
    assert mine == [
        "TopupBalanceCreateEvent",
        "TopupBalanceCancelEvent",
        "TopupBalanceCreateEvent",
        "TopupBalanceFailureEvent",
    ]


@contextlib.contextmanager
def bucket_held(database_url: str, bucket_id: str) -> Iterator[Any]:
    """Hold a bucket's row from another connection (PostgreSQL `FOR UPDATE`)."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        conn.execute("SELECT pk FROM bucket WHERE id = %s FOR UPDATE", (bucket_id,))
        try:
            yield conn
        finally:
            conn.rollback()


def wait_until_waiting_on_bucket(conn: Any, requests: int) -> None:
    """PostgreSQL shows `requests` of ours waiting for the bucket's row lock (a state, not a delay)."""
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(conn.info.dsn, autocommit=True) as observer:
        while time.monotonic() < deadline:
            waiting = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%%bucket%%'"
            ).fetchone()
            if waiting and waiting[0] >= requests:
                return
            time.sleep(0.05)
    raise AssertionError("the requests never waited on the bucket's row lock")


def test_two_reservations_or_a_reservation_and_a_transfer_at_once_never_take_the_bucket_below_zero(
    db_kind: str, database_url: str
) -> None:
    """Two server processes on PostgreSQL (threads of one app on SQLite, whose writers take turns
    from the start): both requests read the bucket while another connection holds it, so without
    the row lock both would see 100.00 and both take 80.00 from it. A reservation races a second
    reservation, then (on the same servers, fresh accounts) a transfer."""
    with contextlib.ExitStack() as stack:
        if db_kind == "postgresql":
            one, other = stack.enter_context(two_servers(database_url))
            send_one, send_other = one.request, other.request
        else:
            client = stack.enter_context(make_client(database_url))
            send_one = send_other = client.request

        def value(account: str, name: str) -> Decimal:
            bucket = send_one("GET", f"{V4}/bucket/CNY-{account}").json()
            return Decimal(str(bucket[name]["amount"]))

        for second in ("reserveBalance", "transferBalance"):
            accounts = []
            for name in ("孙丽的预付费账户", "周强的预付费账户"):
                created = send_one("POST", f"{ACCOUNTS_V4}/billingAccount", json=account_v4(name))
                assert created.status_code == 201, created.text
                accounts.append(created.json()["id"])
            sun, zhou = accounts
            assert send_one("POST", f"{V4}/topupBalance", json=topup_body(sun, 100)).status_code == 201
            reserve = {
                "amount": {"amount": 80},
                "usageType": "monetary",
                "bucket": {"id": f"CNY-{sun}"},
                "partyAccount": {"id": sun},
            }
            transfer = {
                "reason": "话费转赠",
                "amount": {"amount": 80, "units": "CNY"},
                "usageType": "monetary",
                "bucket": {"id": f"CNY-{sun}"},
                "receiverBucket": {"id": f"CNY-{zhou}"},
                "receiverBucketUsageType": "monetary",
                "channel": {"id": "online"},
                "logicalResource": [{"id": "13316880123"}],
                "receiverLogicalResource": {"id": "18938650456"},
            }
            body = reserve if second == "reserveBalance" else transfer
            requests: list[Callable[[], httpx.Response]] = [
                functools.partial(send_one, "POST", f"{V4}/reserveBalance", json=reserve),
                functools.partial(send_other, "POST", f"{V4}/{second}", json=body),
            ]
            if db_kind == "postgresql":
                with ThreadPoolExecutor(max_workers=2) as pool:
                    with bucket_held(database_url, f"CNY-{sun}") as holder:
                        futures = [pool.submit(request) for request in requests]
                        wait_until_waiting_on_bucket(holder, requests=2)
                    results = [f.result(timeout=WAIT_S) for f in futures]
            else:
                engine = client.app.sessions.kw["bind"]
                results = race_on_sqlite(database_url, engine, "", requests)
            assert sorted(r.status_code for r in results) == [201, 400], (second, [r.text for r in results])
            refused = next(r for r in results if r.status_code == 400)
            assert "amount.amount" in refused.json()["message"]
            assert value(sun, "remainingValue") == Decimal(20), second
            assert value(sun, "reservedValue") + value(zhou, "remainingValue") == Decimal(80), second


def test_debit_takes_prepaid_money_for_other_rules_never_below_zero(api_client: CheckedClient) -> None:
    """The service function billing will settle bills with (tmf_api.apis.prepay.debit)."""
    account = open_account(api_client)
    post(api_client, "topupBalance", topup_body(account, 50))
    with api_client.app.sessions.begin() as session:
        entry = prepay.debit(session, f"CNY-{account}", Decimal("31.00"), "账单结清 2026-11")
        assert entry.amount == Decimal("-31.00")
    with api_client.app.sessions.begin() as session, pytest.raises(prepay.BalanceError) as refused:
        prepay.debit(session, f"CNY-{account}", Decimal("19.01"), "账单结清 2026-12")
    assert refused.value.field == "amount"
    assert values(api_client, account) == (Decimal(19), Decimal(0))
    (total,) = api_client.get(f"{V4}/accumulatedBalance", params={"partyAccount.id": account}).json()
    assert total["totalBalance"]["amount"] == 19
    history = api_client.get(f"{V4}/balanceActionHistory", params={"bucket.id": f"CNY-{account}"}).json()
    assert sorted(h["amount"]["amount"] for h in history) == [-31, 50]
