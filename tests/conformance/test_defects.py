"""The conformance tool against a deliberately non-conformant server.

With no defect the double must pass every rule (exit 0), which shows it is a sound baseline; with one
seeded defect the tool must exit 1 and report the rule meant to catch that defect as failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.bad_server import DEFECT_VERSIONS, DEFECTS, FUZZ_DEFECTS, running_bad_server
from tests.conformance.tool import run_command, run_conformance
from tests.fixtures.reference import reference_dir

ROOT = Path(__file__).resolve().parents[2]
API_PATH = "/tmf-api/productOrderingManagement"
VERSIONS = ("v4", "v5")


def _tool_missing() -> str | None:
    if not (ROOT / "conformance" / "__main__.py").exists():
        return f"the conformance tool is missing: {ROOT / 'conformance' / '__main__.py'} does not exist"
    return None


def _outcomes(report: Any, version: str) -> list[dict[str, Any]]:
    """The rule outcomes of the TMF622 `version` run in the JSON report (`runs[].rules[]`)."""
    runs = [r for r in report.get("runs", []) if r.get("api") == "TMF622" and r.get("version") == version]
    assert len(runs) == 1, f"expected one TMF622 {version} run in the JSON report, got {report.get('runs')}"
    rules: list[dict[str, Any]] = runs[0].get("rules", [])
    return rules


def run_tool(
    base_url: str, version: str, report_dir: Path, only: list[str] | None = None, fuzz_examples: int = 0
) -> tuple[int, Any, str]:
    """Run `python -m conformance run` against the double; (exit code, JSON report, console output)."""
    if (missing := _tool_missing()) is not None:
        pytest.fail(missing, pytrace=False)
    command = [
        "run",
        "--base-url", base_url,
        "--api", "TMF622",
        "--version", version,
        "--fuzz-examples", str(fuzz_examples),
        "--seed", "1",
        "--report-dir", str(report_dir),
    ]  # fmt: skip
    if only:
        command += ["--only", *only]
    # in this process, as `python -m conformance` runs it; a fuzzing run as the command (tool.py)
    done = run_command(command) if fuzz_examples else run_conformance(command)
    output = f"$ tmf conformance {' '.join(command)}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    path = report_dir / f"TMF622-{version}.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return done.returncode, report, output


def _summary(outcomes: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {o['id']}: {o['status']} {o.get('message', '')}".rstrip()
        for o in outcomes
        if o["status"] != "passed"
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_the_double_without_defects_passes_every_rule(version: str, tmp_path: Path) -> None:
    with running_bad_server() as url:
        code, report, output = run_tool(f"{url}{API_PATH}/{version}", version, tmp_path)
    assert report is not None, f"no TMF622-{version}.json report in {tmp_path}\n{output}"
    outcomes = _outcomes(report, version)
    failed = [o for o in outcomes if o["status"] == "failed"]
    assert outcomes, f"the JSON report lists no rule outcomes\n{output}"
    assert not failed and code == 0, f"exit {code}; rules not passed:\n{_summary(outcomes)}\n{output}"


CASES = [
    pytest.param(defect, version, id=f"{defect}-{version}")
    for defect in DEFECTS
    for version in DEFECT_VERSIONS.get(defect, VERSIONS)
]


@pytest.mark.parametrize(("defect", "version"), CASES)
def test_each_defect_is_reported_by_its_rule(defect: str, version: str, tmp_path: Path) -> None:
    rule_id = DEFECTS[defect]
    fuzz_examples = 0
    if defect in FUZZ_DEFECTS:
        if reference_dir() is None:
            pytest.skip("fuzzing needs the official documents (set TMF_REFERENCE_DIR)")
        fuzz_examples = 3
    with running_bad_server({defect}) as url:
        code, report, output = run_tool(
            f"{url}{API_PATH}/{version}", version, tmp_path, only=[rule_id], fuzz_examples=fuzz_examples
        )
    assert report is not None, f"no TMF622-{version}.json report in {tmp_path}\n{output}"
    outcomes = _outcomes(report, version)
    status = {o["id"]: o["status"] for o in outcomes}
    assert rule_id in status, f"{rule_id} is not in the report (rules: {sorted(status)})\n{output}"
    assert status[rule_id] == "failed", (
        f"defect {defect!r} was not caught: {rule_id} {status[rule_id]}\n{_summary(outcomes)}\n{output}"
    )
    assert code == 1, f"exit {code}, expected 1\n{output}"
