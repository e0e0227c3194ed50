"""SID Customer Bill ABE payments (TMF676): payments received for a billing account, the bills each
one settles (its items), and refunds of them.

Amounts are exact decimals (NUMERIC(18, 2)) in the payment's currency; no float ever holds money.
What the server works out (how much of a payment went to each bill, to the account's credit, back
to the payer) has its own columns beside those the API shows.
"""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered
from sid_model.common import Child, children
from sid_model.customer_bill import Money


class Payment(Base, Identified, Extensible, Rendered):
    """Money received from a payer for a billing account (SID Payment), applied to its bills."""

    __tablename__ = "payment"

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    status_date: Mapped[dt.datetime | None] = mapped_column()
    payment_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    authorization_code: Mapped[str | None] = mapped_column(String(200))
    correlator_id: Mapped[str | None] = mapped_column(String(200), index=True)
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    account_name: Mapped[str | None] = mapped_column(String(500))
    channel_id: Mapped[str | None] = mapped_column(String(200), index=True)
    channel_name: Mapped[str | None] = mapped_column(String(500))
    payer_id: Mapped[str | None] = mapped_column(String(200), index=True)
    payer_name: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    # Server-kept: the part of the total that is credit on the account (applied to no bill), and
    # the part refunded since. Both NULL for a payment left unapplied (an account held elsewhere).
    credit_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    refunded_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)

    items: Mapped[list[PaymentItem]] = children("PaymentItem")


class PaymentItem(Child, Extensible, Positioned, owner=Payment, key="payment_pk", suffix="item"):
    """The part of a payment for one entity, a customer bill (SID PaymentItem)."""

    item_id: Mapped[str | None] = mapped_column(String(200))
    entity_id: Mapped[str | None] = mapped_column(String(200), index=True)
    entity_href: Mapped[str | None] = mapped_column(String(500))
    entity_name: Mapped[str | None] = mapped_column(String(500))
    entity_referred_type: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    total_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    # Server-kept: what the item took off the bill's remaining amount, and what refunds gave back.
    applied_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    reversed_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)


class Refund(Base, Identified, Extensible, Rendered):
    """Money given back to a payer, out of one of its payments (SID Refund)."""

    __tablename__ = "refund"

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    status_date: Mapped[dt.datetime | None] = mapped_column()
    refund_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    authorization_code: Mapped[str | None] = mapped_column(String(200))
    correlator_id: Mapped[str | None] = mapped_column(String(200), index=True)
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    account_name: Mapped[str | None] = mapped_column(String(500))
    channel_id: Mapped[str | None] = mapped_column(String(200), index=True)
    channel_name: Mapped[str | None] = mapped_column(String(500))
    payment_id: Mapped[str | None] = mapped_column(String(200), index=True)
    requestor_id: Mapped[str | None] = mapped_column(String(200), index=True)
    requestor_name: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
