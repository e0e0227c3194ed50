"""The operator's processes as runnable scenarios (`tmf scenario list|run`).

A scenario is data: one YAML file in conformance/scenarios/ (its README describes the format) with
steps, each an actor, an eTOM process, one HTTP call to an API of the registry (API number and
version resolve to the base path) and what must come back. Values saved from a response are
substituted as `${name}` in later steps. A scenario runs once per variant (`v4`, `v5`): a call's
version is the variant's unless the step pins one or the API lacks it, and a step's `variants`
overlay replaces parts of its call or expectation for one variant.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tmf_api.registry import api_version, manifests
from tmf_api.resources import load_yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "conformance" / "scenarios"
ACTORS = frozenset({"customer", "clerk", "agent", "noc", "installer", "billing", "system"})
MERGE = "application/merge-patch+json"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SPREAD = re.compile(r"\.\.\.\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_INDEX = re.compile(r"^(?P<key>[^\[]*)(?P<rest>(\[[^\]]+\])*)$")


class ScenarioError(ValueError):
    """A scenario file that does not follow the format (a usage error: exit 2)."""


@dataclass(frozen=True)
class Scenario:
    id: str
    name: dict[str, str]
    process: str
    variants: tuple[str, ...]
    server_options: tuple[str, ...]
    variables: dict[str, dict[str, Any]]
    steps: tuple[dict[str, Any], ...]
    path: Path

    @property
    def title(self) -> str:
        return f"{self.name.get('zh', '')} — {self.name.get('en', '')}"


@dataclass
class StepResult:
    index: int
    name: str
    actor: str
    etom: str
    call: str
    status: str  # passed | failed | not-run
    message: str = ""
    seconds: float = 0.0
    request: Any = None
    response: Any = None


@dataclass
class ScenarioResult:
    scenario: Scenario
    variant: str
    base_url: str
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(s.status == "passed" for s in self.steps)

    @property
    def key(self) -> str:
        return f"{self.scenario.id}.{self.variant}"


def load(path: Path) -> Scenario:
    with path.open(encoding="utf-8") as fh:
        raw = load_yaml(fh)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: not a mapping")
    try:
        steps = tuple(raw["steps"])
        name = dict(raw["name"])
        for i, step in enumerate(steps, 1):
            if step.get("actor") not in ACTORS:
                raise ScenarioError(f"{path}: step {i}: actor must be one of {sorted(ACTORS)}")
            if "call" not in step or "etom" not in step or "name" not in step:
                raise ScenarioError(f"{path}: step {i}: needs name, etom and call")
        scenario = Scenario(
            id=path.stem,
            name={"zh": str(name["zh"]), "en": str(name["en"])},
            process=str(raw["process"]),
            variants=tuple(raw.get("variants", ["v4"])),
            server_options=tuple(raw.get("server", {}).get("options", [])),
            variables={str(k): dict(v) for k, v in (raw.get("variables") or {}).items()},
            steps=steps,
            path=path,
        )
    except (KeyError, TypeError) as error:
        raise ScenarioError(f"{path}: missing or malformed {error}") from error
    return scenario


def available(folder: Path = SCENARIOS) -> dict[str, Scenario]:
    """Every scenario of the folder, by id (its file name), in file-name order."""
    return {s.id: s for s in (load(p) for p in sorted(folder.glob("*.yaml")))}


def substitute(value: Any, saved: dict[str, Any]) -> Any:
    """`${name}` replaced by what was saved: a whole-string reference keeps the value's type, and
    a list item `...${name}` is replaced by the items of the saved list."""
    if isinstance(value, str):
        whole = _VAR.fullmatch(value)
        if whole:  # a variable may itself name saved values (a per-variant reference shape)
            return substitute(saved[whole.group(1)], saved)
        return _VAR.sub(lambda m: str(saved[m.group(1)]), value)
    if isinstance(value, list):  # an item "...${name}" spreads a saved list (notes so far)
        items: list[Any] = []
        for item in value:
            spread = _SPREAD.fullmatch(item) if isinstance(item, str) else None
            if spread:
                items.extend(saved[spread.group(1)])
            else:
                items.append(substitute(item, saved))
        return items
    if isinstance(value, dict):  # `key: ${name}` with a null variable leaves the key out
        return {
            k: substitute(v, saved)
            for k, v in value.items()
            if not (isinstance(v, str) and (m := _VAR.fullmatch(v)) and saved.get(m.group(1), 0) is None)
        }
    return value


def pick(document: Any, path: str) -> Any:
    """The value at a dotted path (`productOrderItem[0].product.id`, `note[id=sla].text`); KeyError
    when it is absent. An empty path is the whole document."""
    value = document
    for part in [p for p in path.split(".") if p] if path else []:
        match = _INDEX.match(part)
        if match is None:
            raise KeyError(path)
        if match["key"]:
            if not isinstance(value, dict) or match["key"] not in value:
                raise KeyError(path)
            value = value[match["key"]]
        for index in re.findall(r"\[([^\]]+)\]", match["rest"]):
            if not isinstance(value, list):
                raise KeyError(path)
            if "=" in index:  # the first element whose attribute has that value
                attr, _, wanted = index.partition("=")
                found = [v for v in value if isinstance(v, dict) and str(v.get(attr)) == wanted]
                if not found:
                    raise KeyError(path)
                value = found[0]
            else:
                position = int(index)
                if not -len(value) <= position < len(value):
                    raise KeyError(path)
                value = value[position]
    return value


def check(expected: Any, actual: Any) -> str | None:
    """None when `actual` meets `expected`; else what differs. `expected` is a value (equal;
    numbers compare as numbers) or an operator mapping: {gt|ge|lt|le: v}, {contains: text},
    {length: n}, {exists: bool}."""
    if (
        isinstance(expected, dict)
        and expected
        and set(expected) <= {"gt", "ge", "lt", "le", "contains", "length", "exists"}
    ):
        for op, want in expected.items():
            try:
                ok = _holds(op, want, actual)
            except TypeError:
                ok = False
            if not ok:
                return f"expected {op} {want!r}, got {actual!r}"
        return None
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return None if float(expected) == float(actual) else f"expected {expected!r}, got {actual!r}"
    return None if expected == actual else f"expected {expected!r}, got {actual!r}"


def _holds(op: str, want: Any, actual: Any) -> bool:
    if op == "gt":
        return bool(actual > want)
    if op == "ge":
        return bool(actual >= want)
    if op == "lt":
        return bool(actual < want)
    if op == "le":
        return bool(actual <= want)
    if op == "contains":
        return bool(want in actual)
    if op == "length":
        return bool(len(actual) == want)
    return bool(want)  # exists: reached only when the value exists


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """A variant's overlay on a step: `call`, `expect` and `save` are updated key by key (an
    overlay's `body` or `json` replaces the step's whole), anything else is replaced."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def resolve(step: dict[str, Any], variant: str) -> dict[str, Any]:
    """The step as it runs in `variant`: its overlay applied, its call's URL path resolved."""
    overlay = (step.get("variants") or {}).get(variant) or {}
    step = _merge({k: v for k, v in step.items() if k != "variants"}, overlay)
    call = dict(step["call"])
    if "api" in call:
        api = str(call["api"])
        if api not in manifests():
            raise ScenarioError(f"unknown API {api} in step {step['name']!r}")
        versions = manifests()[api].versions
        version = str(call.get("version") or (variant if variant in versions else next(iter(versions))))
        call["version"] = version
        call["url"] = api_version(api, version).base_path + str(call["path"])
    else:
        call["url"] = str(call["path"])  # the server's own routes (/clock)
    step["call"] = call
    return step


def _label(name: Any) -> str:
    return f"{name.get('zh', '')} / {name.get('en', '')}" if isinstance(name, dict) else str(name)


def _plus(text: str, seconds: float) -> str:
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) + dt.timedelta(seconds=seconds)
    return when.isoformat().replace("+00:00", "Z")


def _advance(client: httpx.Client, seconds: float) -> None:
    """The server's test clock (`tmf serve --adjustable-clock`) moved on by `seconds`."""
    now = client.get("/clock").raise_for_status().json()["now"]
    client.post("/clock", json={"now": _plus(now, seconds)}).raise_for_status()


def _run_step(client: httpx.Client, step: dict[str, Any], saved: dict[str, Any], result: StepResult) -> None:
    call = substitute(step["call"], saved)
    expect = substitute(step.get("expect") or {}, saved)
    wait = step.get("wait") or {}
    method = str(call.get("method", "GET")).upper()
    headers = {"content-type": str(call.get("content_type", MERGE))} if method == "PATCH" else {}
    if "advance_clock" in (step.get("before") or {}):  # time passes first (an SLA's hours)
        _advance(client, float(step["before"]["advance_clock"]))
    deadline = time.monotonic() + float(wait.get("timeout", 0))
    result.call = result.call.replace(step["call"]["url"], call["url"])
    result.request = {
        "method": method,
        "url": call["url"],
        "params": call.get("query"),
        "body": call.get("body"),
    }
    while True:
        response = client.request(
            method, call["url"], params=call.get("query"), json=call.get("body"), headers=headers
        )
        try:
            document: Any = response.json()
        except ValueError:
            document = response.text
        result.response = {"status": response.status_code, "body": document}
        problem = _expectation(expect, response.status_code, document)
        if problem is None or time.monotonic() >= deadline:
            break
        if wait.get("advance_clock"):  # the simulator times itself by the server's clock
            _advance(client, float(wait["advance_clock"]))
        time.sleep(float(wait.get("interval", 0.1)))
    if problem is not None:
        result.status, result.message = "failed", problem
        return
    for name, path in (step.get("save") or {}).items():
        try:
            saved[name] = pick(document, path)
        except KeyError:
            result.status, result.message = "failed", f"cannot save {name}: no value at {path!r}"
            return
    result.status = "passed"


def _expectation(expect: dict[str, Any], status: int, document: Any) -> str | None:
    wanted = expect.get("status", 200)
    if status != wanted:
        return f"status {status}, expected {wanted}: {json.dumps(document, ensure_ascii=False)[:400]}"
    for path, value in (expect.get("json") or {}).items():
        try:
            actual = pick(document, path)
        except KeyError:
            if isinstance(value, dict) and value.get("exists") is False:
                continue
            return f"{path}: absent"
        if (problem := check(value, actual)) is not None:
            return f"{path}: {problem}"
    return None


def run(scenario: Scenario, variant: str, base_url: str, timeout: float = 30.0) -> ScenarioResult:
    """Run every step in order; after a failure the remaining steps are not run."""
    outcome = ScenarioResult(scenario, variant, base_url)
    started = time.perf_counter()
    saved: dict[str, Any] = {"run": f"{int(time.time() * 1000) % 10**8:08d}", "variant": variant}
    saved |= scenario.variables.get(variant, {})
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        failed = False
        for index, raw in enumerate(scenario.steps, 1):
            step = resolve(raw, variant)
            call = step["call"]
            version = f" {call['api']} {call['version']}" if "api" in call else ""
            result = StepResult(
                index=index,
                name=_label(step["name"]),
                actor=str(step["actor"]),
                etom=f"{step['etom']['id']} {_label(step['etom']['name'])}",
                call=f"{call.get('method', 'GET').upper()}{version} {call['url']}",
                status="not-run",
            )
            outcome.steps.append(result)
            if failed:
                result.message = "an earlier step failed"
                continue
            begun = time.perf_counter()
            try:
                _run_step(client, step, saved, result)
            except KeyError as error:
                result.status, result.message = "failed", f"nothing saved as {error}"
            except httpx.HTTPError as error:
                result.status, result.message = "failed", f"{type(error).__name__}: {error}"
            result.seconds = time.perf_counter() - begun
            failed = result.status != "passed"
    outcome.seconds = time.perf_counter() - started
    return outcome


MARK = {"passed": "PASS", "failed": "FAIL", "not-run": "NOT RUN"}


def print_result(result: ScenarioResult, out: Any) -> None:
    print(f"\n{result.scenario.title}  [{result.variant}]  ({result.scenario.process})", file=out)
    for s in result.steps:
        print(f"  {MARK[s.status]:<7} {s.index:>2}. {s.name}", file=out)
        print(f"           {s.actor} · eTOM {s.etom}", file=out)
        print(f"           {s.call}", file=out)
        if s.status == "failed":
            print(f"           step {s.index} failed: {s.message}", file=out)


def as_json(results: list[ScenarioResult]) -> dict[str, Any]:
    return {
        "tool": "tmf scenario",
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenarios": [
            {
                "id": r.scenario.id,
                "name": r.scenario.name,
                "process": r.scenario.process,
                "variant": r.variant,
                "baseUrl": r.base_url,
                "passed": r.passed,
                "seconds": round(r.seconds, 3),
                "steps": [
                    {
                        "index": s.index,
                        "name": s.name,
                        "actor": s.actor,
                        "etom": s.etom,
                        "call": s.call,
                        "status": s.status,
                        "message": s.message,
                        "seconds": round(s.seconds, 3),
                        "request": s.request,
                        "response": s.response,
                    }
                    for s in r.steps
                ],
            }
            for r in results
        ],
    }


def junit(results: list[ScenarioResult]) -> ET.Element:
    suites = ET.Element("testsuites", name="tmf scenario")
    for r in results:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=r.key,
            tests=str(len(r.steps)),
            failures=str(sum(s.status == "failed" for s in r.steps)),
            skipped=str(sum(s.status == "not-run" for s in r.steps)),
            errors="0",
            time=f"{r.seconds:.3f}",
        )
        for s in r.steps:
            case = ET.SubElement(
                suite, "testcase", classname=r.key, name=f"{s.index:02d} {s.name}", time=f"{s.seconds:.3f}"
            )
            if s.status == "failed":
                failure = ET.SubElement(case, "failure", message=s.message, type="expectation")
                failure.text = f"{s.message}\n{s.call}\n{json.dumps(s.response, ensure_ascii=False)[:2000]}"
            elif s.status == "not-run":
                ET.SubElement(case, "skipped", message=s.message)
    return suites


def write_reports(results: list[ScenarioResult], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "scenarios.junit.xml", directory / "scenarios.json"]
    ET.ElementTree(junit(results)).write(paths[0], encoding="utf-8", xml_declaration=True)
    paths[1].write_text(json.dumps(as_json(results), ensure_ascii=False, indent=2), encoding="utf-8")
    return paths
