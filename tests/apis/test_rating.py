"""The proration rule of tmf_api.apis.rating, to the fen, on the operator's calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tmf_api.apis.rating import OPERATOR_TIME, ProductUsage, RecurringPrice, Span, prorate, rate


def local(day: str, hour: int = 0) -> dt.datetime:
    """A moment of the operator's calendar, as UTC (how times are stored)."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=OPERATOR_TIME).astimezone(dt.UTC)


NOVEMBER = Span(local("2026-11-01"), local("2026-12-01"))  # 30 days
PLAN = RecurringPrice(
    id="pop-5g-129",
    name="5G畅享套餐 129元/月",
    currency="CNY",
    tax_included=Decimal("129.00"),
    tax_excluded=Decimal("121.70"),
    tax_rate=Decimal("6"),
    valid=Span(local("2026-01-01")),
)


def product(*statuses: tuple[str, Span], prices: tuple[RecurringPrice, ...] = (PLAN,)) -> ProductUsage:
    return ProductUsage(id="prod-1", name="5G 手机号 13800000001", statuses=statuses, prices=prices)


def amounts(usage: ProductUsage, period: Span = NOVEMBER) -> list[tuple[str, str, str, int]]:
    return [(c.price.id, str(c.tax_included), str(c.tax_excluded), c.days) for c in rate(usage, period)]


def test_a_whole_period_is_charged_the_price_as_it_is() -> None:
    assert amounts(product(("active", Span(local("2026-10-20", 15))))) == [
        ("pop-5g-129", "129.00", "121.70", 30)
    ]


def test_the_day_a_product_starts_is_charged_and_the_day_it_ends_is_not() -> None:
    # Active from 14 November 10:00 (UTC+8): 14th to 30th, 17 days; 129 × 17 / 30 = 73.10.
    started = product(("active", Span(local("2026-11-14", 10))))
    assert amounts(started) == [("pop-5g-129", "73.10", "68.96", 17)]
    # Terminated on 20 November at 15:00: charged 1st to 19th, 19 days; 129 × 19 / 30 = 81.70.
    ended = product(
        ("active", Span(local("2026-10-01"), local("2026-11-20", 15))),
        ("terminated", Span(local("2026-11-20", 15))),
    )
    assert amounts(ended) == [("pop-5g-129", "81.70", "77.08", 19)]


def test_the_operator_calendar_decides_the_day_not_utc() -> None:
    # 30 November 18:00 UTC is 1 December 02:00 in the operator's calendar: not a November day.
    late = product(("active", Span(dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC))))
    assert amounts(late) == []
    # 31 October 17:00 UTC is 1 November 01:00 there: the whole of November.
    early = product(("active", Span(dt.datetime(2026, 10, 31, 17, tzinfo=dt.UTC))))
    assert amounts(early) == [("pop-5g-129", "129.00", "121.70", 30)]


def test_a_plan_change_splits_the_period_between_both_plans() -> None:
    # Changed on 14 November, effective from the 15th: 14 days of the old plan, 16 of the new.
    old = RecurringPrice(**{**PLAN.__dict__, "valid": Span(local("2026-01-01"), local("2026-11-15"))})
    new = RecurringPrice(
        id="pop-5g-199",
        name="5G畅享套餐 199元/月",
        currency="CNY",
        tax_included=Decimal("199.00"),
        tax_excluded=Decimal("187.74"),
        tax_rate=Decimal("6"),
        valid=Span(local("2026-11-15")),
    )
    usage = product(("active", Span(local("2026-06-01"))), prices=(old, new))
    # 129 × 14 / 30 = 60.20; 199 × 16 / 30 = 106.133… → 106.13; 60.20 + 106.13 = 166.33.
    assert amounts(usage) == [("pop-5g-129", "60.20", "56.79", 14), ("pop-5g-199", "106.13", "100.12", 16)]


def test_suspended_days_are_charged_the_suspension_price_and_nothing_else() -> None:
    keep_number = RecurringPrice(
        id="pop-suspend-5",
        name="停机保号费 5元/月",
        currency="CNY",
        tax_included=Decimal("5.00"),
        tax_excluded=Decimal("4.72"),
        tax_rate=Decimal("6"),
        valid=Span(local("2026-01-01")),
        applies_to="suspended",
    )
    usage = product(
        ("active", Span(local("2026-06-01"), local("2026-11-10", 9))),
        ("suspended", Span(local("2026-11-10", 9), local("2026-11-25", 16))),
        ("active", Span(local("2026-11-25", 16))),
        prices=(PLAN, keep_number),
    )
    # Active 1st–9th and 25th–30th: 15 days, 64.50; suspended 10th–24th: 15 days, 2.50.
    assert amounts(usage) == [("pop-5g-129", "64.50", "60.85", 15), ("pop-suspend-5", "2.50", "2.36", 15)]
    # Without a suspension price a suspended product costs nothing for those days.
    assert amounts(product(*usage.statuses)) == [("pop-5g-129", "64.50", "60.85", 15)]


def test_instalments_are_charged_in_full_and_stop_after_their_count() -> None:
    handset = RecurringPrice(
        id="pop-handset-24",
        name="华为 Mate 70 分期 249元/月 × 24",
        currency="CNY",
        tax_included=Decimal("249.00"),
        tax_excluded=Decimal("220.35"),
        tax_rate=Decimal("13"),
        valid=Span(local("2026-11-14")),
        instalments=24,
    )
    usage = product(("active", Span(local("2026-11-14", 10))), prices=(handset,))
    charges = rate(usage, NOVEMBER, {"pop-handset-24": 0})
    assert [(str(c.tax_included), c.prorated) for c in charges] == [("249.00", False)]
    assert rate(usage, NOVEMBER, {"pop-handset-24": 23}) != []
    assert rate(usage, NOVEMBER, {"pop-handset-24": 24}) == []


def test_a_product_terminated_before_the_period_is_not_charged() -> None:
    gone = product(
        ("active", Span(local("2026-06-01"), local("2026-10-31", 12))),
        ("terminated", Span(local("2026-10-31", 12))),
    )
    assert amounts(gone) == []


@pytest.mark.parametrize(
    ("amount", "days", "period_days", "expected"),
    [
        ("129.00", 17, 30, "73.10"),
        ("199.00", 16, 30, "106.13"),
        ("0.05", 1, 30, "0.00"),
        ("10.00", 15, 30, "5.00"),
    ],
)
def test_prorating_rounds_half_up_to_the_fen(amount: str, days: int, period_days: int, expected: str) -> None:
    assert str(prorate(Decimal(amount), days, period_days)) == expected
    # 0.25 × 1 / 2 = 0.125: half-up gives 0.13 where banker's rounding would give 0.12.
    assert str(prorate(Decimal("0.25"), 1, 2)) == "0.13"
