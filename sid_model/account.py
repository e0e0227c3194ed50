"""SID Customer and Party ABE accounts (TMF666), and the bill structure they name.

Billing, settlement, party and financial accounts are one SID concept (an Account, specialised as
PartyAccount and FinancialAccount) with the same attributes: they share one table, `account`,
whose `kind` column says which TMF666 collection a row belongs to (the mappings select on it),
and the same child tables. What a kind lacks (a financial account has no bill structure) stays
empty. Bill formats, presentation media and billing cycle specifications are reference data the
billing accounts name in their `billStructure`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered
from sid_model.common import Child, RelatedParty, children


class Account(Base, Identified, Extensible, Rendered):
    """A party's account: billing (a customer's), settlement (a partner's), party or financial."""

    __tablename__ = "account"

    # The TMF666 collection the account belongs to: billingAccount, settlementAccount …
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    account_type: Mapped[str | None] = mapped_column(String(100), index=True)
    state: Mapped[str | None] = mapped_column(String(50), index=True)
    payment_status: Mapped[str | None] = mapped_column(String(50))
    rating_type: Mapped[str | None] = mapped_column(String(50))
    last_update: Mapped[dt.datetime | None] = mapped_column(index=True)
    # billStructure: the bill format and cycle it names (its presentation media stay in `extension`)
    bill_format_id: Mapped[str | None] = mapped_column(String(100), index=True)
    billing_cycle_specification_id: Mapped[str | None] = mapped_column(String(100), index=True)
    financial_account_id: Mapped[str | None] = mapped_column(String(100), index=True)
    default_payment_method_id: Mapped[str | None] = mapped_column(String(200))

    related_parties: Mapped[list[AccountRelatedParty]] = children("AccountRelatedParty")
    balances: Mapped[list[AccountBalance]] = children("AccountBalance")


class AccountRelatedParty(RelatedParty, owner=Account, key="account_pk"):
    """A party of the account: its owner (the customer), a payer, an account manager …"""


class AccountBalance(Child, Extensible, Positioned, owner=Account, key="account_pk", suffix="balance"):
    """One balance of the account (deposit, receivable, disputed …); its amount stays in `extension`
    as sent, so that no decimal is rounded on the way in."""

    balance_type: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()


class BillFormat(Base, Identified, Extensible, Rendered):
    """How a bill is laid out: detailed paper bill, electronic bill (电子账单) …"""

    __tablename__ = "bill_format"

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class BillPresentationMedia(Base, Identified, Extensible, Rendered):
    """The medium a bill reaches the customer through: post, SMS, e-mail, WeChat …"""

    __tablename__ = "bill_presentation_media"

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class BillingCycleSpecification(Base, Identified, Extensible, Rendered):
    """When an account's bills are produced: period, frequency, and offsets in days from its start."""

    __tablename__ = "billing_cycle_specification"

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    billing_period: Mapped[str | None] = mapped_column(String(100))
    frequency: Mapped[str | None] = mapped_column(String(100), index=True)
    billing_date_shift: Mapped[int | None] = mapped_column(Integer)
    charge_date_offset: Mapped[int | None] = mapped_column(Integer)
    credit_date_offset: Mapped[int | None] = mapped_column(Integer)
    mailing_date_offset: Mapped[int | None] = mapped_column(Integer)
    payment_due_date_offset: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()
