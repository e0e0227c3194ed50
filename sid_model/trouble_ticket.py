"""SID Customer Problem ABE: TroubleTicket (a customer-reported problem) and its specification."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered, extension_gin_index
from sid_model.common import Child, ExternalIdentifier, Note, RelatedEntity, RelatedParty, children


class TroubleTicket(Base, Identified, Extensible, Rendered):
    """A problem a customer reports (故障报修, 投诉, 计费争议 …), tracked to resolution."""

    __tablename__ = "trouble_ticket"
    # Every filterable attribute has an index or an `unindexed` reason in mappings/.
    __table_args__ = (extension_gin_index("trouble_ticket"),)

    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(50), index=True)
    priority: Mapped[str | None] = mapped_column(String(50), index=True)
    ticket_type: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    status_change_reason: Mapped[str | None] = mapped_column(Text)
    status_change_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    creation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    last_update: Mapped[dt.datetime | None] = mapped_column(index=True)
    requested_resolution_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    expected_resolution_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    resolution_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    channel_id: Mapped[str | None] = mapped_column(String(200), index=True)
    channel_name: Mapped[str | None] = mapped_column(String(500))
    specification_id: Mapped[str | None] = mapped_column(String(100), index=True)

    related_parties: Mapped[list[TroubleTicketRelatedParty]] = children("TroubleTicketRelatedParty")
    related_entities: Mapped[list[TroubleTicketRelatedEntity]] = children("TroubleTicketRelatedEntity")
    notes: Mapped[list[TroubleTicketNote]] = children("TroubleTicketNote")
    external_identifiers: Mapped[list[TroubleTicketExternalIdentifier]] = children(
        "TroubleTicketExternalIdentifier"
    )
    status_changes: Mapped[list[TroubleTicketStatusChange]] = children("TroubleTicketStatusChange")


class TroubleTicketRelatedParty(RelatedParty, owner=TroubleTicket, key="ticket_pk"):
    """A party involved in the ticket (the customer who reported it, the engineer …)."""


class TroubleTicketRelatedEntity(RelatedEntity, owner=TroubleTicket, key="ticket_pk"):
    """What the problem is about: a product, a service, a CustomerBill under dispute …"""


class TroubleTicketNote(Note, owner=TroubleTicket, key="ticket_pk"):
    """A note on the ticket (the SLA rules add some themselves)."""


class TroubleTicketExternalIdentifier(ExternalIdentifier, owner=TroubleTicket, key="ticket_pk"):
    """The ticket's identifier in another system."""


class TroubleTicketStatusChange(
    Child, Extensible, Positioned, owner=TroubleTicket, key="ticket_pk", suffix="status_change"
):
    """One entry of the ticket's status history, kept by the server."""

    status: Mapped[str | None] = mapped_column(String(50))
    change_date: Mapped[dt.datetime | None] = mapped_column()
    change_reason: Mapped[str | None] = mapped_column(Text)


class TroubleTicketSpecification(Base, Identified, Extensible, Rendered):
    """A kind of trouble ticket and the characteristics it carries (TMF621 v5)."""

    __tablename__ = "trouble_ticket_specification"

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    lifecycle_status: Mapped[str | None] = mapped_column(String(50), index=True)
    version: Mapped[str | None] = mapped_column(String(50))
    creation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    last_update: Mapped[dt.datetime | None] = mapped_column()

    related_parties: Mapped[list[TroubleTicketSpecificationRelatedParty]] = children(
        "TroubleTicketSpecificationRelatedParty"
    )


class TroubleTicketSpecificationRelatedParty(
    RelatedParty, owner=TroubleTicketSpecification, key="specification_pk"
):
    """A party involved with the specification (its owner, its author …)."""
