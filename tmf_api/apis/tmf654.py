"""TMF654 Prepay Balance Management's own rules: balance actions move value between buckets.

A top-up (话费充值) adds to a bucket, an adjustment corrects it (up or down), a transfer moves value
to another bucket, a reservation holds value until it is confirmed or released. Each is applied
when it is made (tmf_api.apis.prepay does the moving, under the buckets' row locks); an action a
bucket cannot take (it would go below zero, another unit, a channel the operator does not have)
is refused with a 400 naming the attribute, and nothing is stored. An action on a bucket that is
not active is stored `failed` (its FailureEvent says so). A completed top-up, adjustment or
transfer can be cancelled (PATCH status `cancelled`): its value goes back where it came from, if
it is still there. Every change is an entry of balanceActionHistory.

Billing accounts opened through TMF666 get their CNY bucket, and products of TMF637 whose offering
carries allowances their allowance buckets (tmf_api.apis.allowance), through REACTIONS (the registry
calls them on another API's changes).
"""

from __future__ import annotations

import contextlib
import decimal
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import BalanceAction, Bucket, Product
from tmf_api.apis import allowance, balances, billing, prepay
from tmf_api.apis.prepay import BalanceError
from tmf_api.apis.settlement import settle_from_prepaid
from tmf_api.engine.document import build
from tmf_api.engine.resource import Change, RequestContext, ResourceService, Rules, relative_hrefs, utcnow
from tmf_api.errors import TMFError, bad_request
from tmf_api.registry import manifest, read_yaml

API = "TMF654"
HISTORY = "balanceActionHistory"


@cache
def channels() -> dict[str, dict[str, str]]:
    """The operator's channels for balance actions, by id (mappings/TMF654/channels.yaml)."""
    found: dict[str, dict[str, str]] = read_yaml(manifest(API).data_file("channels.yaml"))["channels"]
    return found


def _refused(error: BalanceError) -> TMFError:
    return bad_request(error.message, reason=f"Invalid {error.field}")


# -- checks common to every action ---------------------------------------------------------------
def _bucket_for(service: ResourceService, row: BalanceAction, bucket: Bucket, body_units: str | None) -> None:
    """The action's own attributes agree with its bucket; the bucket's fill what the client left out."""
    if row.usage_type != bucket.usage_type:
        raise BalanceError(
            "usageType",
            f"usageType {row.usage_type!r} is not that of bucket {bucket.id} ({bucket.usage_type})",
        )
    if body_units is not None and body_units != bucket.units:
        raise BalanceError(
            "amount.units", f"amount.units {body_units!r}: bucket {bucket.id} holds {bucket.units}"
        )
    row.units = bucket.units
    if row.party_account_id is not None and row.party_account_id != bucket.party_account_id:
        raise BalanceError(
            "partyAccount.id",
            f"partyAccount.id {row.party_account_id!r}: bucket {bucket.id} belongs to account "
            f"{bucket.party_account_id}",
        )
    row.party_account_id = bucket.party_account_id
    row.bucket_href = row.bucket_href or prepay.BUCKETS_HREF + bucket.id
    row.bucket_name = row.bucket_name or bucket.name
    if row.channel_id is not None:
        known = channels().get(row.channel_id)
        if known is None:
            raise BalanceError(
                "channel.id",
                f"channel.id {row.channel_id!r} is not a channel of ours: {', '.join(channels())}",
            )
        row.channel_name = row.channel_name or known["name"]


def _record(
    service: ResourceService,
    row: BalanceAction,
    bucket: Bucket,
    ctx: RequestContext,
    amount: decimal.Decimal,
    description: str,
    session: Session,
) -> None:
    """One history entry: the action as it is now, with the amount this change moved (negative
    when it took value from the bucket)."""
    history = service.runtime.services[HISTORY]
    doc = relative_hrefs(service.rendered(row, ctx), ctx)
    for name in ("id", "href", "@type", "@baseType", "@schemaLocation"):
        doc.pop(name, None)
    doc["amount"] = {**(doc.get("amount") or {}), "amount": str(amount), "units": row.units}
    # What this entry records first, then the action's own description.
    doc["description"] = f"{description} — {doc['description']}" if doc.get("description") else description
    doc["balanceTopup"] = {
        "id": row.id,
        "href": service.stored_href(row.id),
        "role": "action",
        "@referredType": service.schema.name,
    }
    if "receiverLogicalResource" not in doc:
        resources = doc.get("logicalResource")
        doc["receiverLogicalResource"] = (
            resources[0] if isinstance(resources, list) and resources else prepay.bucket_as_resource(bucket)
        )
    entry: Any = build(history.node, doc)
    entry.id = str(uuid.uuid4())
    entry.at_type = history.schema.type_name
    session.add(entry)
    session.flush()


def _buckets(session: Session, row: BalanceAction, *ids: str | None) -> list[Bucket]:
    wanted = [i for i in ids if i is not None]
    held = prepay.lock(session, wanted)
    return [held[i] for i in wanted]


def _fail_if_inactive(
    service: ResourceService, session: Session, row: BalanceAction, buckets: list[Bucket], ctx: RequestContext
) -> bool:
    """An action on a bucket that is not active fails (stored, with its FailureEvent)."""
    inactive = [b for b in buckets if b.status != "active"]
    if not inactive:
        return False
    why = "; ".join(f"bucket {b.id} is {b.status}" for b in inactive)
    row.confirmation_date = utcnow()
    service.move(session, row, "failed", ctx)
    _record(service, row, buckets[0], ctx, decimal.Decimal(0), f"failed: {why}", session)
    return True


# -- the four actions -----------------------------------------------------------------------------
def _apply(service: ResourceService, session: Session, row: Any, ctx: RequestContext) -> None:
    # row.units is the client's `amount.units` until _bucket_for sets the bucket's.
    kind = service.resource.path
    try:
        if kind == "transferBalance":
            _transfer(service, session, row, ctx)
            return
        (bucket,) = _buckets(session, row, row.bucket_id)
        _bucket_for(service, row, bucket, row.units)
        amount = prepay.check_amount(
            row.amount, bucket.usage_type, "amount.amount", signed=kind == "adjustBalance"
        )
        if kind == "topupBalance":
            _check_topup(session, row)
        if _fail_if_inactive(service, session, row, [bucket], ctx):
            return
        if kind == "reserveBalance":
            prepay.hold(session, bucket, amount, "amount.amount")
            _record(service, row, bucket, ctx, -amount, "reserved", session)
            _deposit_changed(service, session, bucket, ctx)
            return
        if amount > 0:
            prepay.credit(session, bucket, amount)
        else:
            prepay.take(session, bucket, -amount, "amount.amount")
    except BalanceError as error:
        raise _refused(error) from None
    row.confirmation_date = utcnow()
    service.move(session, row, "completed", ctx)
    _record(service, row, bucket, ctx, amount, "applied", session)
    settled = []
    if amount > 0 and bucket.party_account_id:
        # Money put into an account with bills due settles them as far as it goes (postpaid).
        settled = settle_from_prepaid(service, session, bucket.party_account_id, ctx)
    if not settled:  # a settlement's payment refreshed the account's balances itself
        _deposit_changed(service, session, bucket, ctx)


def _deposit_changed(service: ResourceService, session: Session, bucket: Bucket, ctx: RequestContext) -> None:
    """Prepaid money moved: the TMF666 account's `deposit` balance follows (tmf_api.apis.balances)."""
    if bucket.usage_type == prepay.MONETARY:
        balances.refresh(service, session, bucket.party_account_id, ctx)


def _check_topup(session: Session, row: BalanceAction) -> None:
    """A top-up is paid: by a payment method, or a voucher (充值卡) used once only."""
    if row.voucher is None and row.payment_method_id is None:
        raise BalanceError("paymentMethod", "paymentMethod or voucher is required: how is the top-up paid?")
    if row.voucher is not None:
        used = session.scalar(
            select(BalanceAction.id).where(
                BalanceAction.kind == "topupBalance",
                BalanceAction.voucher == row.voucher,
                BalanceAction.id != row.id,
                BalanceAction.status.in_(("created", "completed")),
            )
        )
        if used is not None:
            raise BalanceError("voucher", f"voucher {row.voucher!r} was already used, by top-up {used}")


def _transfer(service: ResourceService, session: Session, row: BalanceAction, ctx: RequestContext) -> None:
    if row.receiver_bucket_id == row.bucket_id:
        raise BalanceError("receiverBucket.id", "receiverBucket.id names the bucket the value comes from")
    source, receiver = _buckets(session, row, row.bucket_id, row.receiver_bucket_id)
    _bucket_for(service, row, source, row.units)
    if row.receiver_usage_type != receiver.usage_type or receiver.units != source.units:
        raise BalanceError(
            "receiverBucketUsageType",
            f"receiverBucketUsageType {row.receiver_usage_type!r}: bucket {receiver.id} holds "
            f"{receiver.usage_type} in {receiver.units}, the value moved is {source.usage_type} in "
            f"{source.units}",
        )
    row.receiver_bucket_href = row.receiver_bucket_href or prepay.BUCKETS_HREF + receiver.id
    amount = prepay.check_amount(row.amount, source.usage_type, "amount.amount")
    if _fail_if_inactive(service, session, row, [source, receiver], ctx):
        return
    prepay.take(session, source, amount, "amount.amount")
    prepay.credit(session, receiver, amount)
    row.confirmation_date = utcnow()
    service.move(session, row, "completed", ctx)
    _record(service, row, source, ctx, -amount, "applied", session)
    _deposit_changed(service, session, source, ctx)
    if receiver.party_account_id != source.party_account_id:
        _deposit_changed(service, session, receiver, ctx)


def _on_status(
    service: ResourceService,
    session: Session,
    row: Any,
    old: str | None,
    changed: list[str],
    ctx: RequestContext,
) -> None:
    """A status PATCH the lifecycle allowed: the value follows it."""
    kind = service.resource.path
    amount = row.amount or decimal.Decimal(0)
    try:
        if kind == "reserveBalance":
            (bucket,) = _buckets(session, row, row.bucket_id)
            release = row.status != "completed"
            prepay.settle_hold(session, bucket, amount, release=release)
            row.confirmation_date = utcnow()
            moved = amount if release else decimal.Decimal(0)
            _record(service, row, bucket, ctx, moved, "released" if release else "confirmed", session)
            _deposit_changed(service, session, bucket, ctx)
            return
        if row.status != "cancelled":
            return
        # Cancelling gives back what the action moved: out of the bucket it went to.
        if kind == "transferBalance":
            bucket, receiver = _buckets(session, row, row.bucket_id, row.receiver_bucket_id)
            prepay.take(session, receiver, amount, "status")
            prepay.credit(session, bucket, amount)
        else:
            (bucket,) = _buckets(session, row, row.bucket_id)
            if amount > 0:
                prepay.take(session, bucket, amount, "status")
            else:
                prepay.credit(session, bucket, -amount)
    except BalanceError as error:
        raise _refused(error) from None
    # What the bucket got back (a transfer's source) or gave back (a top-up's bucket).
    _record(service, row, bucket, ctx, amount if kind == "transferBalance" else -amount, "cancelled", session)
    _deposit_changed(service, session, bucket, ctx)
    if kind == "transferBalance" and receiver.party_account_id != bucket.party_account_id:
        _deposit_changed(service, session, receiver, ctx)


def _before_delete(service: ResourceService, session: Session, row: Any) -> None:
    """Deleting a reservation that still holds value withdraws it: the value is released first
    (a history entry says so), so no value stays reserved for a request nobody can see."""
    if service.resource.path != "reserveBalance" or row.status != "created":
        return
    (bucket,) = _buckets(session, row, row.bucket_id)
    amount = row.amount or decimal.Decimal(0)
    prepay.settle_hold(session, bucket, amount, release=True)
    ctx = RequestContext(service.runtime.settings.base_url)
    _record(service, row, bucket, ctx, amount, "released (deleted)", session)
    _deposit_changed(service, session, bucket, ctx)


_ACTION = Rules(after_create=_apply, on_state_change=_on_status, before_delete=_before_delete)

RULES = {
    "topupBalance": _ACTION,
    "adjustBalance": _ACTION,
    "transferBalance": _ACTION,
    "reserveBalance": _ACTION,
}


def _product_created(session: Session, change: Change) -> None:
    """A product entering the inventory active gets its allowance buckets for the billing period
    of its account holding now."""
    product = change.row
    assert isinstance(product, Product)
    # An account whose cycle cannot be read has no period (its bill runs say why): no buckets.
    with contextlib.suppress(billing.BillingError):
        allowance.open_product_buckets(session, product, utcnow(), billing.period_at)


def _product_status_changed(session: Session, change: Change) -> None:
    """The product's allowance buckets follow its status; one held for the first time (created →
    active: its status periods, recorded before the change is reported, say so) gets them."""
    product = change.row
    assert isinstance(product, Product)
    periods = product.status_periods
    before = periods[-2].status if len(periods) > 1 else None
    if product.status in allowance.HELD and before not in allowance.HELD:
        _product_created(session, change)
    else:
        allowance.follow_status(session, product, utcnow())


# Other APIs' changes this API reacts to: (api, resource, kind) -> f(session, change), one API's
# at a time (no typed list of APIs: tests/test_registry.py).
REACTIONS: dict[tuple[str, str, str], Callable[[Session, Change], None]] = {
    ("TMF666", "billingAccount", "create"): prepay.open_account_bucket,
}
PRODUCTS = "TMF637"
REACTIONS |= {
    (PRODUCTS, "product", "create"): _product_created,
    (PRODUCTS, "product", "stateChange"): _product_status_changed,
}
