"""Database engines and schema upgrades (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import re2
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Requests run in threads, so two may write at once: SQLite has one writer at a time, and the other
# waits for the lock (this long, or the statement timeout) instead of failing at once with
# "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# The PostgreSQL advisory lock serialising schema upgrades (any bigint; the same in every process).
UPGRADE_LOCK_KEY = 622_621_678
# RE2's memory for one compiled expression (its default is 8 MiB); larger ones fail to compile.
RE2_MAX_MEM = 8 << 20


@functools.lru_cache(maxsize=256)
def _re2(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    return re2.compile(pattern, options)


def re2_search(pattern: str | None, value: Any) -> bool | None:
    """SQLite's REGEXP (`value REGEXP pattern` calls this with the pattern first) in RE2, which
    runs in time linear in the value: Python's `re`, SQLAlchemy's default, backtracks, so one
    expression like `(a+)+$` could hold a request for minutes."""
    if pattern is None or value is None:
        return None
    return _re2(pattern).search(str(value)) is not None


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout: float | None = None,
    pool_recycle: float | None = None,
    statement_timeout: float | None = None,
    sqlite_cache_size: int | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for `url`; pool options left None keep SQLAlchemy's defaults.

    `pool_recycle` 0 means never. `statement_timeout` (seconds, 0: none) is a per-connection
    limit on PostgreSQL; on SQLite, where a statement waits only for the write lock, it bounds
    that wait (the busy timeout, SQLITE_BUSY_TIMEOUT_MS when 0). `sqlite_cache_size` is each
    SQLite connection's page cache in KiB (None: SQLite's default).
    """
    parsed = make_url(url)
    # SQL parameters are what clients sent (names, phone numbers): errors and logs never show them.
    kwargs.setdefault("hide_parameters", True)
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
            if sqlite_cache_size is not None:
                cursor.execute(f"PRAGMA cache_size=-{int(sqlite_cache_size)}")  # negative: KiB
            cursor.close()
            # Replaces the `regexp` SQLAlchemy registers (this listener runs after the dialect's).
            dbapi_connection.create_function("regexp", 2, re2_search, deterministic=True)

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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@functools.cache
def head_revision() -> str:
    """The newest migration, read from the migration files' headers (alembic's own answer is the
    same, tests/sid_model/test_db.py checks it; reading it costs no import of alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION.findall(path.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        if "down_revision" in found:
            parents.add(found["down_revision"])
    (head,) = revisions - parents
    return head


def is_current(url: str) -> bool:
    """Whether the database at `url` is at the head revision already."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except DBAPIError:
        return False  # no alembic_version table: an empty database
    finally:
        engine.dispose()
    return row is not None and row[0] == head_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating it from nothing if empty).

    On PostgreSQL the upgrade runs under an advisory lock, so processes starting together
    (`tmf serve --workers`, several hosts) take turns: the first migrates, the others then find
    the schema current. SQLite is upgraded by one process (`tmf serve` does it before its workers).
    A database already at the head is left without loading alembic, whose modules a serving worker
    would otherwise keep (11 MB of its 150 MB budget).
    """
    if revision == "head" and is_current(url):
        return
    from alembic import command

    if make_url(url).get_backend_name() != "postgresql":
        command.upgrade(alembic_config(url), revision)
        return
    engine = make_engine(url, poolclass=NullPool)
    try:
        # Autocommit: the lock belongs to the session, and no transaction stays open beside the
        # migration's own connection.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK_KEY})
    finally:
        engine.dispose()
