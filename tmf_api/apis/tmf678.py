"""TMF678 Customer Bill's own rules: a bill run on demand for one billing account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tmf_api.apis import billing
from tmf_api.engine.resource import Change, RequestContext, ResourceService, Rules, utcnow


def _run_bill_on_demand(
    service: ResourceService, session: Session, request: Any, ctx: RequestContext
) -> None:
    now = utcnow()
    request.last_update = now
    if not request.billing_account_id:
        request.description = _with_reason(request.description, "no billing account to bill")
        service.move(session, request, "terminatedWithError", ctx)
        return
    try:
        bill = billing.bill_account(session, request.billing_account_id, now)
    except billing.BillingError as error:
        request.description = _with_reason(request.description, str(error))
        service.move(session, request, "terminatedWithError", ctx)
        return
    bills = service.runtime.services["customerBill"]
    bills.runtime.notify(session, Change("create", bills.resource.path, bill, ctx=ctx))
    request.customer_bill_id = bill.id
    request.customer_bill_href = bills.stored_href(bill.id)
    service.move(session, request, "done", ctx)


def _with_reason(description: str | None, reason: str) -> str:
    # CustomerBillOnDemand has no error attribute: the reason is appended to the description.
    return f"{description} — {reason}" if description else reason


RULES = {
    "customerBillOnDemand": Rules(after_create=_run_bill_on_demand),
}
