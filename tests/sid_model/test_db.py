"""Engines take the pool and timeout settings."""

from __future__ import annotations

from sqlalchemy import text

from sid_model.db import SQLITE_BUSY_TIMEOUT_MS, make_engine


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
