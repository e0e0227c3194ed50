"""How the tool reports what it finds: fuzz findings, blocked rules, missing packages.

Against the deliberately broken double (bad_server.py), as a black box, like test_defects.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conformance.model import MissingPackage, Rule
from conformance.runner import Context, _run_rule
from tests.conformance.bad_server import FUZZ_DEFECTS, running_bad_server
from tests.fixtures.reference import reference_dir

ROOT = Path(__file__).resolve().parents[2]
API_PATH = "/tmf-api/productOrderingManagement"
TIMEOUT = 300


def _tool(args: list[str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m conformance run …`, after ``prelude`` (Python run first, in the same process)."""
    code = f"import sys\n{prelude}\nfrom conformance.cli import main\nsys.exit(main(sys.argv[1:]))"
    env = dict(os.environ)
    if (official := reference_dir()) is not None:
        env["TMF_REFERENCE_DIR"] = str(official)
    return subprocess.run(
        [sys.executable, "-c", code, "run", "--api", "TMF622", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _rules(folder: Path, version: str) -> dict[str, dict[str, Any]]:
    report = json.loads((folder / f"TMF622-{version}.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in report["runs"][0]["rules"]}


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_fuzz_findings_are_failed_rules_in_every_report(
    version: str, tmp_path: Path, tmf_reference_dir: Path
) -> None:
    """schemathesis reports a schema violation as a BaseExceptionGroup: no traceback, reports written."""
    with running_bad_server(FUZZ_DEFECTS) as url:
        done = _tool(
            ["--base-url", f"{url}{API_PATH}/{version}", "--version", version, "--only", "TMF630.fuzz",
             "--fuzz-examples", "3", "--seed", "1", "--report-dir", str(tmp_path)]
        )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    rules = _rules(tmp_path, version)
    for rule_id in ("TMF630.fuzz.no-server-error", "TMF630.fuzz.schema"):
        assert rules[rule_id]["status"] == "failed", (rule_id, output)
        assert rules[rule_id]["request"].startswith("curl "), rules[rule_id]
        assert "--seed 1" in rules[rule_id]["message"], rules[rule_id]
    assert "HTTP 500" in rules["TMF630.fuzz.no-server-error"]["actual"]
    junit = ET.parse(tmp_path / f"TMF622-{version}.junit.xml").getroot()
    assert {f.get("type") for f in junit.iter("failure")} == set(rules) & {
        "TMF630.fuzz.no-server-error",
        "TMF630.fuzz.schema",
    }
    assert "TMF630.fuzz.schema" in (tmp_path / f"TMF622-{version}.html").read_text(encoding="utf-8")


def test_rules_needing_a_created_resource_are_blocked_by_create(tmp_path: Path) -> None:
    """POST answers 200: create fails once, everything built on it is blocked by it, not failed."""
    with running_bad_server({"create-200"}) as url:
        done = _tool(
            ["--base-url", f"{url}{API_PATH}/v4", "--version", "v4", "--fuzz-examples", "0",
             "--report-dir", str(tmp_path)]
        )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    rules = _rules(tmp_path, "v4")
    failed = sorted(i for i, r in rules.items() if r["status"] == "failed")
    blocked = {i: r["blockedBy"] for i, r in rules.items() if r["status"] == "blocked"}
    # the hub answers 200 to a subscription too: its own root cause, once
    assert failed == ["TMF630.create.status-201", "TMF630.hub.subscribe"], output
    assert len(blocked) >= 20, output
    assert blocked["TMF630.filter.eq"] == "TMF630.create.status-201"
    assert blocked["TMF630.hub.event-names"] == "TMF630.hub.subscribe"
    assert set(blocked.values()) == set(failed)
    assert rules["TMF630.retrieve.not-found-404"]["status"] == "passed"
    report = json.loads((tmp_path / "TMF622-v4.json").read_text(encoding="utf-8"))["runs"][0]
    assert (report["failed"], report["blocked"]) == (2, len(blocked))
    junit = ET.parse(tmp_path / "TMF622-v4.junit.xml").getroot()
    assert len(junit.findall(".//failure")) == 2
    assert len(junit.findall(".//skipped[@type='blocked']")) == len(blocked)
    page = (tmp_path / "TMF622-v4.html").read_text(encoding="utf-8")
    assert "blocked by <code>TMF630.create.status-201</code>" in page
    assert "BLOCKED  TMF630.filter.eq" in done.stdout
    assert f"2 failed, {len(blocked)} blocked" in done.stdout


def test_a_missing_fuzzing_package_is_a_setup_error(tmp_path: Path) -> None:
    """Not a failed fuzz rule of the server: exit 2, naming the package."""
    with running_bad_server() as url:
        done = _tool(
            ["--base-url", f"{url}{API_PATH}/v4", "--version", "v4", "--fuzz-examples", "3",
             "--report-dir", str(tmp_path)],
            prelude="sys.modules['hypothesis'] = None  # as if it were not installed",
        )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "hypothesis" in done.stderr and "Traceback" not in output, output
    assert not (tmp_path / "TMF622-v4.json").exists(), "no run, so no report of rules"


def test_a_missing_core_package_is_a_setup_error() -> None:
    done = _tool(
        ["--base-url", "http://127.0.0.1:9/x", "--version", "v4"],
        prelude="sys.modules['yaml'] = None  # as if PyYAML were not installed",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pyyaml" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_package_missing_while_a_rule_runs_aborts_the_run() -> None:
    def needs_a_missing_package(ctx: Context) -> None:
        raise ModuleNotFoundError("No module named 'nothing_here'", name="nothing_here")

    rule = Rule("TMF630.test.import", "needs a package", "none", needs_a_missing_package)
    with pytest.raises(MissingPackage, match="nothing_here"):
        _run_rule(None, rule, {}, {})  # type: ignore[arg-type]  # the rule never reads the context
