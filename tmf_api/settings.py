"""Settings passed explicitly into the app factory; read from the environment only by the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("var") / "tmf.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DATABASE_PATH}"
    # Paging (TMF630): a list without `limit` returns at most `default_limit` items, and no
    # request gets more than `max_limit`.
    default_limit: int = 100
    max_limit: int = 1000
    # Absolute hrefs use the base URL the client called unless one is configured here
    # (for servers behind a proxy that rewrites Host).
    public_base_url: str | None = None
    demo_data: bool = False
    # Which API versions to serve, as (api, version) pairs; None serves all under openapi/.
    apis: tuple[tuple[str, str], ...] | None = None
    # Event delivery (TMF630 part 2): at-least-once, retried with exponential backoff
    # (base * 2^(attempt-1), capped at `delivery_backoff_max`), dead after `delivery_max_attempts`:
    # with the defaults a listener may be away for about 25 minutes and still get everything.
    dispatch_events: bool = True
    delivery_max_attempts: int = 12
    delivery_backoff_base: float = 1.0
    delivery_backoff_max: float = 300.0
    delivery_timeout: float = 5.0
    delivery_concurrency: int = 16
    # At most this many posts in flight to one subscription, so that a hanging callback holds a
    # few slots and every other subscriber keeps its events flowing.
    delivery_per_subscription: int = 4
    delivery_batch: int = 100
    delivery_poll_interval: float = 0.5
    # Move acknowledged orders and tickets along by themselves (mappings/fulfilment.yaml).
    simulate_fulfilment: bool = False
