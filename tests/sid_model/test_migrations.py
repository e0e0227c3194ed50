"""The Alembic migrations build exactly the schema the SID model declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sid_model import Base
from sid_model.db import include_object, make_engine, upgrade


def test_migrations_match_the_model(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent: a second run finds nothing to do
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object(connection.dialect.name)}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], diff
