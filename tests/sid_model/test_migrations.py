"""The Alembic migrations build exactly the schema the SID model declares, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, ForeignKeyConstraint, Index, MetaData, String, Table, text

from sid_model import Base
from sid_model.db import include_object, make_engine, upgrade

# Alembic's defaults, spelt out because the tests below rely on them: types are compared,
# nullability, indexes, unique constraints and foreign keys (with ON DELETE) always are.
COMPARE_OPTIONS = {"compare_type": True}


def schema_diff(url: str, metadata: MetaData) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            opts = COMPARE_OPTIONS | {"include_object": include_object(connection.dialect.name)}
            context = MigrationContext.configure(connection, opts=opts)
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_model(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent: a second run finds nothing to do
    diff = schema_diff(database_url, Base.metadata)
    assert diff == [], diff


# --- the comparison itself: each kind of difference a model change could make is caught ----------

# a child table made by sid_model.common.Child, and its foreign key to the owner
TABLE = "product_order_note"
OWNER_KEY = "order_pk"


@pytest.fixture(scope="module")
def migrated_url(module_database_url: str) -> str:
    upgrade(module_database_url)
    return module_database_url


def model_copy() -> MetaData:
    """A copy of the model's tables that a test may change without touching the mapped classes."""
    copy = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        copied = table.to_metadata(copy)
        # to_metadata drops an index's `info`, which says on which dialects it exists
        info = {index.name: index.info for index in table.indexes}
        for index in copied.indexes:
            index.info.update(info.get(index.name, {}))
    return copy


def _change_type(md: MetaData) -> None:
    md.tables[TABLE].c.author.type = String(400)  # String(500) in the model


def _text_to_string(md: MetaData) -> None:
    md.tables[TABLE].c.text.type = String(500)  # Text in the model


def _make_nullable(md: MetaData) -> None:
    md.tables[TABLE].c[OWNER_KEY].nullable = True


def _drop_index(md: MetaData) -> None:
    table = md.tables[TABLE]
    table.indexes.remove(next(index for index in table.indexes if index.name == f"ix_{TABLE}_{OWNER_KEY}"))


def _add_index(md: MetaData) -> None:
    Index(f"ix_{TABLE}_author", md.tables[TABLE].c.author)


def _change_ondelete(md: MetaData) -> None:
    (fk,) = (c for c in md.tables[TABLE].constraints if isinstance(c, ForeignKeyConstraint))
    fk.ondelete = "SET NULL"  # CASCADE in the model


def _drop_ondelete(md: MetaData) -> None:
    (fk,) = (c for c in md.tables[TABLE].constraints if isinstance(c, ForeignKeyConstraint))
    fk.ondelete = None


def _add_column(md: MetaData) -> None:
    md.tables[TABLE].append_column(Column("extra", String(10)))


def _add_table(md: MetaData) -> None:
    Table("product_order_characteristic", md, Column("pk", String(10), primary_key=True))


MUTATIONS: dict[str, Callable[[MetaData], None]] = {
    "column type": _change_type,
    "text to string": _text_to_string,
    "nullability": _make_nullable,
    "missing index": _drop_index,
    "extra index": _add_index,
    "ondelete changed": _change_ondelete,
    "ondelete dropped": _drop_ondelete,
    "extra column": _add_column,
    "extra table": _add_table,
}


def test_an_unchanged_copy_of_the_model_matches(migrated_url: str) -> None:
    assert schema_diff(migrated_url, model_copy()) == []


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_the_comparison_catches(migrated_url: str, mutate: Callable[[MetaData], None]) -> None:
    changed = model_copy()
    mutate(changed)
    assert schema_diff(migrated_url, changed) != []


def test_item_action_summary_is_filled_for_stored_orders(database_url: str) -> None:
    """0008 computes the bitmask of orders stored before it, as the engine's writes would."""
    upgrade(database_url, "0007")
    engine = make_engine(database_url)
    items: dict[str, list[str | None]] = {
        "PO-1": ["add", "modify", "add"],
        "PO-2": [],
        "PO-3": ["noChange", "suspend"],
        "PO-4": [None],
    }
    try:
        with engine.begin() as connection:
            for pk, (id_, actions) in enumerate(items.items(), start=1):
                connection.execute(
                    text("INSERT INTO product_order (pk, id, extension) VALUES (:pk, :id, '{}')"),
                    {"pk": pk, "id": id_},
                )
                for n, action in enumerate(actions):
                    connection.execute(
                        text(
                            "INSERT INTO product_order_item (order_pk, position, action, extension) "
                            "VALUES (:pk, :n, :action, '{}')"
                        ),
                        {"pk": pk, "n": n, "action": action},
                    )
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, item_actions FROM product_order ORDER BY id"))
            expected = {"PO-1": 0b0011, "PO-2": 0, "PO-3": 0b11000, "PO-4": 0}
            assert {id_: mask for id_, mask in rows} == expected
    finally:
        engine.dispose()
