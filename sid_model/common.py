"""Column sets that several SID entities own as child collections.

Each owning entity declares its own small child class (so every child table has a real foreign
key with ON DELETE CASCADE); the columns live here once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Extensible, Positioned


class RelatedPartyColumns(Extensible, Positioned):
    """SID PartyRole reference held by an entity (TMF RelatedParty / RelatedPartyRefOrPartyRoleRef)."""

    role: Mapped[str | None] = mapped_column(String(200))
    party_id: Mapped[str | None] = mapped_column(String(200), index=True)
    party_href: Mapped[str | None] = mapped_column(String(500))
    party_name: Mapped[str | None] = mapped_column(String(500))
    party_referred_type: Mapped[str | None] = mapped_column(String(100))
    party_at_type: Mapped[str | None] = mapped_column(String(100))


class NoteColumns(Extensible, Positioned):
    """SID Note (free-text annotation)."""

    note_id: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(500))
    date: Mapped[dt.datetime | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)


class ExternalIdentifierColumns(Extensible, Positioned):
    """SID ExternalIdentifier: an identifier the entity has in another system."""

    identifier: Mapped[str | None] = mapped_column(String(500), index=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    identifier_type: Mapped[str | None] = mapped_column(String(200))
