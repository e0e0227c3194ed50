"""Billing: a completed order's prices become applied rates; a bill run gathers an account's rates.

Framework-free domain logic over the SID model. Money is `decimal.Decimal`, rounded half-up to
the cent, never a float: prices arrive as JSON numbers and are read through their decimal text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from sid_model import (
    Account,
    AppliedCustomerBillingRate,
    BillingCycleSpecification,
    CustomerBill,
    Product,
    ProductOffering,
    ProductOfferingPrice,
    ProductOfferingPriceLink,
    ProductOrder,
    ProductOrderItem,
    ProductPrice,
)
from tmf_api.apis import allowance
from tmf_api.apis.rating import (  # bill cycles start at the operator's midnights
    CENT,
    OPERATOR_TIME,
    ProductUsage,
    RecurringPrice,
    Span,
    rate,
)

PAYMENT_TERM = dt.timedelta(days=15)
# The TMF620 priceType of an offering's price for the days its product is suspended (停机保号费):
# recurring per its `recurringChargePeriodType`, never part of an order's price (orders charge
# one-time and recurring prices), charged by bill runs for suspended days only.
SUSPENSION = "suspension"

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
    """Turn each completed item's one-time prices into unbilled rates against the order's billing
    account. Recurring prices are the products' (TMF637): bill runs rate them per period."""
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
            kind = price.get("priceType") or "oneTime"
            if kind == "recurring":
                continue
            currency, excluded, included, rate = amounts
            excluded, included = excluded * quantity, included * quantity
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
    session: Session,
    account_id: str,
    now: dt.datetime,
    *,
    run_type: str = "offCycle",
    until: dt.datetime | None = None,
    period: Span | None = None,
) -> CustomerBill:
    """Gather the account's unbilled rates (those of periods or days before `until`, when given)
    into a new bill for `period` (by default: from the oldest rate to now); BillingError when
    there is nothing to bill."""
    unbilled = select(AppliedCustomerBillingRate).where(
        AppliedCustomerBillingRate.billing_account_id == account_id,
        AppliedCustomerBillingRate.is_billed.is_(False),
    )
    if until is not None:
        since = func.coalesce(AppliedCustomerBillingRate.period_start, AppliedCustomerBillingRate.date)
        unbilled = unbilled.where(since < until)
    rates = list(session.scalars(unbilled.order_by(AppliedCustomerBillingRate.pk).with_for_update()))
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
    period_end = now
    due, next_bill = now + PAYMENT_TERM, None
    if cycle is not None:
        period_start = min(period_start, cycle.start)
        due, next_bill = cycle.payment_due or due, cycle.end
    if period is not None and period.end is not None:
        period_start, period_end = period.start, period.end
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
        billing_period_end=period_end,
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


# -- bill runs: recurring charges from the inventory, one bill per account and period ------------

MONTHLY = {"month", "monthly"}


def period_at(session: Session, account_id: str, at: dt.datetime) -> Span:
    """The billing period of `account_id` that holds `at`: a period of the account's billing cycle
    (TMF666), or the calendar month of the operator's calendar when the account names none."""
    spec = session.execute(
        select(BillingCycleSpecification)
        .join(Account, Account.billing_cycle_specification_id == BillingCycleSpecification.id)
        .where(Account.id == account_id, Account.kind == "billingAccount")
    ).scalar_one_or_none()
    if spec is None:
        local = at.astimezone(OPERATOR_TIME)
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return Span(first.astimezone(dt.UTC), _add_months(first, 1).astimezone(dt.UTC))
    try:
        period = Cycle(spec, at)
    except ValueError as error:
        raise BillingError(str(error)) from None
    return Span(period.start, period.end)


def cycle_period(session: Session, account_id: str, cycle: str) -> Span:
    """The billing period of `account_id` that cycle `YYYY-MM` names: the one holding the month's
    first day, shifted by the cycle's `billingDateShift`."""
    try:
        year, month = (int(part) for part in cycle.split("-"))
        first = dt.datetime(year, month, 1, tzinfo=OPERATOR_TIME)
    except ValueError:
        raise BillingError(f"cycle {cycle!r} is not a month (YYYY-MM)") from None
    shift = session.scalar(
        select(BillingCycleSpecification.billing_date_shift)
        .join(Account, Account.billing_cycle_specification_id == BillingCycleSpecification.id)
        .where(Account.id == account_id, Account.kind == "billingAccount")
    )
    return period_at(session, account_id, (first + dt.timedelta(days=shift or 0)).astimezone(dt.UTC))


def last_ended_period(session: Session, account_id: str, now: dt.datetime) -> Span:
    """The account's latest billing period that has ended by `now`."""
    current = period_at(session, account_id, now)
    return period_at(session, account_id, current.start - dt.timedelta(microseconds=1))


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def _statuses(product: Product) -> list[tuple[str, Span]]:
    """The product's status over time: from its recorded status periods where it has them, else
    active from its start to its termination (terminated after it)."""
    periods = product.status_periods
    if periods:
        return [
            (
                p.status or "",
                Span(_aware(p.valid_from) or dt.datetime.min.replace(tzinfo=dt.UTC), _aware(p.valid_to)),
            )
            for p in periods
        ]
    start = _aware(product.start_date or product.creation_date)
    if start is None:
        return []
    end = _aware(product.termination_date)
    spans = [
        (product.status if end is None and product.status == "suspended" else "active", Span(start, end))
    ]
    if end is not None:
        spans.append(("terminated", Span(end)))
    return spans


def _instalments(session: Session, price: ProductPrice) -> int | None:
    """The instalment count of a price whose offering price (this catalog's) runs for a term."""
    if not price.product_offering_price_id:
        return None
    pop = session.scalars(
        select(ProductOfferingPrice).where(ProductOfferingPrice.id == price.product_offering_price_id)
    ).first()
    for term in ((pop.extension or {}).get("productOfferingTerm") or []) if pop is not None else []:
        duration = (term or {}).get("duration") or {}
        if str(duration.get("units", "")).lower() in MONTHLY and isinstance(duration.get("amount"), int):
            return int(duration["amount"])
    return None


def _price_key(product: Product, price: ProductPrice) -> str:
    # Stable across rewrites of the product's price rows: what it prices and since when.
    since = _aware(price.valid_from)
    return f"{price.product_offering_price_id or price.name}@{since.isoformat() if since else '-'}"


def usage_of(session: Session, product: Product) -> ProductUsage:
    """What rating needs of a product: its status spans and its monthly recurring prices."""
    start = _aware(product.start_date or product.creation_date) or dt.datetime.min.replace(tzinfo=dt.UTC)
    prices = []
    for price in product.prices:
        if (price.price_type or "") != "recurring" or str(
            price.recurring_charge_period or "month"
        ).lower() not in MONTHLY:
            continue
        amounts = price_amounts(
            {
                "taxIncludedAmount": {"unit": price.currency, "value": price.tax_included_amount},
                "dutyFreeAmount": {"unit": price.currency, "value": price.tax_excluded_amount},
                "taxRate": price.tax_rate or 0,
            }
        )
        if amounts is None:
            continue
        currency, excluded, included, rate_ = amounts
        prices.append(
            RecurringPrice(
                id=_price_key(product, price),
                name=price.name or price.product_offering_price_name or "recurring",
                currency=currency,
                tax_included=included,
                tax_excluded=excluded,
                tax_rate=rate_,
                valid=Span(_aware(price.valid_from) or start, _aware(price.valid_to)),
                instalments=_instalments(session, price),
            )
        )
    statuses = _statuses(product)
    if any(status == "suspended" for status, _ in statuses):
        prices.extend(_suspension_prices(session, product, start))
    return ProductUsage(id=product.id, name=product.name or product.id, statuses=statuses, prices=prices)


def _suspension_prices(session: Session, product: Product, start: dt.datetime) -> list[RecurringPrice]:
    """The monthly suspension prices of the product's offering (this catalog's), charged for the
    days it was suspended within each price's validFor (one SELECT, for suspended products only)."""
    from tmf_api.apis.pricing import catalog_amounts  # pricing builds on the order model

    if not product.product_offering_id:
        return []
    rows = session.scalars(
        select(ProductOfferingPrice)
        .join(ProductOfferingPriceLink, ProductOfferingPriceLink.ref_id == ProductOfferingPrice.id)
        .join(ProductOffering, ProductOffering.pk == ProductOfferingPriceLink.offering_pk)  # type: ignore[attr-defined]
        .where(
            ProductOffering.id == product.product_offering_id,
            ProductOfferingPrice.price_type == SUSPENSION,
        )
        .order_by(ProductOfferingPriceLink.position)
        .options(joinedload(ProductOfferingPrice.taxes))
    ).unique()
    prices = []
    for pop in rows:
        if pop.amount is None or str(pop.recurring_charge_period_type or "month").lower() not in MONTHLY:
            continue
        excluded, included, rate_ = catalog_amounts(pop)
        prices.append(
            RecurringPrice(
                id=f"{pop.id}@suspended",
                name=pop.name or pop.id,
                currency=pop.currency or "CNY",
                tax_included=included,
                tax_excluded=excluded,
                tax_rate=rate_,
                valid=Span(max(_aware(pop.valid_from) or start, start), _aware(pop.valid_to)),
                applies_to="suspended",
            )
        )
    return prices


def _charged_instalments(session: Session, product_id: str) -> dict[str, int]:
    keys = session.scalars(
        select(AppliedCustomerBillingRate.charge_key).where(
            AppliedCustomerBillingRate.product_id == product_id,
            AppliedCustomerBillingRate.charge_key.is_not(None),
        )
    )
    counted: dict[str, int] = defaultdict(int)
    for key in keys:
        counted[str(key).split("|")[1]] += 1
    return counted


@dataclass
class BillRun:
    """What one bill run did for one account and period."""

    id: str
    account_id: str
    period: Span
    rated: list[AppliedCustomerBillingRate]
    bill: CustomerBill | None
    existing: bool  # the period's bill was made by an earlier run (nothing was rated again)


def rate_period(
    session: Session, account_id: str, period: Span, now: dt.datetime, run_id: str
) -> list[AppliedCustomerBillingRate]:
    """Rate the recurring charges of the account's products for `period`, each (product, price,
    period) once: a charge an earlier run made is found by its key and not made again."""
    assert period.end is not None
    # Rating reads a product's prices and status periods only: its other children stay unloaded.
    products = session.scalars(
        select(Product)
        .where(Product.billing_account_id == account_id)
        .order_by(Product.pk)
        .options(lazyload("*"), selectinload(Product.prices), selectinload(Product.status_periods))
    ).all()
    rates: list[AppliedCustomerBillingRate] = []
    for product in products:
        usage = usage_of(session, product)
        for charge in rate(usage, period, _charged_instalments(session, product.id)):
            key = f"{product.id}|{charge.price.id}|{period.start.isoformat()}"
            if session.scalar(
                select(AppliedCustomerBillingRate.pk).where(AppliedCustomerBillingRate.charge_key == key)
            ):
                continue
            name = charge.price.name
            if charge.prorated:
                name = f"{name}（{charge.days}/{charge.period_days}天）"
            applied = AppliedCustomerBillingRate(
                id=str(uuid.uuid4()),
                name=name,
                description=f"{usage.name} · {name}",
                rate_type="recurring",
                date=now,
                is_billed=False,
                billing_account_id=account_id,
                product_id=product.id,
                product_name=product.name,
                currency=charge.price.currency,
                tax_excluded_amount=charge.tax_excluded,
                tax_included_amount=charge.tax_included,
                tax_rate=charge.price.tax_rate,
                period_start=period.start,
                period_end=period.end,
                charge_key=key,
                bill_run_id=run_id,
                at_type="AppliedCustomerBillingRate",
                extension={
                    "appliedTax": [
                        {
                            "taxCategory": "VAT",
                            "taxRate": float(charge.price.tax_rate),
                            "taxAmount": {
                                "unit": charge.price.currency,
                                "value": float(charge.tax_included - charge.tax_excluded),
                            },
                        }
                    ],
                    "characteristic": [
                        {"name": "billRun", "valueType": "string", "value": run_id},
                        {"name": "chargedDays", "valueType": "integer", "value": charge.days},
                        {"name": "periodDays", "valueType": "integer", "value": charge.period_days},
                    ],
                },
            )
            session.add(applied)
            rates.append(applied)
    session.flush()
    return rates


def run_cycle(
    session: Session, account_id: str, cycle: str, now: dt.datetime, *, run_id: str | None = None
) -> BillRun:
    """One bill run for one account and cycle (`YYYY-MM`), see `run_period`."""
    run_id = run_id or f"BR-{cycle}-{uuid.uuid4().hex[:8].upper()}"
    return run_period(session, account_id, cycle_period(session, account_id, cycle), now, run_id=run_id)


def cycle_key(account_id: str, period: Span) -> str:
    return f"{account_id}|{period.start.isoformat()}"


def run_period(
    session: Session, account_id: str, period: Span, now: dt.datetime, *, run_id: str | None = None
) -> BillRun:
    """One bill run for one account and period: the period's recurring charges rated (once), then
    the account's unbilled charges up to the period's end gathered into the period's one bill.
    Repeating a run finds the bill the first one made and changes nothing."""
    run_id = run_id or f"BR-{uuid.uuid4().hex[:12].upper()}"
    assert period.end is not None
    key = cycle_key(account_id, period)
    made = session.scalars(select(CustomerBill).where(CustomerBill.cycle_key == key)).first()
    if made is not None:
        return BillRun(run_id, account_id, period, [], made, existing=True)
    rated = rate_period(session, account_id, period, now, run_id)
    # The run that closes a period renews the allowance buckets for the next one (the one holding
    # the run, when it is late): tmf_api.apis.allowance.
    end = period.end
    allowance.renew(session, account_id, lambda: period_at(session, account_id, max(now, end)), now)
    try:
        bill = bill_account(session, account_id, now, run_type="onCycle", until=period.end, period=period)
    except BillingError:
        return BillRun(run_id, account_id, period, rated, None, existing=False)
    bill.cycle_key = key
    session.flush()
    return BillRun(run_id, account_id, period, rated, bill, existing=False)
