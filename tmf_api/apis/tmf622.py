"""TMF622 Product Ordering's own rules: v5 initial state and order cancellation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import ProductOrder
from tmf_api.engine.document import JSON
from tmf_api.engine.resource import ApiRuntime, Change, RequestContext, ResourceService, Rules, utcnow
from tmf_api.errors import bad_request


def _prepare_order(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    # v5 lets the client hold a new order in `draft` until it releases it (TMF622 v5 user guide).
    requested = body.get("requestedInitialState")
    if requested is None or service.runtime.mapping.version == "v4":
        return
    assert service.lifecycle is not None
    if requested not in service.lifecycle.initial:
        raise bad_request(
            f"requestedInitialState must be one of {', '.join(service.lifecycle.initial)}, got {requested!r}"
        )
    row.state = requested


def _move(runtime: ApiRuntime, session: Session, service: ResourceService, row: Any, target: str) -> None:
    """A server-driven transition, checked against the same lifecycle as client PATCHes."""
    assert service.lifecycle is not None
    if not service.lifecycle.can_move(row.state, target):
        raise AssertionError(
            f"{service.resource.path} {row.id}: {row.state} -> {target} is not in the lifecycle"
        )
    row.state = target
    session.flush()
    runtime.notify(session, Change("stateChange", service.resource.path, row, ["state"]))


def _process_cancellation(
    service: ResourceService, session: Session, cancel: Any, ctx: RequestContext
) -> None:
    runtime = service.runtime
    orders = runtime.services["productOrder"]
    assert orders.lifecycle is not None
    order = session.scalars(
        select(ProductOrder).where(ProductOrder.id == cancel.product_order_id)
    ).one_or_none()
    if order is None:
        raise bad_request(f"productOrder.id {cancel.product_order_id!r} refers to no ProductOrder")
    if order.state not in orders.lifecycle.groups["cancellable"]:
        # The order stays as it is; the request ends in the version's refusal state.
        _move(runtime, session, service, cancel, service.resource.options["refused_state"])
        return
    _move(runtime, session, service, cancel, "inProgress")
    if order.state == "draft":
        _move(runtime, session, orders, order, "cancelled")
    else:
        for step in ("assessingCancellation", "pendingCancellation", "cancelled"):
            _move(runtime, session, orders, order, step)
    now = utcnow()
    order.cancellation_date = now
    order.cancellation_reason = cancel.cancellation_reason
    for item in order.items:
        if item.state not in orders.lifecycle.final:
            item.state = "cancelled"
    cancel.effective_cancellation_date = now
    _move(runtime, session, service, cancel, "done")


RULES = {
    "productOrder": Rules(prepare=_prepare_order),
    "cancelProductOrder": Rules(after_create=_process_cancellation),
}
