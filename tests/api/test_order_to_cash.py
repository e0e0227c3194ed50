"""Order to cash through HTTP only (issue 10's check), on a real server process (`tmf serve
--adjustable-clock --simulate-fulfilment`) over SQLite and PostgreSQL: a new customer's 5G line
from the catalog offering to the refund, every amount checked to the fen and every bill, payment
and bucket state on the way. The test clock moves the server's time: the billing periods, and
the fulfilment simulator's delays (it times orders by the server's clock), pass at once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.fixtures.server import running_server

CATALOG = "/tmf-api/productCatalogManagement/v5"
CATALOG_V4 = "/tmf-api/productCatalogManagement/v4"
PARTIES = "/tmf-api/party/v4"
CUSTOMERS = "/tmf-api/customerManagement/v4"
ACCOUNTS = "/tmf-api/accountManagement/v4"
ORDERS = "/tmf-api/productOrderingManagement/v4"
INVENTORY = "/tmf-api/productInventory/v4"
BILLS = "/tmf-api/customerBillManagement/v4"
PAYMENTS = "/tmf-api/payment/v4"
PREPAY = "/tmf-api/prepayBalanceManagement/v4"
MERGE = {"content-type": "application/merge-patch+json"}
WAIT_S = 30.0
# Operator days (China Standard Time) as UTC instants, as the server writes them.
JAN_1, FEB_1, MAR_1, APR_1 = (
    "2026-12-31T16:00:00.000Z",
    "2027-01-31T16:00:00.000Z",
    "2027-02-28T16:00:00.000Z",
    "2027-03-31T16:00:00.000Z",
)
FEB_15 = "2027-02-14T16:00:00.000Z"


@pytest.fixture
def http(database_url: str) -> Iterator[httpx.Client]:
    options = ["--adjustable-clock", "--simulate-fulfilment"]
    with (
        running_server(database_url, options=options) as base,
        httpx.Client(base_url=base, timeout=WAIT_S) as c,
    ):
        yield c


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


def move_clock(http: httpx.Client, when: str) -> None:
    assert ok(http.post("/clock", json={"now": when}))["now"].startswith(when[:16])


def completed(http: httpx.Client, order: dict[str, Any]) -> dict[str, Any]:
    """Waits for the fulfilment simulator to complete the order, moving the test clock on by ten
    seconds a look (the simulator's steps take seconds of the server's time; a few hours at most
    pass, the same operator day)."""
    deadline = time.monotonic() + WAIT_S
    seen = []
    while time.monotonic() < deadline:
        found = ok(http.get(f"{ORDERS}/productOrder/{order['id']}"))
        seen.append(found["state"])
        if found["state"] == "completed":
            assert "failed" not in seen and "partial" not in seen, seen
            return dict(found)
        now = ok(http.get("/clock"))["now"]
        http.post("/clock", json={"now": _plus_seconds(now, 10)})
        time.sleep(0.1)
    raise AssertionError(f"order {order['id']} did not complete within {WAIT_S}s: {seen[-5:]}")


def _plus_seconds(text: str, seconds: int) -> str:
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) + dt.timedelta(seconds=seconds)
    return when.isoformat().replace("+00:00", "Z")


def cny(value: str) -> dict[str, Any]:
    return {"unit": "CNY", "value": float(value)}


def fen(amount: dict[str, Any]) -> Decimal:
    """A Money or Quantity amount as an exact decimal (the wire has JSON numbers)."""
    return Decimal(str(amount.get("value", amount.get("amount"))))


def bill(http: httpx.Client, bill_id: str) -> tuple[str, Decimal, Decimal]:
    doc = ok(http.get(f"{BILLS}/customerBill/{bill_id}"))
    return doc["state"], fen(doc["amountDue"]), fen(doc["remainingAmount"])


def buckets(http: httpx.Client, account: str) -> dict[str, tuple[str, Decimal, str, str, str]]:
    """usageType -> (status, remaining, units, validFor start, end) of the account's buckets."""
    found = ok(http.get(f"{PREPAY}/bucket", params={"partyAccount.id": account}))
    assert all("usageType" in b for b in found), found
    return {
        b["usageType"]: (
            b["status"],
            fen(b["remainingValue"]),
            b["remainingValue"]["units"],
            b["validFor"]["startDateTime"] if b["usageType"] != "monetary" else "",
            b["validFor"].get("endDateTime", "") if b["usageType"] != "monetary" else "",
        )
        for b in found
    }


def bill_run(http: httpx.Client, account: str) -> dict[str, Any]:
    """customerBillOnDemand: the bill run of the account's latest ended period; that bill, sent."""
    run = ok(http.post(f"{BILLS}/customerBillOnDemand", json={"billingAccount": {"id": account}}), 201)
    assert run["state"] == "done", run
    made = ok(http.get(f"{BILLS}/customerBill/{run['customerBill']['id']}"))
    assert made["state"] == "new" and made["runType"] == "onCycle"
    for state in ("validated", "sent"):
        ok(http.patch(f"{BILLS}/customerBill/{made['id']}", json={"state": state}, headers=MERGE))
    return dict(made)


def rates(http: httpx.Client, bill_id: str) -> list[tuple[str, Decimal]]:
    found = ok(http.get(f"{BILLS}/appliedCustomerBillingRate", params={"bill.id": bill_id}))
    return sorted((r["name"], fen(r["taxIncludedAmount"])) for r in found)


def make_catalog(http: httpx.Client) -> tuple[str, str]:
    """The two 5G plans (TMF620 v5): 128 CNY with 30 GB and 500 minutes and a SIM card fee, 169 CNY
    with 60 GB and 1000 minutes; the allowances are the offerings' prodSpecCharValueUse."""

    def post(path: str, body: dict[str, Any]) -> str:
        common = {"lastUpdate": "2027-01-05T02:00:00.000Z", "lifecycleStatus": "Launched"}
        made: str = ok(http.post(f"{CATALOG}/{path}", json=common | body), 201)["id"]
        return made

    def price(name: str, kind: str, value: float, **more: Any) -> dict[str, str]:
        body = {"@type": "ProductOfferingPrice", "name": name, "priceType": kind}
        body |= {"price": {"@type": "Money", "unit": "CNY", "value": value}} | more
        tax = {"@type": "TaxItem", "taxCategory": "增值税", "taxRate": 9.0}
        return {"@type": "ProductOfferingPriceRef", "id": post("productOfferingPrice", body | {"tax": [tax]})}

    def allowance(name: str, value: int, unit: str) -> dict[str, Any]:
        v = {"@type": "IntegerCharacteristicValueSpecification", "value": value, "unitOfMeasure": unit}
        return {
            "@type": "ProductSpecificationCharacteristicValueUse",
            "name": name,
            "valueType": "integer",
            "productSpecCharacteristicValue": [v | {"isDefault": True}],
        }

    char = {"@type": "CharacteristicSpecification", "configurable": False, "valueType": "integer"}
    spec = post(
        "productSpecification",
        {
            "@type": "ProductSpecification",
            "name": "5G移动套餐",
            "productSpecCharacteristic": [
                char | {"name": "国内通用流量"},
                char | {"name": "国内通话"},
                char | {"name": "手机号码", "valueType": "string", "configurable": True},
            ],
        },
    )
    month = {"recurringChargePeriodType": "month", "recurringChargePeriodLength": 1}

    def plan(name: str, prices: list[dict[str, str]], data: int, voice: int) -> str:
        return post(
            "productOffering",
            {
                "@type": "ProductOffering",
                "name": name,
                "isBundle": False,
                "isSellable": True,
                "productSpecification": {"@type": "ProductSpecificationRef", "id": spec},
                "productOfferingPrice": prices,
                "prodSpecCharValueUse": [
                    allowance("国内通用流量", data, "GB"),
                    allowance("国内通话", voice, "分钟"),
                ],
            },
        )

    small = plan(
        "5G畅享128元套餐",
        [price("5G畅享128元套餐月租", "recurring", 128.0, **month), price("号卡工本费", "oneTime", 10.0)],
        30,
        500,
    )
    return small, plan(
        "5G畅享169元套餐", [price("5G畅享169元套餐月租", "recurring", 169.0, **month)], 60, 1000
    )


def order(http: httpx.Client, account: str, customer: str, item: dict[str, Any]) -> dict[str, Any]:
    body = {
        "description": "福田营业厅 5G 开户" if item["action"] == "add" else "套餐变更",
        "billingAccount": {"id": account},
        "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Customer"}],
        "productOrderItem": [{"id": "1", "quantity": 1} | item],
    }
    made = ok(http.post(f"{ORDERS}/productOrder", json=body), 201)
    assert made["state"] == "acknowledged"
    return completed(http, made)


def test_a_new_customer_from_the_catalog_offering_to_the_refund(http: httpx.Client) -> None:
    # 5 January 2027, 10:00 at the business hall (China Standard Time).
    move_clock(http, "2027-01-05T02:00:00.000Z")
    party = ok(
        http.post(
            f"{PARTIES}/individual",
            json={"givenName": "伟", "familyName": "张", "fullName": "张伟", "gender": "male"},
        ),
        201,
    )
    customer = ok(
        http.post(
            f"{CUSTOMERS}/customer",
            json={
                "name": "张伟",
                "engagedParty": {"id": party["id"], "name": "张伟", "@referredType": "Individual"},
            },
        ),
        201,
    )["id"]
    account = ok(
        http.post(
            f"{ACCOUNTS}/billingAccount",
            json={
                "name": "张伟的账户",
                "accountType": "个人客户",
                "relatedParty": [
                    {"id": customer, "name": "张伟", "role": "owner", "@referredType": "Customer"}
                ],
            },
        ),
        201,
    )["id"]
    small, large = make_catalog(http)
    offered = ok(http.get(f"{CATALOG_V4}/productOffering/{small}"))
    assert offered["lifecycleStatus"] == "Launched" and len(offered["productOfferingPrice"]) == 2
    assert {
        (u["name"], u["productSpecCharacteristicValue"][0]["unitOfMeasure"])
        for u in offered["prodSpecCharValueUse"]
    } == {
        ("国内通用流量", "GB"),
        ("国内通话", "分钟"),
    }

    # 开户: the order completes (the simulator), the line is in inventory with its allowances.
    opened = order(
        http,
        account,
        customer,
        {
            "action": "add",
            "productOffering": {"id": small},
            "product": {
                "productCharacteristic": [{"name": "手机号码", "valueType": "string", "value": "18926881234"}]
            },
        },
    )
    line = opened["productOrderItem"][0]["product"]["id"]
    product = ok(http.get(f"{INVENTORY}/product/{line}"))
    assert product["status"] == "active" and product["startDate"].startswith("2027-01-05")
    assert product["productOffering"]["id"] == small and product["billingAccount"]["id"] == account
    assert sorted((p["name"], fen(p["price"]["taxIncludedAmount"])) for p in product["productPrice"]) == [
        ("5G畅享128元套餐月租", Decimal("128.00")),
        ("号卡工本费", Decimal("10.00")),
    ]
    assert buckets(http, account) == {
        "monetary": ("active", Decimal(0), "CNY", "", ""),
        "data": ("active", Decimal(30), "GB", JAN_1, FEB_1),
        "voice": ("active", Decimal(500), "minute", JAN_1, FEB_1),
    }
    data = ok(http.get(f"{PREPAY}/bucket/data-{line}"))
    assert data["product"][0]["id"] == line and data["partyAccount"]["id"] == account
    totals = ok(http.get(f"{PREPAY}/accumulatedBalance", params={"partyAccount.id": account}))
    assert sorted((t["totalBalance"]["units"], fen(t["totalBalance"])) for t in totals) == [
        ("CNY", Decimal(0)),
        ("GB", Decimal(30)),
        ("minute", Decimal(500)),
    ]

    # January's bill (1 February): 5–31 January of 128 CNY, 128 × 27 / 31 = 111.48, and the SIM card.
    move_clock(http, "2027-02-01T02:00:00.000Z")
    january = bill_run(http, account)
    assert rates(http, january["id"]) == [
        ("5G畅享128元套餐月租（27/31天）", Decimal("111.48")),
        ("号卡工本费", Decimal("10.00")),
    ]
    assert bill(http, january["id"]) == ("sent", Decimal("121.48"), Decimal("121.48"))
    assert january["billingPeriod"] == {"startDateTime": JAN_1, "endDateTime": FEB_1}
    # The run renewed the allowances for February, once.
    assert buckets(http, account)["data"] == ("active", Decimal(30), "GB", FEB_1, MAR_1)

    # 套餐变更 on 14 February to the 169 plan: its prices from the 15th, its allowances from March.
    move_clock(http, "2027-02-14T02:00:00.000Z")
    order(
        http,
        account,
        customer,
        {"action": "modify", "productOffering": {"id": large}, "product": {"id": line}},
    )
    changed = ok(http.get(f"{INVENTORY}/product/{line}"))
    assert changed["productOffering"]["id"] == large and changed["status"] == "active"
    monthly = {p["name"]: p["validFor"] for p in changed["productPrice"] if p["priceType"] == "recurring"}
    assert monthly["5G畅享128元套餐月租"]["endDateTime"] == FEB_15
    assert monthly["5G畅享169元套餐月租"]["startDateTime"] == FEB_15
    assert buckets(http, account)["voice"] == ("active", Decimal(500), "minute", FEB_1, MAR_1)

    # February's bill: 14 of 28 days on each plan, 64.00 + 84.50 = 148.50; March's allowances are 169's.
    move_clock(http, "2027-03-01T02:00:00.000Z")
    february = bill_run(http, account)
    assert rates(http, february["id"]) == [
        ("5G畅享128元套餐月租（14/28天）", Decimal("64.00")),
        ("5G畅享169元套餐月租（14/28天）", Decimal("84.50")),
    ]
    assert bill(http, february["id"]) == ("sent", Decimal("148.50"), Decimal("148.50"))
    assert buckets(http, account) == {
        "monetary": ("active", Decimal(0), "CNY", "", ""),
        "data": ("active", Decimal(60), "GB", MAR_1, APR_1),
        "voice": ("active", Decimal(1000), "minute", MAR_1, APR_1),
    }

    # 100.00 paid in cash at the counter for January's bill: partly paid, 21.48 still due.
    cash = ok(
        http.post(
            f"{PAYMENTS}/payment",
            json={
                "name": "营业厅柜台缴费",
                "account": {"id": account, "@referredType": "BillingAccount"},
                "paymentMethod": {"name": "现金"},
                "totalAmount": cny("100.00"),
                "paymentItem": [
                    {
                        "id": "1",
                        "item": {"id": january["id"], "@referredType": "CustomerBill"},
                        "totalAmount": cny("100.00"),
                    }
                ],
            },
        ),
        201,
    )
    assert cash["status"] == "done"
    assert bill(http, january["id"]) == ("partiallyPaid", Decimal("121.48"), Decimal("21.48"))

    # 话费充值 200.00: the bills due are settled from the bucket, oldest first (21.48 + 148.50).
    topup = ok(
        http.post(
            f"{PREPAY}/topupBalance",
            json={
                "description": "营业厅充值",
                "amount": {"amount": 200, "units": "CNY"},
                "usageType": "monetary",
                "bucket": {"id": f"CNY-{account}"},
                "partyAccount": {"id": account},
                "channel": {"id": "businessHall"},
                "paymentMethod": {"id": "cash", "name": "现金"},
            },
        ),
        201,
    )
    assert topup["status"] == "completed"
    assert bill(http, january["id"]) == ("settled", Decimal("121.48"), Decimal(0))
    assert bill(http, february["id"]) == ("settled", Decimal("148.50"), Decimal(0))
    assert buckets(http, account)["monetary"] == ("active", Decimal("30.02"), "CNY", "", "")
    paid = ok(http.get(f"{PAYMENTS}/payment", params={"account.id": account}))
    assert sorted((p["paymentMethod"]["name"], fen(p["totalAmount"]), p["status"]) for p in paid) == [
        ("现金", Decimal("100.00"), "done"),
        ("预付费余额", Decimal("21.48"), "done"),
        ("预付费余额", Decimal("148.50"), "done"),
    ]
    history = ok(http.get(f"{PREPAY}/balanceActionHistory", params={"bucket.id": f"CNY-{account}"}))
    assert sorted(fen(h["amount"]) for h in history) == [Decimal("-148.50"), Decimal("-21.48"), Decimal(200)]

    # 30.00 of the cash payment refunded: January's bill owes it again.
    refund = ok(
        http.post(
            f"{PAYMENTS}/refund",
            json={
                "name": "多缴话费退款",
                "account": {"id": account},
                "payment": {"id": cash["id"]},
                "paymentMethod": {"name": "现金"},
                "totalAmount": cny("30.00"),
            },
        ),
        201,
    )
    assert fen(refund["totalAmount"]) == Decimal("30.00") and refund["status"] == "done"
    assert bill(http, january["id"]) == ("partiallyPaid", Decimal("121.48"), Decimal("30.00"))
    assert bill(http, february["id"]) == ("settled", Decimal("148.50"), Decimal(0))
    totals = ok(http.get(f"{PREPAY}/accumulatedBalance", params={"partyAccount.id": account}))
    assert sorted((t["totalBalance"]["units"], fen(t["totalBalance"])) for t in totals) == [
        ("CNY", Decimal("30.02")),
        ("GB", Decimal(60)),
        ("minute", Decimal(1000)),
    ]
