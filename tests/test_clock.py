"""The test clock (tmf_api.clock): served only when asked for, moves forward only, and business
times follow it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.contract import assert_tmf_error
from tests.fixtures.app import CheckedClient, make_client
from tmf_api import cli, clock


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[CheckedClient]:
    with make_client(f"sqlite:///{tmp_path / 'clock.db'}", adjustable_clock=True) as client:
        yield client
    clock.reset()  # the offset is the process's: later tests run on the system's time


def test_the_clock_moves_forward_and_business_times_follow_it(clocked: CheckedClient) -> None:
    before = clocked.get("/clock").json()["now"]
    assert abs(
        dt.datetime.fromisoformat(before.replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)
    ) < dt.timedelta(minutes=5)
    moved = clocked.post("/clock", json={"now": "2031-03-01T02:00:00Z"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["now"].startswith("2031-03-01T02:00:0")
    ticket = clocked.post(
        "/tmf-api/troubleTicket/v5/troubleTicket",
        json={
            "@type": "TroubleTicket",
            "description": "宽带无法上网，光猫 LOS 灯红色闪烁",
            "severity": "Major",
            "ticketType": "fault",
        },
    )
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["creationDate"].startswith("2031-03-01T02:00")
    backwards = clocked.post("/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert_tmf_error(backwards, 400, mentions="only moves forward")
    assert_tmf_error(clocked.post("/clock", json={"now": "2032-01-01T00:00:00"}), 400, mentions="UTC offset")
    assert_tmf_error(clocked.post("/clock", json={"when": "2032"}), 400)
    assert_tmf_error(clocked.post("/clock", content=b"{not json"), 400)
    assert_tmf_error(clocked.put("/clock", json={"now": "2032-01-01T00:00:00Z"}), 405)
    reset = clocked.delete("/clock")
    assert reset.status_code == 200 and reset.json()["offsetSeconds"] == 0


def test_without_the_setting_there_is_no_clock(tmp_path: Path) -> None:
    with make_client(f"sqlite:///{tmp_path / 'plain.db'}") as client:
        assert_tmf_error(client.post("/clock", json={"now": "2031-03-01T02:00:00Z"}), 404)
    assert clock.now() - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=1)


def test_an_adjustable_clock_is_refused_with_several_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--adjustable-clock", "--workers", "2"]) == 2
    assert "one process only" in capsys.readouterr().err
