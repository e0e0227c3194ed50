"""tmf_api.app: what the application sets up for the process while it serves."""

from __future__ import annotations

from typing import Any, cast

import anyio
import anyio.to_thread

from tmf_api.app import _lifespan
from tmf_api.settings import Settings


def test_handlers_run_on_as_many_threads_as_the_settings_say() -> None:
    """Connexion runs the sync handlers in anyio's default thread pool: its size is `threads`
    (anyio's own default, 40, cost a worker 1.2 MiB per thread for no speed under the GIL)."""
    settings = Settings(database_url="sqlite://", threads=3, dispatch_events=False, simulate_fulfilment=False)

    async def served() -> float:
        async with _lifespan(settings, [], cast(Any, None), cast(Any, None))(None):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(served) == 3
