"""SID Customer Usage / Product Usage ABE buckets and the balance actions on them (TMF654).

A Bucket (SID UsageVolumeProduct's balance) holds prepaid money (`monetary`, CNY) or an allowance
(`data`, `voice`, `sms`) of a party account; its remaining and reserved values are exact decimals,
and the database itself refuses a negative one (the service locks the row before it changes it).
The four balance actions — top-up, adjustment, transfer, reservation — are one SID entity with the
same attributes, one table selected by `kind` (as TMF666's accounts are). Each change an action
makes is recorded once in `balance_action_history`; an AccumulatedBalance sums the buckets it names.
References the document carries as arrays (products, logical resources, related parties) stay as
sent in `extension`.
"""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import Boolean, CheckConstraint, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Rendered

# Quantities of every usage type: money to the fen (two places are checked by the rules), data in
# MB, voice in minutes; four places leave room for allowances in fractional units.
Amount = Numeric(18, 4)


class Bucket(Base, Identified, Extensible, Rendered):
    """A balance of a party account: prepaid money or an allowance, never below zero."""

    __tablename__ = "bucket"
    __table_args__ = (
        CheckConstraint("remaining_amount >= 0", name="remaining_not_negative"),
        CheckConstraint("reserved_amount >= 0", name="reserved_not_negative"),
    )

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_shared: Mapped[bool | None] = mapped_column(Boolean)
    usage_type: Mapped[str | None] = mapped_column(String(20), index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    remaining_amount: Mapped[decimal.Decimal] = mapped_column(Amount, default=decimal.Decimal(0))
    reserved_amount: Mapped[decimal.Decimal] = mapped_column(Amount, default=decimal.Decimal(0))
    units: Mapped[str | None] = mapped_column(String(20))
    remaining_value_name: Mapped[str | None] = mapped_column(String(100))
    party_account_id: Mapped[str | None] = mapped_column(String(100), index=True)
    party_account_href: Mapped[str | None] = mapped_column(String(500))
    party_account_name: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()
    requested_date: Mapped[dt.datetime | None] = mapped_column()
    confirmation_date: Mapped[dt.datetime | None] = mapped_column()


class BalanceAction(Base, Identified, Extensible, Rendered):
    """A top-up, adjustment, transfer or reservation on a bucket, with its status."""

    __tablename__ = "balance_action"

    # The TMF654 collection the action belongs to: topupBalance, adjustBalance …
    kind: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    confirmation_date: Mapped[dt.datetime | None] = mapped_column()
    amount: Mapped[decimal.Decimal | None] = mapped_column(Amount)
    units: Mapped[str | None] = mapped_column(String(20))
    usage_type: Mapped[str | None] = mapped_column(String(20), index=True)
    bucket_id: Mapped[str | None] = mapped_column(String(100), index=True)
    bucket_href: Mapped[str | None] = mapped_column(String(500))
    bucket_name: Mapped[str | None] = mapped_column(String(500))
    party_account_id: Mapped[str | None] = mapped_column(String(100), index=True)
    receiver_bucket_id: Mapped[str | None] = mapped_column(String(100), index=True)
    receiver_bucket_href: Mapped[str | None] = mapped_column(String(500))
    receiver_usage_type: Mapped[str | None] = mapped_column(String(20))
    channel_id: Mapped[str | None] = mapped_column(String(100), index=True)
    channel_name: Mapped[str | None] = mapped_column(String(200))
    payment_method_id: Mapped[str | None] = mapped_column(String(100))
    payment_method_name: Mapped[str | None] = mapped_column(String(200))
    voucher: Mapped[str | None] = mapped_column(String(100), index=True)
    adjust_type: Mapped[str | None] = mapped_column(String(20))
    cost_owner: Mapped[str | None] = mapped_column(String(20))
    is_auto_topup: Mapped[bool | None] = mapped_column(Boolean)
    number_of_periods: Mapped[int | None] = mapped_column(Integer)
    recurring_period: Mapped[str | None] = mapped_column(String(20))


class BalanceActionHistory(Base, Identified, Extensible, Rendered):
    """One change a balance action made: its status and amount then, and the buckets it moved."""

    __tablename__ = "balance_action_history"

    action_id: Mapped[str | None] = mapped_column(String(100), index=True)
    action_type: Mapped[str | None] = mapped_column(String(30), index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    confirmation_date: Mapped[dt.datetime | None] = mapped_column()
    amount: Mapped[decimal.Decimal | None] = mapped_column(Amount)
    units: Mapped[str | None] = mapped_column(String(20))
    usage_type: Mapped[str | None] = mapped_column(String(20), index=True)
    bucket_id: Mapped[str | None] = mapped_column(String(100), index=True)
    receiver_bucket_id: Mapped[str | None] = mapped_column(String(100), index=True)
    party_account_id: Mapped[str | None] = mapped_column(String(100), index=True)


class AccumulatedBalance(Base, Identified, Extensible, Rendered):
    """The sum of a party account's buckets of one usage type (the buckets are named in `extension`)."""

    __tablename__ = "accumulated_balance"

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    party_account_id: Mapped[str | None] = mapped_column(String(100), index=True)
    usage_type: Mapped[str | None] = mapped_column(String(20))
    total_amount: Mapped[decimal.Decimal] = mapped_column(Amount, default=decimal.Decimal(0))
    units: Mapped[str | None] = mapped_column(String(20))
