"""Helpers for the event delivery fault tests and the event benchmark.

- ``CallbackListener``: a real HTTP listener on 127.0.0.1 in a thread that records the events
  POSTed to it; it can be stopped and started again on the same port, and told to answer 500
  (``mode = "fail"``) or to hang (``mode = "hang"``: sleep past the delivery timeout, or until
  ``release()``), per path prefix or for every path.
- ``ServerProcess`` / ``tmf_server``: ``python -m tmf_api serve`` (or ``tmf events dispatch``) as a
  subprocess with extra CLI arguments (``--no-dispatch``), killable with SIGKILL and restartable
  on the same port; built on tests/fixtures/server.py's helpers.
- Database probes (``delivery_states``, ``attempt_workers``…) read the outbox tables directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from sid_model import EventDelivery, EventDeliveryAttempt, EventRecord, EventSubscription
from sid_model.db import make_engine
from tests.fixtures.server import REPO_ROOT, _tail, _wait_ready, free_port

TT_V4 = "/tmf-api/troubleTicket/v4"


def ticket_v4(marker: str) -> dict[str, Any]:
    return {
        "description": marker,
        "name": "宽带故障",
        "severity": "major",
        "ticketType": "故障报修",
        "channel": {"id": "HOTLINE-10000", "name": "10000号客服热线"},
    }


# -- the callback listener -------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    event_id: str
    event_type: str
    at: float  # time.perf_counter() when the request arrived
    status: int  # what we answered
    resource_id: str = ""  # id of the resource the event is about


@dataclass
class CallbackListener:
    """A TMF630 listener endpoint in a thread. Modes: "ok" (204), "fail" (500), "hang"."""

    port: int = field(default_factory=free_port)
    mode: str = "ok"
    hang_seconds: float = 30.0
    # Per path prefix modes, checked before `mode` (e.g. {"/slow": "hang"}).
    path_modes: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    on_receive: Callable[[Received], object] | None = None  # called as each post arrives; result unused

    def url(self, path: str = "/listener") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def mode_for(self, path: str) -> str:
        for prefix, mode in self.path_modes.items():
            if path.startswith(prefix):
                return mode
        return self.mode

    # life cycle
    def start(self) -> CallbackListener:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                arrived = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                mode = listener.mode_for(self.path)
                if mode == "hang":
                    listener._release.wait(listener.hang_seconds)
                    status = 504
                else:
                    status = 500 if mode == "fail" else 204
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {}
                resources = list((payload.get("event") or {}).values())
                item = Received(
                    self.path,
                    str(payload.get("eventId") or payload.get("id") or ""),
                    str(payload.get("eventType") or ""),
                    arrived,
                    status,
                    str(resources[0].get("id", "")) if resources and isinstance(resources[0], dict) else "",
                )
                with listener._lock:
                    listener.received.append(item)
                if listener.on_receive is not None:
                    listener.on_receive(item)
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True
            request_queue_size = 1024

        self._release.clear()
        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket: further connections are refused (hanging requests stay)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def release(self) -> None:
        """End every hanging request now."""
        self._release.set()

    def close(self) -> None:
        self.release()
        self.stop()

    def __enter__(self) -> CallbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # what arrived
    def delivered(self, prefix: str = "") -> list[Received]:
        """Requests answered with success (what the dispatcher may count as delivered)."""
        with self._lock:
            return [r for r in self.received if r.status < 300 and r.path.startswith(prefix)]

    def counts(self, prefix: str = "") -> Counter[str]:
        return Counter(r.event_id for r in self.delivered(prefix))

    def pairs(self) -> Counter[tuple[str, str]]:
        """(eventId, path) → how many successful deliveries."""
        return Counter((r.event_id, r.path) for r in self.delivered())


# -- database probes --------------------------------------------------------------------------


class Outbox:
    """Read-only looks at the outbox tables of one database."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = make_engine(database_url)

    def close(self) -> None:
        self.engine.dispose()

    def states(self) -> Counter[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(EventDelivery.state, func.count()).group_by(EventDelivery.state)).all()
        return Counter({state: count for state, count in rows})

    def event_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(select(EventRecord.event_id)))

    def deliveries(self) -> list[dict[str, Any]]:
        """One dict per delivery: event id, callback, state, attempts, attempt rows."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    EventDelivery.pk,
                    EventDelivery.id,
                    EventRecord.event_id,
                    EventSubscription.callback,
                    EventDelivery.state,
                    EventDelivery.attempts,
                    EventDelivery.last_error,
                )
                .join(EventRecord, EventRecord.pk == EventDelivery.event_pk)
                .join(EventSubscription, EventSubscription.pk == EventDelivery.subscription_pk)
                .order_by(EventDelivery.pk)
            ).all()
            attempts = Counter(conn.scalars(select(EventDeliveryAttempt.delivery_pk)))
        return [
            {
                "pk": pk,
                "id": id_,
                "event_id": event_id,
                "callback": callback,
                "state": state,
                "attempts": count,
                "attempt_rows": attempts[pk],
                "last_error": error,
            }
            for pk, id_, event_id, callback, state, count, error in rows
        ]

    def claimers(self) -> set[str]:
        """Workers that have claimed deliveries."""
        with self.engine.connect() as conn:
            claimed = select(EventDelivery.claimed_by).where(EventDelivery.claimed_by.is_not(None))
            return {str(worker) for worker in conn.scalars(claimed)}

    def connections(self, application_name: str) -> int:
        """PostgreSQL sessions open under `application_name`."""
        with self.engine.connect() as conn:
            count = conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            )
        return int(count or 0)

    def attempt_workers(self) -> Counter[str]:
        with self.engine.connect() as conn:
            return Counter(conn.scalars(select(EventDeliveryAttempt.worker)))

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        rows = [(d["state"], d["attempts"], (d["last_error"] or "")[:60]) for d in self.deliveries()]
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; outbox: {rows[:20]}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


# -- server subprocesses ----------------------------------------------------------------------


class ServerProcess:
    """`python -m tmf_api serve` with extra arguments; restartable on the same port, killable."""

    def __init__(self, database_url: str, *extra: str, port: int | None = None) -> None:
        self.database_url = database_url
        self.extra = list(extra)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._folder = Path(tempfile.mkdtemp(prefix="tmf-faults-"))
        self._starts = 0

    @property
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "tmf_api", "serve",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--database-url", self.database_url, "--no-demo-data", "--log-level", "warning",
            "--callback-allow-private",  # its listeners are on loopback
            *self.extra,
        ]  # fmt: skip

    @property
    def stderr_path(self) -> Path:
        return self._folder / f"stderr-{self._starts}.log"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        self._starts += 1
        with (
            open(self._folder / f"stdout-{self._starts}.log", "wb") as out,
            open(self.stderr_path, "wb") as err,
        ):
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
        _wait_ready(self.process, self.command, self.base_url, timeout, self.stderr_path)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, in-flight deliveries keep their `sending` lease."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stderr(self) -> str:
        return _tail(self.stderr_path)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


class DispatchProcess:
    """`python -m tmf_api events dispatch`: a delivery worker without the APIs."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="tmf-dispatch-", suffix=".log", delete=False)  # noqa: SIM115

    def __enter__(self) -> DispatchProcess:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "tmf_api", "events", "dispatch", "--database-url", self.database_url,
                "--callback-allow-private",  # its listeners are on loopback
            ],
            cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._log.close()

    def output(self) -> str:
        return _tail(Path(self._log.name))


def tmf_cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run `python -m tmf_api …` and return its completed process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "tmf_api", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@contextlib.contextmanager
def http_client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        yield client


def subscribe(client: Any, callback: str, base: str = TT_V4, query: str | None = None) -> str:
    body: dict[str, Any] = {"callback": callback}
    if query is not None:
        body["query"] = query
    response = client.post(f"{base}/hub", json=body)
    assert response.status_code == 201, response.text
    subscription_id: str = response.json()["id"]
    return subscription_id


def create_tickets(
    client: Any, count: int, marker: str = "fault", answered: dict[str, float] | None = None
) -> list[str]:
    """POST `count` trouble tickets (v4); `answered` gets id → perf_counter() when each was answered."""
    ids = []
    for i in range(count):
        response = client.post(f"{TT_V4}/troubleTicket", json=ticket_v4(f"{marker} {i}"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        if answered is not None:
            answered[ids[-1]] = time.perf_counter()
    return ids
