"""TMF622 Product Ordering's own rules: v5 initial state, orders priced from the TMF620 catalog
(tmf_api.apis.pricing), order cancellation and completion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import ProductOrder, ProductOrderNote
from tmf_api.apis import billing, pricing, tmf637
from tmf_api.engine.document import JSON
from tmf_api.engine.resource import Change, RequestContext, ResourceService, Rules, utcnow
from tmf_api.errors import bad_request


def _prepare_order(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    # Items naming an offering of this catalog are checked against it and priced from it.
    pricing.price_order(session, row.items, utcnow(), service.runtime.mapping.version)
    # Items changing or ending a product of the inventory must name one it holds and fit it.
    tmf637.check_order_items(session, row.items)
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


def _patch_order(
    service: ResourceService, session: Session, row: Any, before: JSON, after: JSON, changed: list[str]
) -> None:
    """Items a PATCH adds or changes are held to the catalog as a new order's are; the others keep
    what the catalog said when they were ordered (an offering retired since does not block them)."""
    if "productOrderItem" not in changed:
        return
    held = {item.get("id"): item for item in before.get("productOrderItem") or []}
    touched = {
        item.get("id") for item in after.get("productOrderItem") or [] if held.get(item.get("id")) != item
    }
    items = [item for item in row.items if item.item_id in touched]
    pricing.price_order(session, items, utcnow(), service.runtime.mapping.version)
    tmf637.check_order_items(session, items)


def _process_cancellation(
    service: ResourceService, session: Session, cancel: Any, ctx: RequestContext
) -> None:
    orders = service.runtime.services["productOrder"]
    assert orders.lifecycle is not None
    if cancel.product_order_id is None:
        raise bad_request("productOrder.id is required: which order is to be cancelled?")
    # The mapping's `references` has already refused an id that names no order.
    # Under the row lock: two cancellations of one order take turns, and the second sees the first's
    # outcome (PostgreSQL; SQLite writers hold the write lock from the start, BEGIN IMMEDIATE).
    order = session.scalars(
        select(ProductOrder).where(ProductOrder.id == cancel.product_order_id).with_for_update()
    ).one()
    if order.state not in orders.lifecycle.groups["cancellable"]:
        # The order keeps its state; the request ends in the version's refusal state. Neither
        # version's CancelProductOrder has an attribute for the outcome's reason, so the reason is
        # a Note on the order (ProductOrder.note, in both documents), naming the request.
        cancellable = ", ".join(orders.lifecycle.groups["cancellable"])
        order.notes.append(
            ProductOrderNote(
                note_id=f"cancellation-{cancel.id}",
                author="productOrderingManagement",
                date=utcnow(),
                text=(
                    f"CancelProductOrder {cancel.id} refused: the order is {order.state}; "
                    f"only an order that is {cancellable} can be cancelled."
                ),
                position=len(order.notes),
                extension={},
            )
        )
        session.flush()
        orders.runtime.notify(session, Change("attributeValueChange", "productOrder", order, ["note"], ctx))
        service.move(session, cancel, service.resource.options["refused_state"], ctx)
        return
    service.move(session, cancel, "inProgress", ctx)
    path = (
        ["cancelled"]
        if order.state == "draft"
        else ["assessingCancellation", "pendingCancellation", "cancelled"]
    )
    for step in path[:-1]:
        orders.move(session, order, step, ctx)
    # Filled in before the last move, so that the order's `cancelled` event carries them.
    now = utcnow()
    order.cancellation_date = now
    order.cancellation_reason = cancel.cancellation_reason
    for item in order.items:
        if item.state not in orders.lifecycle.final:
            item.state = "cancelled"
    orders.move(session, order, path[-1], ctx)
    cancel.effective_cancellation_date = now
    service.move(session, cancel, "done", ctx)


def _on_order_state_change(
    service: ResourceService,
    session: Session,
    order: Any,
    old_state: str | None,
    changed: list[str],
    ctx: RequestContext,
) -> None:
    if order.state != "completed":
        return
    # Items complete with their order unless they already ended otherwise (TMF622 user guide).
    assert service.lifecycle is not None
    item_final = set(service.lifecycle.groups["item_final"])
    stack = list(order.items)
    while stack:
        item = stack.pop()
        if item.state not in item_final:
            item.state = "completed"
        stack.extend(item.children)
    order.completion_date = order.completion_date or utcnow()
    # The inventory first: the items then name the products they made, and so do their charges.
    tmf637.provision(service, session, order, utcnow(), ctx)
    billing.apply_order_charges(session, order, utcnow())


RULES = {
    "productOrder": Rules(
        prepare=_prepare_order, on_state_change=_on_order_state_change, on_patch=_patch_order
    ),
    "cancelProductOrder": Rules(after_create=_process_cancellation),
}
