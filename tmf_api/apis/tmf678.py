"""TMF678 Customer Bill's own rules: bill runs, on demand for one billing account or per cycle."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sid_model import Account, CustomerBill
from tmf_api.apis import balances, billing
from tmf_api.apis.rating import OPERATOR_TIME
from tmf_api.apis.settlement import settle_from_prepaid
from tmf_api.engine.resource import ApiRuntime, Change, RequestContext, ResourceService, Rules, utcnow

API = "TMF678"


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
        bill = _bill_now(session, request.billing_account_id, now)
    except billing.BillingError as error:
        request.description = _with_reason(request.description, str(error))
        service.move(session, request, "terminatedWithError", ctx)
        return
    bills = service.runtime.services["customerBill"]
    bills.runtime.notify(session, Change("create", bills.resource.path, bill, ctx=ctx))
    request.customer_bill_id = bill.id
    request.customer_bill_href = bills.stored_href(bill.id)
    service.move(session, request, "done", ctx)


def _bill_now(session: Session, account_id: str, now: dt.datetime) -> CustomerBill:
    """A bill on demand is the bill run of the account's latest ended period while that period has
    no bill yet (its recurring charges rated from the inventory); otherwise, or when that period
    has nothing to bill, an off-cycle bill of what is still unbilled."""
    period = billing.last_ended_period(session, account_id, now)
    run = billing.run_period(session, account_id, period, now)
    if run.bill is not None and not run.existing:
        return run.bill
    return billing.bill_account(session, account_id, now)


def run_bill_cycle(
    runtimes: Sequence[ApiRuntime],
    sessions: sessionmaker[Session],
    cycle: str,
    account_ids: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> list[billing.BillRun]:
    """`tmf billing run`: the bill run of `cycle` for the named billing accounts (all this server
    holds, when none is named), each account in its own transaction; each new bill is announced
    on the TMF678 hub like one made on demand."""
    now = now or utcnow()
    service = next(
        r.services["customerBill"] for r in runtimes if r.mapping.api == API and "customerBill" in r.services
    )
    run_id = f"BR-{cycle}-{uuid.uuid4().hex[:8].upper()}"
    if account_ids is None:
        with sessions() as session:
            account_ids = list(
                session.scalars(
                    select(Account.id).where(Account.kind == "billingAccount").order_by(Account.pk)
                )
            )
    runs = []
    for account_id in account_ids:
        with sessions.begin() as session:
            run = billing.run_cycle(session, account_id, cycle, now, run_id=run_id)
            if run.bill is not None and not run.existing:
                ctx = RequestContext(service.runtime.settings.base_url)
                service.runtime.notify(session, Change("create", service.resource.path, run.bill, ctx=ctx))
            runs.append(run)
    return runs


def _demo_bill_run(
    runtime: ApiRuntime, session: Session, record: dict[str, Any], ctx: RequestContext
) -> tuple[dict[str, Any], ResourceService]:
    """Demo data: the bill run of an earlier cycle for one account (`cycle`: months before the
    current one, e.g. -1 for last month), as `tmf billing run` would have made it then."""
    now = utcnow()
    months = int(record["cycle"])
    local = now.astimezone(OPERATOR_TIME)
    month = local.year * 12 + local.month - 1 + months
    cycle = f"{month // 12:04d}-{month % 12 + 1:02d}"
    run = billing.run_cycle(session, record["account"], cycle, now, run_id=f"BR-{cycle}-DEMO")
    if run.bill is None:
        raise ValueError(f"demo data: the {cycle} bill run of {record['account']} billed nothing")
    bills = runtime.services["customerBill"]
    if not run.existing:
        bills.runtime.notify(session, Change("create", bills.resource.path, run.bill, ctx=ctx))
    return bills.document(run.bill, ctx), bills


def _with_reason(description: str | None, reason: str) -> str:
    # CustomerBillOnDemand has no error attribute: the reason is appended to the description.
    return f"{description} — {reason}" if description else reason


def _after_bill_state_change(
    service: ResourceService, session: Session, bill: Any, old_state: str | None, ctx: RequestContext
) -> None:
    # A bill sent to an account with prepaid money is settled from it as far as it goes.
    made = []
    if bill.state == "sent" and bill.billing_account_id:
        made = settle_from_prepaid(service, session, bill.billing_account_id, ctx)
    # What the account is owed changes when the bill starts or stops being owed (a payment made
    # refreshed the account's balances itself).
    if not made and (old_state in balances.OWED) != (bill.state in balances.OWED):
        balances.refresh(service, session, bill.billing_account_id, ctx)


DEMO_ACTIONS = {"billRun": _demo_bill_run}

RULES = {
    "customerBillOnDemand": Rules(after_create=_run_bill_on_demand),
    "customerBill": Rules(after_state_change=_after_bill_state_change),
}
