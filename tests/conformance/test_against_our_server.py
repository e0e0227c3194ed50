"""The conformance suite (`tmf conformance run`) against our own server, as a black box.

Every rule that applies must pass for TMF622, TMF621 and TMF678 in v4 and v5 (a skip counts: the
run exits 1 unless --allow-skips); the reports must exist and parse.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.profile import top_level
from tests.conformance.tool import Done, run_command, run_conformance
from tests.fixtures.reference import official_reference, reference_dir
from tests.fixtures.server import running_server
from tmf_api.registry import api_version, api_versions

# Every API version the registry serves, with its root path segment.
APIS = {v.api: v.name for v in api_versions()}
RUNS = [v.key for v in api_versions()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("conformance-db") / "server.db"
    with running_server(f"sqlite:///{database}", demo_data=True) as base_url:
        yield base_url


def _run(args: list[str]) -> Done:
    """`tmf conformance run <args>`, in this process (tests/conformance/tool.py)."""
    return run_conformance(["run", *args])


def _run_command(args: list[str]) -> Done:
    """`python -m conformance run <args>`, the command itself, in a new interpreter."""
    return run_command(["run", *args])


def _check_reports(folder: Path, api: str, version: str) -> dict[str, object]:
    junit = ET.parse(folder / f"{api}-{version}.junit.xml").getroot()
    cases = junit.findall(".//testcase")
    assert cases and not junit.findall(".//failure")
    report = json.loads((folder / f"{api}-{version}.json").read_text(encoding="utf-8"))
    page = (folder / f"{api}-{version}.html").read_text(encoding="utf-8")
    assert "<html" in page and "TMF630.create.status-201" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page), "the HTML page must be self-contained"
    run = report["runs"][0]
    assert run["failed"] == 0 and len(run["rules"]) == len(cases)
    for rule in run["rules"]:
        assert rule["status"] in ("passed", "skipped", "not-run"), rule
        if rule["status"] in ("skipped", "not-run"):
            assert rule["message"], rule
    result: dict[str, object] = run
    return result


def test_every_rule_passes_for_every_api_and_version(server: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    outputs: dict[tuple[str, str], str] = {}
    for api, version in RUNS:
        folder = tmp_path / f"{api}-{version}"
        # with a trailing slash for v4, without for v5: both forms of --base-url are accepted
        # An API's root may differ by version (TMF629: customerManagement/v4, customer/v5).
        base = f"{server}{api_version(api, version).base_path}" + ("/" if version == "v4" else "")
        done = _run(
            [
                "--base-url",
                base,
                "--api",
                api,
                "--version",
                version,
                "--fuzz-examples",
                "0",
                "--report-dir",
                str(folder),
                # without the official documents the schema rule cannot run: a skip, not a failure
                *(["--allow-skips"] if reference_dir() is None else []),
            ]
        )
        outputs[(api, version)] = done.stdout
        assert done.returncode == 0, f"{api} {version}:\n{done.stdout}\n{done.stderr}"
        run = _check_reports(folder, api, version)
        statuses = {r["id"]: r["status"] for r in run["rules"]}  # type: ignore[attr-defined]
        for must in (
            "TMF630.create.status-201" if api != "TMF678" else "TMF630.list.status-200",
            "TMF630.filter.eq",
            "TMF630.paging.partial-206",
            "TMF630.hub.event-names",
            # where the API has a lifecycle clients move (TMF676's payments have no PATCH)
            *([f"{api}.lifecycle.illegal-transition"] if top_level(api).get("lifecycle") else []),
        ):
            assert statuses[must] == "passed", (api, version, must, done.stdout)
        if official_reference() is not None:
            assert statuses["TMF630.schema.official"] == "passed", done.stdout
        assert f"{api} {version}:" in done.stdout and " s (seed " in done.stdout
    # How long the runs take is the benchmarks' business, not a test's (a 2-core machine under load).
    print(f"the conformance runs took {time.perf_counter() - started:.1f} s")


def test_an_empty_bill_server_is_not_conformant_unless_skips_are_allowed(tmp_path: Path) -> None:
    """TMF678 v5 with no bills: the bill rules cannot run, and say which setup the server needs."""
    base_args = ["--api", "TMF678", "--version", "v5", "--fuzz-examples", "0"]
    with running_server(f"sqlite:///{tmp_path / 'empty.db'}") as url:
        base = f"{url}/tmf-api/{APIS['TMF678']}/v5"
        strict = _run(["--base-url", base, *base_args, "--report-dir", str(tmp_path / "strict")])
        allowed = _run(["--base-url", base, *base_args, "--allow-skips"])
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    run = json.loads((tmp_path / "strict" / "TMF678-v5.json").read_text(encoding="utf-8"))["runs"][0]
    statuses = {r["id"]: r for r in run["rules"]}
    assert run["failed"] == 0 and run["skipped"] > 0, strict.stdout
    skipped = statuses["TMF630.filter.eq"]
    assert skipped["status"] == "skipped" and "customerBillOnDemand" in skipped["message"], skipped
    # turned off or not for this API: not run, which is no skip
    assert statuses["TMF630.fuzz.schema"]["status"] == "not-run"
    assert statuses["TMF622.lifecycle.legal-transition"]["status"] == "not-run"
    assert f"{run['skipped']} skipped" in strict.stdout and "customerBillOnDemand" in strict.stdout


def test_fuzzing_with_a_seed(server: str, tmp_path: Path) -> None:
    base = f"{server}/tmf-api/troubleTicket/v5"
    done = _run_command(  # fuzzing: as the command (tests/conformance/tool.py)
        [
            "--base-url",
            base,
            "--api",
            "TMF621",
            "--version",
            "v5",
            "--fuzz-examples",
            "5",
            "--seed",
            "1",
            "--only",
            "TMF630.fuzz",
            "--report-dir",
            str(tmp_path),
            *(["--allow-skips"] if reference_dir() is None else []),
        ]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seed 1" in done.stdout
    report = json.loads((tmp_path / "TMF621-v5.json").read_text(encoding="utf-8"))
    statuses = {r["id"]: r["status"] for r in report["runs"][0]["rules"] if r["status"] != "not-run"}
    assert set(statuses) == {"TMF630.fuzz.no-server-error", "TMF630.fuzz.schema"}
    if official_reference() is not None:
        assert set(statuses.values()) == {"passed"}


def test_unreachable_server_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    done = _run_command(
        [
            "--base-url",
            "http://127.0.0.1:9/tmf-api/troubleTicket/v4",
            "--api",
            "TMF621",
            "--version",
            "v4",
            "--fuzz-examples",
            "0",
        ]
    )
    assert done.returncode == 2, done.stdout + done.stderr
    # the other setup errors in this process: the command's exit code is main's (tests/conformance/tool.py)
    assert _run(["--api", "TMF621"]).returncode == 2
    missing = tmp_path / "nothing.yaml"
    done = _run(
        [
            "--base-url",
            "http://127.0.0.1:9/x",
            "--api",
            "TMF621",
            "--version",
            "v4",
            "--official-spec",
            str(missing),
        ]
    )
    assert done.returncode == 2, done.stdout + done.stderr
