"""TMF676 Payment's own rules: a payment settles the TMF678 bills its items name and leaves the rest
as credit on the TMF666 billing account; a refund gives back out of one payment and reopens the
bills it had settled.

Money is `decimal.Decimal` read from each amount's decimal text, never a float: an amount with
more than two decimals (fen) is refused rather than rounded. Bills are changed through TMF678's
service (its lifecycle, its events, its rendered forms), under row locks taken in one order —
payment, then bills by id, then account — so that concurrent payments and refunds of one bill take
turns and each sees what the one before left.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import Account, CustomerBill, Payment
from tmf_api.apis import balances
from tmf_api.engine.document import JSON
from tmf_api.engine.mapping import Lifecycle
from tmf_api.engine.resource import Change, RequestContext, ResourceService, Rules, utcnow
from tmf_api.errors import bad_request

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The TMF666 accountBalance entry holding what payments left to no bill.
CREDIT = balances.CREDIT
BILL = "CustomerBill"
ACCOUNT = "BillingAccount"
# Payment and refund status (examples of the document's PaymentStatusExampleType): `done` once
# applied to an account held here, `captured` when received for an account held elsewhere.
DONE, CAPTURED = "done", "captured"


@cache
def _bill_lifecycle() -> Lifecycle:
    from tmf_api.registry import lifecycles  # the registry builds on the engine

    return lifecycles("TMF678")["customerBill"]


def money(doc: Any, path: str, *, required: bool = True) -> tuple[Decimal | None, str | None]:
    """(value, unit) of the TMF Money at `path` (dotted) of `doc`; a 400 naming the path when the
    value is missing (if required), not positive, or finer than a fen."""
    target: Any = doc
    for name in path.split("."):
        target = target.get(name) if isinstance(target, dict) else None
    target = target if isinstance(target, dict) else {}
    raw, unit = target.get("value"), target.get("unit")
    if raw is None:
        if required:
            raise bad_request(f"{path}.value is required: how much is paid?")
        return None, unit if isinstance(unit, str) else None
    try:
        value = Decimal(str(raw)) if not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise bad_request(f"{path}.value must be a number, got {raw!r}")
    if value <= 0:
        raise bad_request(f"{path}.value must be positive, got {raw!r}")
    if value != value.quantize(CENT):
        raise bad_request(f"{path}.value {raw!r} is finer than a fen (two decimals)")
    if required and not isinstance(unit, str):
        raise bad_request(f"{path}.unit is required: in which currency is it paid?")
    return value.quantize(CENT), unit if isinstance(unit, str) else None


def _same_currency(doc: JSON, currency: str, *paths: str) -> None:
    for path in paths:
        _, unit = money(doc, path, required=False)
        if unit is not None and unit != currency:
            raise bad_request(f"{path}.unit {unit!r} differs from the payment's currency {currency!r}")


def _keep_empty(row: Any, body: JSON, *names: str) -> None:
    # The official kit sends `totalAmount: {}` and expects the attribute back: an empty object
    # maps onto no column, so it is kept as sent.
    for name in names:
        if body.get(name) == {}:
            row.extension = {**(row.extension or {}), name: {}}


def _held_account(session: Session, account_id: str | None) -> bool:
    if not account_id:
        return False
    found = session.execute(
        select(Account.pk).where(Account.id == account_id, Account.kind == "billingAccount")
    ).first()
    return found is not None


def _locked_bills(session: Session, ids: set[str]) -> dict[str, CustomerBill]:
    """The bills, each under its row lock (taken in id order: two payments cannot deadlock), as
    they are now: a payment that waited for the lock sees what the one before it left."""
    if not ids:
        return {}
    rows = session.scalars(
        select(CustomerBill)
        .where(CustomerBill.id.in_(sorted(ids)))
        .order_by(CustomerBill.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {bill.id: bill for bill in rows}


def _change_bill(
    service: ResourceService,
    session: Session,
    bill: CustomerBill,
    remaining: Decimal,
    state: str,
    ctx: RequestContext | None,
) -> None:
    """Set a bill's remaining amount and move it to `state` through TMF678, with its events."""
    bills = service.runtime.service_of("TMF678", "customerBill")
    bill.remaining_amount = remaining
    bill.last_update = utcnow()
    moved = bill.state != state
    if bills is None:  # TMF678 not served here: the same change, without its events
        if moved and not _bill_lifecycle().server_can_move(bill.state, state):
            raise AssertionError(f"customerBill {bill.id}: {bill.state} -> {state} is not a transition")
        bill.state = state
        session.flush()
        return
    if moved:
        bills.move(session, bill, state, ctx)
    bills.runtime.notify(
        session, Change("attributeValueChange", bills.resource.path, bill, ["remainingAmount"], ctx)
    )


# -- payments ------------------------------------------------------------------------------------


def _prepare_payment(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    _keep_empty(row, body, "totalAmount")
    if not _held_account(session, row.account_id):
        # Received for an account held elsewhere (the official kit sends one): recorded as given,
        # applied to nothing here.
        row.status = CAPTURED
        return
    total, currency = money(body, "totalAmount")
    assert total is not None and currency is not None
    _same_currency(body, currency, "amount", "taxAmount")
    items = body.get("paymentItem") or []
    values: list[Decimal] = []
    named_as: list[str] = []  # which amount of each item is its part of the payment
    for position, item in enumerate(items):
        where = f"paymentItem[{position}]"
        named = "totalAmount" if isinstance(item.get("totalAmount"), dict) else "amount"
        value, unit = money(item, named, required=False)
        if value is None:
            raise bad_request(f"{where}.totalAmount.value is required: how much of the payment is for it?")
        if unit is not None and unit != currency:
            raise bad_request(
                f"{where}.{named}.unit {unit!r} differs from the payment's currency {currency!r}"
            )
        kind = item["item"].get("@referredType") or BILL
        if kind == ACCOUNT and item["item"].get("id") != row.account_id:
            raise bad_request(
                f"{where}.item.id: a payment's credit goes to its own account {row.account_id!r}"
            )
        if kind not in (BILL, ACCOUNT):
            raise bad_request(f"{where}.item.@referredType must be {BILL} or {ACCOUNT}, got {kind!r}")
        values.append(value)
        named_as.append(named)
    if items and sum(values, ZERO) != total:
        raise bad_request(
            f"paymentItem amounts add up to {sum(values, ZERO)}, not to totalAmount.value {total}"
        )
    bill_items = [
        (position, item, value)
        for position, (item, value) in enumerate(zip(items, values, strict=True))
        if (item["item"].get("@referredType") or BILL) == BILL
    ]
    bills = _locked_bills(session, {item["item"]["id"] for _, item, _ in bill_items})
    payable = _bill_lifecycle().groups["payable"]
    remaining = {id_: bill.remaining_amount or ZERO for id_, bill in bills.items()}
    for position, item, value in bill_items:
        where = f"paymentItem[{position}]"
        bill_id = item["item"]["id"]
        bill = bills.get(bill_id)
        if bill is None or bill.billing_account_id != row.account_id:
            raise bad_request(
                f"{where}.item.id {bill_id!r} names no CustomerBill of billing account {row.account_id!r}"
            )
        if bill.currency != currency:
            raise bad_request(
                f"totalAmount.unit {currency!r} is not the currency of CustomerBill {bill_id} "
                f"({bill.currency})"
            )
        if bill.state not in payable:
            raise bad_request(
                f"{where}.item.id: CustomerBill {bill_id} is {bill.state}; "
                f"a payment settles a bill that is {' or '.join(payable)}"
            )
        if value > remaining[bill_id]:
            raise bad_request(
                f"{where}.{named_as[position]}.value {value} is above what remains of CustomerBill {bill_id} "
                f"({remaining[bill_id]})"
            )
        remaining[bill_id] -= value
        row.items[position].applied_amount = value
        row.items[position].reversed_amount = ZERO
    ctx = RequestContext(service.runtime.settings.base_url)
    for bill_id, bill in bills.items():
        left = remaining[bill_id]
        _change_bill(service, session, bill, left, "settled" if left == 0 else "partiallyPaid", ctx)
    applied = sum((value for _, _, value in bill_items), ZERO)
    row.credit_amount = total - applied
    row.refunded_amount = ZERO
    row.status = DONE


def _after_payment(service: ResourceService, session: Session, row: Any, ctx: RequestContext) -> None:
    # What the bills owe changed, and the credit with it where the payment left some.
    if row.status == DONE:
        _update_credit(service, session, row.account_id, row.currency, ctx)


# -- refunds -------------------------------------------------------------------------------------


def _prepare_refund(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    _keep_empty(row, body, "totalAmount")
    row.refund_date = row.refund_date or utcnow()
    held = _held_account(session, row.account_id)
    if row.payment_id is None:
        if held:
            raise bad_request("payment.id is required: which payment is refunded?")
        row.status = CAPTURED
        return
    # The mapping's `references` has refused a payment id this server does not hold.
    payment = session.scalars(
        select(Payment)
        .where(Payment.id == row.payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if payment.account_id != row.account_id:
        raise bad_request(
            f"account.id {row.account_id!r} is not the account of payment {payment.id} "
            f"({payment.account_id!r})"
        )
    value, unit = money(body, "totalAmount")
    assert value is not None and unit is not None
    if unit != payment.currency:
        raise bad_request(
            f"totalAmount.unit {unit!r} is not the currency of payment {payment.id} ({payment.currency})"
        )
    _same_currency(body, unit, "amount", "taxAmount")
    left = (payment.total_amount or ZERO) - (payment.refunded_amount or ZERO)
    if value > left:
        raise bad_request(f"totalAmount.value {value} is above what remains of payment {payment.id} ({left})")
    payment.refunded_amount = (payment.refunded_amount or ZERO) + value
    row.status = DONE
    if payment.credit_amount is None:  # an unapplied payment: nothing here to take back
        return
    # What the payment left to no bill goes back first; then what it settled, most recent bill first.
    from_credit = min(value, payment.credit_amount)
    payment.credit_amount -= from_credit
    rest = value - from_credit
    _reverse_bills(service, session, payment, rest)


def _reverse_bills(service: ResourceService, session: Session, payment: Payment, rest: Decimal) -> None:
    items = [
        item
        for item in payment.items
        if (item.applied_amount or ZERO) > (item.reversed_amount or ZERO)
        and (item.entity_referred_type or BILL) == BILL
    ]
    bills = _locked_bills(session, {item.entity_id for item in items if item.entity_id})
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    newest_first = sorted(
        items,
        key=lambda i: (bills[i.entity_id or ""].bill_date or epoch, bills[i.entity_id or ""].pk),
        reverse=True,
    )
    ctx = RequestContext(service.runtime.settings.base_url)
    for item in newest_first:
        if rest <= 0:
            break
        bill = bills[item.entity_id or ""]
        back = min(rest, (item.applied_amount or ZERO) - (item.reversed_amount or ZERO))
        item.reversed_amount = (item.reversed_amount or ZERO) + back
        rest -= back
        owed = (bill.remaining_amount or ZERO) + back
        _change_bill(
            service, session, bill, owed, "sent" if owed == bill.amount_due else "partiallyPaid", ctx
        )
    # The payment's total is its credit plus what its items applied: nothing can be left over.
    assert rest == 0, rest


def _after_refund(service: ResourceService, session: Session, row: Any, ctx: RequestContext) -> None:
    # The payment's credit is lower now, or the bills it settled owe again.
    if row.status == DONE and row.payment_id is not None:
        _update_credit(service, session, row.account_id, row.currency, ctx)


# -- the account's credit ------------------------------------------------------------------------


def _update_credit(
    service: ResourceService, session: Session, account_id: str, currency: str, ctx: RequestContext
) -> None:
    """The billing account's balances after a payment or refund: its `credit` (what its payments
    left to no bill, less what refunds took back of it) and its receivable and deposit with it
    (tmf_api.apis.balances), under the account's row lock."""
    balances.refresh(service, session, account_id, ctx)


RULES = {
    "payment": Rules(prepare=_prepare_payment, after_create=_after_payment),
    "refund": Rules(prepare=_prepare_refund, after_create=_after_refund),
}
