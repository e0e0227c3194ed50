"""The documentation site: built offline from the checkout, one page per API version listing every
operation of its document, lifecycles as Mermaid diagrams, nothing loaded from another host, and
served by the application at /docs/ (Swagger UI at /swagger). Browser checks are not made here."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tmf_api import app as app_module
from tmf_api import docsite
from tmf_api.app import create_app
from tmf_api.engine.mapping import Lifecycle
from tmf_api.registry import ApiVersion, api_versions, lifecycles, load_mapping, manifest
from tmf_api.settings import Settings
from tmf_api.specs import load_document


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs-cache")


@pytest.fixture(scope="module")
def site(cache: Path) -> Path:
    started = time.perf_counter()
    built = docsite.cached_site(cache)
    # reported, not asserted (no test decides on wall-clock time); the issue's bound is 2 minutes
    print(f"docs site built in {time.perf_counter() - started:.1f} s")
    return built


def _page(site: Path, version: ApiVersion) -> str:
    return (site / docsite.page_name(version)).with_suffix(".html").read_text("utf-8")


def test_every_api_version_has_a_page_listing_every_operation(site: Path) -> None:
    problems = []
    for version in api_versions():
        page = _page(site, version)
        document = load_document(version.document)
        for path, method, op in docsite.operations(document):
            if f'id="{docsite.operation_anchor(path, method)}"' not in page:
                problems.append(f"{version.api} {version.version}: {method.upper()} {path} missing")
            # its request and response schemas have their attributes on the page
            for name in docsite.operation_schemas(op, document):
                if f'id="schema-{name}"' not in page:
                    problems.append(f"{version.api} {version.version}: schema {name} missing")
    assert not problems, "\n".join(problems)
    assert (site / "etom.html").is_file() and (site / "sid.html").is_file()


def test_every_lifecycle_is_drawn_as_a_mermaid_state_diagram(site: Path) -> None:
    drawn = 0
    for version in api_versions():
        page = html.unescape(_page(site, version))
        machines = lifecycles(version.api)
        for resource in load_mapping(version.api, version.version).resources.values():
            machine = machines.get(resource.lifecycle or "")
            if machine is None:
                continue
            drawn += 1
            assert '<pre class="mermaid"><code>stateDiagram-v2' in page, version.key
            for source, targets in machine.transitions.items():
                for target in targets:
                    assert f"{source} --> {target}" in page, (version.key, resource.path, source, target)
    assert drawn


def test_state_diagram_of_a_lifecycle() -> None:
    machine = Lifecycle(
        "x",
        {
            "attribute": "state",
            "initial": ["open"],
            "final": ["closed"],
            "transitions": {"open": ["closed"]},
            "server_transitions": {"closed": ["open"]},
        },
    )
    assert docsite.state_diagram(machine) == [
        "```mermaid",
        "stateDiagram-v2",
        "    [*] --> open",
        "    open --> closed",
        "    closed --> open: server",
        "    closed --> [*]",
        "```",
        "",
    ]


def test_the_site_loads_nothing_from_another_host(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > len(api_versions())
    found = {str(p.relative_to(site)): docsite.external_assets(p.read_text("utf-8")) for p in pages}
    assert not {name: tags for name, tags in found.items() if tags}
    # the check sees what a CDN would be
    assert docsite.external_assets('<script src="https://cdn.example/x.js"></script>')
    assert docsite.external_assets('<link rel="stylesheet" href="//fonts.example/css">')
    assert (site / "assets" / docsite.MERMAID).is_file()


def test_the_purpose_is_in_both_languages(site: Path) -> None:
    for version in api_versions():
        purpose = manifest(version.api).raw["docs"]["purpose"]
        page = _page(site, version)
        assert html.escape(purpose["zh"].strip()) in page
        assert manifest(version.api).raw["docs"]["title_zh"] in page


def test_served_at_docs_with_swagger_ui_at_swagger(
    site: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "_site_cache", lambda: cache)  # the site built above
    one = api_versions()[0]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'tmf.db'}", apis=(one.key,))
    client = TestClient(create_app(settings))
    index = client.get("/docs/")
    assert index.status_code == 200 and index.text == (site / "index.html").read_text("utf-8")
    assert client.get(f"/docs/{Path(docsite.page_name(one)).with_suffix('.html')}").status_code == 200
    for bare in ("/docs", "/"):
        moved = client.get(bare, follow_redirects=False)
        assert moved.status_code == 307 and moved.headers["location"] == "/docs/"
    swagger = client.get("/swagger")
    assert swagger.status_code == 200 and f"{one.base_path}/openapi.json" in swagger.text
    # the API page opens Swagger UI on its own document (an entry name Swagger UI lists)
    entry = f"{one.api} {one.name} {one.version}"
    assert f'"name": "{entry}"' in swagger.text
    assert f"swagger?urls.primaryName={quote(entry)}" in _page(site, one)


def test_the_sid_page_draws_every_table_and_foreign_key(site: Path) -> None:
    from sid_model.base import Base

    page = html.unescape((site / "sid.html").read_text("utf-8"))
    assert page.count('<pre class="mermaid"><code>erDiagram') == len(docsite.er_diagrams())
    for table in Base.metadata.tables.values():
        mapped = any(m.local_table is table for m in Base.registry.mappers)
        assert not mapped or f"    {table.name} {{" in page, table.name
        for fk in table.foreign_keys:
            assert f'{fk.column.table.name} ||--o{{ {table.name} : "{fk.parent.name}"' in page


def test_the_etom_map_names_each_process_in_both_languages_and_links_its_operations(site: Path) -> None:
    page = html.unescape((site / "etom.html").read_text("utf-8"))
    processes = docsite._catalogue()["etom"]["processes"]
    for pid, spec in processes.items():
        assert f"{pid} {spec['name']} · {spec['name_zh']}" in page, pid
    for version in api_versions():
        html_page = Path(docsite.page_name(version)).with_suffix(".html")
        for path, method, op in docsite.operations(load_document(version.document)):
            link = f"{html_page}#{docsite.operation_anchor(path, method)}"
            assert f'href="{link}"' in page, (version.key, path, method, op["x-etom-process"])


def test_search_finds_chinese_words(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    separator = index["config"]["separator"]  # a JavaScript regular expression, read by Python's too
    assert r"\u200b" in separator
    titles = [entry["title"] for entry in index["docs"]]
    # "订单" (order) is a term of its own in "关闭客户订单" (close customer order)
    assert any(re.search(f"{separator}订单({separator}|$)", title) for title in titles)
