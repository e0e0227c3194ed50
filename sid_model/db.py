"""Database engines and schema upgrades (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Requests run in threads, so two may write at once: SQLite has one writer at a time, and the other
# waits for the lock (this long, or the statement timeout) instead of failing at once with
# "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout: float | None = None,
    pool_recycle: float | None = None,
    statement_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for `url`; pool options left None keep SQLAlchemy's defaults.

    `pool_recycle` 0 means never. `statement_timeout` (seconds, 0: none) is a per-connection
    limit on PostgreSQL; on SQLite, where a statement waits only for the write lock, it bounds
    that wait (the busy timeout, SQLITE_BUSY_TIMEOUT_MS when 0).
    """
    parsed = make_url(url)
    pool: dict[str, Any] = {
        name: value
        for name, value in (
            ("pool_size", pool_size),
            ("max_overflow", max_overflow),
            ("pool_timeout", pool_timeout),
            ("pool_recycle", None if pool_recycle is None else (pool_recycle or -1)),
        )
        if value is not None
    }
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # an in-memory database lives in one connection: no pool to size
        engine = create_engine(url, **pool, **kwargs)
        busy_ms = int(statement_timeout * 1000) if statement_timeout else SQLITE_BUSY_TIMEOUT_MS

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # Child rows rely on ON DELETE CASCADE; WAL lets readers run beside the writer.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        return engine
    if statement_timeout and parsed.get_backend_name() == "postgresql":
        connect_args = dict(kwargs.pop("connect_args", {}))
        options = connect_args.get("options", "")
        connect_args["options"] = f"{options} -c statement_timeout={int(statement_timeout * 1000)}".strip()
        kwargs["connect_args"] = connect_args
    return create_engine(url, pool_pre_ping=True, **pool, **kwargs)


def include_object(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's filter for comparing the model with a `dialect` database: an index the model
    builds on other dialects only (`info={"dialects": …}`, see sid_model.base) is not expected."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "index" and not reflected:
            dialects = obj.info.get("dialects")
            return dialects is None or dialect in dialects
        return True

    return include


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating it from nothing if empty)."""
    command.upgrade(alembic_config(url), revision)
