"""Engines take the pool and timeout settings; upgrades started together take turns."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sid_model import Base
from sid_model.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    alembic_config,
    head_revision,
    is_current,
    make_engine,
    upgrade,
)
from tests.fixtures.databases import PostgresCluster
from tmf_api.settings import Settings

PROCESSES = 4
WAIT_S = 60.0


def test_pool_settings_reach_the_engine(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=3, max_overflow=1, pool_timeout=2.0, pool_recycle=0)
    try:
        pool: object = engine.pool
        assert pool.size() == 3  # type: ignore[attr-defined]
        assert pool._max_overflow == 1  # type: ignore[attr-defined]
        assert pool._timeout == 2.0  # type: ignore[attr-defined]
        assert pool._recycle == -1  # type: ignore[attr-defined]  # 0 means never
    finally:
        engine.dispose()


def test_the_statement_timeout_is_set_on_every_connection(db_kind: str, database_url: str) -> None:
    engine = make_engine(database_url, statement_timeout=1.5)
    default = make_engine(database_url, statement_timeout=0)
    try:
        with engine.connect() as conn, default.connect() as unlimited:
            if db_kind == "postgresql":
                assert conn.scalar(text("SHOW statement_timeout")) == "1500ms"
                assert unlimited.scalar(text("SHOW statement_timeout")) == "0"
            else:  # SQLite: the wait for the write lock
                assert conn.scalar(text("PRAGMA busy_timeout")) == 1500
                assert unlimited.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
    finally:
        engine.dispose()
        default.dispose()


def test_the_sqlite_page_cache_is_set_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}", sqlite_cache_size=256, pool_size=2)
    try:
        with engine.connect() as first, engine.connect() as second:
            assert first.scalar(text("PRAGMA cache_size")) == -256  # negative: KiB
            assert second.scalar(text("PRAGMA cache_size")) == -256
    finally:
        engine.dispose()


def test_the_server_gives_sqlite_a_small_page_cache() -> None:
    """Each connection's own cache, 2 MB by SQLite's default, multiplied by the pool: the setting
    keeps it small (bench/README.md measures what it saves)."""
    options = Settings().engine_options()
    assert options["sqlite_cache_size"] == 512


def _upgrade_together(barrier: Any, url: str) -> None:
    barrier.wait(timeout=WAIT_S)  # every process imported and connected-ready: go at once
    upgrade(url)


@pytest.mark.postgres
def test_processes_upgrading_one_database_together_all_succeed(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.new_database()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    processes = [spawn.Process(target=_upgrade_together, args=(barrier, url)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
            assert set(context.get_current_heads()) == set(heads)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_regexp_runs_in_re2_which_never_backtracks(tmp_path: Any) -> None:
    """`(a+)+$` against 60 `a` and a `!` takes 2^60 steps in Python's `re` (SQLAlchemy's default
    REGEXP on SQLite); RE2 answers at once, and refuses what needs backtracking."""
    engine = make_engine(f"sqlite:///{tmp_path / 'regexp.db'}")
    try:
        with engine.connect() as connection:
            value = "a" * 60 + "!"
            found = connection.execute(text("SELECT :v REGEXP :p"), {"v": value, "p": "(a+)+$"}).scalar()
            assert found == 0
            assert connection.execute(text("SELECT 'aa' REGEXP '^a+$'")).scalar() == 1
            with pytest.raises(Exception, match="user-defined function raised exception"):
                connection.execute(text("SELECT 'aa' REGEXP '(a)\\1'")).scalar()
    finally:
        engine.dispose()


def test_the_head_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heads.db'}"
    assert ScriptDirectory.from_config(alembic_config(url)).get_heads() == [head_revision()]


def test_only_a_database_at_the_head_is_current(database_url: str) -> None:
    assert not is_current(database_url)  # empty
    upgrade(database_url, "0012")
    assert not is_current(database_url)
    upgrade(database_url)
    assert is_current(database_url)


SERVING_WORKER = """
import sys
from sid_model.db import upgrade
from tmf_api.app import create_app
from tmf_api.settings import Settings
upgrade(sys.argv[1])
create_app(Settings(database_url=sys.argv[1]))
print(",".join(sorted(m for m in ("alembic", "pydantic", "openapi_schema_validator") if m in sys.modules)))
"""


def test_a_worker_on_a_current_database_loads_neither_alembic_nor_pydantic(database_url: str) -> None:
    """What a serving worker keeps in memory (the 150 MB budget of bench/) holds no migration
    machinery and no second validation library."""
    upgrade(database_url)
    done = subprocess.run(
        [sys.executable, "-c", SERVING_WORKER, database_url], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
