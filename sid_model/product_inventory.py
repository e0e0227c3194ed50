"""SID Product ABE, the product inventory: Product, the instance of an offering a customer holds
(TMF637), with its prices, characteristics, relationships to other products, related parties and
the order items that provided or changed it.

Prices are exact decimals (NUMERIC(18, 2), as bills are) with their charge period and the period
they apply in (`valid_from`/`valid_to`), so that a bill run can rate each price of each product
for the days it applied."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import Boolean, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered, extension_gin_index
from sid_model.common import Child, RelatedParty, children

Money = Numeric(18, 2)
Rate = Numeric(7, 4)


class Product(Base, Identified, Extensible, Rendered):
    """An offering procured by a customer, realized as services and resources (SID Product)."""

    __tablename__ = "product"
    __table_args__ = (extension_gin_index("product"),)

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    is_bundle: Mapped[bool | None] = mapped_column(Boolean)
    is_customer_visible: Mapped[bool | None] = mapped_column(Boolean)
    product_serial_number: Mapped[str | None] = mapped_column(String(200), index=True)
    # v5 creationDate: when the inventory recorded the product (server-set).
    creation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    order_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    start_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    termination_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    billing_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    billing_account_href: Mapped[str | None] = mapped_column(String(500))
    billing_account_name: Mapped[str | None] = mapped_column(String(500))
    product_offering_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_offering_href: Mapped[str | None] = mapped_column(String(500))
    product_offering_name: Mapped[str | None] = mapped_column(String(500))
    product_specification_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_specification_href: Mapped[str | None] = mapped_column(String(500))
    product_specification_name: Mapped[str | None] = mapped_column(String(500))
    product_specification_version: Mapped[str | None] = mapped_column(String(50))

    prices: Mapped[list[ProductPrice]] = children("ProductPrice")
    characteristics: Mapped[list[ProductCharacteristic]] = children("ProductCharacteristic")
    relationships: Mapped[list[ProductRelationship]] = children("ProductRelationship")
    related_parties: Mapped[list[ProductRelatedParty]] = children("ProductRelatedParty")
    order_items: Mapped[list[ProductOrderItemRef]] = children("ProductOrderItemRef")
    # Not part of the documents: read by billing (suspended days at the suspension price), so
    # loaded only when asked, and left to ON DELETE CASCADE when the product is deleted.
    status_periods: Mapped[list[ProductStatusPeriod]] = relationship(
        "ProductStatusPeriod",
        cascade="all, delete-orphan",
        order_by="ProductStatusPeriod.position",
        passive_deletes=True,
    )


class ProductPrice(Child, Extensible, Positioned, owner=Product, key="product_pk", suffix="price"):
    """A price of the product (SID ProductPrice): one-time, recurring per charge period, or usage."""

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    price_type: Mapped[str | None] = mapped_column(String(50))
    recurring_charge_period: Mapped[str | None] = mapped_column(String(50))
    unit_of_measure: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    tax_excluded_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_included_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_rate: Mapped[decimal.Decimal | None] = mapped_column(Rate)
    product_offering_price_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_offering_price_href: Mapped[str | None] = mapped_column(String(500))
    product_offering_price_name: Mapped[str | None] = mapped_column(String(500))
    # The period the price applies in: a plan change ends the old prices and starts the new ones
    # at the next charge period's start.
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()


class ProductCharacteristic(
    Child, Extensible, Positioned, owner=Product, key="product_pk", suffix="characteristic"
):
    """A characteristic value of the product (its number, bandwidth …); the value stays JSON."""

    name: Mapped[str | None] = mapped_column(String(200), index=True)
    value_type: Mapped[str | None] = mapped_column(String(50))


class ProductRelationship(
    Child, Extensible, Positioned, owner=Product, key="product_pk", suffix="relationship"
):
    """A link to another product: a bundle's parts (`bundles`), what it relies on …"""

    relationship_type: Mapped[str | None] = mapped_column(String(100))
    product_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_href: Mapped[str | None] = mapped_column(String(500))
    product_name: Mapped[str | None] = mapped_column(String(500))


class ProductRelatedParty(RelatedParty, owner=Product, key="product_pk"):
    """A party the product concerns (its customer, the user of a line …) and its role."""


class ProductOrderItemRef(
    Child, Extensible, Positioned, owner=Product, key="product_pk", suffix="order_item_ref"
):
    """The order item that provided or changed the product (TMF637 RelatedProductOrderItem)."""

    order_id: Mapped[str | None] = mapped_column(String(200), index=True)
    order_href: Mapped[str | None] = mapped_column(String(500))
    order_item_id: Mapped[str | None] = mapped_column(String(100))
    order_item_action: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(200))
    referred_type: Mapped[str | None] = mapped_column(String(100))


class ProductStatusPeriod(Child, Positioned, owner=Product, key="product_pk", suffix="status_period"):
    """One period of the product's status (active, suspended, terminated …): written by every
    status change, through the API or by provisioning; the open one has no end."""

    status: Mapped[str | None] = mapped_column(String(50))
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()
