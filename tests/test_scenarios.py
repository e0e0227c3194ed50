"""`tmf scenario` (tmf_api/scenarios.py, tmf_api/scenario_cli.py): every scenario of
conformance/scenarios/ passes against our server in each of its variants, and a scenario whose
expectation the server does not meet fails at that step, named in the output and both reports.

One server for the module (the demo data, a test clock and the fulfilment simulator, as the
scenarios declare): the scenarios run in file order, each on what the demo data loaded.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.databases import free_port
from tests.fixtures.server import running_server
from tmf_api import scenarios
from tmf_api.cli import main
from tmf_api.resources import load_yaml


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("scenario-db") / "server.db"
    options = sorted({o for s in scenarios.available().values() for o in s.server_options})
    with running_server(f"sqlite:///{database}", demo_data=True, options=options) as base_url:
        yield base_url


def tmf(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = int(exit_.code or 0)
    return code, out.getvalue()


def test_every_scenario_passes_in_each_variant(server: str, tmp_path: Path) -> None:
    code, output = tmf("scenario", "run", "--all", "--base-url", server, "--report-dir", str(tmp_path))
    assert code == 0, output
    found = scenarios.available()
    runs = [f"{s.id}.{v}" for s in found.values() for v in s.variants]
    assert len(found) >= 5 and any(v == "v5" for s in found.values() for v in s.variants)
    for key in runs:
        assert f"  {key}: " in output and "passed" in output.split(f"  {key}: ")[1].splitlines()[0]
    report = json.loads((tmp_path / "scenarios.json").read_text(encoding="utf-8"))
    assert [f"{r['id']}.{r['variant']}" for r in report["scenarios"]] == runs
    assert all(r["passed"] and all(s["status"] == "passed" for s in r["steps"]) for r in report["scenarios"])
    junit = ET.parse(tmp_path / "scenarios.junit.xml").getroot()
    steps = sum(len(s.steps) for s in found.values() for _ in s.variants)
    assert len(junit.findall(".//testcase")) == steps and not junit.findall(".//failure")


def test_an_unmet_expectation_fails_its_step_by_name(server: str, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    source = scenarios.SCENARIOS / "hotline-fault-repair.yaml"
    text = source.read_text(encoding="utf-8")
    assert text.count("响应时限 45 分钟") == 1
    # the server writes the service level's 45 minutes: this copy expects 30
    (folder / "broken.yaml").write_text(
        text.replace("响应时限 45 分钟", "响应时限 30 分钟"), encoding="utf-8"
    )
    reports = tmp_path / "reports"
    code, output = tmf(
        "scenario", "run", "broken", "--dir", str(folder), "--variant", "v4",
        "--base-url", server, "--report-dir", str(reports),
    )  # fmt: skip
    assert code == 1, output
    assert "  FAIL     2. 故障申告：建立故障工单" in output
    assert "step 2 failed: note[author=SLA].text: expected contains '响应时限 30 分钟'" in output
    assert "broken.v4: 8 steps, FAILED at step 2 (故障申告：建立故障工单" in output
    run = json.loads((reports / "scenarios.json").read_text(encoding="utf-8"))["scenarios"][0]
    assert not run["passed"]
    assert [s["status"] for s in run["steps"]] == ["passed", "failed"] + ["not-run"] * 6
    assert "响应时限 45 分钟" in json.dumps(run["steps"][1]["response"], ensure_ascii=False)
    junit = ET.parse(reports / "scenarios.junit.xml").getroot()
    (failed,) = [c for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failed.get("name", "").startswith("02 故障申告：建立故障工单")
    assert len(junit.findall(".//skipped")) == 6


def test_list_and_usage_errors(tmp_path: Path) -> None:
    code, output = tmf("scenario", "list")
    assert code == 0
    for scenario in scenarios.available().values():
        assert f"{scenario.id}  [" in output and scenario.name["zh"] in output
    assert tmf("scenario", "run")[0] == 2  # neither a name nor --all
    assert tmf("scenario", "run", "--all", "hotline-fault-repair")[0] == 2
    code, output = tmf("scenario", "run", "no-such-scenario")
    assert code == 2 and "unknown no-such-scenario" in output
    code, output = tmf("scenario", "run", "--all", "--base-url", f"http://127.0.0.1:{free_port()}")
    assert code == 2 and "does not answer" in output
    shutil.copy(scenarios.SCENARIOS / "topup-and-bill.yaml", tmp_path / "ok.yaml")
    (tmp_path / "bad.yaml").write_text("name: {zh: 坏, en: bad}\nprocess: x\nsteps: [{actor: nobody}]\n")
    code, output = tmf("scenario", "list", "--dir", str(tmp_path))
    assert code == 2 and "bad.yaml: step 1: actor must be one of" in output


def test_every_step_names_a_catalogued_etom_process() -> None:
    """The documentation's eTOM map links each process to the scenario steps using it."""
    catalogue = scenarios.SCENARIOS.parents[1] / "mappings" / "etom_sid_catalogue.yaml"
    processes = load_yaml(catalogue.read_text(encoding="utf-8"))["etom"]["processes"]
    for scenario in scenarios.available().values():
        for step in scenario.steps:
            assert step["etom"]["id"] in processes, (scenario.id, step["name"])
            assert processes[step["etom"]["id"]]["name"] == step["etom"]["name"]["en"], (scenario.id, step)


def test_without_a_base_url_a_throwaway_server_runs_them() -> None:
    code, output = tmf("scenario", "run", "topup-and-bill")
    assert code == 0, output
    assert "topup-and-bill.v4: 8 steps, passed" in output
