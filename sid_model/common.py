"""Column sets that several SID entities own as child collections.

Each owning entity declares its own small child class (so every child table has a real foreign
key with ON DELETE CASCADE); the columns live here once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sid_model.base import Extensible, Positioned


def children(target: str, *, nesting: int = 0) -> Any:
    """A child collection: owned (deleted with its parent), kept in client order.

    Loaded with the parent in one batched SELECT per level: every render needs the whole tree.
    A collection of the parent's own kind (items within items) needs `nesting`, the depth to
    eager-load: SQLAlchemy stops at the first level otherwise and loads the rest item by item.
    """
    return relationship(
        target,
        cascade="all, delete-orphan",
        order_by=f"{target}.position",
        lazy="selectin",
        join_depth=nesting or None,
    )


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


class RelatedEntityColumns(Extensible, Positioned):
    """A reference to any other entity, with the role it plays (TMF RelatedEntity)."""

    role: Mapped[str | None] = mapped_column(String(200))
    entity_id: Mapped[str | None] = mapped_column(String(200), index=True)
    entity_href: Mapped[str | None] = mapped_column(String(500))
    entity_name: Mapped[str | None] = mapped_column(String(500))
    entity_referred_type: Mapped[str | None] = mapped_column(String(100), index=True)
    entity_at_type: Mapped[str | None] = mapped_column(String(100))
