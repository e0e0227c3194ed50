"""Settings passed explicitly into the app factory; read from the environment only by the CLI.

Every field is also a command-line option and an environment variable, derived from the field
itself: `delivery_max_attempts` is `--delivery-max-attempts` and `TMF_DELIVERY_MAX_ATTEMPTS`
(the command line wins over the environment, which wins over the default). A new field needs
nothing but its line here; its `group` says which commands take it.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

DEFAULT_DATABASE_PATH = Path("var") / "tmf.db"
ENV_PREFIX = "TMF_"
# Where `tmf serve` listens unless told otherwise, and so the base of hrefs by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8080"

# Which commands take a setting: every command reaching the database takes DATABASE, the event
# delivery workers (`tmf serve`, `tmf events dispatch`) take DELIVERY, only `tmf serve` takes SERVER.
DATABASE = "database"
DELIVERY = "delivery"
SERVER = "server"

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting given a value it cannot take; the message names where the value came from."""


def _parse_apis(text: str) -> tuple[tuple[str, str], ...] | None:
    pairs = []
    for item in text.split(","):
        api, _, version = item.strip().partition(":")
        if not api or not version:
            raise ValueError(f"{item.strip()!r} is not API:version (e.g. TMF622:v5)")
        pairs.append((api.strip(), version.strip()))
    return tuple(pairs) or None


def _parse_public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an absolute http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("a base URL has no query, fragment or credentials")
    return text.rstrip("/")


def _format_apis(value: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{api}:{version}" for api, version in value)


def setting(
    default: T,
    help: str,
    *,
    group: str = SERVER,
    minimum: float | None = None,
    parse: Callable[[str], Any] | None = None,
    format: Callable[[Any], str] | None = None,
) -> T:
    metadata = {"help": help, "group": group, "minimum": minimum, "parse": parse, "format": format}
    field: T = dataclasses.field(default=default, metadata=metadata)
    return field


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        f"sqlite:///{DEFAULT_DATABASE_PATH}",
        "SQLAlchemy URL (sqlite:///path or postgresql+psycopg://user:pass@host/db)",
        group=DATABASE,
    )
    # Connection pool (per process). Requests run in a thread pool, each holding a connection
    # while it works: beyond pool_size + max_overflow they wait up to pool_timeout, then get a 503.
    pool_size: int = setting(5, "connections kept open", group=DATABASE, minimum=1)
    max_overflow: int = setting(
        10, "connections opened beyond pool_size under load", group=DATABASE, minimum=0
    )
    pool_timeout: float = setting(
        30.0, "seconds a request waits for a free connection before a 503", group=DATABASE, minimum=0
    )
    pool_recycle: float = setting(
        1800.0,
        "seconds after which a connection is replaced (firewalls drop idle ones); 0: never",
        group=DATABASE,
        minimum=0,
    )
    # A statement running longer (a lock held elsewhere, a runaway query) is cancelled and the
    # request answered 503, so no request holds a connection and a thread indefinitely.
    statement_timeout: float = setting(
        30.0,
        "seconds a statement may run (PostgreSQL) or wait for the write lock (SQLite) before it is "
        "cancelled and the request answered 503; 0: no limit (SQLite: 30 s)",
        group=DATABASE, minimum=0,
    )
    # Each SQLite connection has its own page cache (SQLite's default: 2 MB); with 16 busy
    # connections that alone took ~45 MB of a worker's RSS, while the operating system caches the
    # file for all of them anyway. Measured in bench/README.md.
    sqlite_cache_size: int = setting(
        512, "KiB of page cache per SQLite connection (the OS caches the file as well)",
        group=DATABASE, minimum=1,
    )
    # Paging (TMF630): a list without `limit` returns at most `default_limit` items, and no
    # request gets more than `max_limit`.
    default_limit: int = setting(100, "items of a list without limit", minimum=1)
    max_limit: int = setting(1000, "most items a list returns", minimum=1)
    # Absolute hrefs, Location headers and events are built on this base URL, never on the
    # request's Host header (a client could otherwise put its own host into every subscriber's
    # events). `tmf serve` defaults it to the address it listens on.
    public_url: str | None = setting(
        None,
        "base URL of hrefs, Location and events, e.g. https://api.example.cn; none: the listening address",
        parse=_parse_public_url,
    )
    demo_data: bool = setting(False, "load demo data into an empty database")
    # A POST with an Idempotency-Key is answered, for this long, with the response to its first
    # use whenever it is retried (one day: a client's retries outlive a restart or an outage).
    idempotency_retention: float = setting(
        86400.0, "seconds an Idempotency-Key and its first response are kept for retries", minimum=1
    )
    # Which API versions to serve, as (api, version) pairs; None serves all under openapi/.
    apis: tuple[tuple[str, str], ...] | None = setting(
        None, "API versions to serve, e.g. TMF622:v5,TMF621:v4; none: all",
        parse=_parse_apis, format=_format_apis,
    )
    # Server processes; each serves every API and runs its own dispatcher (they share the outbox
    # through SKIP LOCKED leases).
    workers: int = setting(1, "server processes", minimum=1)
    # Handlers are synchronous and share one GIL: on the bench (bench/README.md, session 6) 8
    # threads served 16 connections as fast as 40 (anyio's default) with 10 MiB less per worker,
    # each thread keeping its stack and malloc arena. A request beyond them waits for a thread.
    threads: int = setting(8, "threads per process running request handlers", minimum=1)
    # Event delivery (TMF630 part 2): at-least-once, retried with exponential backoff
    # (base * 2^(attempt-1), capped at `delivery_backoff_max`), dead after `delivery_max_attempts`:
    # with the defaults a listener may be away for about 25 minutes and still get everything.
    dispatch_events: bool = setting(True, "deliver events from this process (off: other workers do)")
    delivery_max_attempts: int = setting(
        12, "attempts before an event delivery becomes a dead letter", group=DELIVERY, minimum=1
    )
    delivery_backoff_base: float = setting(
        1.0, "seconds before the first retry, doubled each time", group=DELIVERY, minimum=0
    )
    delivery_backoff_max: float = setting(300.0, "longest wait between retries", group=DELIVERY, minimum=0)
    delivery_timeout: float = setting(5.0, "seconds a callback may take to answer", group=DELIVERY, minimum=0)
    delivery_concurrency: int = setting(16, "event posts in flight per process", group=DELIVERY, minimum=1)
    # At most this many posts in flight to one subscription, so that a hanging callback holds a
    # few slots and every other subscriber keeps its events flowing.
    delivery_per_subscription: int = setting(
        4, "event posts in flight to one subscription", group=DELIVERY, minimum=1
    )
    # Callbacks on loopback, private, link-local or metadata addresses are refused (a subscriber
    # could otherwise make the hub post into the server's own network); a local demo allows them.
    callback_allow_private: bool = setting(
        False,
        "accept hub callbacks on loopback, private and link-local addresses (local demos, tests)",
        group=DELIVERY,
    )
    delivery_batch: int = setting(100, "deliveries claimed at once", group=DELIVERY, minimum=1)
    delivery_poll_interval: float = setting(
        0.5, "seconds between looks for due retries", group=DELIVERY, minimum=0
    )
    # Request shape (checked in tmf_api.adapter.middleware before anything parses the request):
    # a body over the size is a 413 before it is read into memory, deeper or longer JSON a 400.
    max_body_bytes: int = setting(1 << 20, "largest request body in bytes (413 beyond)", minimum=1)
    max_json_depth: int = setting(
        64, "deepest nesting of objects and arrays in a body (400 beyond)", minimum=1
    )
    max_array_items: int = setting(1000, "most elements of one array in a body (400 beyond)", minimum=1)
    # HTTP connections (uvicorn): idle keep-alive connections are closed after timeout_keep_alive;
    # beyond limit_concurrency connections and requests uvicorn answers 503 at once rather than
    # letting every client slow down; backlog is the listen queue of connections not yet accepted.
    timeout_keep_alive: float = setting(5.0, "seconds an idle keep-alive connection stays open", minimum=0)
    limit_concurrency: int | None = setting(
        None, "most connections and requests at once before a 503; none: no limit", minimum=1
    )
    backlog: int = setting(2048, "connections waiting to be accepted", minimum=1)
    # TMF620 import and export jobs read and write `file:` URLs inside this directory only (a job
    # naming any other file fails); without it they use the server's own export URLs alone.
    catalog_job_dir: str | None = setting(
        None,
        "directory whose files TMF620 import and export jobs may read and write; none: no files",
    )
    # A test clock (tmf_api.clock): POST /clock moves the server's time forward. One process only.
    adjustable_clock: bool = setting(
        False, "serve /clock, whose POST moves the server's time forward (billing tests; one worker)"
    )
    # Move acknowledged orders and tickets along by themselves (mappings/fulfilment.yaml).
    simulate_fulfilment: bool = setting(
        False, "move orders and tickets along by themselves (mappings/fulfilment.yaml); on with demo data"
    )

    @property
    def base_url(self) -> str:
        """The base of absolute hrefs: the configured public URL, else the default listening address."""
        return self.public_url or DEFAULT_BASE_URL

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for sid_model.db.make_engine."""
        return {
            "pool_size": self.pool_size,
            "max_overflow": self.max_overflow,
            "pool_timeout": self.pool_timeout,
            "pool_recycle": self.pool_recycle,
            "statement_timeout": self.statement_timeout,
            "sqlite_cache_size": self.sqlite_cache_size,
        }

    def uvicorn_options(self) -> dict[str, Any]:
        """Keyword arguments for uvicorn.run."""
        return {
            "timeout_keep_alive": self.timeout_keep_alive,
            "limit_concurrency": self.limit_concurrency,
            "backlog": self.backlog,
        }


# -- settings as options and environment variables ------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Option:
    """One field of Settings seen from outside: its flag, its variable, how to read its text."""

    name: str
    kind: Any  # str, int, float, bool, or the field's own type when it has a parser
    optional: bool
    default: Any
    help: str
    group: str
    minimum: float | None
    parser: Callable[[str], Any] | None
    formatter: Callable[[Any], str] | None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def parse(self, text: str) -> Any:
        """The value `text` stands for; a ValueError saying why when it stands for none."""
        stripped = text.strip()
        if self.optional and stripped == "":
            return None
        value: Any
        if self.parser is not None:
            try:
                value = self.parser(stripped)
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc}") from None
        elif self.kind is bool:
            if stripped.lower() not in _TRUE | _FALSE:
                raise ValueError(f"{text!r} is not true or false (say {', '.join(sorted(_TRUE | _FALSE))})")
            value = stripped.lower() in _TRUE
        elif self.kind is int:
            try:
                value = int(stripped)
            except ValueError:
                raise ValueError(f"{text!r} is not an integer") from None
        elif self.kind is float:
            try:
                value = float(stripped)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ValueError(f"{text!r} is not a number")
        else:
            value = stripped
        if self.minimum is not None and value is not None and value < self.minimum:
            raise ValueError(f"{text!r} is below the minimum of {self.minimum:g}")
        return value

    def format(self, value: Any) -> str:
        """The text `parse` reads back as `value` (to hand settings to worker processes)."""
        if value is None:
            return ""
        if self.formatter is not None:
            return self.formatter(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def options(groups: Iterable[str] | None = None) -> list[Option]:
    """The options of Settings, in field order; only those of `groups` when given."""
    wanted = set(groups) if groups is not None else None
    hints = typing.get_type_hints(Settings)
    found = []
    for field in dataclasses.fields(Settings):
        meta = field.metadata
        if wanted is not None and meta.get("group", SERVER) not in wanted:
            continue
        kind, optional = hints[field.name], False
        if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
            members = [m for m in typing.get_args(kind) if m is not type(None)]
            optional = len(members) < len(typing.get_args(kind))
            kind = members[0] if len(members) == 1 else kind
        if meta.get("parse") is None and kind not in (str, int, float, bool):
            raise TypeError(f"Settings.{field.name}: give `parse` for a {kind} setting")
        found.append(
            Option(
                name=field.name,
                kind=kind,
                optional=optional,
                default=field.default,
                help=meta.get("help", ""),
                group=meta.get("group", SERVER),
                minimum=meta.get("minimum"),
                parser=meta.get("parse"),
                formatter=meta.get("format"),
            )
        )
    return found


def resolve(
    given: Mapping[str, Any], environ: Mapping[str, str], groups: Iterable[str] | None = None
) -> dict[str, Any]:
    """Values for the options of `groups`: from `given` (the command line), else the environment.

    Options found in neither are left out, so that Settings' defaults apply.
    """
    values: dict[str, Any] = {}
    for option in options(groups):
        if option.name in given:
            values[option.name] = given[option.name]
        elif option.env in environ:
            try:
                values[option.name] = option.parse(environ[option.env])
            except ValueError as exc:
                raise SettingsError(f"{option.env}: {exc}") from None
    return values


def to_environ(settings: Settings) -> dict[str, str]:
    """Every setting as the environment variable that reads back as it."""
    return {option.env: option.format(getattr(settings, option.name)) for option in options()}


def from_environ(environ: Mapping[str, str]) -> Settings:
    return Settings(**resolve({}, environ))
