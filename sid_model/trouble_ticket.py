"""SID Customer Problem ABE: TroubleTicket (a customer-reported problem) and its specification."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, extension_gin_index
from sid_model.common import (
    ExternalIdentifierColumns,
    NoteColumns,
    RelatedEntityColumns,
    RelatedPartyColumns,
    children,
)


class TroubleTicket(Base, Identified, Extensible):
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


class TroubleTicketRelatedParty(Base, RelatedPartyColumns):
    __tablename__ = "trouble_ticket_related_party"

    ticket_pk: Mapped[int] = mapped_column(ForeignKey("trouble_ticket.pk", ondelete="CASCADE"), index=True)


class TroubleTicketRelatedEntity(Base, RelatedEntityColumns):
    """What the problem is about: a product, a service, a CustomerBill under dispute …"""

    __tablename__ = "trouble_ticket_related_entity"

    ticket_pk: Mapped[int] = mapped_column(ForeignKey("trouble_ticket.pk", ondelete="CASCADE"), index=True)


class TroubleTicketNote(Base, NoteColumns):
    __tablename__ = "trouble_ticket_note"

    ticket_pk: Mapped[int] = mapped_column(ForeignKey("trouble_ticket.pk", ondelete="CASCADE"), index=True)


class TroubleTicketExternalIdentifier(Base, ExternalIdentifierColumns):
    __tablename__ = "trouble_ticket_external_identifier"

    ticket_pk: Mapped[int] = mapped_column(ForeignKey("trouble_ticket.pk", ondelete="CASCADE"), index=True)


class TroubleTicketStatusChange(Base, Extensible, Positioned):
    """One entry of the ticket's status history, kept by the server."""

    __tablename__ = "trouble_ticket_status_change"

    ticket_pk: Mapped[int] = mapped_column(ForeignKey("trouble_ticket.pk", ondelete="CASCADE"), index=True)
    status: Mapped[str | None] = mapped_column(String(50))
    change_date: Mapped[dt.datetime | None] = mapped_column()
    change_reason: Mapped[str | None] = mapped_column(Text)


class TroubleTicketSpecification(Base, Identified, Extensible):
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


class TroubleTicketSpecificationRelatedParty(Base, RelatedPartyColumns):
    __tablename__ = "trouble_ticket_specification_related_party"

    specification_pk: Mapped[int] = mapped_column(
        ForeignKey("trouble_ticket_specification.pk", ondelete="CASCADE"), index=True
    )
