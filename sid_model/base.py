"""Declarative base and column types shared by every SID entity."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, Index, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Constraint names are fixed so that Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC instants, stored naive-UTC, truncated to milliseconds.

    TMF documents carry millisecond timestamps (``2019-05-02T08:13:59.506Z``) and clients filter
    with the exact string they read back, so what is stored must equal what is rendered.
    """

    impl = DateTime
    cache_ok = True

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


# JSONB on PostgreSQL gives indexable, path-queryable documents; plain JSON elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def extension_gin_index(table: str) -> Index:
    """GIN index on a root table's `extension` document, PostgreSQL only.

    It serves the engine's containment filters on unmapped attributes (`extension @> '{…}'`);
    jsonb_path_ops is smaller and faster than the default operator class and supports `@>`.
    SQLite has no such index: the `dialects` info tells Alembic's comparison to skip it there.
    """
    index = Index(
        f"ix_{table}_extension_gin",
        "extension",
        postgresql_using="gin",
        postgresql_ops={"extension": "jsonb_path_ops"},
        info={"dialects": ("postgresql",)},
    )
    return index.ddl_if(dialect="postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSONDocument,
    }


class Extensible:
    """TMF Extensible pattern: polymorphism attributes plus a lossless bag for everything unmapped."""

    at_type: Mapped[str | None] = mapped_column("at_type", String(100))
    at_base_type: Mapped[str | None] = mapped_column("at_base_type", String(100))
    at_schema_location: Mapped[str | None] = mapped_column("at_schema_location", String(500))
    # Attributes the mapping does not place in a column: kept as sent, returned unchanged.
    extension: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Rendered:
    """A root entity that keeps the documents its API versions render beside its queryable columns
    (tmf_api.engine.rendered), so that reads need neither its child rows nor the mapping. Deferred:
    writes load the row for its columns, not for these."""

    rendered_v4: Mapped[str | None] = mapped_column(Text, deferred=True)
    rendered_v5: Mapped[str | None] = mapped_column(Text, deferred=True)


class Identified:
    """A root entity: a surrogate key for joins, and the TMF `id` clients see."""

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(100), unique=True)


class Positioned:
    """Child rows keep the order the client sent them in."""

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(default=0)
