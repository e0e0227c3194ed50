"""The schemathesis harness can fail: it sees answers outside our document and unexplained 5xx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.fuzz_support import verdict
from tests.api.fuzzing import (
    SEED,
    Finding,
    FuzzReport,
    _against_own,
    _config,
    _drop_schema_examples,
    generation_limit,
    own_document,
)
from tmf_api.registry import api_versions

BASE = "http://tmf.test"


def _own_schema() -> tuple[Any, str]:
    import schemathesis

    version = next(v for v in api_versions() if v.version == "v4")
    schema = schemathesis.openapi.from_dict(
        own_document(version, BASE), config=_config(BASE + version.base_path, 1, SEED)
    )
    return schema, BASE + version.base_path


def _response(method: str, url: str, status: int, body: Any) -> httpx.Response:
    response = httpx.Response(status, json=body, request=httpx.Request(method, url))
    response.elapsed = timedelta(0)  # set by a transport; schemathesis reads it
    return response


def test_an_answer_our_document_does_not_allow_is_a_finding() -> None:
    schema, base = _own_schema()
    lists = [p for p in schema.raw_schema["paths"] if "{" not in p and "listener" not in p and "hub" not in p]
    path = lists[0]
    url = base + path
    assert _against_own(schema, "GET", url, _response("GET", url, 200, [])) is None
    problem = _against_own(schema, "GET", url, _response("GET", url, 200, {"not": "a list"}))
    assert problem is not None and "HTTP 200" in problem
    assert "not documented" in (_against_own(schema, "GET", url, _response("GET", url, 418, {})) or "")
    # paths and methods our document does not have are refused, which is right
    assert _against_own(schema, "GET", base + "/nothing", _response("GET", base, 404, {})) is None


def _finding(
    kind: str = "5xx", body: bytes | None = b"{}", uri: str = BASE + "/x", message: str = ""
) -> Finding:
    return Finding(kind, "POST /x", "fuzzing", message or "HTTP 500", "curl …", uri, body)


REQUIRED = 'Violates schema\n\n"productOrderItem" is a required property\n\nValidated against {"@type"}'
OTHER = '"x" is not of type "integer"\nValidated against {"@type": 1}'


@pytest.mark.parametrize(
    ("finding", "cause"),
    [
        (_finding(body=b"\xff\xfe"), "invalid UTF-8 body"),
        (_finding(uri=BASE + "/x?=1"), "empty parameter name"),
        (_finding(body=b'{"a": "\\ud800"}'), "lone surrogate"),
        (_finding(body=b'{"quantity": 9223372036854775808}'), "integers >= 2^63 / huge offset"),
        (_finding(uri=BASE + "/x?offset=100000000000000000000"), "integers >= 2^63 / huge offset"),
        (_finding(body=b'{"a": "\\u0000"}'), "NUL bytes"),
        (_finding(body=b"[" * 200 + b"]" * 200), "deep nesting"),
        (_finding(body=b'{"severity": "' + b"x" * 101 + b'"}'), "VARCHAR overflow"),
        (_finding(uri=BASE + "/x?description.regex=(a)"), "regex the database cannot run"),
        (_finding("own document", message="'productOrderItem' is a required property"),
         "merge patch removing required attributes"),
        (_finding("own document", message='violates schema: "@type" is not one of\nValidated against'),
         "@type/@schemaLocation checks"),
        (_finding("own document", message=REQUIRED), "merge patch removing required attributes"),
        (_finding("own document", message="'x' is not a 'date-time'"), "PATCH date-time format checks"),
        (_finding("own document", message=OTHER), None),
        (_finding(body=b'{"quantity": 3}'), None),
        (_finding(uri=BASE + "/x?state=acknowledged"), None),
    ],
)
def test_findings_are_put_down_to_the_root_causes_being_fixed(finding: Finding, cause: str | None) -> None:
    assert finding.cause == cause


def test_verdict_fails_on_an_unexplained_finding_and_names_it() -> None:
    report = FuzzReport(requests=3, findings=[_finding(body=b'{"quantity": 3}')])
    with pytest.raises(AssertionError, match=r"POST /x"):
        verdict(report)


def test_a_known_root_cause_fails_the_run_and_is_named() -> None:
    report = FuzzReport(requests=3, findings=[_finding(body=b"\xff")])
    with pytest.raises(AssertionError, match="known root cause: invalid UTF-8 body"):
        verdict(report)


def test_verdict_fails_when_schemathesis_could_not_test() -> None:
    with pytest.raises(AssertionError, match="could not test"):
        verdict(FuzzReport(requests=3, errors=["GET /x: Schema Error: broken"]))
    with pytest.raises(AssertionError, match="no request"):
        verdict(FuzzReport())
    limit = "POST /productOrder: Schema Error: Cannot generate an array with 1 demanded elements"
    assert generation_limit(limit) is not None
    verdict(FuzzReport(requests=1, errors=[limit]))


def test_official_schemas_lose_their_examples_not_an_attribute_called_example() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "example": {"id": "1"},
        "properties": {
            "example": {"type": "string", "example": "x"},
            "items": {"type": "array", "items": {"type": "string", "example": "y"}},
        },
        "allOf": [{"example": {"a": 1}}],
    }
    _drop_schema_examples(schema)
    assert schema == {
        "type": "object",
        "properties": {
            "example": {"type": "string"},
            "items": {"type": "array", "items": {"type": "string"}},
        },
        "allOf": [{}],
    }
