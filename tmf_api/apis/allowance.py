"""Allowance buckets (TMF654) of the products in inventory (TMF637): 套餐内流量、语音、短信.

Framework-free domain logic over the SID model, on top of tmf_api.apis.prepay.

- **Where an offering says its allowances**: in its own TMF620 attribute `prodSpecCharValueUse`.
  A characteristic value use whose default value (`isDefault`, or its only value) is a positive
  number with a `unitOfMeasure` of `UNITS` is an allowance per billing period: `30 GB` is 30 GB
  of `data`, `500 分钟` 500 minutes of `voice`, `100 条` 100 messages of `sms`. A usage type counts
  once (its first characteristic); a value of 0 (a secondary SIM sharing the main plan's) is none.
- **Opening**: a product entering the inventory active (provisioned from an order, or created
  through TMF637) whose offering carries allowances gets one bucket per usage type, id
  `<usageType>-<product id>`, `product` naming it, for its billing account (`partyAccount`), valid
  for the account's billing period holding that moment and holding the whole allowance (the
  first, partial period is not prorated: its monthly fee is). Each bucket is named in the
  account's accumulated balance of its usage type, which sums them.
- **Renewal**: the bill run of a period (tmf_api.apis.billing.run_period) makes the buckets of
  the account's products current for the period after it (or the one holding the run, when it is
  run late): each holds its product's allowance afresh (what was left is not carried over) and
  `validFor` is that period. A bucket already valid from that period's start is left alone, so a
  repeated bill run renews nothing twice (as `charge_key` rates each charge once).
- **Plan change** (套餐变更): the offering the product has when the next period is renewed gives
  that period's allowances; the current period keeps the buckets it has (the new plan's prices
  also start only from the next charge day). A usage type the new plan lacks expires then; one it
  adds is opened then.
- **Status**: a suspended product's buckets are `suspended` (停机: nothing is used), resumed
  with it; a product that ends (terminated, cancelled, aborted) expires them (`expired`,
  `validFor.endDateTime` then, nothing left).

Every change of a bucket's value is an entry of its `balanceActionHistory`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from sid_model import BalanceActionHistory, Bucket, Product, ProductOffering
from tmf_api.apis import prepay
from tmf_api.apis.rating import OPERATOR_TIME, Span

# unitOfMeasure (lower case) -> (usageType, the unit TMF654 buckets hold).
UNITS: dict[str, tuple[str, str]] = {
    "gb": ("data", "GB"),
    "mb": ("data", "MB"),
    "分钟": ("voice", "minute"),
    "min": ("voice", "minute"),
    "minute": ("voice", "minute"),
    "minutes": ("voice", "minute"),
    "条": ("sms", "message"),
    "sms": ("sms", "message"),
    "message": ("sms", "message"),
    "messages": ("sms", "message"),
}
USAGE_TYPES = ("data", "voice", "sms")
# Product statuses whose buckets are kept (active, or suspended), and how the buckets then read.
HELD = {"active": "active", "suspended": "suspended"}
# Product statuses that end its buckets (the lifecycle's final states).
ENDED = ("terminated", "cancelled", "aborted")
PRODUCTS_HREF = "/tmf-api/productInventory/v4/product/"


@dataclass(frozen=True)
class Allowance:
    """What an offering gives a product per billing period, of one usage type."""

    name: str
    usage_type: str
    units: str
    amount: Decimal


def allowances(offering_extension: dict[str, Any] | None) -> list[Allowance]:
    """The allowances an offering's `prodSpecCharValueUse` carries (module docstring)."""
    found: dict[str, Allowance] = {}
    for use in (offering_extension or {}).get("prodSpecCharValueUse") or []:
        if not isinstance(use, dict):
            continue
        values = [v for v in use.get("productSpecCharacteristicValue") or [] if isinstance(v, dict)]
        default = next((v for v in values if v.get("isDefault")), values[0] if len(values) == 1 else None)
        if default is None:
            continue
        unit = UNITS.get(str(default.get("unitOfMeasure") or "").strip().lower())
        try:
            amount = Decimal(str(default.get("value")))
        except InvalidOperation:
            continue
        if unit is None or not amount.is_finite() or amount <= 0 or unit[0] in found:
            continue
        found[unit[0]] = Allowance(str(use.get("name") or unit[0]), unit[0], unit[1], amount)
    return list(found.values())


def bucket_id(product_id: str, usage_type: str) -> str:
    readable = f"{usage_type}-{product_id}"
    if len(readable) <= 100:
        return readable
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"allowance:{product_id}:{usage_type}"))


def _offering_allowances(session: Session, offering_ids: set[str]) -> dict[str, list[Allowance]]:
    if not offering_ids:
        return {}
    rows = session.execute(
        select(ProductOffering.id, ProductOffering.extension).where(
            ProductOffering.id.in_(sorted(offering_ids))
        )
    ).all()
    return {id_: allowances(extension) for id_, extension in rows}


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def _history(session: Session, bucket: Bucket, amount: Decimal, description: str, now: dt.datetime) -> None:
    session.add(
        BalanceActionHistory(
            id=str(uuid.uuid4()),
            status="completed",
            description=description,
            requested_date=now,
            confirmation_date=now,
            amount=amount,
            units=bucket.units,
            usage_type=bucket.usage_type,
            bucket_id=bucket.id,
            party_account_id=bucket.party_account_id,
            at_type="BalanceActionHistory",
            extension={"receiverLogicalResource": prepay.bucket_as_resource(bucket)},
        )
    )


def _set_value(session: Session, bucket: Bucket, amount: Decimal) -> Decimal:
    """The locked bucket's remaining value becomes `amount`; returns the signed change."""
    change = amount - bucket.remaining_amount
    if change > 0:
        prepay.credit(session, bucket, change)
    elif change < 0:
        prepay.take(session, bucket, -change, "remainingValue.amount")
    return change


def _period_text(period: Span) -> str:
    # The operator's calendar days: a period [Feb 1, Mar 1) reads "2027-02-01 – 2027-03-01".
    start = period.start.astimezone(OPERATOR_TIME)
    return f"{start:%Y-%m-%d}" + (f" – {period.end.astimezone(OPERATOR_TIME):%Y-%m-%d}" if period.end else "")


def _open(session: Session, product: Product, allowance: Allowance, period: Span, now: dt.datetime) -> Bucket:
    account = product.billing_account_id
    assert account is not None
    label = product.name or product.id
    bucket = prepay.open_bucket(
        session,
        account_id=account,
        account_name=None,
        usage_type=allowance.usage_type,
        units=allowance.units,
        name=f"{allowance.name}（{label}）",
        description=f"{allowance.name}: {allowance.amount.normalize():f} {allowance.units} "
        f"per billing period of product {label}",
        account_href=prepay.ACCOUNTS_HREF + account,
        extension={"product": [{"id": product.id, "href": PRODUCTS_HREF + product.id, "name": label}]},
        bucket_id_=bucket_id(product.id, allowance.usage_type),
        total_name=f"{allowance.usage_type} 套餐内余量合计",
    )
    bucket.valid_from, bucket.valid_to = period.start, period.end
    bucket.status = HELD.get(product.status or "", "active")
    _set_value(session, bucket, allowance.amount)
    _history(session, bucket, allowance.amount, f"opened: {allowance.name} for {_period_text(period)}", now)
    return bucket


def open_product_buckets(
    session: Session,
    product: Product,
    now: dt.datetime,
    period_at: Callable[[Session, str, dt.datetime], Span],
) -> list[Bucket]:
    """A product entering the inventory active (or suspended) gets its allowance buckets for the
    billing period of its account holding `now` (`period_at`: tmf_api.apis.billing's), unless it
    has them already."""
    account = product.billing_account_id
    if product.status not in HELD or not account or not product.product_offering_id:
        return []
    given = _offering_allowances(session, {product.product_offering_id}).get(product.product_offering_id)
    if not given:
        return []
    period = period_at(session, account, now)
    held = prepay.lock(session, [bucket_id(product.id, a.usage_type) for a in given])
    return [
        _open(session, product, allowance, period, now)
        for allowance in given
        if bucket_id(product.id, allowance.usage_type) not in held
    ]


def follow_status(session: Session, product: Product, now: dt.datetime) -> list[Bucket]:
    """The product's buckets follow its status: suspended with it, active again when it is
    resumed, expired when it ends."""
    held = prepay.lock(session, [bucket_id(product.id, u) for u in USAGE_TYPES])
    changed = []
    for bucket in held.values():
        if bucket.status == "expired":
            continue
        wanted = HELD.get(product.status or "")
        if product.status in ENDED:
            left = bucket.remaining_amount
            _set_value(session, bucket, Decimal(0))
            bucket.status, bucket.valid_to = "expired", now
            _history(session, bucket, -left, f"expired: product {product.id} is {product.status}", now)
        elif wanted is not None and wanted != bucket.status:
            bucket.status = wanted
        else:
            continue
        changed.append(bucket)
    session.flush()
    return changed


def renew(session: Session, account_id: str, period_of: Callable[[], Span], now: dt.datetime) -> list[Bucket]:
    """Make the allowance buckets of the account's products (active or suspended) current for
    the period `period_of()` gives (asked only when a product has allowances): each holds its
    product's allowance of the offering it has now; a bucket valid from the period's start
    already is left as it is (module docstring). Returns the buckets changed."""
    # The products with their offerings' attributes in one SELECT (a bill run of an account
    # without allowances pays this one statement).
    found = session.execute(
        select(Product, ProductOffering.extension)
        .outerjoin(ProductOffering, ProductOffering.id == Product.product_offering_id)
        .where(Product.billing_account_id == account_id, Product.status.in_(sorted(HELD)))
        .order_by(Product.pk)
        .options(lazyload("*"))
    ).all()
    products = [product for product, _ in found]
    offered = {p.product_offering_id or "": allowances(extension) for p, extension in found}
    if not any(offered.values()):
        return []
    period = period_of()
    ids = [
        bucket_id(p.id, u) for p in products if offered.get(p.product_offering_id or "") for u in USAGE_TYPES
    ]
    held = prepay.lock(session, ids)
    changed: list[Bucket] = []
    for product in products:
        given = {a.usage_type: a for a in offered.get(product.product_offering_id or "") or []}
        if not given:
            continue
        for usage_type in USAGE_TYPES:
            bucket = held.get(bucket_id(product.id, usage_type))
            allowance = given.get(usage_type)
            if bucket is None:
                if allowance is not None:
                    changed.append(_open(session, product, allowance, period, now))
                continue
            since = _aware(bucket.valid_from)
            if bucket.status == "expired" or (since is not None and since >= period.start):
                continue  # ended, or renewed for this period already
            left = bucket.remaining_amount
            if allowance is None:  # the new plan has none of this usage type
                _set_value(session, bucket, Decimal(0))
                bucket.status, bucket.valid_to = "expired", period.start
                _history(session, bucket, -left, f"expired: the plan carries no {usage_type} allowance", now)
            else:
                bucket.units = allowance.units
                change = _set_value(session, bucket, allowance.amount)
                bucket.valid_from, bucket.valid_to = period.start, period.end
                _history(
                    session,
                    bucket,
                    change,
                    f"renewed: {allowance.name} for {_period_text(period)} "
                    f"({left.normalize():f} {bucket.units} left of the period before)",
                    now,
                )
            changed.append(bucket)
    session.flush()
    return changed
