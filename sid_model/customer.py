"""SID Customer ABE: Customer, the role a party (an Individual or an Organization) plays towards the
operator (TMF629). The party itself is TMF632's; the customer holds a reference to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Rendered, extension_gin_index
from sid_model.common import RelatedParty, children
from sid_model.party import ContactMedium


class Customer(Base, Identified, Extensible, Rendered):
    """A party in its customer role (SID Customer, a PartyRole), with the status of the relationship."""

    __tablename__ = "customer"
    __table_args__ = (extension_gin_index("customer"),)

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.datetime | None] = mapped_column(index=True)
    valid_to: Mapped[dt.datetime | None] = mapped_column()
    # The party playing the role (engagedParty): here or in another system.
    engaged_party_id: Mapped[str | None] = mapped_column(String(200), index=True)
    engaged_party_href: Mapped[str | None] = mapped_column(String(500))
    engaged_party_name: Mapped[str | None] = mapped_column(String(500))
    engaged_party_referred_type: Mapped[str | None] = mapped_column(String(100), index=True)

    contact_media: Mapped[list[CustomerContactMedium]] = children("CustomerContactMedium")
    related_parties: Mapped[list[CustomerRelatedParty]] = children("CustomerRelatedParty")


class CustomerContactMedium(ContactMedium, owner=Customer, key="customer_pk"):
    """How to reach the customer about the relationship (billing contact, hotline call-backs)."""


class CustomerRelatedParty(RelatedParty, owner=Customer, key="customer_pk"):
    """A party involved with the customer (an account manager, a contact person …)."""
