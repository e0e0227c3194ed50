"""Rating a product's recurring charges for one billing period (charges from inventory).

Framework-free: the bill run (tmf_api.apis.billing) reads products from the inventory into the
plain values below and turns the charges this module returns into AppliedCustomerBillingRates.

The rule, which docs and tests quote:

- A billing period and every status or price span are counted in whole days of the operator's
  calendar (UTC+8). A span covers the days from the one it starts in up to, not including, the
  one it ends in: the day a product starts is charged, the day it ends is not, and a change that
  takes effect at a midnight (a plan change takes effect from the next day) splits the period
  cleanly. A day therefore belongs to exactly one status and one plan.
- A recurring price is charged for the days its product had the status the price applies to
  (``active`` for the plan, ``suspended`` for a suspension price such as 停机保号费) inside the
  price's own validity: ``amount × days ÷ days in the period``, on the tax-included amount,
  rounded half-up to the fen; the tax-excluded amount is derived from that (half-up, to the fen).
  A whole period is charged the price as it is, with no rounding at all.
- An instalment (a recurring price with a count, e.g. a handset over 24 months) is charged in
  full, never prorated, in each period in which its product was in inventory (not terminated
  before the period began), until the count is reached; the caller says how many were charged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# The operator's calendar (China Standard Time, no daylight saving).
OPERATOR_TIME = dt.timezone(dt.timedelta(hours=8))


def operator_day(when: dt.datetime) -> dt.date:
    """The operator's calendar day `when` falls in (naive datetimes are UTC, as stored)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(OPERATOR_TIME).date()


@dataclass(frozen=True)
class Span:
    """A half-open span of time; `end` None is open-ended."""

    start: dt.datetime
    end: dt.datetime | None = None

    def days_within(self, first: dt.date, stop: dt.date) -> int:
        """Days of this span inside the days [first, stop)."""
        begin = max(operator_day(self.start), first)
        finish = stop if self.end is None else min(operator_day(self.end), stop)
        return max(0, (finish - begin).days)


@dataclass(frozen=True)
class RecurringPrice:
    """One recurring price of a product, per billing period (tax-included and excluded)."""

    id: str
    name: str
    currency: str
    tax_included: Decimal
    tax_excluded: Decimal
    tax_rate: Decimal
    valid: Span
    applies_to: str = "active"  # the product status whose days it charges
    instalments: int | None = None  # a count: charged in full per period, that many times


@dataclass(frozen=True)
class ProductUsage:
    """What billing needs to know of a product in inventory for one period."""

    id: str
    name: str
    statuses: Sequence[tuple[str, Span]]  # the product's status over time, in order
    prices: Sequence[RecurringPrice]


@dataclass(frozen=True)
class Charge:
    """One rated charge: a price of a product for (part of) one period."""

    product_id: str
    product_name: str
    price: RecurringPrice
    tax_included: Decimal
    tax_excluded: Decimal
    days: int
    period_days: int

    @property
    def prorated(self) -> bool:
        return self.days != self.period_days


def prorate(amount: Decimal, days: int, period_days: int) -> Decimal:
    """`amount` for `days` of a period of `period_days` days, half-up to the fen."""
    if days == period_days:
        return amount
    return (amount * days / period_days).quantize(CENT, rounding=ROUND_HALF_UP)


def _excluded(included: Decimal, rate: Decimal) -> Decimal:
    return (included / (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def status_days(statuses: Iterable[tuple[str, Span]], status: str, first: dt.date, stop: dt.date) -> int:
    return sum(span.days_within(first, stop) for name, span in statuses if name == status)


def _overlap_days(
    statuses: Iterable[tuple[str, Span]], status: str, price: Span, first: dt.date, stop: dt.date
) -> int:
    """Days inside [first, stop) on which the product had `status` and `price` was valid."""
    lo = max(first, operator_day(price.start))
    hi = stop if price.end is None else min(stop, operator_day(price.end))
    return status_days(statuses, status, lo, hi) if lo < hi else 0


def in_inventory(statuses: Iterable[tuple[str, Span]], first: dt.date, stop: dt.date) -> bool:
    """Whether the product had any status other than terminated on a day of the period."""
    return any(span.days_within(first, stop) > 0 for name, span in statuses if name != "terminated")


def rate(
    product: ProductUsage, period: Span, charged_instalments: dict[str, int] | None = None
) -> list[Charge]:
    """The product's recurring charges for `period` (a closed period: `period.end` is required).

    `charged_instalments` counts, per instalment price id, the periods already charged."""
    if period.end is None:
        raise ValueError("a billing period has an end")
    first, stop = operator_day(period.start), operator_day(period.end)
    period_days = (stop - first).days
    charges: list[Charge] = []
    for price in product.prices:
        if price.instalments is not None:
            done = (charged_instalments or {}).get(price.id, 0)
            valid = _overlap_days(product.statuses, "active", price.valid, first, stop) + _overlap_days(
                product.statuses, "suspended", price.valid, first, stop
            )
            if done >= price.instalments or valid == 0:
                continue
            charges.append(
                Charge(
                    product.id,
                    product.name,
                    price,
                    price.tax_included,
                    price.tax_excluded,
                    period_days,
                    period_days,
                )
            )
            continue
        days = _overlap_days(product.statuses, price.applies_to, price.valid, first, stop)
        if days == 0:
            continue
        included = prorate(price.tax_included, days, period_days)
        excluded = price.tax_excluded if days == period_days else _excluded(included, price.tax_rate)
        charges.append(Charge(product.id, product.name, price, included, excluded, days, period_days))
    return charges
