"""The Alembic migrations build exactly the schema the SID model declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sid_model import Base
from sid_model.db import make_engine, upgrade


def test_migrations_match_the_model(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent: a second run finds nothing to do
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], diff
