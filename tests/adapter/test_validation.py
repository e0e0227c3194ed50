"""Request body validation: the compiled fast path agrees with Connexion's jsonschema validator.

The fast validator may only ever be stricter: a body it accepts must be one jsonschema accepts,
since an accepted body skips jsonschema. Checked on every body schema of every served document
with valid bodies and a few hundred mutations of them (wrong types, nulls, missing attributes).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import fastjsonschema
import pytest
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from jsonschema import Draft4Validator

from tests.api.test_tmf621 import ticket_v4, ticket_v5
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import make_client
from tmf_api.adapter.validation import CachedJSONBodyValidator, compile_fast
from tmf_api.registry import api_versions
from tmf_api.specs import load_spec


def _body_schemas() -> Iterator[tuple[str, Any]]:
    for served in api_versions():
        api, version = served.api, served.version
        spec = resolve_refs(load_spec(api, version))
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if not isinstance(operation, dict):
                    continue
                content = operation.get("requestBody", {}).get("content", {})
                for media_type, entry in content.items():
                    if "json" in media_type and "schema" in entry:
                        yield f"{api} {version} {method.upper()} {path} {media_type}", entry["schema"]


def test_every_request_body_schema_compiles_to_the_fast_validator() -> None:
    missing = [name for name, schema in _body_schemas() if compile_fast(schema) is None]
    assert missing == []


def _mutations(body: Any) -> Iterator[Any]:
    """The body itself, then variants with one attribute (top level or one level down) changed."""
    yield body
    replacements: list[Any] = [None, 42, 4.5, True, "x", [], {}, [1], {"a": 1}, "2026-13-45T99:00:00Z"]
    for key in list(body):
        removed = copy.deepcopy(body)
        del removed[key]
        yield removed
        for value in replacements:
            changed = copy.deepcopy(body)
            changed[key] = value
            yield changed
        inner = body[key][0] if isinstance(body[key], list) and body[key] else body[key]
        if isinstance(inner, dict):
            for sub in list(inner):
                for value in [None, 42, "x", [], {}]:
                    changed = copy.deepcopy(body)
                    target = changed[key][0] if isinstance(changed[key], list) else changed[key]
                    target[sub] = value
                    yield changed


CASES = {
    "TMF622 v4 POST /productOrder": order_v4("m"),
    "TMF622 v5 POST /productOrder": order_v5("m"),
    "TMF621 v4 POST /troubleTicket": ticket_v4("m"),
    "TMF621 v5 POST /troubleTicket": ticket_v5("m"),
}


@pytest.mark.parametrize("operation", list(CASES))
def test_the_fast_validator_accepts_nothing_jsonschema_refuses(operation: str) -> None:
    schemas = dict(_body_schemas())
    schema = schemas[f"{operation} application/json"]
    fast = compile_fast(schema)
    assert fast is not None
    slow = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    accepted = 0
    for body in _mutations(CASES[operation]):
        try:
            fast(copy.deepcopy(body))
        except fastjsonschema.JsonSchemaValueException:
            continue
        accepted += 1
        errors = list(slow.iter_errors(body))
        assert errors == [], f"fast path accepted {json.dumps(body, ensure_ascii=False)}: {errors[0].message}"
    assert accepted > 1  # the valid bodies (and harmless variants) do take the fast path


def test_a_valid_body_skips_jsonschema_and_a_bad_one_gets_its_message(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    original = CachedJSONBodyValidator._validator

    def counting(self: CachedJSONBodyValidator) -> Any:
        calls.append(self)
        return original.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(CachedJSONBodyValidator, "_validator", property(counting))
    url = "/tmf-api/productOrderingManagement/v5/productOrder"
    with make_client(database_url, dispatch_events=False) as client:
        assert client.post(url, json=order_v5("fast")).status_code == 201
        assert calls == []
        bad = order_v5("bad") | {"productOrderItem": "not a list"}
        response = client.post(url, json=bad)
        assert response.status_code == 400, response.text
        assert "productOrderItem" in response.json()["message"]
        assert len(calls) == 1
