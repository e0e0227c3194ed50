"""The database fixtures themselves: both kinds give a working, empty database."""

from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.databases import PostgresCluster


def test_database_url_round_trip(database_url: str, db_kind: str) -> None:
    assert database_url.startswith("sqlite:///" if db_kind == "sqlite" else "postgresql+psycopg://")
    engine = sa.create_engine(database_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        metadata = sa.MetaData()
        items = sa.Table(
            "item",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(items.insert(), [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.select(items.c.id, items.c.name).order_by(items.c.id)).all()
        assert [tuple(row) for row in rows] == [(1, "one"), (2, "two")]
        assert engine.dialect.name == db_kind
    finally:
        engine.dispose()


def test_new_database_gives_distinct_empty_databases(postgres_cluster: PostgresCluster) -> None:
    first, second = postgres_cluster.new_database(), postgres_cluster.new_database()
    assert first != second
    engine_first, engine_second = sa.create_engine(first), sa.create_engine(second)
    try:
        with engine_first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_in_first (id integer PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO only_in_first VALUES (1)"))
        assert sa.inspect(engine_first).get_table_names() == ["only_in_first"]
        assert sa.inspect(engine_second).get_table_names() == []
        with engine_second.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == second.rsplit("/", 1)[1]
    finally:
        engine_first.dispose()
        engine_second.dispose()


def test_cluster_is_tuned_for_speed_and_local_only(postgres_cluster: PostgresCluster) -> None:
    assert postgres_cluster.admin_url.endswith(f"@127.0.0.1:{postgres_cluster.port}/postgres")
    with postgres_cluster.connect() as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("fsync", "synchronous_commit", "full_page_writes", "listen_addresses")
        }
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "listen_addresses": "127.0.0.1",
    }
    assert (postgres_cluster.socket_dir / f".s.PGSQL.{postgres_cluster.port}").exists()


_first_url_by_kind: dict[str, str] = {}


def test_module_database_url_first(module_database_url: str, module_db_kind: str) -> None:
    engine = sa.create_engine(module_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE shared_marker (id integer PRIMARY KEY)"))
    finally:
        engine.dispose()
    _first_url_by_kind[module_db_kind] = module_database_url


def test_module_database_url_is_shared_within_module(module_database_url: str, module_db_kind: str) -> None:
    assert _first_url_by_kind.get(module_db_kind, module_database_url) == module_database_url
    engine = sa.create_engine(module_database_url)
    try:
        assert "shared_marker" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
