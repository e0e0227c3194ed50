"""Property-based fuzzing with schemathesis: no 5xx, responses conform to the official schema."""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.model import RuleFailure, RuleNotRun, RuleSkipped, rule
from conformance.runner import Context


@dataclass
class FuzzFinding:
    operation: str
    message: str
    curl: str


@dataclass
class FuzzResult:
    cases: int = 0
    server_errors: list[FuzzFinding] = field(default_factory=list)
    schema_errors: list[FuzzFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # operations the generator could not handle


def _prepared(ctx: Context) -> dict[str, Any]:
    spec = ctx.options.official
    assert spec is not None
    doc = copy.deepcopy(spec.doc)
    parts = urlsplit(ctx.base_url)
    if spec.swagger:
        doc["host"] = parts.netloc
        doc["basePath"] = parts.path or "/"
        doc["schemes"] = [parts.scheme]
    else:
        doc["servers"] = [{"url": ctx.base_url}]
    return doc


def _fuzz(ctx: Context) -> FuzzResult:
    cached = ctx.extras.get("fuzz")
    if isinstance(cached, FuzzResult):
        return cached
    if ctx.options.fuzz_examples <= 0:
        raise RuleNotRun("fuzzing is off (--fuzz-examples 0)")
    if ctx.options.official is None:
        raise RuleSkipped(ctx.options.official_problem or "no official document to fuzz from")
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings

    result = FuzzResult()
    ctx.extras["fuzz"] = result
    schema = schemathesis.openapi.from_dict(_prepared(ctx))
    deletable = {r.path for r in ctx.profile.resources if r.deletable}
    headers = dict(ctx.options.headers)
    for outcome in schema.get_all_operations():
        operation: Any = getattr(outcome, "ok", lambda: None)()
        if operation is None:
            continue
        label = f"{operation.method.upper()} {operation.path}"
        check = _checker(ctx, result, operation, label, headers, deletable)
        configured: Any = settings(
            max_examples=ctx.options.fuzz_examples,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=False,
        )
        seeded: Any = hypothesis.seed(ctx.options.seed)
        generated: Any = given(operation.as_strategy())
        test: Callable[[], None] = configured(seeded(generated(check)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                test()
            # hypothesis re-raises what escaped the check, possibly as a BaseExceptionGroup (not an
            # Exception); whatever it is, the operation's other findings are kept and the run goes on.
            except (Exception, BaseExceptionGroup) as error:
                result.problems.append(f"{label}: {type(error).__name__}: {str(error)[:300]}")
    return result


def _checker(
    ctx: Context, result: FuzzResult, operation: Any, label: str, headers: dict[str, str], deletable: set[str]
) -> Callable[[Any], None]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    seen = {"server": False, "schema": False}

    def check(case: Any) -> None:
        result.cases += 1
        try:
            response = case.call(base_url=ctx.base_url, headers=headers, timeout=10)
        except (Exception, BaseExceptionGroup) as error:
            if not seen["server"]:
                seen["server"] = True
                result.server_errors.append(
                    FuzzFinding(label, f"no answer: {error}", case.as_curl_command(headers=headers))
                )
            return
        if response.status_code >= 500:
            if not seen["server"]:
                seen["server"] = True
                result.server_errors.append(
                    FuzzFinding(
                        label,
                        f"HTTP {response.status_code}: {response.text[:500]}",
                        case.as_curl_command(headers=headers),
                    )
                )
        elif not seen["schema"]:
            try:
                case.validate_response(
                    response, checks=[response_schema_conformance], excluded_checks=[not_a_server_error]
                )
            # schemathesis reports check failures as a FailureGroup, a BaseExceptionGroup: an
            # `except Exception` lets it through, and it crashed the whole run.
            except (Exception, BaseExceptionGroup) as error:
                seen["schema"] = True
                result.schema_errors.append(
                    FuzzFinding(
                        label,
                        f"HTTP {response.status_code}: {str(error)[:800]}",
                        case.as_curl_command(headers=headers),
                    )
                )
        if case.method.upper() == "POST" and response.status_code == 201:
            try:
                body = response.json()
            except ValueError:
                body = None
            path = operation.path.strip("/").split("/")[0]
            if isinstance(body, dict) and body.get("id") and path in deletable:
                with contextlib.suppress(Exception):  # clean-up only: never a finding
                    ctx.client.http.delete(f"{ctx.base_url}/{path}/{body['id']}")

    return check


def _report(findings: list[FuzzFinding], what: str, ctx: Context) -> None:
    if findings:
        first = findings[0]
        others = "; ".join(f"{f.operation}: {f.message[:200]}" for f in findings[1:6])
        raise RuleFailure(
            f"{len(findings)} operation(s) {what} (seed {ctx.options.seed}; replay with --seed "
            f"{ctx.options.seed}): {first.operation}",
            expected="no finding",
            actual=first.message + (f" | also: {others}" if others else ""),
            curl=first.curl,
        ) from None


@rule(
    "TMF630.fuzz.no-server-error",
    "Generated requests (--fuzz-examples per operation of the official document) never get a 5xx.",
    "TMF630 Part 1 'Response codes' (5xx only for server faults); schemathesis not_a_server_error",
)
def fuzz_no_server_error(ctx: Context) -> None:
    result = _fuzz(ctx)
    _report(result.server_errors, "answered 5xx", ctx)
    if result.cases == 0:
        raise RuleSkipped(
            "no operation could be generated from the document: " + "; ".join(result.problems[:3])
        )


@rule(
    "TMF630.fuzz.schema",
    "Answers to generated requests conform to the official document (status codes, content types, schemas).",
    "The API's official document; schemathesis response_schema_conformance",
)
def fuzz_schema(ctx: Context) -> None:
    result = _fuzz(ctx)
    _report(result.schema_errors, "answered outside the document", ctx)
