"""SID Customer Bill ABE: applied billing rates, the bills that gather them, and bill runs on demand.

Amounts are exact decimals (NUMERIC(18, 2)) in the bill's currency; no float ever holds money.
"""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import Boolean, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Rendered, extension_gin_index
from sid_model.common import RelatedParty, children

Money = Numeric(18, 2)
Rate = Numeric(7, 4)


class BillCycle(Base, Identified, Extensible, Rendered):
    """When an account is billed: billing, charge, credit, mailing and due dates (TMF678 v5)."""

    __tablename__ = "bill_cycle"

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    billing_date: Mapped[dt.datetime | None] = mapped_column()
    charge_date: Mapped[dt.datetime | None] = mapped_column()
    credit_date: Mapped[dt.datetime | None] = mapped_column()
    mailing_date: Mapped[dt.datetime | None] = mapped_column()
    payment_due_date: Mapped[dt.datetime | None] = mapped_column()


class CustomerBill(Base, Identified, Extensible, Rendered):
    """A bill for one billing account: the sum of its applied rates, with tax (SID CustomerBill)."""

    __tablename__ = "customer_bill"
    # Every filterable attribute has an index or an `unindexed` reason in mappings/.
    __table_args__ = (extension_gin_index("customer_bill"),)

    bill_no: Mapped[str | None] = mapped_column(String(100), index=True)
    state: Mapped[str | None] = mapped_column(String(50), index=True)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    run_type: Mapped[str | None] = mapped_column(String(50), index=True)
    bill_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    last_update: Mapped[dt.datetime | None] = mapped_column(index=True)
    next_bill_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    payment_due_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    billing_period_start: Mapped[dt.datetime | None] = mapped_column()
    billing_period_end: Mapped[dt.datetime | None] = mapped_column()
    billing_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    billing_account_name: Mapped[str | None] = mapped_column(String(500))
    bill_cycle_id: Mapped[str | None] = mapped_column(String(100), index=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_due: Mapped[decimal.Decimal | None] = mapped_column(Money)
    remaining_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_excluded_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_included_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    # A cycle bill's account and period: one bill per account and period, however often a bill
    # run repeats (tmf_api.apis.billing.run_cycle). Other bills have none.
    cycle_key: Mapped[str | None] = mapped_column(String(400), unique=True)

    related_parties: Mapped[list[CustomerBillRelatedParty]] = children("CustomerBillRelatedParty")


class CustomerBillRelatedParty(RelatedParty, owner=CustomerBill, key="bill_pk"):
    """A party the bill concerns (the account holder, the payer …)."""


class AppliedCustomerBillingRate(Base, Identified, Extensible, Rendered):
    """One charge applied to a billing account (a product's one-time or recurring price), billed once."""

    __tablename__ = "applied_customer_billing_rate"

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # oneTime | recurring | usage … (v4 `type`, v5 `appliedBillingRateType`)
    rate_type: Mapped[str | None] = mapped_column(String(50), index=True)
    date: Mapped[dt.datetime | None] = mapped_column(index=True)
    is_billed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    billing_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    bill_id: Mapped[str | None] = mapped_column(
        ForeignKey("customer_bill.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[str | None] = mapped_column(String(200), index=True)
    product_name: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str | None] = mapped_column(String(3))
    tax_excluded_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_included_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    tax_rate: Mapped[decimal.Decimal | None] = mapped_column(Rate)
    period_start: Mapped[dt.datetime | None] = mapped_column()
    period_end: Mapped[dt.datetime | None] = mapped_column()
    # Where the charge comes from: the order item whose completion applied it.
    product_order_id: Mapped[str | None] = mapped_column(String(100), index=True)
    product_order_item_id: Mapped[str | None] = mapped_column(String(100))
    # What a bill run rated (product, price, period): rated once however often a run repeats.
    charge_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    bill_run_id: Mapped[str | None] = mapped_column(String(100), index=True)


class CustomerBillOnDemand(Base, Identified, Extensible, Rendered):
    """A request to bill an account now rather than at its cycle's date (a task)."""

    __tablename__ = "customer_bill_on_demand"

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(50), index=True)
    last_update: Mapped[dt.datetime | None] = mapped_column()
    billing_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    billing_account_name: Mapped[str | None] = mapped_column(String(500))
    customer_bill_id: Mapped[str | None] = mapped_column(String(100), index=True)
    customer_bill_href: Mapped[str | None] = mapped_column(String(500))
