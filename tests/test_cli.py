"""`tmf` command line: every setting an option, the environment as fallback, old flags kept."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from tmf_api import cli
from tmf_api.settings import Settings, options


def serve_settings(*argv: str, environ: dict[str, str] | None = None) -> Settings:
    args = cli.build_parser().parse_args(["serve", *argv])
    return cli.settings_from(args, cli.SERVE_GROUPS, environ or {})


def test_every_setting_is_an_option_of_serve() -> None:
    for option in options():
        if option.kind is bool:
            argv = [option.flag] if not option.default else [f"--no-{option.flag[2:]}"]
            expected: Any = not option.default
        else:
            value = {int: "7", float: "2.5", str: "text"}.get(option.kind, "TMF622:v5")
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
        "--public-base-url", "https://api.example.cn",
        "--demo-data",
        "--no-simulate-fulfilment",
        "--no-dispatch",
        "--delivery-max-attempts", "4",
    )
    assert settings.database_url == "postgresql+psycopg://u@db/tmf"
    assert settings.public_base_url == "https://api.example.cn"
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


def test_events_dispatch_refuses_server_only_settings() -> None:
    parser = cli.build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["events", "dispatch", "--demo-data"])
    args = parser.parse_args(["events", "dispatch", "--pool-size", "2"])
    assert isinstance(args, argparse.Namespace)
    assert cli.settings_from(args, cli.DISPATCH_GROUPS, {}).pool_size == 2
