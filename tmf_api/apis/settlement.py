"""Prepaid meets postpaid: an account's bills settled from its prepaid money (TMF654 bucket).

Whenever prepaid money and a bill that is due meet — a bill is sent to an account whose money
bucket holds value, or money is put into the bucket of an account with bills due — the bills are
settled from the bucket as far as it goes, oldest bill first. Each settlement is an ordinary TMF676
payment (payment method: prepaid balance) made through TMF676's own rules, so the bills move
to `partiallyPaid` or `settled` with their events, and the bucket's history records the debit.
What the bucket cannot cover stays due.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import Bucket, CustomerBill
from tmf_api.apis import prepay
from tmf_api.engine.resource import RequestContext, ResourceService

PREPAID_METHOD = "预付费余额"  # prepaid balance
ZERO = Decimal(0)
# The TMF678 states in which a bill can take a payment (mappings/TMF678/lifecycles.yaml `payable`).
PAYABLE = ("sent", "partiallyPaid")


def settle_from_prepaid(
    service: ResourceService, session: Session, account_id: str, ctx: RequestContext
) -> list[str]:
    """Settle the account's payable bills from its money bucket; the ids of the payments made.

    `service` is any resource service of the application: it reaches TMF676 through it."""
    payments = service.runtime.service_of("TMF676", "payment")
    if payments is None:  # an application without TMF676 records no payment, so settles nothing
        return []
    bucket_id = prepay.bucket_id(account_id)
    held = prepay.lock(session, [bucket_id]).get(bucket_id)
    if held is None or held.status != "active" or held.remaining_amount <= 0:
        return []
    bills = session.scalars(
        select(CustomerBill)
        .where(CustomerBill.billing_account_id == account_id, CustomerBill.state.in_(PAYABLE))
        .order_by(CustomerBill.bill_date, CustomerBill.pk)
    ).all()
    made = []
    for bill in bills:
        left = held.remaining_amount
        due = bill.remaining_amount or ZERO
        if left <= 0:
            break
        if due <= 0 or bill.currency != held.units:
            continue
        amount = min(left, due)
        prepay.debit(
            session, bucket_id, amount, f"Settles CustomerBill {bill.bill_no or bill.id} (预付费余额抵扣)"
        )
        payment = payments.create(session, _payment_body(account_id, bill, held, amount), ctx)
        made.append(str(payment["id"]))
    return made


def _payment_body(account_id: str, bill: CustomerBill, bucket: Bucket, amount: Decimal) -> dict[str, object]:
    money = {"unit": bill.currency, "value": float(amount)}
    return {
        "@type": "Payment",
        "name": "预付费余额抵扣",
        "description": f"CustomerBill {bill.bill_no or bill.id} settled from prepaid balance {bucket.id}",
        "account": {"id": account_id, "@referredType": "BillingAccount"},
        "paymentMethod": {"id": bucket.id, "name": PREPAID_METHOD, "@referredType": "Bucket"},
        "channel": {"id": "CH-PREPAID", "name": "预付费余额自动抵扣", "@referredType": "SalesChannel"},
        "totalAmount": money,
        "paymentItem": [
            {"id": "1", "item": {"id": bill.id, "@referredType": "CustomerBill"}, "totalAmount": money}
        ],
    }
