"""SID Product Order ABE: ProductOrder, its items and the cancellation requests against it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered, extension_gin_index
from sid_model.common import ExternalIdentifier, Note, RelatedEntity, RelatedParty, children


class ProductOrder(Base, Identified, Extensible, Rendered):
    """A customer's request to provide, change or cease products (SID ProductOrder).

    The resource's own href is not stored: it is rendered from the base URL the client used and
    the API version it called, since one row serves v4 and v5.
    """

    __tablename__ = "product_order"
    # The usual list: orders in a state, newest first (TMF630 filter + sort, then paging), often
    # with an item action; carrying `item_actions` lets the exact X-Total-Count of such a list be
    # counted from this index alone. Every filterable attribute has an index or an `unindexed`
    # reason in mappings/.
    # The count of such a list walks only the matching entries of a second index, the item actions
    # listed as the masks that match (`item_actions IN (…)`, tmf_api.engine.sqlfilter), while a
    # page is read off the first in date order.
    __table_args__ = (
        Index("ix_product_order_state_order_date_item_actions", "state", "order_date", "item_actions"),
        Index("ix_product_order_state_item_actions_order_date", "state", "item_actions", "order_date"),
        extension_gin_index("product_order"),
    )

    state: Mapped[str | None] = mapped_column(String(50), index=True)
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str | None] = mapped_column(String(20), index=True)
    notification_contact: Mapped[str | None] = mapped_column(String(500))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    billing_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    # orderDate in TMF622 v4, creationDate in v5: one instant.
    order_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    completion_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    cancellation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    expected_completion_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    requested_start_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    requested_completion_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    # The actions of the top-level items as a bitmask, kept by every write (the `summaries` of the
    # ProductOrder node in mappings/TMF622/productOrder.yaml say which bit is which), so that
    # `productOrderItem.action=…` filters need not probe the items of each order.
    item_actions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    items: Mapped[list[ProductOrderItem]] = children("ProductOrderItem")
    related_parties: Mapped[list[ProductOrderRelatedParty]] = children("ProductOrderRelatedParty")
    notes: Mapped[list[ProductOrderNote]] = children("ProductOrderNote")
    external_identifiers: Mapped[list[ProductOrderExternalIdentifier]] = children(
        "ProductOrderExternalIdentifier"
    )
    channels: Mapped[list[ProductOrderChannel]] = children("ProductOrderChannel")


class ProductOrderItem(Base, Extensible, Positioned):
    """One line of a ProductOrder (SID ProductOrderItem); items nest for bundles."""

    __tablename__ = "product_order_item"
    # EXISTS (… item.action = :v) for `productOrderItem.action=…` filters; item states lead their
    # index so that orders with an item in a rare state (failed …) are found from the items.
    __table_args__ = (
        Index("ix_product_order_item_order_pk_action", "order_pk", "action"),
        Index("ix_product_order_item_state_order_pk", "state", "order_pk"),
    )

    # Top-level items point at their order; nested ones only at their parent item.
    order_pk: Mapped[int | None] = mapped_column(
        ForeignKey("product_order.pk", ondelete="CASCADE"), index=True
    )
    parent_item_pk: Mapped[int | None] = mapped_column(
        ForeignKey("product_order_item.pk", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str | None] = mapped_column(String(50))
    quantity: Mapped[int | None] = mapped_column(Integer)
    product_offering_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_offering_name: Mapped[str | None] = mapped_column(String(500))

    children: Mapped[list[ProductOrderItem]] = children("ProductOrderItem", nesting=6)


class ProductOrderRelatedParty(RelatedParty, owner=ProductOrder, key="order_pk"):
    """A party the order concerns (customer, seller …) and its role."""


class ProductOrderNote(Note, owner=ProductOrder, key="order_pk"):
    """A note on the order."""


class ProductOrderExternalIdentifier(ExternalIdentifier, owner=ProductOrder, key="order_pk"):
    """The order's identifier in another system."""


class ProductOrderChannel(RelatedEntity, owner=ProductOrder, key="order_pk", suffix="channel"):
    """The sales channel an order came through (营业厅, 10000 hotline …) and the role it played.

    v4 writes it flat (`{id, name, role}`), v5 as `{role, channel: {id, name}}`: one row serves both.
    """


class CancelProductOrder(Base, Identified, Extensible, Rendered):
    """A request to cancel a ProductOrder, processed as a task (SID Product Order ABE)."""

    __tablename__ = "cancel_product_order"

    state: Mapped[str | None] = mapped_column(String(50), index=True)
    product_order_id: Mapped[str | None] = mapped_column(String(100), index=True)
    product_order_href: Mapped[str | None] = mapped_column(String(500))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    creation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    requested_cancellation_date: Mapped[dt.datetime | None] = mapped_column()
    effective_cancellation_date: Mapped[dt.datetime | None] = mapped_column()
