"""`tmf` command line: every setting an option, the environment as fallback, old flags kept."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.events.faults_support import TT_V4, CallbackListener, Outbox, subscribe, ticket_v4, wait_until
from tests.fixtures.server import REPO_ROOT, _wait_ready, free_port
from tmf_api import cli
from tmf_api.settings import Settings, options, to_environ


def serve_settings(*argv: str, environ: dict[str, str] | None = None) -> Settings:
    args = cli.build_parser().parse_args(["serve", *argv])
    return cli.settings_from(args, cli.SERVE_GROUPS, environ or {})


# Values of the settings that are read by a parser of their own.
SAMPLES = {"apis": "TMF622:v5", "public_url": "https://api.example.cn"}


def test_every_setting_is_an_option_of_serve() -> None:
    for option in options():
        if option.kind is bool:
            argv = [option.flag] if not option.default else [f"--no-{option.flag[2:]}"]
            expected: Any = not option.default
        else:
            value = SAMPLES.get(option.name) or {int: "7", float: "2.5", str: "text"}[option.kind]
            argv, expected = [option.flag, value], option.parse(value)
        settings = serve_settings(*argv)
        assert getattr(settings, option.name) == expected, option.flag


def test_defaults_without_options_or_environment() -> None:
    assert serve_settings() == Settings()


def test_the_command_line_wins_over_the_environment() -> None:
    environ = {"TMF_POOL_SIZE": "9", "TMF_DELIVERY_MAX_ATTEMPTS": "3", "TMF_DATABASE_URL": "sqlite:///e.db"}
    settings = serve_settings("--pool-size", "7", environ=environ)
    assert (settings.pool_size, settings.delivery_max_attempts) == (7, 3)
    assert settings.database_url == "sqlite:///e.db"


def test_the_flags_of_before_still_work() -> None:
    settings = serve_settings(
        "--database-url", "postgresql+psycopg://u@db/tmf",
        "--public-url", "https://api.example.cn",
        "--demo-data",
        "--no-simulate-fulfilment",
        "--no-dispatch",
        "--delivery-max-attempts", "4",
    )
    assert settings.database_url == "postgresql+psycopg://u@db/tmf"
    assert settings.public_url == "https://api.example.cn"
    assert settings.demo_data and not settings.simulate_fulfilment and not settings.dispatch_events
    assert settings.delivery_max_attempts == 4
    assert not serve_settings("--no-demo-data").demo_data


def test_the_simulator_comes_with_the_demo_data_unless_told_otherwise() -> None:
    assert serve_settings("--demo-data").simulate_fulfilment
    assert serve_settings(environ={"TMF_DEMO_DATA": "1"}).simulate_fulfilment
    assert not serve_settings("--demo-data", "--no-simulate-fulfilment").simulate_fulfilment
    assert serve_settings("--simulate-fulfilment").simulate_fulfilment
    assert not serve_settings().simulate_fulfilment


def test_a_bad_option_value_is_a_usage_error_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["serve", "--pool-size", "many"])
    assert exit_.value.code == 2
    assert "argument --pool-size: 'many' is not an integer" in capsys.readouterr().err


def test_a_bad_environment_value_is_a_usage_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TMF_STATEMENT_TIMEOUT", "soon")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["db", "upgrade"])
    assert exit_.value.code == 2
    assert "TMF_STATEMENT_TIMEOUT: 'soon' is not a number" in capsys.readouterr().err


def test_events_dispatch_takes_the_delivery_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    seen: list[Settings] = []

    class FakeDispatcher:
        def __init__(self, _sessions: Any, settings: Settings) -> None:
            seen.append(settings)

        async def run(self, stop: asyncio.Event) -> None:
            return None

    monkeypatch.setattr("tmf_api.delivery.Dispatcher", FakeDispatcher)
    monkeypatch.setenv("TMF_DELIVERY_TIMEOUT", "2.5")
    argv = ["events", "dispatch", "--database-url", f"sqlite:///{tmp_path / 'd.db'}"]
    assert cli.main([*argv, "--delivery-max-attempts", "3", "--delivery-concurrency", "2"]) == 0
    assert (seen[0].delivery_max_attempts, seen[0].delivery_concurrency) == (3, 2)
    assert seen[0].delivery_timeout == 2.5
    assert seen[0].database_url.endswith("d.db")


def test_serve_builds_hrefs_on_the_listening_address_unless_a_public_url_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    seen: list[Settings] = []

    def fake_create_app(settings: Settings) -> Any:
        seen.append(settings)
        return object()

    monkeypatch.setattr("tmf_api.app.create_app", fake_create_app)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    monkeypatch.delenv("TMF_PUBLIC_URL", raising=False)
    database = ["--database-url", f"sqlite:///{tmp_path / 's.db'}", "--no-demo-data"]
    assert cli.main(["serve", "--port", "9123", *database]) == 0
    assert cli.main(["serve", "--host", "::1", "--port", "9124", *database]) == 0
    assert cli.main(["serve", "--port", "9125", "--public-url", "https://api.example.cn/", *database]) == 0
    assert [s.public_url for s in seen] == [
        "http://127.0.0.1:9123",
        "http://[::1]:9124",
        "https://api.example.cn",
    ]
    assert seen[0].base_url == "http://127.0.0.1:9123"


@pytest.mark.parametrize("text", ["api.example.cn", "ftp://x", "https://u:p@x", "https://x/?q=1"])
def test_a_public_url_that_is_not_a_base_url_is_refused(text: str) -> None:
    with pytest.raises(SystemExit):
        serve_settings("--public-url", text)


def test_callbacks_to_private_addresses_are_a_setting_of_serve_and_dispatch() -> None:
    assert not serve_settings().callback_allow_private
    assert serve_settings("--callback-allow-private").callback_allow_private
    assert serve_settings(environ={"TMF_CALLBACK_ALLOW_PRIVATE": "1"}).callback_allow_private
    args = cli.build_parser().parse_args(["events", "dispatch", "--callback-allow-private"])
    assert cli.settings_from(args, cli.DISPATCH_GROUPS, {}).callback_allow_private


def test_events_dispatch_refuses_server_only_settings() -> None:
    parser = cli.build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["events", "dispatch", "--demo-data"])
    args = parser.parse_args(["events", "dispatch", "--pool-size", "2"])
    assert isinstance(args, argparse.Namespace)
    assert cli.settings_from(args, cli.DISPATCH_GROUPS, {}).pool_size == 2


# -- tmf serve --workers N -----------------------------------------------------------------------


def test_a_worker_builds_its_app_from_the_settings_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", apis=(("TMF621", "v5"),), workers=2)
    for name, value in to_environ(settings).items():
        monkeypatch.setenv(name, value)
    app = cli.worker_app()
    assert [(r.mapping.api, r.mapping.version) for r in app.runtimes] == [("TMF621", "v5")]
    assert str(app.sessions.kw["bind"].url) == settings.database_url

WORKERS = 2
START_S = 180.0  # several fresh interpreters importing the app on a busy machine


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if int(fields.get("PPid", "0").strip()) == pid:
                found.append(int(status.parent.name))
    return found


def _workers(pid: int) -> list[int]:
    """The server processes under `pid` (uvicorn's spawned workers, not its resource tracker)."""
    workers = []
    for child in _children(pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in (Path("/proc") / str(child) / "cmdline").read_bytes():
                workers.append(child)
    return workers


def _connections_on(port: int) -> dict[int, int]:
    """socket inode -> 1 for each established TCP connection whose local port is `port`."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local_port = int(parts[1].rsplit(":", 1)[1], 16)
        if local_port == port and parts[3] == "01":  # 01: ESTABLISHED
            found[int(parts[9])] = 1
    return found


def _holds(pid: int, inodes: dict[int, int]) -> bool:
    """Whether process `pid` has one of the socket `inodes` open (it accepted that connection)."""
    for fd in (Path("/proc") / str(pid) / "fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                return True
    return False


def test_serve_with_workers_serves_from_each_and_delivers_each_event_once(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "tmf_api", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--database-url", database_url, "--no-demo-data", "--log-level", "warning",
        "--workers", str(WORKERS), "--callback-allow-private",
    ]  # fmt: skip
    stderr_path = tmp_path / "stderr.log"
    listener = CallbackListener().start()
    outbox = Outbox(database_url)
    with open(stderr_path, "wb") as stderr:
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL
        )
    workers: list[int] = []
    try:
        _wait_ready(server, command, base_url, START_S, stderr_path)
        wait_until(lambda: len(_workers(server.pid)) == WORKERS, START_S, f"{WORKERS} worker processes")
        workers = _workers(server.pid)
        # Both workers answer: new connections until each worker has accepted one of them.
        serving: set[int] = set()
        clients: list[httpx.Client] = []
        try:
            while serving != set(workers) and len(clients) < 200:
                client = httpx.Client(base_url=base_url, timeout=30.0)
                clients.append(client)
                assert client.get("/tmf-api/troubleTicket/v4/troubleTicket?limit=1").status_code == 200
                connections = _connections_on(port)
                serving |= {pid for pid in workers if _holds(pid, connections)}
            assert serving == set(workers), f"only {serving} of {workers} answered {len(clients)} connections"
            subscribe(clients[0], listener.url("/workers"))
            # Changes over many connections, so that both workers write events.
            with ThreadPoolExecutor(max_workers=8) as pool:
                created = list(
                    pool.map(
                        lambda n: clients[n % len(clients)].post(
                            f"{TT_V4}/troubleTicket", json=ticket_v4(f"worker ticket {n}")
                        ),
                        range(24),
                    )
                )
        finally:
            for client in clients:
                client.close()
        assert [r.status_code for r in created] == [201] * 24, [r.text for r in created if r.is_error]
        event_ids = outbox.event_ids()
        assert len(event_ids) == 24
        outbox.wait_for(lambda: outbox.states() == Counter({"delivered": 24}), 60, "24 deliveries delivered")
        assert listener.counts("/workers") == Counter({event_id: 1 for event_id in event_ids})
        assert set(_workers(server.pid)) == set(workers), "a worker died"
    finally:
        server.terminate()  # uvicorn stops its workers on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        for pid in workers:  # should one have outlived its parent
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        listener.close()
        outbox.close()


def test_access_log_lines_keep_the_path_but_not_the_query() -> None:
    """Filter values are a partner's data (names, phone numbers): never in the access log."""
    import logging
    import logging.config

    from tmf_api.cli import access_log_config

    logging.config.dictConfig(access_log_config())
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    keep = Keep()
    for handler in access.handlers:
        for log_filter in handler.filters:
            keep.addFilter(log_filter)
    access.addHandler(keep)
    try:
        path = "/tmf-api/productOrderingManagement/v5/productOrder?relatedParty.name=张伟&x=13800138000"
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", path, "1.1", 200)
    finally:
        access.removeHandler(keep)
    assert records == ['127.0.0.1:5 - "GET /tmf-api/productOrderingManagement/v5/productOrder HTTP/1.1" 200']


def test_billing_run_bills_each_account_of_a_cycle_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from sid_model import Account, CustomerBill, Product, ProductPrice
    from tests.fixtures.migrated import migrate

    url = f"sqlite:///{tmp_path / 'billing.db'}"
    migrate(url)
    engine = create_engine(url)
    started = dt.datetime(2026, 11, 14, 2, tzinfo=dt.UTC)  # 14 November, 10:00 in the operator's calendar
    with Session(engine) as session, session.begin():
        session.add(Account(id="BA-CLI", kind="billingAccount", name="王芳的账户", state="active"))
        price = ProductPrice(
            position=0,
            name="5G畅享套餐 129元/月",
            price_type="recurring",
            recurring_charge_period="month",
            currency="CNY",
            tax_included_amount=Decimal("129.00"),
            tax_excluded_amount=Decimal("121.70"),
            tax_rate=Decimal("6"),
            valid_from=started,
        )
        session.add(
            Product(
                id="PRD-CLI",
                name="5G 手机号",
                status="active",
                start_date=started,
                billing_account_id="BA-CLI",
                prices=[price],
            )
        )
    argv = ["billing", "run", "--cycle", "2026-11", "--database-url", url]
    assert cli.main(argv) == 0
    first = capsys.readouterr().out
    assert "BA-CLI  2026-11-01..2026-12-01  bill ZD" in first and "73.10 CNY" in first, first
    assert "cycle 2026-11: 1 accounts, 1 new bills" in first
    assert cli.main(argv) == 0
    assert "already billed" in capsys.readouterr().out
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CustomerBill)) == 1
    engine.dispose()
    assert cli.main(["billing", "run", "--cycle", "11/2026", "--database-url", url]) == 2
    assert "is not a month (YYYY-MM)" in capsys.readouterr().err
