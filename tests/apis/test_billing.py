"""Bill runs from the inventory (tmf_api.apis.billing.run_cycle), on SQLite and PostgreSQL: the
period's recurring charges rated once per product, price and period, prorated by days, and one
bill per account and period however often a run repeats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sid_model import (
    Account,
    AppliedCustomerBillingRate,
    CustomerBill,
    Product,
    ProductOffering,
    ProductOfferingPrice,
    ProductOfferingPriceLink,
    ProductOfferingPriceTax,
    ProductPrice,
    ProductStatusPeriod,
)
from tests.fixtures.migrated import migrate
from tmf_api.apis import billing
from tmf_api.apis.rating import OPERATOR_TIME


def local(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=OPERATOR_TIME).astimezone(dt.UTC)


NOW = local("2027-01-02", 3)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    migrate(database_url)
    engine = create_engine(database_url)
    with sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def plan(
    name: str, included: str, excluded: str, since: dt.datetime, until: dt.datetime | None = None
) -> ProductPrice:
    return ProductPrice(
        position=0,
        name=name,
        price_type="recurring",
        recurring_charge_period="month",
        currency="CNY",
        tax_included_amount=Decimal(included),
        tax_excluded_amount=Decimal(excluded),
        tax_rate=Decimal("6"),
        product_offering_price_id=f"POP-{included}",
        valid_from=since,
        valid_to=until,
    )


def line(session: Session, account: str, *prices: ProductPrice, start: dt.datetime) -> Product:
    product = Product(
        id=f"PRD-{account}-{len(prices)}",
        name="5G 手机号 13800000001",
        status="active",
        start_date=start,
        creation_date=start,
        billing_account_id=account,
        prices=list(prices),
    )
    for n, price in enumerate(product.prices):
        price.position = n
    session.add(product)
    return product


def account(session: Session, account_id: str) -> None:
    session.add(Account(id=account_id, kind="billingAccount", name="张伟的账户", state="active"))


def charges(session: Session, account_id: str) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(AppliedCustomerBillingRate)
        .where(AppliedCustomerBillingRate.billing_account_id == account_id)
        .order_by(AppliedCustomerBillingRate.period_start, AppliedCustomerBillingRate.pk)
    )
    return [(r.name or "", str(r.tax_included_amount)) for r in rows]


def test_a_cycle_bills_the_days_a_product_was_active_once_however_often_it_runs(session: Session) -> None:
    account(session, "BA-1")
    line(
        session,
        "BA-1",
        plan("5G畅享套餐 129元/月", "129.00", "121.70", local("2026-11-14", 10)),
        start=local("2026-11-14", 10),
    )
    session.flush()
    first = billing.run_cycle(session, "BA-1", "2026-11", NOW)
    assert first.bill is not None and not first.existing
    # 14 to 30 November: 17 of 30 days, 129 × 17 / 30 = 73.10.
    assert charges(session, "BA-1") == [("5G畅享套餐 129元/月（17/30天）", "73.10")]
    assert str(first.bill.amount_due) == "73.10" and first.bill.run_type == "onCycle"
    assert billing._aware(first.bill.billing_period_start) == local("2026-11-01")
    assert billing._aware(first.bill.billing_period_end) == local("2026-12-01")
    again = billing.run_cycle(session, "BA-1", "2026-11", NOW)
    assert again.existing and again.bill is not None and again.bill.id == first.bill.id and again.rated == []
    assert session.scalar(select(func.count()).select_from(CustomerBill)) == 1
    assert len(charges(session, "BA-1")) == 1
    # December in full: the price as it is, no rounding.
    december = billing.run_cycle(session, "BA-1", "2026-12", NOW)
    assert december.bill is not None and str(december.bill.amount_due) == "129.00"


def test_a_plan_change_inside_a_period_splits_it_by_days(session: Session) -> None:
    account(session, "BA-2")
    line(
        session,
        "BA-2",
        plan("5G畅享套餐 129元/月", "129.00", "121.70", local("2026-06-01"), local("2026-12-15")),
        plan("5G畅享套餐 199元/月", "199.00", "187.74", local("2026-12-15")),
        start=local("2026-06-01"),
    )
    session.flush()
    run = billing.run_cycle(session, "BA-2", "2026-12", NOW)
    # 1–14 December on the old plan (14/31: 58.26), 15–31 on the new one (17/31: 109.13).
    assert charges(session, "BA-2") == [
        ("5G畅享套餐 129元/月（14/31天）", "58.26"),
        ("5G畅享套餐 199元/月（17/31天）", "109.13"),
    ]
    assert run.bill is not None and str(run.bill.amount_due) == "167.39"


def test_instalments_of_a_catalog_term_stop_after_their_count(session: Session) -> None:
    account(session, "BA-3")
    session.add(
        ProductOfferingPrice(
            id="POP-229.00",
            name="华为Mate 70 分期月供（2期）",
            price_type="recurring",
            extension={
                "productOfferingTerm": [{"name": "2期分期", "duration": {"amount": 2, "units": "month"}}]
            },
        )
    )
    line(
        session,
        "BA-3",
        plan("华为Mate 70 分期月供", "229.00", "202.65", local("2026-10-20")),
        start=local("2026-10-20", 15),
    )
    session.flush()
    months = [billing.run_cycle(session, "BA-3", cycle, NOW) for cycle in ("2026-10", "2026-11", "2026-12")]
    # In full from the first month (not prorated), twice: the term's count.
    assert [str(r.bill.amount_due) if r.bill else None for r in months] == ["229.00", "229.00", None]


def test_suspended_days_are_charged_the_offerings_suspension_price_not_the_plan(session: Session) -> None:
    account(session, "BA-5")
    session.add_all(
        [
            ProductOfferingPrice(
                id="POP-SUSPEND-5",
                name="停机保号费",
                price_type="suspension",
                recurring_charge_period_type="month",
                currency="CNY",
                amount=Decimal("5.00"),
                taxes=[ProductOfferingPriceTax(tax_category="增值税", tax_rate=Decimal("9"), position=0)],
            ),
            ProductOffering(
                id="PO-5G",
                name="5G畅享套餐",
                prices=[ProductOfferingPriceLink(ref_id="POP-SUSPEND-5", position=0)],
            ),
        ]
    )
    product = line(
        session,
        "BA-5",
        plan("5G畅享套餐 129元/月", "129.00", "121.70", local("2026-06-01")),
        start=local("2026-06-01"),
    )
    product.product_offering_id = "PO-5G"
    product.status_periods = [
        ProductStatusPeriod(status="active", valid_from=local("2026-06-01"), valid_to=local("2026-11-10", 9)),
        ProductStatusPeriod(
            status="suspended",
            valid_from=local("2026-11-10", 9),
            valid_to=local("2026-11-25", 16),
            position=1,
        ),
        ProductStatusPeriod(status="active", valid_from=local("2026-11-25", 16), position=2),
    ]
    session.flush()
    run = billing.run_cycle(session, "BA-5", "2026-11", NOW)
    # Active 1st–9th and 25th–30th (15/30 of 129: 64.50), suspended 10th–24th (15/30 of 5: 2.50).
    assert charges(session, "BA-5") == [
        ("5G畅享套餐 129元/月（15/30天）", "64.50"),
        ("停机保号费（15/30天）", "2.50"),
    ]
    assert run.bill is not None and str(run.bill.amount_due) == "67.00"
    # A month suspended throughout: the fee as it is, no plan price.
    product.status_periods[2].valid_to = local("2026-12-01")
    product.status_periods.append(
        ProductStatusPeriod(status="suspended", valid_from=local("2026-12-01"), position=3)
    )
    session.flush()
    billing.run_cycle(session, "BA-5", "2026-12", NOW)
    assert charges(session, "BA-5")[2:] == [("停机保号费", "5.00")]


def test_a_cycle_that_is_not_a_month_is_refused(session: Session) -> None:
    account(session, "BA-4")
    with pytest.raises(billing.BillingError, match="YYYY-MM"):
        billing.run_cycle(session, "BA-4", "November", NOW)
