"""Prepaid balances (TMF654) as a service: buckets opened for accounts, and every change of a
bucket's value under its row lock, never below zero, in exact decimals.

The HTTP rules (tmf_api.apis.tmf654) and other APIs' rules call these functions: `open_bucket`
when an account (or a provisioned product with allowances: allowance.py) needs one, `debit` when a bill
is settled from prepaid money. Each change locks the buckets it touches (`SELECT … FOR UPDATE` on
PostgreSQL, in id order so that two transfers never deadlock; SQLite writers take the database's
write lock), checks, changes and refreshes the accumulated balance in the same transaction.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sid_model import Account, AccumulatedBalance, BalanceActionHistory, Bucket
from tmf_api.engine.resource import Change, utcnow

MONETARY = "monetary"
CNY = "CNY"
# Decimal places a value may have, by usage type: money to the fen, allowances to the column's scale.
PLACES = {MONETARY: 2}
DEFAULT_PLACES = 4
# NUMERIC(18, 4): values below 10^14.
LIMIT = decimal.Decimal(10) ** 14

BUCKETS_HREF = "/tmf-api/prepayBalanceManagement/v4/bucket/"
ACCOUNTS_HREF = "/tmf-api/accountManagement/v4/billingAccount/"


class BalanceError(Exception):
    """A change a bucket cannot take; `field` names the request attribute it comes from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# -- opening buckets -----------------------------------------------------------------------------
def bucket_id(account_id: str, usage_type: str = MONETARY) -> str:
    """The id of an account's bucket of one usage type: readable where it fits (`CNY-<account>`),
    a name-based UUID otherwise (migration 0017 gives accounts held before it the same ids)."""
    prefix = CNY if usage_type == MONETARY else usage_type
    readable = f"{prefix}-{account_id}"
    if len(readable) <= 100:
        return readable
    return str(
        uuid.uuid5(
            uuid.NAMESPACE_URL, f"bucket:{account_id}" + ("" if usage_type == MONETARY else usage_type)
        )
    )


def accumulated_id(account_id: str, usage_type: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"accumulated:{account_id}:{usage_type}"))


def open_bucket(
    session: Session,
    *,
    account_id: str,
    account_name: str | None,
    usage_type: str,
    units: str,
    name: str,
    description: str,
    account_href: str | None = None,
    extension: dict[str, Any] | None = None,
    fresh: bool = False,
    bucket_id_: str | None = None,
    total_name: str | None = None,
) -> Bucket:
    """An empty active bucket of the account (its own if it has one of that usage type already),
    named in the account's accumulated balance of that usage type, which is opened with it.

    The one way buckets come to be: a billing account's CNY bucket (below), and the
    allowance buckets (`data`, `voice`, `sms`) of provisioned products (TMF637), whose callers
    pass the product references in `extension`. `fresh`: the account was opened in this very
    transaction, so it has neither bucket nor accumulated balance yet (two look-ups saved).
    `bucket_id_`: the bucket's own id (a product's allowance, tmf_api.apis.allowance), else the
    account's of that usage type; `total_name`: the name of an accumulated balance opened with it."""
    id_ = bucket_id_ or bucket_id(account_id, usage_type)
    found = None if fresh else session.scalars(select(Bucket).where(Bucket.id == id_)).one_or_none()
    if found is not None:
        return found
    bucket = Bucket(
        id=id_,
        name=name,
        description=description,
        is_shared=False,
        usage_type=usage_type,
        status="active",
        remaining_amount=decimal.Decimal(0),
        reserved_amount=decimal.Decimal(0),
        units=units,
        remaining_value_name=value_name(decimal.Decimal(0), units),
        party_account_id=account_id,
        party_account_href=account_href,
        party_account_name=account_name,
        valid_from=utcnow(),
        at_type="Bucket",
        extension=dict(extension or {}),
    )
    session.add(bucket)
    ref = {"id": id_, "href": BUCKETS_HREF + id_, "name": name}
    accumulated = (
        None
        if fresh
        else session.scalars(
            select(AccumulatedBalance).where(AccumulatedBalance.id == accumulated_id(account_id, usage_type))
        ).one_or_none()
    )
    if accumulated is None:
        session.add(
            AccumulatedBalance(
                id=accumulated_id(account_id, usage_type),
                name=total_name
                or (f"{account_name or account_id} 账户余额" if usage_type == MONETARY else f"{name} 合计"),
                description=f"All {usage_type} buckets of the account, summed",
                party_account_id=account_id,
                usage_type=usage_type,
                total_amount=decimal.Decimal(0),
                units=units,
                at_type="AccumulatedBalance",
                extension={"bucket": [ref]},
            )
        )
    else:
        accumulated.extension = {
            **accumulated.extension,
            "bucket": [*accumulated.extension.get("bucket", []), ref],
        }
    session.flush()
    return bucket


def open_account_bucket(session: Session, change: Change) -> None:
    """A billing account opened (TMF666 create) gets its prepaid money bucket (CNY)."""
    account = change.row
    assert isinstance(account, Account)
    open_bucket(
        session,
        account_id=account.id,
        account_name=account.name,
        usage_type=MONETARY,
        units=CNY,
        name=f"{account.name or account.id} 话费余额",
        description="Prepaid money of the billing account (话费余额, CNY)",
        account_href=ACCOUNTS_HREF + account.id,
        fresh=True,
    )


# -- changing values -----------------------------------------------------------------------------
def lock(session: Session, ids: Iterable[str]) -> dict[str, Bucket]:
    """The buckets of `ids` under their row locks, read afresh (a bucket loaded earlier in the
    session is refreshed), locked in id order."""
    wanted = sorted(set(ids))
    stmt = (
        select(Bucket)
        .where(Bucket.id.in_(wanted))
        .order_by(Bucket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {bucket.id: bucket for bucket in session.scalars(stmt)}


def value_name(amount: decimal.Decimal, units: str | None) -> str:
    """The remaining value as people read it: `¥100.00`, `1024 MB`."""
    if units == CNY:
        return f"¥{amount.quantize(decimal.Decimal('0.01'))}"
    return f"{amount.normalize():f} {units or ''}".strip()


def check_amount(
    value: decimal.Decimal | None, usage_type: str | None, field: str, *, signed: bool = False
) -> decimal.Decimal:
    """An amount an action may move: given, finite, not zero (positive unless `signed`), no finer
    than the usage type's unit (the fen for money) and within the column."""
    if value is None:
        raise BalanceError(field, f"{field} is required: how much?")
    if not value.is_finite() or abs(value) >= LIMIT:
        raise BalanceError(field, f"{field} {value} is not an amount a bucket holds")
    if value == 0 or (value < 0 and not signed):
        raise BalanceError(
            field, f"{field} must be {'other than zero' if signed else 'above zero'}, got {value}"
        )
    places = PLACES.get(usage_type or "", DEFAULT_PLACES)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise BalanceError(field, f"{field} {value} has more than {places} decimal places")
    return value


def credit(session: Session, bucket: Bucket, amount: decimal.Decimal) -> None:
    """Adds to a locked bucket's remaining value."""
    bucket.remaining_amount += amount
    _changed(session, bucket)


def take(session: Session, bucket: Bucket, amount: decimal.Decimal, field: str) -> None:
    """Takes from a locked bucket's remaining value, refusing to go below zero."""
    if bucket.remaining_amount < amount:
        raise BalanceError(
            field,
            f"{field}: bucket {bucket.id} holds {value_name(bucket.remaining_amount, bucket.units)}; "
            f"taking {value_name(amount, bucket.units)} would leave it below zero",
        )
    bucket.remaining_amount -= amount
    _changed(session, bucket)


def hold(session: Session, bucket: Bucket, amount: decimal.Decimal, field: str) -> None:
    """Moves value of a locked bucket from remaining to reserved."""
    take(session, bucket, amount, field)
    bucket.reserved_amount += amount


def settle_hold(session: Session, bucket: Bucket, amount: decimal.Decimal, *, release: bool) -> None:
    """Ends a reservation on a locked bucket: consumed (confirmed) or given back (released)."""
    bucket.reserved_amount -= amount
    if release:
        bucket.remaining_amount += amount
    _changed(session, bucket)


def _changed(session: Session, bucket: Bucket) -> None:
    bucket.remaining_value_name = value_name(bucket.remaining_amount, bucket.units)
    bucket.confirmation_date = utcnow()
    # The account's accumulated balance of this usage type sums its buckets: read under its row
    # lock (two changes of two buckets of one account take turns), changed through the ORM (its
    # rendered form follows).
    accumulated = session.scalars(
        select(AccumulatedBalance)
        .where(
            AccumulatedBalance.party_account_id == bucket.party_account_id,
            AccumulatedBalance.usage_type == bucket.usage_type,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for balance in accumulated:
        named = {ref.get("id") for ref in balance.extension.get("bucket", [])}
        if named == {bucket.id}:
            balance.total_amount = bucket.remaining_amount
        else:  # several buckets: their sum, this one's new value included
            session.flush()
            balance.total_amount = session.scalar(
                select(func.coalesce(func.sum(Bucket.remaining_amount), 0)).where(Bucket.id.in_(named))
            )
    session.flush()


def debit(session: Session, bucket_id_: str, amount: decimal.Decimal, reason: str) -> BalanceActionHistory:
    """Takes `amount` from a bucket for something else than a TMF654 action (a bill settled from
    prepaid money), recorded in the bucket's history with `reason`. Raises BalanceError (field
    `amount`) when the bucket does not hold it, or is not active."""
    buckets = lock(session, [bucket_id_])
    bucket = buckets.get(bucket_id_)
    if bucket is None:
        raise BalanceError("bucket.id", f"bucket.id {bucket_id_!r} refers to no Bucket")
    if bucket.status != "active":
        raise BalanceError("bucket.id", f"bucket {bucket.id} is {bucket.status}")
    check_amount(amount, bucket.usage_type, "amount")
    take(session, bucket, amount, "amount")
    now = utcnow()
    entry = BalanceActionHistory(
        id=str(uuid.uuid4()),
        status="completed",
        description=reason,
        requested_date=now,
        confirmation_date=now,
        amount=-amount,
        units=bucket.units,
        usage_type=bucket.usage_type,
        bucket_id=bucket.id,
        party_account_id=bucket.party_account_id,
        at_type="BalanceActionHistory",
        extension={"receiverLogicalResource": bucket_as_resource(bucket)},
    )
    session.add(entry)
    session.flush()
    return entry


def bucket_as_resource(bucket: Bucket) -> dict[str, Any]:
    """The bucket itself as the logical resource a history entry credits when an action names
    none (BalanceActionHistory requires `receiverLogicalResource`)."""
    return {"id": bucket.id, "href": BUCKETS_HREF + bucket.id, "name": bucket.name, "@referredType": "Bucket"}
