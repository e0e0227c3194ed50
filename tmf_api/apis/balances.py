"""The TMF666 billing account's `accountBalance`: what it owes, what it has in hand and in advance.

Three entries are the server's, recomputed together from their sources whenever one of them
changes, under the account's row lock, so that they always say what the bills, payments and
buckets say (the document's AccountBalance: balanceType, amount, validFor):

- ``receivable``: what the account's bills still owe (their `remainingAmount`) while they are
  issued and not settled (TMF678 `sent`, `partiallyPaid`: the lifecycle's `payable` group; a bill
  being prepared or put on hold is not yet, or not now, asked for);
- ``credit``: what payments (TMF676) left to no bill, less what refunds took back of it;
- ``deposit``: the prepaid money (预存款) in the account's `monetary` TMF654 buckets.

Each is given per currency (one entry each when there is none: zero, CNY). The sums are one SQL
statement; other balance types a client sent (押金, 合约预存款 …) are kept as sent. An account
shows the three entries from its first bill, payment or change of prepaid money on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Result, Select, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from sid_model import Account, AccountBalance, Bucket, CustomerBill, Payment
from tmf_api.engine.mapping import to_json_value
from tmf_api.engine.resource import Change, RequestContext, ResourceService, utcnow

RECEIVABLE, CREDIT, DEPOSIT = "receivable", "credit", "deposit"
KINDS = (RECEIVABLE, CREDIT, DEPOSIT)
OWED = ("sent", "partiallyPaid")  # mappings/TMF678/lifecycles.yaml `payable`
MONETARY = "monetary"
DEFAULT_CURRENCY = "CNY"
ZERO = Decimal("0.00")


def figures(session: Session, account_id: str) -> dict[tuple[str, str], Decimal]:
    """(balance type, currency) -> amount, from the account's bills, payments and buckets."""
    owed: Select[Any] = (
        select(
            literal_column(f"'{RECEIVABLE}'").label("kind"),
            CustomerBill.currency.label("unit"),
            func.sum(CustomerBill.remaining_amount).label("amount"),
        )
        .where(CustomerBill.billing_account_id == account_id, CustomerBill.state.in_(OWED))
        .group_by(CustomerBill.currency)
    )
    credit: Select[Any] = (
        select(literal_column(f"'{CREDIT}'"), Payment.currency, func.sum(Payment.credit_amount))
        .where(Payment.account_id == account_id, Payment.credit_amount.is_not(None))
        .group_by(Payment.currency)
    )
    deposit: Select[Any] = (
        select(literal_column(f"'{DEPOSIT}'"), Bucket.units, func.sum(Bucket.remaining_amount))
        .where(Bucket.party_account_id == account_id, Bucket.usage_type == MONETARY)
        .group_by(Bucket.units)
    )
    rows: Result[Any] = session.execute(union_all(owed, credit, deposit))
    return {
        (str(kind), str(unit or DEFAULT_CURRENCY)): Decimal(str(amount or 0)).quantize(ZERO)
        for kind, unit, amount in rows
    }


def refresh(
    service: ResourceService, session: Session, account_id: str | None, ctx: RequestContext | None
) -> None:
    """Recompute the billing account's receivable, credit and deposit (when this server holds it);
    an attributeValueChange event on TMF666's hub when any of them changed."""
    if not account_id:
        return
    account = session.scalars(
        select(Account)
        .where(Account.id == account_id, Account.kind == "billingAccount")
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if account is None:
        return
    found = figures(session, account_id)
    changed = False
    for kind in KINDS:
        held = {b.currency or DEFAULT_CURRENCY: b for b in account.balances if b.balance_type == kind}
        wanted = {unit: amount for (k, unit), amount in found.items() if k == kind}
        if not wanted and not held:
            wanted = {DEFAULT_CURRENCY: ZERO}
        for unit in sorted(set(held) | set(wanted)):
            amount = wanted.get(unit, ZERO)
            balance = held.get(unit)
            if balance is None:
                balance = AccountBalance(
                    balance_type=kind, currency=unit, valid_from=utcnow(), position=len(account.balances)
                )
                account.balances.append(balance)
            value = {"amount": {"value": to_json_value(amount)}}
            if balance.extension != value:
                balance.extension = value
                changed = True
    if not changed:
        return
    account.last_update = utcnow()
    session.flush()
    accounts = service.runtime.service_of("TMF666", "billingAccount")
    if accounts is not None:
        change = Change("attributeValueChange", accounts.resource.path, account, ["accountBalance"], ctx)
        accounts.runtime.notify(session, change)
