"""TMF637 Product Inventory's own rules: the status a product may be recorded in, and the
inventory kept by TMF622 orders (provisioning, 开通/变更/停复机/拆机).

Framework-free domain logic over the SID model. TMF622's rules call it: `check_order_items` when
an order is created (an item naming a product this inventory does not hold, or a change that does
not fit it, is refused as an unknown offering is), `provision` when the order completes:

- `add` creates an `active` Product from the item: its offering, specification, characteristics
  and prices (as productPrice), the order's billing account and customer, productOrderItem naming
  the order and the item; a bundle's nested `add` items become child products, linked both ways
  by productRelationship (`bundles` / `bundledBy`);
- `modify` with product.id changes that product: another offering is a plan change (套餐变更),
  whose prices replace the old ones from the next charge day (the old prices end, the new start, at
  the operator's next midnight, China Standard Time: bills prorate recurring charges by days);
  characteristics change at once; product.status `suspended`/`active` suspends and resumes it
  (停机/复机) along the lifecycle;
- `delete` with product.id terminates it (`terminated`, terminationDate) and the products it bundles.

Every status change, through the API or here, records a status period (billing charges suspended
days at the offering's suspension price). Each change raises the TMF637 events of the documents
(ProductCreateEvent, ProductStateChangeEvent, ProductAttributeValueChangeEvent) on TMF637's hub.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import (
    Product,
    ProductCharacteristic,
    ProductOrder,
    ProductOrderItem,
    ProductOrderItemRef,
    ProductPrice,
    ProductRelatedParty,
    ProductRelationship,
    ProductStatusPeriod,
)
from tmf_api.apis.billing import price_amounts
from tmf_api.apis.rating import OPERATOR_TIME
from tmf_api.engine.document import JSON
from tmf_api.engine.mapping import Lifecycle
from tmf_api.engine.resource import Change, RequestContext, ResourceService, Rules, utcnow
from tmf_api.errors import TMFError, bad_request
from tmf_api.registry import lifecycles

API = "TMF637"
# Stored references to our products, in v4's root (each reader sees its own version).
PRODUCT_ROOT = "/tmf-api/productInventory/v4/product/"
# Item actions that name an existing product.
CHANGES = ("modify", "delete")


def lifecycle() -> Lifecycle:
    """The product lifecycle: data, mappings/TMF637/lifecycles.yaml."""
    return lifecycles(API)["product"]


def _prepare_product(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    # A product enters the inventory in one of the lifecycle's initial states (data); v5 does not
    # require `status`, and a product recorded without one is `created`.
    states = lifecycle()
    if row.status is None:
        row.status = states.initial[0]
    elif row.status not in states.initial:
        state = service.node.column_for("status")
        shown = state.shown if state is not None else str
        raise bad_request(
            f"status {shown(row.status)!r}: a product enters the inventory "
            f"{' or '.join(str(shown(s)) for s in states.initial)}"
        )
    record_status(row, _aware(row.start_date) or utcnow())


def _on_product_state_change(
    service: ResourceService,
    session: Session,
    row: Any,
    old_state: str | None,
    changed: list[str],
    ctx: RequestContext,
) -> None:
    record_status(row, utcnow())


def record_status(product: Product, since: dt.datetime) -> None:
    """The product's current status holds from `since`: the open period ends there."""
    for period in product.status_periods:
        if period.valid_to is None:
            period.valid_to = since
    product.status_periods.append(
        ProductStatusPeriod(status=product.status, valid_from=since, position=len(product.status_periods))
    )


RULES = {"product": Rules(prepare=_prepare_product, on_state_change=_on_product_state_change)}


# ---------------------------------------------------------------------------------- the order side
def _items(items: list[ProductOrderItem]) -> Iterator[ProductOrderItem]:
    for item in items:
        yield item
        yield from _items(item.children)


def _label(item: ProductOrderItem) -> str:
    return f"productOrderItem {item.item_id!r}" if item.item_id is not None else "a productOrderItem"


def _named_product(item: ProductOrderItem) -> tuple[str | None, bool]:
    """The id of the product the item names and whether it is this inventory's to judge (no href,
    or an href of this server, stored relative)."""
    product = (item.extension or {}).get("product") or {}
    product_id = product.get("id") if isinstance(product, dict) else None
    href = product.get("href") if isinstance(product, dict) else None
    local = href is None or (isinstance(href, str) and href.startswith("/tmf-api/"))
    return (product_id if isinstance(product_id, str) else None), local


def _refused(item: ProductOrderItem, message: str) -> TMFError:
    return bad_request(f"{_label(item)}: {message}", reason="Product change not possible")


def _requested_status(item: ProductOrderItem) -> str | None:
    product = (item.extension or {}).get("product") or {}
    status = product.get("status") if isinstance(product, dict) else None
    return status.strip() if isinstance(status, str) else None


def check_order_items(session: Session, items: list[ProductOrderItem]) -> None:
    """Every `modify` and `delete` item naming a product of this inventory names one it holds, and
    asks a change the product's status allows; else a 400 TMF Error naming the item."""
    states = lifecycle()
    for item in _items(items):
        if item.action not in CHANGES:
            continue
        product_id, local = _named_product(item)
        if product_id is None or not local:
            continue  # no product named, or another inventory's
        status = session.scalar(select(Product.status).where(Product.id == product_id))
        if status is None and not session.scalar(select(Product.pk).where(Product.id == product_id)):
            raise _refused(item, f"product {product_id!r} is not a product of this inventory")
        if item.action == "delete":
            if status not in states.groups["terminable"]:
                raise _refused(item, f"product {product_id!r} is {status}: it cannot be terminated")
            continue
        if status not in states.groups["modifiable"]:
            raise _refused(item, f"product {product_id!r} is {status}: it cannot be changed")
        wanted = _requested_status(item)
        if wanted is not None and wanted != status and not states.can_move(status, wanted):
            allowed = ", ".join(states.allowed(status)) or "none"
            raise _refused(
                item, f"product {product_id!r} is {status}: it cannot become {wanted} (allowed: {allowed})"
            )


# ---------------------------------------------------------------------------------- provisioning
class _Events:
    """The TMF637 changes of one order's completion, reported on TMF637's hub."""

    def __init__(self, service: ResourceService, session: Session, ctx: RequestContext | None) -> None:
        self.service, self.session, self.ctx = service, session, ctx

    def report(self, kind: str, row: Product, fields: list[str] | None = None) -> None:
        self.session.flush()
        change = Change(kind, "product", row, list(fields or []), self.ctx)
        self.service.runtime.notify(self.session, change, api=API)


def provision(
    service: ResourceService,
    session: Session,
    order: ProductOrder,
    now: dt.datetime,
    ctx: RequestContext | None,
) -> None:
    """Apply each completed item of a completed order to the inventory (module docstring)."""
    events = _Events(service, session, ctx)
    order_href = service.stored_href(order.id)
    for item in order.items:
        _provision_item(session, order, order_href, item, None, now, events)


def _provision_item(
    session: Session,
    order: ProductOrder,
    order_href: str,
    item: ProductOrderItem,
    parent: Product | None,
    now: dt.datetime,
    events: _Events,
) -> None:
    made: Product | None = None
    if item.state == "completed":
        if item.action == "add":
            made = _add(session, order, order_href, item, parent, now, events)
        elif item.action in CHANGES:
            product_id, local = _named_product(item)
            held = (
                session.scalars(select(Product).where(Product.id == product_id)).one_or_none()
                if product_id is not None and local
                else None
            )
            if held is not None and item.action == "modify":
                _modify(session, order, order_href, item, held, now, events)
            elif held is not None:
                _terminate(session, held, now, events)
    for child in item.children:
        _provision_item(session, order, order_href, child, made or parent, now, events)


def _reference(item: ProductOrderItem, order: ProductOrder, order_href: str) -> ProductOrderItemRef:
    return ProductOrderItemRef(
        order_id=order.id,
        order_href=order_href,
        order_item_id=item.item_id,
        order_item_action=item.action,
        role="fulfilment",
        referred_type="ProductOrder",
        extension={},
    )


def _add(
    session: Session,
    order: ProductOrder,
    order_href: str,
    item: ProductOrderItem,
    parent: Product | None,
    now: dt.datetime,
    events: _Events,
) -> Product:
    extension = dict(item.extension or {})
    sent = dict(extension.get("product") or {})
    offering = extension.get("productOffering") or {}
    specification = sent.get("productSpecification") or {}
    account = (extension.get("billingAccount") or {}).get("id") or order.billing_account_id
    # An id the order gave the new product is kept (its references, and its charges, name it),
    # unless it is another inventory's or names a product already held.
    wanted, local = _named_product(item)
    if wanted is None or not local or session.scalar(select(Product.pk).where(Product.id == wanted)):
        wanted = str(uuid.uuid4())
    product = Product(
        id=wanted,
        name=sent.get("name") or item.product_offering_name or item.product_offering_id,
        description=sent.get("description"),
        status="active",
        is_bundle=bool(item.children) or bool(sent.get("isBundle")),
        is_customer_visible=True,
        product_serial_number=sent.get("productSerialNumber"),
        creation_date=now,
        order_date=order.order_date,
        start_date=now,
        billing_account_id=account,
        product_offering_id=item.product_offering_id,
        product_offering_href=offering.get("href"),
        product_offering_name=item.product_offering_name,
        product_specification_id=specification.get("id"),
        product_specification_href=specification.get("href"),
        product_specification_name=specification.get("name"),
        product_specification_version=specification.get("version"),
        at_type="Product",
        extension={},
    )
    product.prices = _prices(extension.get("itemPrice") or [], now, None)
    product.characteristics = [
        _characteristic(c, n) for n, c in enumerate(sent.get("productCharacteristic") or [])
    ]
    product.related_parties = [
        ProductRelatedParty(
            role=party.role,
            party_id=party.party_id,
            party_href=party.party_href,
            party_name=party.party_name,
            party_referred_type=party.party_referred_type,
            position=n,
            extension={},
        )
        for n, party in enumerate(p for p in order.related_parties if (p.role or "").lower() == "customer")
    ]
    product.order_items = [_reference(item, order, order_href)]
    record_status(product, now)
    session.add(product)
    if parent is not None:
        product.relationships.append(
            ProductRelationship(
                relationship_type="bundledBy",
                product_id=parent.id,
                product_href=PRODUCT_ROOT + parent.id,
                product_name=parent.name,
                position=0,
                extension={},
            )
        )
        parent.relationships.append(
            ProductRelationship(
                relationship_type="bundles",
                product_id=product.id,
                product_href=PRODUCT_ROOT + product.id,
                product_name=product.name,
                position=len(parent.relationships),
                extension={},
            )
        )
        parent.is_bundle = True
    # The order item names the product it made, so that its charges name it too (billing).
    extension["product"] = sent | {"id": product.id, "href": PRODUCT_ROOT + product.id}
    item.extension = extension
    events.report("create", product)
    if parent is not None:
        events.report("attributeValueChange", parent, ["productRelationship"])
    return product


def _prices(sent: list[Any], start: dt.datetime | None, end: dt.datetime | None) -> list[ProductPrice]:
    """The product's prices from an item's OrderPrices, valid from `start` (to `end`)."""
    prices = []
    for position, price in enumerate(p for p in sent if isinstance(p, dict)):
        amounts = price_amounts(price.get("price") or {})
        currency, excluded, included, rate = amounts if amounts else ("CNY", None, None, Decimal(0))
        pop = price.get("productOfferingPrice") or {}
        prices.append(
            ProductPrice(
                name=price.get("name"),
                description=price.get("description"),
                price_type=price.get("priceType") or "oneTime",
                recurring_charge_period=price.get("recurringChargePeriod"),
                unit_of_measure=price.get("unitOfMeasure"),
                currency=currency if amounts else None,
                tax_excluded_amount=excluded,
                tax_included_amount=included,
                tax_rate=rate if amounts else None,
                product_offering_price_id=pop.get("id"),
                product_offering_price_href=pop.get("href"),
                product_offering_price_name=pop.get("name"),
                valid_from=start,
                valid_to=end,
                position=position,
                # The order keeps any priceAlteration; the product holds the price charged.
                extension={},
            )
        )
    return prices


def _characteristic(sent: Any, position: int) -> ProductCharacteristic:
    sent = dict(sent) if isinstance(sent, dict) else {}
    # No `@type`: v4 knows no Characteristic subtypes, v5 shows the one it fills in.
    return ProductCharacteristic(
        name=sent.get("name"),
        value_type=sent.get("valueType"),
        position=position,
        extension={"value": sent["value"]} if "value" in sent else {},
    )


def next_charge_period(now: dt.datetime) -> dt.datetime:
    """When a plan change takes effect: the operator's next midnight (China Standard Time). Bills
    prorate recurring charges by whole days, so a change completed on the 14th charges the old
    plan up to the 14th and the new one from the 15th."""
    local = now.astimezone(OPERATOR_TIME)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return midnight.astimezone(dt.UTC)


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def _modify(
    session: Session,
    order: ProductOrder,
    order_href: str,
    item: ProductOrderItem,
    product: Product,
    now: dt.datetime,
    events: _Events,
) -> None:
    extension = item.extension or {}
    sent = extension.get("product") or {}
    changed: list[str] = []
    offering = item.product_offering_id
    if offering is not None and offering != product.product_offering_id:
        # 套餐变更: the new plan's prices from the next charge period; the old ones end there.
        starts = next_charge_period(now)
        for price in product.prices:
            end = _aware(price.valid_to)
            if end is None or end > starts:
                price.valid_to = starts
        for price in _prices(extension.get("itemPrice") or [], starts, None):
            price.position = len(product.prices)
            product.prices.append(price)
        reference = extension.get("productOffering") or {}
        product.product_offering_id = offering
        product.product_offering_name = item.product_offering_name
        product.product_offering_href = reference.get("href")
        specification = sent.get("productSpecification") or {}
        if specification.get("id"):
            product.product_specification_id = specification.get("id")
            product.product_specification_href = specification.get("href")
            product.product_specification_name = specification.get("name")
            product.product_specification_version = specification.get("version")
        changed += ["productOffering", "productPrice"]
    # A characteristic change applies at once.
    held = {c.name: c for c in product.characteristics}
    for value in sent.get("productCharacteristic") or []:
        if not isinstance(value, dict) or value.get("name") is None:
            continue
        current = held.get(value["name"])
        if current is None:
            new = _characteristic(value, len(product.characteristics))
            product.characteristics.append(new)
            held[value["name"]] = new
        elif "value" in value and (current.extension or {}).get("value") != value["value"]:
            current.extension = dict(current.extension or {}) | {"value": value["value"]}
        else:
            continue
        if "productCharacteristic" not in changed:
            changed.append("productCharacteristic")
    product.order_items.append(_reference(item, order, order_href))
    product.order_items[-1].position = len(product.order_items) - 1
    changed.append("productOrderItem")
    events.report("attributeValueChange", product, changed)
    wanted = _requested_status(item)
    if wanted is not None and wanted != product.status and lifecycle().can_move(product.status, wanted):
        product.status = wanted  # 停机 / 复机
        record_status(product, now)
        events.report("stateChange", product, ["status"])


def _terminate(session: Session, product: Product, now: dt.datetime, events: _Events) -> None:
    """拆机: the product and the products it bundles end now."""
    states = lifecycle()
    if product.status not in states.groups["terminable"]:
        return
    product.status = "terminated"
    product.termination_date = now
    record_status(product, now)
    for price in product.prices:
        end = _aware(price.valid_to)
        if end is None or end > now:
            price.valid_to = now
    events.report("stateChange", product, ["status", "terminationDate"])
    parts = [r.product_id for r in product.relationships if r.relationship_type == "bundles" and r.product_id]
    for part in session.scalars(select(Product).where(Product.id.in_(parts))) if parts else []:
        _terminate(session, part, now, events)
