"""Billing: a completed order's prices become applied rates; a bill run gathers an account's rates.

Framework-free domain logic over the SID model. Money is `decimal.Decimal`, rounded half-up to
the cent, never a float: prices arrive as JSON numbers and are read through their decimal text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import (
    Account,
    AppliedCustomerBillingRate,
    BillingCycleSpecification,
    CustomerBill,
    ProductOrder,
    ProductOrderItem,
)
from tmf_api.apis.rating import CENT, OPERATOR_TIME  # bill cycles start at the operator's midnights

PAYMENT_TERM = dt.timedelta(days=15)
# How long one recurring charge covers, by TMF recurringChargePeriod.
PERIODS = {
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
    "month": dt.timedelta(days=30),
    "year": dt.timedelta(days=365),
}

# Months per cycle period, by TMF666 billingPeriod (or frequency, when no period is given).
CYCLE_MONTHS = {
    "month": 1,
    "monthly": 1,
    "quarter": 3,
    "quarterly": 3,
    "year": 12,
    "yearly": 12,
    "annually": 12,
}
CYCLE_DAYS = {"day": 1, "daily": 1, "week": 7, "weekly": 7}


class BillingError(ValueError):
    """An account that cannot be billed as asked (the reason is for the client)."""


def money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def price_amounts(price: dict[str, Any]) -> tuple[str, Decimal, Decimal, Decimal] | None:
    """(currency, tax-excluded, tax-included, rate %) of a TMF Price, completing what is missing."""
    duty_free = price.get("dutyFreeAmount") or {}
    included = price.get("taxIncludedAmount") or {}
    currency = included.get("unit") or duty_free.get("unit") or "CNY"
    rate = Decimal(str(price.get("taxRate", 0) or 0))
    excluded_value, included_value = money(duty_free.get("value")), money(included.get("value"))
    factor = 1 + rate / 100
    if excluded_value is None and included_value is None:
        return None
    if excluded_value is None:
        assert included_value is not None
        excluded_value = (included_value / factor).quantize(CENT, rounding=ROUND_HALF_UP)
    if included_value is None:
        included_value = (excluded_value * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    return currency, excluded_value, included_value, rate


def _all_items(order: ProductOrder) -> Iterator[ProductOrderItem]:
    stack = list(reversed(order.items))
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed(item.children))


def apply_order_charges(
    session: Session, order: ProductOrder, now: dt.datetime
) -> list[AppliedCustomerBillingRate]:
    """Turn each completed item's prices into unbilled rates against the order's billing account."""
    rates: list[AppliedCustomerBillingRate] = []
    for item in _all_items(order):
        if item.state != "completed":
            continue
        extension = item.extension or {}
        account = (extension.get("billingAccount") or {}).get("id") or order.billing_account_id
        if account is None:
            continue
        product = extension.get("product") or {}
        offering = item.product_offering_name or item.product_offering_id
        # itemPrice is per unit (itemTotalPrice is it times the quantity): charge every unit.
        quantity = item.quantity or 1
        for price in extension.get("itemPrice") or []:
            amounts = price_amounts(price.get("price") or {})
            if amounts is None:
                continue
            currency, excluded, included, rate = amounts
            excluded, included = excluded * quantity, included * quantity
            kind = price.get("priceType") or "oneTime"
            period = (
                PERIODS.get(str(price.get("recurringChargePeriod", "")).lower())
                if kind == "recurring"
                else None
            )
            name = price.get("name") or kind
            if quantity != 1:
                name = f"{name} × {quantity}"
            applied = AppliedCustomerBillingRate(
                id=str(uuid.uuid4()),
                name=name,
                description=f"{offering} · {name}" if offering else name,
                rate_type=kind,
                date=now,
                is_billed=False,
                billing_account_id=account,
                # A product reference needs an id: items that add a new product have none yet.
                product_id=product.get("id"),
                product_name=(product.get("name") or offering) if product.get("id") else None,
                currency=currency,
                tax_excluded_amount=excluded,
                tax_included_amount=included,
                tax_rate=rate,
                period_start=now if period else None,
                period_end=now + period if period else None,
                product_order_id=order.id,
                product_order_item_id=item.item_id,
                at_type="AppliedCustomerBillingRate",
                extension={
                    "appliedTax": [
                        {
                            "taxCategory": "VAT",
                            "taxRate": float(rate),
                            "taxAmount": {"unit": currency, "value": float(included - excluded)},
                        }
                    ]
                },
            )
            session.add(applied)
            rates.append(applied)
    session.flush()
    return rates


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    month = when.month - 1 + months
    return when.replace(year=when.year + month // 12, month=month % 12 + 1)


class Cycle:
    """The dates of the billing cycle an account's bill falls in (TMF666 BillingCycleSpecification).

    Periods start at the operator's calendar boundaries (the 1st of a month, quarter or year; a
    Monday; a midnight) shifted by `billingDateShift` days; the other offsets count days from the
    start of the period, as TMF666 defines them. A bill made on demand belongs to the period it is
    made in; it is due on the cycle's next due date (this period's, or the next one's once passed).
    """

    def __init__(self, spec: BillingCycleSpecification, now: dt.datetime) -> None:
        kind = str(spec.billing_period or spec.frequency or "").lower()
        months, days = CYCLE_MONTHS.get(kind), CYCLE_DAYS.get(kind)
        if months is None and days is None:
            raise ValueError(f"billing cycle specification {spec.id}: unknown period {kind!r}")
        local = now.astimezone(OPERATOR_TIME)
        shift = dt.timedelta(days=spec.billing_date_shift or 0)

        def step(start: dt.datetime, n: int) -> dt.datetime:
            return _add_months(start, n * months) if months else start + dt.timedelta(days=n * (days or 1))

        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if months:
            boundary = midnight.replace(day=1, month=(local.month - 1) // months * months + 1)
        else:
            boundary = midnight - dt.timedelta(days=midnight.weekday() if days == 7 else 0)
        start = boundary + shift
        while start > local:
            start = step(start - shift, -1) + shift
        self.start = start.astimezone(dt.UTC)
        self.end = (step(start - shift, 1) + shift).astimezone(dt.UTC)
        due = spec.payment_due_date_offset
        self.payment_due: dt.datetime | None = None
        if due is not None:
            self.payment_due = self.start + dt.timedelta(days=due)
            if self.payment_due <= now:
                self.payment_due = self.end + dt.timedelta(days=due)


def held_account(session: Session, account_id: str, now: dt.datetime) -> tuple[str | None, Cycle | None]:
    """The name of the billing account and its billing cycle, when this server holds it (TMF666)
    and it names one (one SELECT of the columns needed: the account's child rows are not loaded)."""
    found = session.execute(
        select(Account.name, BillingCycleSpecification)
        .outerjoin(
            BillingCycleSpecification, Account.billing_cycle_specification_id == BillingCycleSpecification.id
        )
        .where(Account.id == account_id, Account.kind == "billingAccount")
    ).first()
    if found is None:
        return None, None
    name, spec = found
    try:
        return name, Cycle(spec, now) if spec is not None else None
    except ValueError as error:
        raise BillingError(str(error)) from None


def bill_account(
    session: Session, account_id: str, now: dt.datetime, *, run_type: str = "offCycle"
) -> CustomerBill:
    """Gather the account's unbilled rates into a new bill; BillingError when there is nothing to bill."""
    rates = list(
        session.scalars(
            select(AppliedCustomerBillingRate)
            .where(
                AppliedCustomerBillingRate.billing_account_id == account_id,
                AppliedCustomerBillingRate.is_billed.is_(False),
            )
            .order_by(AppliedCustomerBillingRate.pk)
            .with_for_update()
        )
    )
    if not rates:
        raise BillingError(f"billing account {account_id} has no unbilled charges")
    currencies = {r.currency for r in rates}
    if len(currencies) != 1:
        raise BillingError(
            f"billing account {account_id} has charges in several currencies: {sorted(map(str, currencies))}"
        )
    currency = currencies.pop() or "CNY"
    excluded = sum((r.tax_excluded_amount or Decimal(0) for r in rates), Decimal(0))
    included = sum((r.tax_included_amount or Decimal(0) for r in rates), Decimal(0))
    taxes: dict[Decimal, Decimal] = defaultdict(Decimal)
    for r in rates:
        taxes[r.tax_rate or Decimal(0)] += (r.tax_included_amount or Decimal(0)) - (
            r.tax_excluded_amount or Decimal(0)
        )
    # A billing account held here bills on its cycle; any other one on the default terms.
    account_name, cycle = held_account(session, account_id, now)
    period_start = min((r.date for r in rates if r.date), default=now)
    due, next_bill = now + PAYMENT_TERM, None
    if cycle is not None:
        period_start = min(period_start, cycle.start)
        due, next_bill = cycle.payment_due or due, cycle.end
    bill_id = str(uuid.uuid4())
    bill_no = f"ZD{now:%Y%m%d}-{bill_id[:8].upper()}"
    bill = CustomerBill(
        id=bill_id,
        bill_no=bill_no,
        state="new",
        category="normal",
        run_type=run_type,
        bill_date=now,
        last_update=now,
        payment_due_date=due,
        next_bill_date=next_bill,
        billing_period_start=period_start,
        billing_period_end=now,
        billing_account_id=account_id,
        billing_account_name=account_name,
        currency=currency,
        amount_due=included,
        remaining_amount=included,
        tax_excluded_amount=excluded,
        tax_included_amount=included,
        at_type="CustomerBill",
        extension={
            "taxItem": [
                {
                    "taxCategory": "VAT",
                    "taxRate": float(rate),
                    "taxAmount": {"unit": currency, "value": float(amount)},
                }
                for rate, amount in sorted(taxes.items())
            ],
            # The bill's printable document (电子账单), referenced rather than embedded.
            "billDocument": [
                {
                    "id": f"DOC-{bill_no}",
                    "name": f"电子账单 {bill_no}",
                    "mimeType": "application/pdf",
                    "attachmentType": "bill",
                    "description": f"Bill {bill_no} for billing account {account_id}",
                }
            ],
        },
    )
    session.add(bill)
    session.flush()
    for r in rates:
        r.is_billed = True
        r.bill_id = bill.id
    session.flush()
    return bill
