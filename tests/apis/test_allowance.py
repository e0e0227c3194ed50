"""Allowance buckets of products in inventory (tmf_api.apis.allowance), on SQLite and PostgreSQL:
opened from the offering's prodSpecCharValueUse for the billing period, renewed once by the bill
run closing a period, the new plan's allowances from the next period, and the product's status
followed. (The HTTP path, order to bucket, is tests/api/test_order_to_cash.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sid_model import (
    Account,
    AccumulatedBalance,
    BalanceActionHistory,
    BillingCycleSpecification,
    Bucket,
    Product,
    ProductOffering,
)
from tests.fixtures.migrated import migrate
from tmf_api.apis import allowance, billing, prepay, tmf654
from tmf_api.apis.rating import OPERATOR_TIME
from tmf_api.engine.resource import Change


def local(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=OPERATOR_TIME).astimezone(dt.UTC)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    migrate(database_url)
    engine = create_engine(database_url)
    with sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def use(name: str, value: int, unit: str) -> dict[str, Any]:
    """A prodSpecCharValueUse as the demo catalog writes it (mappings/TMF620/demo.yaml)."""
    return {
        "name": name,
        "valueType": "integer",
        "productSpecCharacteristicValue": [{"value": value, "unitOfMeasure": unit, "isDefault": True}],
    }


def values(session: Session, product_id: str) -> dict[str, tuple[str, str, str, dt.date, dt.date]]:
    """usageType -> (status, remaining, units, first day, day after the last) of the product's buckets."""
    session.flush()
    found = {}
    for usage_type in allowance.USAGE_TYPES:
        bucket = session.scalars(
            select(Bucket).where(Bucket.id == allowance.bucket_id(product_id, usage_type))
        ).one_or_none()
        if bucket is None:
            continue
        start, end = (billing._aware(w) for w in (bucket.valid_from, bucket.valid_to))
        assert start is not None and end is not None
        found[usage_type] = (
            bucket.status or "",
            f"{bucket.remaining_amount.normalize():f}",
            bucket.units or "",
            start.astimezone(OPERATOR_TIME).date(),
            end.astimezone(OPERATOR_TIME).date(),
        )
    return found


def test_buckets_open_renew_once_follow_the_plan_and_the_status(session: Session) -> None:
    session.add_all(
        [
            Account(id="BA-ALW", kind="billingAccount", name="张伟的账户", state="active"),
            # 128: data and voice; its `0 条` is no allowance. 169: data, voice and sms.
            ProductOffering(
                id="PO-ALW-128",
                name="5G畅享128元套餐",
                extension={
                    "prodSpecCharValueUse": [
                        use("国内通用流量", 30, "GB"),
                        use("国内通话", 500, "分钟"),
                        use("国内短信", 0, "条"),
                        {"name": "手机号码", "valueType": "string"},
                    ]
                },
            ),
            ProductOffering(
                id="PO-ALW-169",
                name="5G畅享169元套餐",
                extension={
                    "prodSpecCharValueUse": [
                        use("国内通用流量", 60, "GB"),
                        use("国内通话", 1000, "分钟"),
                        use("国内短信", 100, "条"),
                    ]
                },
            ),
        ]
    )
    line = Product(
        id="PRD-ALW",
        name="5G手机号码 189 0000 0001",
        status="active",
        billing_account_id="BA-ALW",
        product_offering_id="PO-ALW-128",
        start_date=local("2027-01-05", 10),
    )
    session.add(line)
    session.flush()
    jan, feb, mar = dt.date(2027, 1, 1), dt.date(2027, 2, 1), dt.date(2027, 3, 1)
    opened = allowance.open_product_buckets(session, line, local("2027-01-05", 10), billing.period_at)
    assert len(opened) == 2 and opened[0].extension["product"][0]["id"] == "PRD-ALW"
    # The whole allowance for the first (partial) period; validFor is the account's period.
    assert values(session, line.id) == {
        "data": ("active", "30", "GB", jan, feb),
        "voice": ("active", "500", "minute", jan, feb),
    }
    # Opening again (a repeated reaction) opens nothing.
    assert allowance.open_product_buckets(session, line, local("2027-01-06"), billing.period_at) == []
    # 12 GB used; the bill run closing January renews for February: 30 GB afresh, once.
    data = prepay.lock(session, [allowance.bucket_id(line.id, "data")])[allowance.bucket_id(line.id, "data")]
    prepay.take(session, data, Decimal(12), "amount")
    billing.run_cycle(session, "BA-ALW", "2027-01", local("2027-02-01", 9))
    assert values(session, line.id)["data"] == ("active", "30", "GB", feb, mar)
    entries = session.scalar(select(func.count()).select_from(BalanceActionHistory))
    billing.run_cycle(session, "BA-ALW", "2027-01", local("2027-02-02", 9))
    later = local("2027-02-03")
    assert (
        allowance.renew(session, "BA-ALW", lambda: billing.period_at(session, "BA-ALW", later), later) == []
    )
    assert session.scalar(select(func.count()).select_from(BalanceActionHistory)) == entries
    renewed = session.scalars(
        select(BalanceActionHistory.description).where(BalanceActionHistory.bucket_id == data.id)
    ).all()
    assert any("renewed" in d and "18 GB left" in d for d in renewed if d), renewed
    # 套餐变更 in February: the 169 plan's allowances from March (an sms bucket opens then).
    line.product_offering_id = "PO-ALW-169"
    assert values(session, line.id)["data"][1] == "30"
    billing.run_cycle(session, "BA-ALW", "2027-02", local("2027-03-01", 9))
    assert values(session, line.id) == {
        "data": ("active", "60", "GB", mar, dt.date(2027, 4, 1)),
        "voice": ("active", "1000", "minute", mar, dt.date(2027, 4, 1)),
        "sms": ("active", "100", "message", mar, dt.date(2027, 4, 1)),
    }
    totals: dict[str | None, Decimal] = dict(
        session.execute(
            select(AccumulatedBalance.usage_type, AccumulatedBalance.total_amount).where(
                AccumulatedBalance.party_account_id == "BA-ALW"
            )
        ).tuples().all()
    )
    assert totals == {"data": Decimal(60), "voice": Decimal(1000), "sms": Decimal(100)}
    # 停机 / 复机 / 拆机: the buckets follow.
    line.status = "suspended"
    allowance.follow_status(session, line, local("2027-03-10"))
    assert {v[0] for v in values(session, line.id).values()} == {"suspended"}
    line.status = "active"
    allowance.follow_status(session, line, local("2027-03-11"))
    assert {v[0] for v in values(session, line.id).values()} == {"active"}
    line.status = "terminated"
    allowance.follow_status(session, line, local("2027-03-20"))
    ended = values(session, line.id)
    assert {(v[0], v[1], v[4]) for v in ended.values()} == {("expired", "0", dt.date(2027, 3, 20))}
    session.flush()
    assert session.scalar(
        select(AccumulatedBalance.total_amount).where(
            AccumulatedBalance.party_account_id == "BA-ALW", AccumulatedBalance.usage_type == "data"
        )
    ) == Decimal(0)


def test_an_account_whose_cycle_cannot_be_read_gets_no_buckets(session: Session) -> None:
    """The TMF637 create reaction (tmf_api.apis.tmf654) on an account whose billing cycle names an
    unknown period: no allowance bucket, no error (its bill runs refuse with the reason)."""
    session.add_all(
        [
            BillingCycleSpecification(id="BCS-ODD", billing_period="fortnight"),
            Account(
                id="BA-ODD", kind="billingAccount", state="active", billing_cycle_specification_id="BCS-ODD"
            ),
            ProductOffering(id="PO-ODD", extension={"prodSpecCharValueUse": [use("国内通用流量", 30, "GB")]}),
        ]
    )
    odd = Product(id="PRD-ODD", status="active", billing_account_id="BA-ODD", product_offering_id="PO-ODD")
    session.add(odd)
    session.flush()
    tmf654.REACTIONS["TMF637", "product", "create"](session, Change("create", "product", odd))
    assert values(session, odd.id) == {}
    with pytest.raises(billing.BillingError, match="fortnight"):
        billing.run_cycle(session, "BA-ODD", "2027-01", local("2027-02-01"))
