"""Structural checks of the bundled OpenAPI documents (every document under openapi/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import connexion
import pytest
import yaml
from connexion.exceptions import InvalidSpecification
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from openapi_spec_validator import validate
from starlette.responses import JSONResponse

from tmf_api.app import create_app
from tmf_api.registry import api_versions
from tmf_api.settings import Settings
from tmf_api.specs import SPEC_ROOT, load_spec

CATALOGUE = SPEC_ROOT.parent / "mappings" / "etom_sid_catalogue.yaml"
METHODS = ("get", "put", "post", "patch", "delete")
SPECS = [v.key for v in api_versions()]
IDS = [f"{api}-{version}" for api, version in SPECS]
# responses must be an object: what Connexion's meta-schema check refuses
BROKEN = {
    "openapi": "3.0.3",
    "info": {"title": "x", "version": "1"},
    "paths": {"/x": {"get": {"responses": 0}}},
}


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve(node: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _is_list(path: str, method: str) -> bool:
    return method == "get" and not path.endswith("}")


def test_every_document_under_openapi_is_registered() -> None:
    """A document no manifest names would be served by nothing: the registry is the one list."""
    named = {SPEC_ROOT / v.document for v in api_versions()}
    on_disk = {p for p in SPEC_ROOT.glob("*/*.yaml") if p.parent.name != "common"}
    assert named == on_disk


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_valid_openapi(api: str, version: str) -> None:
    doc = load_spec(api, version)
    assert doc["openapi"] == "3.0.3"
    validate(doc)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_connexion_accepts_the_document(api: str, version: str) -> None:
    """The meta-schema check Connexion would run at every start, which the server skips for ours."""
    OpenAPISpecification._validate_spec(load_spec(api, version))


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_nothing_is_nullable(api: str, version: str) -> None:
    """PATCH results are checked with plain draft 4, as POST bodies are (tmf_api.engine.resource):
    an OpenAPI `nullable` would need the validator to know it."""
    assert "nullable" not in set(_keys(load_spec(api, version)))


def test_connexion_check_refuses_a_broken_document() -> None:
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification._validate_spec(BROKEN)


def test_building_an_app_leaves_connexion_checking_other_documents(tmp_path: Path) -> None:
    create_app(Settings(database_url=f"sqlite:///{tmp_path / 'tmf.db'}", apis=(SPECS[0],)))
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification.from_dict(BROKEN)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_self_contained_and_no_closed_objects(api: str, version: str) -> None:
    text = yaml.safe_dump(load_spec(api, version))
    assert "../common/" not in text
    assert "additionalProperties: false" not in text
    assert "discriminator" not in text


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_etom_and_sid_documented(api: str, version: str) -> None:
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    processes = catalogue["etom"]["processes"]
    entities = catalogue["sid"]["entities"]
    problems = []
    for path, method, op in _operations(load_spec(api, version)):
        label = f"{method.upper()} {path}"
        process = op.get("x-etom-process")
        entity = op.get("x-sid-entity")
        if not process or not entity:
            problems.append(f"{label}: x-etom-process or x-sid-entity missing")
            continue
        known = processes.get(str(process["id"]))
        if known is None or known["name"] != process["name"]:
            problems.append(f"{label}: eTOM {process} not in the catalogue")
        known_entity = entities.get(entity["entity"])
        if known_entity is None or known_entity["abe"] != entity["abe"]:
            problems.append(f"{label}: SID {entity} not in the catalogue")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_tmf630_extensions(api: str, version: str) -> None:
    doc = load_spec(api, version)
    problems = []
    for path, method, op in _operations(doc):
        label = f"{method.upper()} {path}"
        params = {_resolve(p, doc)["name"] for p in op.get("parameters", [])}
        responses = {code: _resolve(r, doc) for code, r in op["responses"].items()}
        # v4 listeners answer 201 with the subscription but create nothing: no Location there
        created = "201" in responses and not path.startswith("/listener/")
        if created and "Location" not in responses["201"].get("headers", {}):
            problems.append(f"{label}: 201 without Location header")
        if method == "get" and "fields" not in params:
            problems.append(f"{label}: no fields parameter")
        if _is_list(path, method):
            missing = {"fields", "offset", "limit", "sort"} - params
            if missing:
                problems.append(f"{label}: list parameters missing: {sorted(missing)}")
            for code in ("200", "206"):
                headers = responses.get(code, {}).get("headers", {})
                for header in ("X-Total-Count", "X-Result-Count"):
                    schema = _resolve(headers[header], doc)["schema"] if header in headers else {}
                    if schema.get("type") != "integer":
                        problems.append(f"{label}: {code} lacks integer header {header}")
        if method in ("post", "patch") and "415" not in responses:
            problems.append(f"{label}: no 415 response")
        for code, response in responses.items():
            if code[0] in "45":
                content = response.get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                if list(content) != ["application/json"] or not schema.get("$ref", "").endswith("/Error"):
                    problems.append(f"{label}: {code} does not use the Error schema as application/json")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_patch_media_types(api: str, version: str) -> None:
    expected = {"application/merge-patch+json", "application/json"}
    if version == "v5":
        expected |= {"application/json-patch+json", "application/json-patch-query+json"}
    doc = load_spec(api, version)
    for path, method, op in _operations(doc):
        if method == "patch":
            body = _resolve(op["requestBody"], doc)
            assert set(body["content"]) == expected, f"PATCH {path}"


async def _do_nothing(*args: Any, **kwargs: Any) -> JSONResponse:
    return JSONResponse({"dummy": True})


def _dummy_resolver() -> Any:  # a connexion Resolver (connexion ships no types)
    """Resolves every operation to a coroutine that does nothing."""
    return Resolver(lambda _operation_id: _do_nothing)


@pytest.mark.parametrize(("api", "version"), SPECS, ids=IDS)
def test_loads_in_connexion(api: str, version: str) -> None:
    app = connexion.AsyncApp(__name__, specification_dir=str(Path(__file__).parent))
    app.add_api(load_spec(api, version), resolver=_dummy_resolver())
    # the first request builds the routes and the validators
    assert app.test_client().get("/no-such-path").status_code == 404


def test_v4_ctk_create_body_accepted() -> None:
    """The official v4 conformance kit's create body must pass request validation."""
    app = connexion.AsyncApp(__name__)
    app.add_api(load_spec("TMF622", "v4"), resolver=_dummy_resolver())
    client = app.test_client()
    body = {
        "productOrderItem": [{"id": "123", "action": "add"}],
        "relatedParty": [{"id": "456-dd-df45", "@referredType": "Individual"}],
    }
    url = "/tmf-api/productOrderingManagement/v4/productOrder"
    assert client.post(url, json=body).status_code == 200
    assert client.post(url, json={"productOrderItem": [{"id": "1", "action": "bogus"}]}).status_code == 400
