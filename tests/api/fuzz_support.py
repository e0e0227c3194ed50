"""What the schemathesis test modules share: a server per module and database, and the verdict."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.fuzzing import FuzzReport, generation_limit
from tests.fixtures.server import running_server
from tmf_api.registry import api_versions

START_TIMEOUT_S = 240.0
VERSIONS = [pytest.param(v, id=f"{v.api}-{v.version}") for v in api_versions()]


@pytest.fixture(scope="module")
def fuzz_server(module_database_url: str) -> Iterator[str]:
    """A real server (a subprocess, as a partner sees it) on this module's database."""
    # generous: the suite starts it while the other worker keeps the second core busy
    with running_server(module_database_url, timeout=START_TIMEOUT_S) as base_url:
        yield base_url


def verdict(report: FuzzReport) -> None:
    """Fail on any finding, each labelled with the known root cause it shows, if any."""
    print(report.summary())
    assert report.requests > 0, "schemathesis sent no request"
    errors = [e for e in report.errors if generation_limit(e) is None]
    assert not errors, "schemathesis could not test:\n" + "\n".join(errors)
    assert not report.findings, f"{report.summary()}\n" + "\n".join(
        f"{f.render()}\n    known root cause: {f.cause or 'none'}" for f in report.findings
    )
