"""A small HTTP listener the suite starts itself, to receive the events a hub delivers."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    body: Any
    at: float


class Listener:
    def __init__(self, bind_host: str = "0.0.0.0", port: int = 0) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw.decode("utf-8")) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", errors="replace")
                with owner._lock:
                    owner.received.append(Received(self.path, body, time.monotonic()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((bind_host, port), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        # shutdown() waits for the serve loop's next poll: 0.5 s by default, once per run
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="conformance-listener", daemon=True
        )

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, prefix: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path.startswith(prefix)]

    def wait(self, prefix: str, done: Any, timeout: float) -> list[Received]:
        """Wait until ``done(events)`` holds for the events under ``prefix``, or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(prefix)
            if done(found) or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)
