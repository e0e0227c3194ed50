"""schemathesis against our own server, as a library: the engine the CLI runs, every phase.

One run fuzzes one API version from one document (ours under openapi/, or the official one)
against a real server (tests/fixtures/server.py) and collects two kinds of finding:

- a 5xx answer (schemathesis' ``not_a_server_error``);
- an answer our own document does not allow: status code, content type and body schema, checked by
  schemathesis itself when the requests come from our document, and by validating every recorded
  answer against our document's operation when they come from the official one.

Runs are deterministic (fixed seed, derandomized generation) and bounded: ``max-examples`` per
operation in the fuzzing and stateful phases, the documents' own examples, and the first
COVERAGE_CASES of schemathesis' coverage cases per operation and mode (the whole coverage phase
enumerates thousands of cases per request body).
``python -m tests.api.fuzzing TMF622 v5 own --examples 200`` runs one locally with more examples
and prints every finding.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tmf_api.registry import ApiVersion, api_version
from tmf_api.resources import load_yaml
from tmf_api.specs import load_document

SEED = 622621678
COVERAGE_CASES = 2  # per operation and generation mode (positive, negative)
EXAMPLES = 1  # per operation, in the fuzzing phase; the stateful phase takes as many scenarios
STATEFUL_STEPS = 3
REQUEST_TIMEOUT_S = 20
VERBOSE = False

# The checks schemathesis offers that these runs leave off, and why. Everything else is on.
CHECKS_OFF: dict[str, str] = {
    "positive_data_acceptance": (
        "business rules refuse valid-looking data (lifecycle moves, references to missing resources) "
        "with a documented 4xx"
    ),
    "negative_data_rejection": (
        "TMF630 asks servers to keep what they do not know (extensions), so the server accepts "
        "much that the document does not declare"
    ),
    "use_after_free": "stateful bookkeeping; the server's DELETE semantics are tested in tests/api",
    "ensure_resource_availability": "stateful bookkeeping; creation then read is tested in tests/api",
    "missing_required_header": "the documents declare no required headers",
    "ignored_auth": "authentication comes with order 10: the documents declare none yet",
    "object_level_authorization": "authentication comes with order 10",
    "unsupported_method": "Connexion's 405 for undeclared methods is tested in tests/adapter",
    "allow_header_conformance": "Connexion's 405 for undeclared methods is tested in tests/adapter",
    "max_response_time": "no test decides on wall-clock time on a shared 2-core machine",
}


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"), parse_int=int)
    except ValueError:
        return None


def _values(node: Any, depth: int = 0) -> Iterator[tuple[Any, int]]:
    """Every key and value of a JSON document, with its depth."""
    yield node, depth
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, depth + 1
            yield from _values(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value, depth + 1)


def _strings(finding: Finding) -> Iterator[str]:
    yield from (v for v, _ in _values(_json(finding.body)) if isinstance(v, str))
    pairs = parse_qsl(urlsplit(finding.uri).query, keep_blank_values=True)
    yield from (part for pair in pairs for part in pair)


def _numbers(finding: Finding) -> Iterator[int]:
    yield from (v for v, _ in _values(_json(finding.body)) if isinstance(v, int) and not isinstance(v, bool))
    for _, value in parse_qsl(urlsplit(finding.uri).query, keep_blank_values=True):
        with contextlib.suppress(ValueError):
            yield int(value)


def _not_utf8(finding: Finding) -> bool:
    try:
        (finding.body or b"").decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _query_keys(finding: Finding) -> list[str]:
    return [key for key, _ in parse_qsl(urlsplit(finding.uri).query, keep_blank_values=True)]


def _summary(finding: Finding) -> str:
    """What a schema failure says, without the schema and the value schemathesis quote after it."""
    return finding.message.split("Validated against", 1)[0]


_AT = ("type", "schemaLocation")
_TICKET_VARCHARS = {"severity", "priority", "ticketType"}

# Root causes fuzzing found before they were fixed (issue 13), each with how a finding shows it:
# a finding that shows one again says which in the failure, so a regression is named at once.
PARALLEL_FIXES: dict[str, tuple[str, Callable[[Finding], bool]]] = {
    "empty parameter name": ("GET …?=x is an IndexError", lambda f: "" in _query_keys(f)),
    "invalid UTF-8 body": ("a body that is not UTF-8 is a 500", _not_utf8),
    "lone surrogate": ("a lone surrogate is a 500", lambda f: any(_surrogate(s) for s in _strings(f))),
    "deep nesting": (
        "JSON nested thousands deep is a RecursionError",
        lambda f: max((d for _, d in _values(_json(f.body))), default=0) > 100,
    ),
    "integers >= 2^63 / huge offset": (
        "integers beyond 64 bits (quantity, offset) are a 500",
        lambda f: any(abs(n) >= 2**63 for n in _numbers(f)),
    ),
    "NUL bytes": ("a NUL is a 500 on PostgreSQL", lambda f: any("\x00" in s for s in _strings(f))),
    "VARCHAR overflow": (
        "ticket severity/priority/ticketType over VARCHAR(100) are a 500 on PostgreSQL",
        lambda f: any(
            isinstance(v, dict) and any(len(str(v.get(k, ""))) > 100 for k in _TICKET_VARCHARS)
            for v, _ in _values(_json(f.body))
        ),
    ),
    "regex the database cannot run": (
        "a regular expression PostgreSQL rejects is a 500",
        lambda f: f.kind == "5xx" and any(k.endswith((".regex", "*")) for k in _query_keys(f)),
    ),
    "@type/@schemaLocation checks": (
        "a client @type or @schemaLocation is stored and echoed unchecked",
        lambda f: f.kind == "own document" and any(f"{q}@{n}{q}" in _summary(f) for q in "'\"" for n in _AT),
    ),
    "merge patch removing required attributes": (
        "a PATCH can remove a required attribute, and reads then violate the document",
        lambda f: f.kind == "own document" and "is a required property" in _summary(f),
    ),
    "PATCH date-time format checks": (
        "PATCH stores a malformed date-time, and reads then violate the document",
        lambda f: f.kind == "own document" and "is not a \"date-time\"" in _summary(f).replace("'", '"'),
    ),
    "callback URL checks on hub POST": (
        "hub callbacks are not checked",
        lambda f: f.operation.startswith("POST ") and f.operation.endswith("/hub"),
    ),
}


# Operations left out of a run, by document source and path pattern, and why.
OPERATIONS_OFF: dict[tuple[str, str], str] = {
    ("official", "^/listener/"): (
        "the client-side listeners take the same event bodies in both documents; generating the "
        "official ones' deeply nested events costs most of a run's time, so they are fuzzed from ours only"
    ),
}


# What schemathesis itself cannot do with a document (reported as errors, not findings): kept
# visible in the report, not failing the run. (operation, start of the message) -> why.
GENERATION_LIMITS: dict[tuple[str, str], str] = {
    ("POST /productOrder", "Schema Error: Cannot generate an array with"): (
        "TMF622 v5: productOrderItem is a recursive allOf (ProductOrder ∧ ProductOrder_FVO items); "
        "hypothesis sometimes gives up on the demanded item, the schema itself is satisfiable"
    ),
}


def generation_limit(error: str) -> str | None:
    operation, _, message = error.partition(": ")
    limits = GENERATION_LIMITS.items()
    return next((why for (op, start), why in limits if op == operation and message.startswith(start)), None)


@dataclass(frozen=True)
class Finding:
    kind: str  # "5xx" | "own document"
    operation: str
    phase: str
    message: str
    curl: str
    uri: str = ""
    body: bytes | None = None

    def render(self) -> str:
        return f"[{self.kind}] {self.operation} ({self.phase}): {self.message}\n    {self.curl}"

    @property
    def cause(self) -> str | None:
        """The known root cause (PARALLEL_FIXES) this finding shows, if any."""
        return next((cause for cause, (_, shows) in PARALLEL_FIXES.items() if shows(self)), None)


@dataclass
class FuzzReport:
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # operations schemathesis could not test
    phases: Counter[str] = field(default_factory=Counter)  # requests per phase
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = Counter(f.kind for f in self.findings)
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.phases.items()))
        return (
            f"{self.requests} requests ({phases}) in {self.seconds:.1f}s: "
            f"{kinds['5xx']} answered 5xx, {kinds['own document']} outside our document, "
            f"{len(self.errors)} errors"
        )


def own_document(version: ApiVersion, base_url: str) -> dict[str, Any]:
    doc = copy.deepcopy(load_document(version.document))
    doc["servers"] = [{"url": base_url + version.base_path}]
    return doc


def official_document(version: ApiVersion, reference: Path, base_url: str) -> dict[str, Any]:
    """The official document, without the `example`s of its schemas' attributes.

    schemathesis' examples phase completes each attribute's example into a whole request body with
    hypothesis: for TMF622 v5 that took 108 s for the 6 requests the phase then sent, a tenth of
    the suite. The operations' own examples (request bodies, parameters) stay and are sent.
    """
    assert version.official is not None
    path = reference / version.official
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = load_yaml(fh) if path.suffix in (".yaml", ".yml") else json.load(fh)
    for schemas in (doc.get("components", {}).get("schemas", {}), doc.get("definitions", {})):
        for schema in schemas.values():
            _drop_schema_examples(schema)
    return doc


def _drop_schema_examples(schema: Any) -> None:
    """Remove the `example` keyword from a schema and every schema inside it (not an attribute
    that happens to be called `example`)."""
    if isinstance(schema, list):
        for item in schema:
            _drop_schema_examples(item)
        return
    if not isinstance(schema, dict):
        return
    schema.pop("example", None)
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            for sub in value.values():
                _drop_schema_examples(sub)
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            _drop_schema_examples(value)


def _config(base_url: str, examples: int, seed: int) -> Any:
    import schemathesis

    # max_response_time is off unless given a limit
    checks: dict[str, Any] = {name: {"enabled": False} for name in CHECKS_OFF if name != "max_response_time"}
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": base_url,
            "workers": 1,
            "request-timeout": REQUEST_TIMEOUT_S,
            "suppress-health-check": ["all"],
            "continue-on-failure": True,
            "warnings": False,
            "generation": {"deterministic": True, "max-examples": examples, "database": "none"},
            "checks": checks,
            # The coverage phase enumerates thousands of cases per body: run_coverage() takes the first ones.
            "phases": {"coverage": {"enabled": False}, "stateful": {"max-steps": STATEFUL_STEPS}},
        }
    )


def run(
    version: ApiVersion,
    source: str,
    server_url: str,
    *,
    reference: Path | None = None,
    examples: int = EXAMPLES,
    seed: int = SEED,
) -> FuzzReport:
    """Fuzz one API version of the server at `server_url` from `source` ("own" or "official")."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    base_url = server_url + version.base_path
    own = schemathesis.openapi.from_dict(own_document(version, server_url), config=_config(base_url, 1, seed))
    if source == "own":
        doc = own_document(version, server_url)
    else:
        assert reference is not None
        doc = official_document(version, reference, server_url)
    # `exclude` is typed to return the base class: only what every schema has is used below
    schema: schemathesis.BaseSchema = schemathesis.openapi.from_dict(
        doc, config=_config(base_url, examples, seed)
    )
    for (off_source, pattern), _why in OPERATIONS_OFF.items():
        if off_source == source:
            schema = schema.exclude(path_regex=pattern)
    report = FuzzReport()
    started = time.monotonic()
    seen: set[tuple[str, str, str]] = set()
    with no_local_constants():
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseFinished):
                _progress(started, event.phase.name.value, report)
            if isinstance(event, events.ScenarioFinished):
                _collect(report, event, source, own, seen)
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.title}: {event.info.message[:300]}")
            elif isinstance(event, events.FatalError):
                report.errors.append(f"fatal: {event.exception!r}")
        run_coverage(schema, own, base_url, report, seen, COVERAGE_CASES)
    _progress(started, "coverage (first cases)", report)
    report.seconds = time.monotonic() - started
    return report


@contextlib.contextmanager
def no_local_constants() -> Iterator[None]:
    """hypothesis without the constants it gathers from the source of the process' "local" modules.

    Now and then hypothesis draws a constant found in a module loaded from outside site-packages
    and the standard library: here this repository's modules, tests included. What a seeded run
    generated then depended on the test modules imported before it, and so did its time: TMF622
    v5 from our document took 25 s alone and 283 s after the other runs of its module. Without
    them a run sends the same requests in any process; hypothesis' own edge-case constants stay.
    """
    from unittest import mock

    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    none = Constants()
    with mock.patch.object(providers, "_get_local_constants", lambda: none):
        providers.CONSTANTS_CACHE.cache.clear()  # permitted constants cached from the local ones
        try:
            yield
        finally:
            providers.CONSTANTS_CACHE.cache.clear()


def _progress(started: float, phase: str, report: FuzzReport) -> None:
    if VERBOSE:
        print(f"{time.monotonic() - started:7.1f}s {phase} done, {report.requests} requests", file=sys.stderr)


def run_coverage(schema: Any, own: Any, base_url: str, report: FuzzReport,
                 seen: set[tuple[str, str, str]], limit: int) -> None:
    """schemathesis' coverage cases, the first `limit` per operation and generation mode."""
    from schemathesis.generation import GenerationMode

    phase = "coverage"
    for result in schema.get_all_operations():
        operation = getattr(result, "ok", lambda: None)()
        if operation is None:
            continue
        for mode in GenerationMode:
            cases = schema.iter_coverage_cases(
                operation, generation_modes=[mode], generation_config=schema.config.generation
            )
            for case in itertools.islice(cases, limit):
                report.requests += 1
                report.phases[phase] += 1
                try:
                    response = case.call(base_url=base_url, timeout=REQUEST_TIMEOUT_S)
                except Exception as error:
                    _add(report, seen, Finding("5xx", operation.label, phase, f"no answer: {error!r}",
                                               str(case.as_curl_command())))
                    continue
                sent = response.request
                body = sent.body.encode("utf-8") if isinstance(sent.body, str) else sent.body
                if response.status_code >= 500:
                    message = f"HTTP {response.status_code}: {response.text[:300]}"
                    _add(report, seen, Finding("5xx", operation.label, phase, message,
                                               str(case.as_curl_command()), str(sent.url), body))
                    continue
                problem = _against_own(own, case.method, str(sent.url), response)
                if problem:
                    _add(report, seen, Finding("own document", operation.label, phase, problem,
                                               str(case.as_curl_command()), str(sent.url), body))


def _collect(report: FuzzReport, event: Any, source: str, own: Any, seen: set[tuple[str, str, str]]) -> None:
    recorder = event.recorder
    phase = str(event.phase.value if hasattr(event.phase, "value") else event.phase)
    for case_id, interaction in recorder.interactions.items():
        report.requests += 1
        report.phases[phase] += 1
        response = interaction.response
        if response is None:
            continue
        node = recorder.cases.get(case_id)
        case = node.value if node is not None else None
        label = f"{interaction.request.method} {case.operation.path}" if case else recorder.label
        if response.status_code >= 500:
            message = f"HTTP {response.status_code}: {response.text[:300]}"
            _add(report, seen, Finding("5xx", label, phase, message, _curl(case, interaction),
                                       interaction.request.uri, interaction.request.body))
        elif source == "official":
            problem = _against_own(own, interaction.request.method, interaction.request.uri, response)
            if problem:
                _add(report, seen, Finding("own document", label, phase, problem, _curl(case, interaction),
                                           interaction.request.uri, interaction.request.body))
    if source == "own":
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None or check.name == "not_a_server_error":
                    continue
                node = recorder.cases.get(case_id)
                label = f"{node.value.method} {node.value.operation.path}" if node else recorder.label
                failure = check.failure_info.failure
                message = f"{check.name}: {failure.title}: {failure.message[:500]}"
                request = recorder.interactions.get(case_id)
                uri, body = (request.request.uri, request.request.body) if request else ("", None)
                sample = check.failure_info.code_sample
                _add(report, seen, Finding("own document", label, phase, message, sample, uri, body))


def _curl(case: Any, interaction: Any) -> str:
    # Rendering is costly (it sanitises the whole request): only for findings.
    return str(case.as_curl_command()) if case is not None else str(interaction.request.uri)


def _add(report: FuzzReport, seen: set[tuple[str, str, str]], finding: Finding) -> None:
    key = (finding.kind, finding.operation, finding.message[:120])
    if key not in seen:
        seen.add(key)
        report.findings.append(finding)


def _against_own(own: Any, method: str, uri: str, response: Any) -> str | None:
    base_path = urlsplit(own.get_base_url()).path.rstrip("/")
    path = urlsplit(uri).path
    relative = path[len(base_path):] if path.startswith(base_path) else path
    operation = own.find_operation_by_path(method, relative)
    if operation is None:
        if response.status_code in (404, 405):
            return None  # a path or method our document does not have: refused, as it should be
        return f"HTTP {response.status_code} for {method} {relative}, which our document does not declare"
    if operation.responses.find_by_status_code(response.status_code) is None:
        return f"HTTP {response.status_code} is not documented for {operation.label}"
    from schemathesis.core.failures import Failure

    try:
        operation.validate_response(response)
    # One failure is raised as is; several as a FailureGroup, a BaseExceptionGroup that
    # `except Exception` misses.
    except Failure as failure:
        return f"HTTP {response.status_code}: {str(failure)[:600]}"
    except BaseExceptionGroup as group:
        return f"HTTP {response.status_code}: " + " | ".join(str(e)[:400] for e in group.exceptions)
    return None


def main(argv: list[str] | None = None) -> int:
    from tests.fixtures.reference import reference_dir
    from tests.fixtures.server import running_server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api")
    parser.add_argument("version")
    parser.add_argument("source", choices=["own", "official"])
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    global VERBOSE
    VERBOSE = True
    version = api_version(args.api, args.version)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/fuzz.db"
        with running_server(url) as server:
            report = run(version, args.source, server, reference=reference_dir(),
                         examples=args.examples, seed=args.seed)
    for finding in report.findings:
        print(finding.render())
    for error in report.errors:
        print("error:", error)
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
