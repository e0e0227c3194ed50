"""Reports of a run: console summary, JUnit XML, JSON and one self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from conformance.model import STATUSES
from conformance.runner import RunResult

MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "blocked": "BLOCKED", "not-run": "NOT RUN"}


def summary(result: RunResult) -> str:
    """'12 passed, 1 failed, 28 blocked, 0 skipped, 5 not run'."""
    return ", ".join(f"{result.count(s)} {s.replace('-', ' ')}" for s in STATUSES)


def console(results: list[RunResult], out: TextIO) -> None:
    for result in results:
        print(f"\n{result.api} {result.version}  {result.base_url}", file=out)
        for outcome in result.outcomes:
            line = f"  {MARK[outcome.status]:<7}  {outcome.rule.id:<42} {outcome.seconds * 1000:7.0f} ms"
            if outcome.status in ("skipped", "blocked", "not-run"):
                line += f"  ({outcome.message})"
            print(line, file=out)
            if outcome.status == "failed":
                print(f"        {outcome.message}", file=out)
                if outcome.expected:
                    print(f"        expected: {outcome.expected}", file=out)
                if outcome.actual:
                    print(f"        got:      {outcome.actual[:1200]}", file=out)
                if outcome.curl:
                    print(f"        request:  {outcome.curl}", file=out)
    print("\nSummary", file=out)
    for result in results:
        print(
            f"  {result.api} {result.version}: {summary(result)} in {result.seconds:.1f} s "
            f"(seed {result.seed})",
            file=out,
        )
        # why each skip, once per reason (they count: the exit code is 1 without --allow-skips)
        reasons: dict[str, list[str]] = {}
        for outcome in result.outcomes:
            if outcome.status == "skipped":
                reasons.setdefault(outcome.message, []).append(outcome.rule.id)
        for reason, ids in reasons.items():
            print(f"    skipped {', '.join(ids)}: {reason}", file=out)


def as_json(results: list[RunResult]) -> dict[str, Any]:
    return {
        "tool": "tmf conformance",
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": [
            {
                "api": r.api,
                "version": r.version,
                "baseUrl": r.base_url,
                "seconds": round(r.seconds, 3),
                "seed": r.seed,
                **{"notRun" if s == "not-run" else s: r.count(s) for s in STATUSES},
                "rules": [o.as_dict() for o in r.outcomes],
            }
            for r in results
        ],
    }


def junit(results: list[RunResult]) -> ET.Element:
    suites = ET.Element("testsuites", name="tmf conformance")
    for result in results:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{result.api}.{result.version}",
            tests=str(len(result.outcomes)),
            failures=str(result.count("failed")),
            errors="0",
            skipped=str(len(result.outcomes) - result.count("passed") - result.count("failed")),
            time=f"{result.seconds:.3f}",
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="seed", value=str(result.seed))
        for status in STATUSES:
            ET.SubElement(properties, "property", name=status, value=str(result.count(status)))
        for outcome in result.outcomes:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{result.api}.{result.version}",
                name=outcome.rule.id,
                time=f"{outcome.seconds:.3f}",
            )
            if outcome.status == "failed":
                failure = ET.SubElement(case, "failure", message=outcome.message, type=outcome.rule.id)
                failure.text = (
                    f"{outcome.message}\nexpected: {outcome.expected}\ngot: {outcome.actual}\n"
                    f"request: {outcome.curl}\nreference: {outcome.rule.reference}"
                )
            elif outcome.status == "blocked":
                # not a second failure: the root cause is the failure of the rule it names
                ET.SubElement(case, "skipped", message=outcome.message, type="blocked")
            elif outcome.status in ("skipped", "not-run"):
                ET.SubElement(case, "skipped", message=outcome.message, type=outcome.status)
    return suites


CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}
.passed{color:#176b21}.failed{color:#b00020;font-weight:bold}.skipped{color:#a15c00}
.blocked{color:#b00020}.not-run{color:#777}
pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;margin:4px 0;font-size:12px}
.ref{color:#555;font-size:12px}
"""


def html_page(results: list[RunResult]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>TM Forum conformance report</title>",
        f"<style>{CSS}</style></head><body><h1>TM Forum conformance report</h1>",
    ]
    for r in results:
        parts.append(
            f"<h2>{e(r.api)} {e(r.version)} — {e(summary(r))} in {r.seconds:.1f} s</h2>"
            f"<p>{e(r.base_url)} · seed {r.seed}</p>"
            "<table><tr><th>rule</th><th>result</th><th>details</th></tr>"
        )
        for o in r.outcomes:
            details = f"<div>{e(o.rule.description)}</div><div class=ref>{e(o.rule.reference)}</div>"
            if o.status == "failed":
                details += (
                    f"<div class=failed>{e(o.message)}</div><pre>expected: {e(o.expected)}</pre>"
                    f"<pre>got: {e(o.actual)}</pre><pre>{e(o.curl)}</pre>"
                )
            elif o.status == "blocked":
                details += (
                    f"<div class=blocked>blocked by <code>{e(o.blocked_by)}</code>: {e(o.message)}</div>"
                )
            elif o.status in ("skipped", "not-run"):
                details += f"<div class={o.status}>{MARK[o.status].lower()}: {e(o.message)}</div>"
            parts.append(
                f"<tr><td><code>{e(o.rule.id)}</code></td><td class={o.status}>{o.status}</td>"
                f"<td>{details}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def write_reports(results: list[RunResult], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = "-".join(f"{r.api}-{r.version}" for r in results) or "conformance"
    paths = [directory / f"{stem}.junit.xml", directory / f"{stem}.json", directory / f"{stem}.html"]
    ET.ElementTree(junit(results)).write(paths[0], encoding="utf-8", xml_declaration=True)
    paths[1].write_text(json.dumps(as_json(results), ensure_ascii=False, indent=2), encoding="utf-8")
    paths[2].write_text(html_page(results), encoding="utf-8")
    return paths
