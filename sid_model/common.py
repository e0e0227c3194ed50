"""Child collections that several SID entities own: their loading, their columns, their tables.

Each owner has its own child table per kind (``product_order_note``, ``trouble_ticket_note`` …) so
that every child row has a real foreign key with ON DELETE CASCADE. The columns of a kind live
here once (``NoteColumns`` …), and so does the owner's key (:class:`Child`): an owner's child class
only names its kind, its owner and the foreign-key column,

    class ProductOrderNote(Note, owner=ProductOrder, key="order_pk"): ...

It is a class statement rather than a function call so that ``Mapped[list[ProductOrderNote]]``
stays a real type for mypy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sid_model.base import Base, Extensible, Positioned


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


class Child(Base):
    """A child table of one owner: ``<owner table>_<suffix>``, ``<key>`` → ``<owner>.pk`` ON DELETE CASCADE.

    Subclasses name their owner in the class statement (``owner=…, key=…``, optionally
    ``suffix=…`` when the table is not named after the kind); abstract kinds name none.
    """

    __abstract__ = True
    # the table name's ending after the owner's table name, e.g. "note" → product_order_note
    suffix: ClassVar[str] = ""

    def __init_subclass__(
        cls, *, owner: type[Base] | None = None, key: str = "", suffix: str = "", **kwargs: Any
    ) -> None:
        if owner is not None:
            owner_table: str = owner.__tablename__
            table_suffix = suffix or cls.suffix
            if not key or not table_suffix:
                raise TypeError(f"{cls.__name__}: a child of {owner.__name__} needs a key and a suffix")
            # Set before the declarative scan (DeclarativeBase.__init_subclass__, called below).
            cls.__tablename__ = f"{owner_table}_{table_suffix}"
            setattr(
                cls,
                key,
                mapped_column(
                    Integer, ForeignKey(f"{owner_table}.pk", ondelete="CASCADE"), nullable=False, index=True
                ),
            )
        super().__init_subclass__(**kwargs)


class RelatedParty(Child, RelatedPartyColumns):
    __abstract__ = True
    suffix = "related_party"


class Note(Child, NoteColumns):
    __abstract__ = True
    suffix = "note"


class ExternalIdentifier(Child, ExternalIdentifierColumns):
    __abstract__ = True
    suffix = "external_identifier"


class RelatedEntity(Child, RelatedEntityColumns):
    __abstract__ = True
    suffix = "related_entity"
