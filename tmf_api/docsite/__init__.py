"""The documentation site, generated from the project itself (`tmf docs build`, `/docs/`).

Every page is written from what the server runs on: the registry's manifests, the bundled OpenAPI
documents (with their x-etom-process / x-sid-entity annotations), the mappings and lifecycles,
the eTOM/SID catalogue and the SQLAlchemy metadata of sid_model. Nothing is written by hand per
API, so the site cannot drift from the code. The Markdown goes to a temporary folder and mkdocs
(with the Material theme, its offline and search plugins) turns it into a static site that works
from file:// or any static host; Mermaid is vendored (assets/), never fetched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from tmf_api.engine.events import event_names
from tmf_api.engine.mapping import MAPPINGS_ROOT, Lifecycle, ResourceMapping
from tmf_api.registry import ApiManifest, ApiVersion, lifecycles, load_mapping, manifests
from tmf_api.specs import load_document

ASSETS = Path(__file__).parent / "assets"
MERMAID = "mermaid-12.3.0.min.js"  # npm mermaid 12.3.0, dist/mermaid.min.js (MIT)
# npm iframe-worker 1.0.4, shim/index.js (MIT): search's web worker from file:// (the offline
# plugin would otherwise add it from a CDN)
IFRAME_WORKER = "iframe-worker-1.0.4-shim.js"
CATALOGUE = MAPPINGS_ROOT / "etom_sid_catalogue.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


def page_name(version: ApiVersion) -> str:
    """The Markdown file of one API version's page, relative to the site's root."""
    return f"apis/{version.api}-{version.version}.md"


def _catalogue() -> dict[str, Any]:
    with CATALOGUE.open(encoding="utf-8") as fh:
        found: dict[str, Any] = yaml.safe_load(fh)
    return found


def _cell(text: Any) -> str:
    """One Markdown table cell: no line breaks, no column separators."""
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _schema_name(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    ref = node.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if node.get("type") == "array":
        inner = _schema_name(node.get("items"))
        return f"{inner}[]" if inner else "array"
    return str(node.get("type") or "")


def _resolve(node: Any, document: dict[str, Any]) -> Any:
    """A local `$ref` (#/components/<kind>/<name>) replaced by what it names, one level deep."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        kind, name = node["$ref"].split("/")[-2:]
        node = document["components"][kind][name]
    return node


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation of a document, in document order."""
    return [
        (path, method, op)
        for path, item in document.get("paths", {}).items()
        for method, op in item.items()
        if method in METHODS
    ]


def operation_anchor(path: str, method: str) -> str:
    """The id of an operation's heading on its page (linked from the eTOM map)."""
    return "op-" + method + "-" + "-".join(re.findall(r"[A-Za-z0-9]+", path))


def _media_schemas(content: dict[str, Any] | None, document: dict[str, Any]) -> str:
    """The schemas of a body, each linked to its attributes (the page's Schemas section)."""
    names = sorted({_schema_name(media.get("schema")) for media in (content or {}).values()} - {""})
    schemas = document.get("components", {}).get("schemas", {})
    linked = [
        f"[`{name}`](#schema-{bare})" if (bare := name.removesuffix("[]")) in schemas else f"`{name}`"
        for name in names
    ]
    return ", ".join(linked)


def _operation_section(
    path: str, method: str, op: dict[str, Any], document: dict[str, Any], processes: dict[str, Any]
) -> list[str]:
    lines = [f"### `{method.upper()} {path}` {{: #{operation_anchor(path, method)} }}", ""]
    summary = op.get("summary") or op.get("operationId") or ""
    lines += [f"**{_cell(summary)}**", ""]
    if op.get("description"):
        lines += [" ".join(str(op["description"]).split()), ""]
    process = op.get("x-etom-process") or {}
    entity = op.get("x-sid-entity") or {}
    known = processes.get(str(process.get("id")), {})
    zh = f" · {known['name_zh']}" if known.get("name_zh") else ""
    lines += [
        "| | |",
        "| --- | --- |",
        f"| Operation id | `{_cell(op.get('operationId'))}` |",
        f"| eTOM process | [{_cell(process.get('id'))} {_cell(process.get('name'))}{zh}](../etom.md"
        f"#etom-{str(process.get('id', '')).replace('.', '-')}) |",
        f"| SID entity | [{_cell(entity.get('entity'))}](../sid.md"
        f"#sid-{str(entity.get('entity', '')).lower()}) ({_cell(entity.get('abe'))}) |",
    ]
    body = _resolve(op.get("requestBody"), document) if op.get("requestBody") else None
    if body:
        types = ", ".join(f"`{t}`" for t in body.get("content", {}))
        lines.append(f"| Request body | {_media_schemas(body.get('content'), document)} ({types}) |")
    responses = []
    for code, response in op.get("responses", {}).items():
        schemas = _media_schemas(_resolve(response, document).get("content"), document)
        responses.append(f"{code}{' ' + schemas if schemas else ''}")
    lines += [f"| Responses | {_cell('; '.join(responses))} |", ""]
    params = [_resolve(p, document) for p in op.get("parameters", [])]
    if params:
        lines += ["| Parameter | In | Required | Type | Description |", "| --- | --- | --- | --- | --- |"]
        for p in params:
            lines.append(
                f"| `{_cell(p.get('name'))}` | {_cell(p.get('in'))} | {'yes' if p.get('required') else 'no'}"
                f" | {_cell(_schema_name(p.get('schema')))} | {_cell(p.get('description'))} |"
            )
        lines.append("")
    return lines


def _properties(name: str, document: dict[str, Any], seen: set[str] | None = None) -> dict[str, Any]:
    """A schema's properties with those of the schemas it extends (`allOf`), each schema once:
    recursive schemas end where they started."""
    seen = set() if seen is None else seen
    if name in seen:
        return {}
    seen.add(name)
    schema = document.get("components", {}).get("schemas", {}).get(name) or {}
    found: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        if isinstance(part, dict) and isinstance(part.get("$ref"), str):
            found |= _properties(part["$ref"].rsplit("/", 1)[-1], document, seen)
        elif isinstance(part, dict):
            found |= part.get("properties") or {}
    return found | (schema.get("properties") or {})


def _schema_sections(names: Iterable[str], document: dict[str, Any]) -> list[str]:
    """The request and response schemas of the page's operations: their attributes, one level."""
    lines = ["## Schemas", ""]
    for name in sorted(set(names)):
        properties = _properties(name, document)
        lines += [f"### {name} {{: #schema-{name} }}", ""]
        if not properties:
            lines += ["(no attributes of its own)", ""]
            continue
        lines += ["| Attribute | Type | Description |", "| --- | --- | --- |"]
        for attribute, spec in properties.items():
            kind = _schema_name(spec) or ("oneOf" if isinstance(spec, dict) and "oneOf" in spec else "")
            description = spec.get("description", "") if isinstance(spec, dict) else ""
            lines.append(f"| `{_cell(attribute)}` | {_cell(kind)} | {_cell(description)} |")
        lines.append("")
    return lines


def operation_schemas(op: dict[str, Any], document: dict[str, Any]) -> set[str]:
    contents = []
    if op.get("requestBody"):
        contents.append(_resolve(op["requestBody"], document).get("content") or {})
    contents += [_resolve(r, document).get("content") or {} for r in op.get("responses", {}).values()]
    names = {_schema_name(media.get("schema")).removesuffix("[]") for c in contents for media in c.values()}
    schemas = document.get("components", {}).get("schemas", {})
    return {name for name in names if name in schemas}


def state_diagram(lifecycle: Lifecycle) -> list[str]:
    """The lifecycle as a Mermaid stateDiagram-v2 block: the client's moves, the server's dashed."""
    lines = ["```mermaid", "stateDiagram-v2"]
    for state in lifecycle.initial:
        lines.append(f"    [*] --> {state}")
    for source, targets in lifecycle.transitions.items():
        lines += [f"    {source} --> {target}" for target in targets]
    for source, targets in lifecycle.server_transitions.items():
        lines += [f"    {source} --> {target}: server" for target in targets]
    for state in lifecycle.final:
        lines.append(f"    {state} --> [*]")
    return [*lines, "```", ""]


def tmf630_features(document: dict[str, Any]) -> list[str]:
    """Which TMF630 (REST design guidelines) features the document declares, read from it."""
    params: set[str] = set()
    patch_types: set[str] = set()
    headers: set[str] = set()
    for _path, method, op in operations(document):
        params |= {str(_resolve(p, document).get("name")) for p in op.get("parameters", [])}
        if method == "patch" and op.get("requestBody"):
            patch_types |= set(_resolve(op["requestBody"], document).get("content", {}))
        for response in op.get("responses", {}).values():
            headers |= set(_resolve(response, document).get("headers", {}))
    found = []
    if "fields" in params:
        found.append("Attribute selection (`fields`)")
    if {"offset", "limit"} <= params:
        total = " with `X-Total-Count`" if "X-Total-Count" in headers else ""
        found.append(f"Pagination (`offset`, `limit`){total}")
    if "sort" in params:
        found.append("Sorting (`sort`)")
    found.append("Attribute filtering (`attribute=value`, `.gt`/`.lt`/… operators; read by the engine)")
    for media, label in (
        ("application/merge-patch+json", "JSON Merge Patch"),
        ("application/json-patch+json", "JSON Patch"),
        ("application/json-patch-query+json", "JSON Patch Query"),
    ):
        if media in patch_types:
            found.append(f"{label} (`{media}`)")
    if any(path.rstrip("/").endswith("/hub") or path == "/hub" for path in document.get("paths", {})):
        found.append("Event subscription (`/hub`) and notifications")
    return found


def _events(defined: set[str], resource: ResourceMapping) -> list[str]:
    """The events a resource's changes raise (tmf_api.engine.events): the defaults and the
    mapping's own names, those the document (or the one of `events_from`) defines."""
    schema = resource.schema
    names = {f"{schema}{suffix}" for suffix in ("CreateEvent", "AttributeValueChangeEvent", "DeleteEvent")}
    names.add(resource.state_change_event or f"{schema}StateChangeEvent")
    names |= {name for extra in resource.state_events.values() for name in extra}
    return sorted(names & defined)


def _api_page(m: ApiManifest, version: ApiVersion, processes: dict[str, Any]) -> str:
    document = load_document(version.document)
    docs = m.raw.get("docs") or {}
    purpose = docs.get("purpose") or {}
    info = document.get("info", {})
    lines = [
        f"# {m.api} {m.title} {version.version} · {docs.get('title_zh', '')}",
        "",
        f"**Base path** `{version.base_path}` · **Document** `openapi/{version.document}`"
        f" (served at `{version.base_path}/openapi.json`) · **Version** {info.get('version', '')}",
        "",
    ]
    # Swagger UI's entry for this document (tmf_api.app names them "<API> <name> <version>")
    entry = quote(f"{m.api} {version.name} {version.version}")
    swagger = f"../../swagger?urls.primaryName={entry}"
    lines += [f"Try it out against the running server (`tmf serve`): [Swagger UI]({swagger})", ""]
    if purpose:
        lines += [f"**What it is for.** {purpose.get('en', '')}", ""]
        lines += [f"**用途。** {purpose.get('zh', '')}", ""]
    if info.get("description"):
        lines += [" ".join(str(info["description"]).split()), ""]
    lines += ["## TMF630 features", "", *[f"- {f}" for f in tmf630_features(document)], ""]
    mapping = load_mapping(m.api, version.version)
    machines = lifecycles(m.api)
    source = m.versions[version.events_from].document if version.events_from else version.document
    defined = event_names(load_document(source))
    lines += ["## Resources", ""]
    for path, resource in mapping.resources.items():
        entity = resource.node.entity
        table = entity.__table__.name  # type: ignore[attr-defined]
        lines += [f"### {path}", "", f"Schema `{resource.schema}`; stored in SID entity `{entity.__name__}`"]
        lines[-1] += f" (table `{table}`), see the [SID model](../sid.md#sid-{entity.__name__.lower()})."
        lines.append("")
        events = _events(defined, resource)
        if events:
            lines += ["Events sent: " + ", ".join(f"`{e}`" for e in events), ""]
        machine = machines.get(resource.lifecycle or "")
        if machine is not None:
            lines += [f"Lifecycle of `{machine.attribute}` (from `mappings/{m.api}/{m.lifecycles}`):", ""]
            lines += state_diagram(machine)
    lines += ["## Operations", ""]
    shown: set[str] = set()
    for path, method, op in operations(document):
        lines += _operation_section(path, method, op, document, processes)
        shown |= operation_schemas(op, document)
    lines += _schema_sections(shown, document)
    return "\n".join(lines) + "\n"


def _etom_page(catalogue: dict[str, Any], used: dict[str, list[tuple[ApiVersion, str, str]]]) -> str:
    etom = catalogue["etom"]
    processes: dict[str, Any] = etom["processes"]
    lines = [
        "# eTOM process map · eTOM 流程地图",
        "",
        f"Release: **{etom['release']}**. Level 1 → 2 → 3 as the project touches them (from "
        "`mappings/etom_sid_catalogue.yaml`); each process lists the operations that realise it "
        "(their `x-etom-process`).",
        "",
    ]

    def level1(pid: str) -> str:
        return ".".join(pid.split(".")[:2])

    for top in sorted({level1(pid) for pid in processes}, key=_id_key):
        known = processes.get(top)
        # the catalogue names the level-1 processes it lists; the others show their id
        lines += [f"## Level 1: {top} {known['name'] if known else ''}".rstrip(), ""]
        for pid in sorted((p for p in processes if level1(p) == top and p != top), key=_id_key):
            spec = processes[pid]
            depth = "#" * min(2 + int(spec["level"]) - 1, 6)
            zh = f" · {spec['name_zh']}" if spec.get("name_zh") else ""
            lines += [f"{depth} {pid} {spec['name']}{zh} {{: #etom-{pid.replace('.', '-')} }}", ""]
            former = f" (before eTOM 15: {spec['former_id']})" if spec.get("former_id") else ""
            lines += [f"Level {spec['level']}{former}. {_cell(spec.get('description'))}", ""]
            for version, label, link in used.get(pid, []):
                lines.append(f"- [{version.api} {version.version}: {label}]({link})")
            lines.append("")
    return "\n".join(lines) + "\n"


def _id_key(pid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in pid.split("."))


def _sid_page(catalogue: dict[str, Any], versions: Iterable[ApiVersion]) -> str:
    sid = catalogue["sid"]
    lines = [
        "# SID model · SID 信息模型",
        "",
        f"Release: **{sid['release']}**. The entities of `sid_model/` and, for each, which attributes of "
        "which resources map onto which columns (from the mappings under `mappings/<API>/`).",
        "",
    ]
    rows: dict[str, list[str]] = {}
    tables: dict[str, str] = {}
    for version in versions:
        mapping = load_mapping(version.api, version.version)
        for node in mapping.nodes.values():
            name = node.entity.__name__
            tables[name] = node.entity.__table__.name  # type: ignore[attr-defined]
            for column in node.columns:
                where = f"{version.api} {version.version}"
                rows.setdefault(name, []).append(
                    f"| {where} | `{node.name}` | `{column.dotted}` | `{column.column}` |"
                )
    lines += ["## Entity–relationship diagrams", ""]
    for module, diagram in er_diagrams().items():
        lines += [f"### sid_model.{module}", "", *diagram]
    lines += ["## Entities and their mappings", ""]
    for name in sorted(set(rows) | set(sid["entities"])):
        entity = sid["entities"].get(name, {})
        lines += [f"### {name} {{: #sid-{name.lower()} }}", ""]
        if entity:
            abe, domain = entity.get("abe", ""), entity.get("domain", "")
            lines += [f"{abe}, {domain}. {_cell(entity.get('description'))}", ""]
        if name in tables:
            lines += [f"Table `{tables[name]}`.", ""]
        if name in rows:
            lines += ["| API | Node | Attribute | Column |", "| --- | --- | --- | --- |"]
            lines += [*sorted(set(rows[name])), ""]
    return "\n".join(lines) + "\n"


def er_diagrams() -> dict[str, list[str]]:
    """Mermaid entity-relationship diagrams from the SQLAlchemy metadata, one per sid_model module:
    its tables with their columns, and each foreign key as a one-to-many relationship."""
    from sid_model.base import Base

    by_module: dict[str, list[Any]] = {}
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        table = mapper.local_table
        if table is not None and mapper.class_.__module__.startswith("sid_model."):
            by_module.setdefault(mapper.class_.__module__.removeprefix("sid_model."), []).append(table)
    diagrams: dict[str, list[str]] = {}
    for module, tables in sorted(by_module.items()):
        lines = ["```mermaid", "erDiagram"]
        for table in dict.fromkeys(tables):
            lines.append(f"    {table.name} {{")
            for column in table.columns:
                keys = [k for k, on in (("PK", column.primary_key), ("FK", bool(column.foreign_keys))) if on]
                marks = f" {','.join(keys)}" if keys else ""
                lines.append(f"        {type(column.type).__name__} {column.name}{marks}")
            lines.append("    }")
        for table in dict.fromkeys(tables):
            for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
                lines.append(f'    {fk.column.table.name} ||--o{{ {table.name} : "{fk.parent.name}"')
        diagrams[module] = [*lines, "```", ""]
    return diagrams


def _index_page(catalogue: dict[str, Any]) -> str:
    lines = [
        "# TM Forum Open APIs · TM Forum 开放接口",
        "",
        "Generated from the project itself: the registry, the OpenAPI documents, the mappings and "
        "lifecycles, the eTOM/SID catalogue and the SID model. Try the operations against the running "
        "server in [Swagger UI](../swagger/) (when served by `tmf serve`).",
        "",
        "| API | 接口 | Versions | What it is for |",
        "| --- | --- | --- | --- |",
    ]
    for m in manifests().values():
        docs = m.raw.get("docs") or {}
        links = ", ".join(f"[{v.version}]({page_name(v)})" for v in m.versions.values())
        purpose = (docs.get("purpose") or {}).get("en", "")
        lines.append(f"| {m.api} {m.title} | {docs.get('title_zh', '')} | {links} | {_cell(purpose)} |")
    lines += [
        "",
        f"- [eTOM process map](etom.md) ({catalogue['etom']['release']})",
        f"- [SID model](sid.md) ({catalogue['sid']['release']})",
    ]
    return "\n".join(lines) + "\n"


def write_sources(folder: Path) -> list[str]:
    """Write the site's Markdown and mkdocs.yml into `folder`; return the pages written."""
    catalogue = _catalogue()
    docs = folder / "docs"
    (docs / "apis").mkdir(parents=True, exist_ok=True)
    (docs / "assets").mkdir(exist_ok=True)
    for asset in (MERMAID, IFRAME_WORKER):
        shutil.copyfile(ASSETS / asset, docs / "assets" / asset)
    pages = {"index.md": _index_page(catalogue)}
    used: dict[str, list[tuple[ApiVersion, str, str]]] = {}
    nav: list[Any] = [{"Home · 首页": "index.md"}]
    every = [v for m in manifests().values() for v in m.versions.values()]
    for m in manifests().values():
        entries = []
        for version in m.versions.values():
            pages[page_name(version)] = _api_page(m, version, catalogue["etom"]["processes"])
            entries.append({version.version: page_name(version)})
            for path, method, op in operations(load_document(version.document)):
                process = op.get("x-etom-process") or {}
                if process.get("id"):
                    label = f"{method.upper()} {path}"
                    link = f"{page_name(version)}#{operation_anchor(path, method)}"
                    used.setdefault(str(process["id"]), []).append((version, label, link))
        zh = (m.raw.get("docs") or {}).get("title_zh", "")
        nav.append({f"{m.api} {m.title} · {zh}": entries})
    pages["etom.md"] = _etom_page(catalogue, used)
    pages["sid.md"] = _sid_page(catalogue, every)
    nav += [{"eTOM · 流程": "etom.md"}, {"SID · 信息模型": "sid.md"}]
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = {
        "site_name": "TM Forum Open APIs · 开放接口",
        "docs_dir": "docs",
        # relative links only: the site works from file:// and under any prefix (/docs/)
        "use_directory_urls": False,
        # no web fonts: the system's own (the theme would load Roboto from a font host)
        "theme": {"name": "material", "language": "en", "font": False, "features": ["navigation.sections"]},
        # jieba (installed with the project) segments Chinese with zero-width spaces when the
        # index is built; they separate search terms like spaces do
        "plugins": [{"search": {"separator": r"[\s\u200b\-]+"}}, "offline"],
        "markdown_extensions": [
            "tables",
            "attr_list",
            "toc",
            {
                "pymdownx.superfences": {
                    "custom_fences": [
                        {
                            "name": "mermaid",
                            "class": "mermaid",
                            "format": "!!python/name:pymdownx.superfences.fence_code_format",
                        }
                    ]
                }
            },
        ],
        # Material draws `mermaid` blocks with the Mermaid on the page (it fetches one only if none is)
        "extra_javascript": [f"assets/{MERMAID}"],
        "extra": {"polyfills": [f"assets/{IFRAME_WORKER}"], "generator": False},
        "nav": nav,
    }
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    # the fence formatter is a Python name mkdocs resolves (its YAML loader knows the tag)
    tag = "!!python/name:pymdownx.superfences.fence_code_format"
    text = text.replace(f"'{tag}'", tag)
    (folder / "mkdocs.yml").write_text(text, encoding="utf-8")
    return sorted(pages)


def build(out: Path) -> list[str]:
    """Build the static site into `out` (replaced); return the Markdown pages it was built from."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    with tempfile.TemporaryDirectory(prefix="tmf-docs-") as tmp:
        pages = write_sources(Path(tmp))
        config = load_config(str(Path(tmp) / "mkdocs.yml"), site_dir=str(out.resolve()))
        # jieba (imported by the search plugin) logs its dictionary loading at DEBUG level
        logging.getLogger("jieba").setLevel(logging.WARNING)
        mkdocs_build(config)
    return pages


def _inputs_digest() -> str:
    """What the site depends on: the mappings, the documents, the SID model and this generator."""
    import sid_model
    from tmf_api.specs import SPEC_ROOT

    digest = hashlib.sha256()
    roots = [MAPPINGS_ROOT, SPEC_ROOT, Path(sid_model.__file__).parent, Path(__file__).parent]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


_lock = threading.Lock()


def cached_site(cache: Path) -> Path:
    """The site for the current sources under `cache`, built on first need (`tmf serve`)."""
    with _lock:
        site = cache / f"site-{_inputs_digest()}"
        if not (site / "index.html").is_file():
            # built aside and renamed: servers starting together never serve half a site
            partial = cache / f"{site.name}.{os.getpid()}.partial"
            build(partial)
            try:
                partial.replace(site)
            except OSError:  # another process renamed its build first: the same sources
                shutil.rmtree(partial, ignore_errors=True)
        return site


_EXTERNAL = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def external_assets(html: str) -> list[str]:
    """The tags of a page that would load something from another host (none, offline)."""
    return [match.group(0) for match in _EXTERNAL.finditer(html)]
