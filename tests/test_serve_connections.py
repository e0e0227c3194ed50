"""Idle keep-alive connections do not stall other clients (issue 13): a real uvicorn server with
the connection settings `tmf serve` passes it (Settings.uvicorn_options) answers a fresh client
while 500 idle keep-alive connections are held open, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

from tests.fixtures.databases import free_port
from tests.fixtures.migrated import migrate
from tmf_api.app import Application, create_app
from tmf_api.settings import Settings

IDLE_CONNECTIONS = 500
WAIT_S = 120.0  # generous: a state is awaited, never a duration measured


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[uvicorn.Server, int, Application]]:
    migrate(database_url)
    # Idle connections stay open for the whole test, so they are really there when the fresh
    # client asks.
    settings = Settings(database_url=database_url, dispatch_events=False, timeout_keep_alive=600)
    port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **settings.uvicorn_options()
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    _wait_for(lambda: served.started, "the server to start")
    try:
        yield served, port, app
    finally:
        served.should_exit = True
        thread.join(timeout=WAIT_S)


def test_a_fresh_client_is_answered_while_500_idle_keep_alive_connections_are_open(
    server: tuple[uvicorn.Server, int, Application],
) -> None:
    served, port, app = server
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            conn = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
            # One answered request makes it a keep-alive connection, then it idles.
            conn.sendall(b"GET / HTTP/1.1\r\nHost: tmf.test\r\n\r\n")
            assert conn.recv(65536).startswith(b"HTTP/1.1 307")
            idle.append(conn)
        _wait_for(lambda: len(served.server_state.connections) >= IDLE_CONNECTIONS, "the idle connections")
        runtime = app.runtimes[0]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_S) as fresh:
            response = fresh.get(f"{runtime.base_path}/{next(iter(runtime.services))}")
        assert response.status_code in (200, 206), response.text
        # They were all still open while the fresh client was served.
        assert len(served.server_state.connections) >= IDLE_CONNECTIONS
    finally:
        for conn in idle:
            conn.close()


def test_serve_passes_the_connection_settings_to_uvicorn() -> None:
    options = Settings(timeout_keep_alive=7, limit_concurrency=900, backlog=512).uvicorn_options()
    assert options == {"timeout_keep_alive": 7, "limit_concurrency": 900, "backlog": 512}
    # names uvicorn knows (a Config imports an app given by name only when it is loaded)
    assert uvicorn.Config(app="never.loaded:app", **options).limit_concurrency == 900
