"""Billing disputes (计费争议): a TMF621 ticket resolved with an adjustment produces it, once.

A billing-dispute ticket (`ticketType` 计费争议 or billingDispute) names the bill it disputes with a
`relatedEntity` of role `disputedBill` (a TMF678 CustomerBill). The outcome is named the way both
TMF621 versions can carry it — neither has an amount attribute, and v4 has no characteristics —
by a `note` whose `id` is `adjustment` and whose text starts with the amount and its currency
(`229.00 CNY 分期月供按24期重算`); a dispute resolved without one is answered without adjusting.

When the ticket moves to `resolved` (a PATCH in either version) the adjustment is made:

- for a prepaid account (TMF666 `ratingType` prepaid) whose money bucket is active, as a TMF654
  `adjustBalance` crediting the bucket (completed, in `balanceActionHistory`, with its events; and,
  as any money put into the bucket, settling bills that are due);
- otherwise as a TMF676 payment of payment method 计费争议调账 (an adjustment, not money received):
  it takes the amount off what the disputed bill still owes while it can be paid, through TMF676's
  rules (the bill moves to `partiallyPaid` or `settled`), and the rest — what the customer already
  paid of it — becomes credit on the billing account, as an overpayment does.

The ticket then names what was made in a `relatedEntity` of role `adjustment` (`@referredType`
AdjustBalance or Payment). The adjustment's id is derived from the ticket's, so resolving again
(after a reopening) or a retried PATCH finds it and never adjusts twice. An amount that is not a
positive amount to the fen, in another currency than the bill or above what the bill charged, is
refused with a 400 naming the note, and nothing changes.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import Account, BalanceAction, Bucket, CustomerBill, Payment, TroubleTicketRelatedEntity
from tmf_api.apis import prepay
from tmf_api.engine.resource import Change, RequestContext, ResourceService
from tmf_api.errors import bad_request

DISPUTE_TYPES = frozenset({"计费争议", "billingDispute"})
DISPUTED_BILL = "disputedBill"
ADJUSTMENT = "adjustment"  # the note naming the adjustment, and the role of what it produced
ADJUSTMENT_METHOD = "计费争议调账"
PAYABLE = ("sent", "partiallyPaid")  # mappings/TMF678/lifecycles.yaml `payable`
FIELD = f"note[id={ADJUSTMENT}].text"
CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^\s*(?P<value>\S+)\s+(?P<unit>[A-Za-z]{3})(?:\s|$)")


def adjustment_id(ticket_id: str) -> str:
    """The id of the adjustment a ticket produces: one per ticket, whatever happens to the ticket."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tmf621-dispute-adjustment:{ticket_id}"))


def requested_amount(text: str | None) -> tuple[Decimal, str]:
    """(amount, currency) a resolution note names; a 400 naming the note otherwise."""
    match = _AMOUNT.match(text or "")
    if match is None:
        raise bad_request(
            f"{FIELD} must start with the amount and its currency (e.g. '229.00 CNY …'), got {text!r}",
            reason=f"Invalid {FIELD}",
        )
    raw = match["value"]
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise bad_request(f"{FIELD}: {raw!r} is not an amount", reason=f"Invalid {FIELD}")
    if value <= 0:
        raise bad_request(
            f"{FIELD}: an adjustment gives back to the customer, so it is above zero, got {raw}",
            reason=f"Invalid {FIELD}",
        )
    if value != value.quantize(CENT):
        raise bad_request(f"{FIELD}: {raw} is finer than a fen (two decimals)", reason=f"Invalid {FIELD}")
    return value.quantize(CENT), match["unit"]


def after_ticket_state_change(
    service: ResourceService, session: Session, ticket: Any, old_status: str | None, ctx: RequestContext
) -> None:
    if ticket.status != "resolved" or ticket.ticket_type not in DISPUTE_TYPES:
        return
    note = next((n for n in ticket.notes if n.note_id == ADJUSTMENT), None)
    if note is None:  # answered without an adjustment
        return
    bill = _disputed_bill(session, ticket)
    amount, unit = requested_amount(note.text)
    if unit != bill.currency:
        raise bad_request(
            f"{FIELD}: {unit} is not the currency of CustomerBill {bill.id} ({bill.currency})",
            reason=f"Invalid {FIELD}",
        )
    if amount > (bill.amount_due or Decimal(0)):
        raise bad_request(
            f"{FIELD}: {amount} {unit} is more than CustomerBill {bill.id} charged "
            f"({bill.amount_due} {unit})",
            reason=f"Invalid {FIELD}",
        )
    id_ = adjustment_id(ticket.id)
    made = _made(service, session, id_) or _make(service, session, ticket, bill, amount, id_, ctx)
    if not any(e.role == ADJUSTMENT and e.entity_id == id_ for e in ticket.related_entities):
        kind, href, name = made
        ticket.related_entities.append(
            TroubleTicketRelatedEntity(
                role=ADJUSTMENT,
                entity_id=id_,
                entity_href=href,
                entity_name=name,
                entity_referred_type=kind,
                entity_at_type="EntityRef",
                at_type="RelatedEntity",
                position=len(ticket.related_entities),
                extension={},
            )
        )
        session.flush()
        # The status event has gone out already: the new reference is an attribute change of its own.
        change = Change("attributeValueChange", service.resource.path, ticket, ["relatedEntity"], ctx)
        service.runtime.notify(session, change)


def _disputed_bill(session: Session, ticket: Any) -> CustomerBill:
    ref = next(
        (
            e
            for e in ticket.related_entities
            if e.role == DISPUTED_BILL and (e.entity_referred_type or "CustomerBill") == "CustomerBill"
        ),
        None,
    )
    bill = (
        session.scalars(select(CustomerBill).where(CustomerBill.id == ref.entity_id)).one_or_none()
        if ref is not None and ref.entity_id
        else None
    )
    if bill is None:
        raise bad_request(
            f"relatedEntity: a billing dispute resolved with an adjustment names the CustomerBill it "
            f"disputes (role {DISPUTED_BILL}) that this server holds",
            reason="Invalid relatedEntity",
        )
    return bill


def _made(service: ResourceService, session: Session, id_: str) -> tuple[str, str, str] | None:
    """What an earlier resolution of the ticket produced, if anything."""
    action = session.scalars(select(BalanceAction).where(BalanceAction.id == id_)).one_or_none()
    adjustments = service.runtime.service_of("TMF654", "adjustBalance")
    if action is not None and adjustments is not None:
        return "AdjustBalance", adjustments.stored_href(id_), action.description or ""
    payment = session.scalars(select(Payment).where(Payment.id == id_)).one_or_none()
    payments = service.runtime.service_of("TMF676", "payment")
    if payment is not None and payments is not None:
        return "Payment", payments.stored_href(id_), payment.name or ""
    return None


def _make(
    service: ResourceService,
    session: Session,
    ticket: Any,
    bill: CustomerBill,
    amount: Decimal,
    id_: str,
    ctx: RequestContext,
) -> tuple[str, str, str]:
    account_id = bill.billing_account_id or ""
    why = (
        f"计费争议调账: TroubleTicket {ticket.id} ({ticket.name or ''}), "
        f"CustomerBill {bill.bill_no or bill.id}"
    )
    rating = session.scalar(
        select(Account.rating_type).where(Account.id == account_id, Account.kind == "billingAccount")
    )
    bucket_id = prepay.bucket_id(account_id)
    bucket = session.scalars(select(Bucket).where(Bucket.id == bucket_id)).one_or_none()
    adjustments = service.runtime.service_of("TMF654", "adjustBalance")
    if rating == "prepaid" and bucket is not None and bucket.status == "active" and adjustments is not None:
        body = {
            "@type": "AdjustBalance",
            "description": why,
            "reason": "计费争议",
            "amount": {"amount": float(amount), "units": bill.currency},
            "usageType": prepay.MONETARY,
            "bucket": {"id": bucket_id},
            "partyAccount": {"id": account_id},
        }
        adjustments.create(session, body, ctx, id_=id_)
        return "AdjustBalance", adjustments.stored_href(id_), why
    payments = service.runtime.service_of("TMF676", "payment")
    if payments is None:
        raise bad_request(
            "this server takes no payments (TMF676), so it cannot credit a postpaid account",
            reason="Adjustment not possible",
        )
    payments.create(session, _payment_body(account_id, bill, amount, ticket, why), ctx, id_=id_)
    return "Payment", payments.stored_href(id_), ADJUSTMENT_METHOD


def _payment_body(
    account_id: str, bill: CustomerBill, amount: Decimal, ticket: Any, why: str
) -> dict[str, Any]:
    def money(value: Decimal) -> dict[str, Any]:
        return {"unit": bill.currency, "value": float(value)}

    owed = (bill.remaining_amount or Decimal(0)) if bill.state in PAYABLE else Decimal(0)
    on_bill = min(amount, owed)
    items = []
    if on_bill > 0:
        items.append(
            {
                "id": "1",
                "item": {"id": bill.id, "@referredType": "CustomerBill"},
                "totalAmount": money(on_bill),
            }
        )
    if amount > on_bill:  # what was paid of the bill already comes back as credit
        items.append(
            {
                "id": str(len(items) + 1),
                "item": {"id": account_id, "@referredType": "BillingAccount"},
                "totalAmount": money(amount - on_bill),
            }
        )
    return {
        "@type": "Payment",
        "name": ADJUSTMENT_METHOD,
        "description": why,
        "correlatorId": ticket.id,
        "account": {"id": account_id, "@referredType": "BillingAccount"},
        "paymentMethod": {"name": ADJUSTMENT_METHOD, "description": f"TroubleTicket {ticket.id}"},
        "totalAmount": money(amount),
        "paymentItem": items,
    }
