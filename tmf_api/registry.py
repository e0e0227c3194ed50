"""The one registry of APIs: every list of APIs (app, tests, kits, packaging) comes from here.

Each API has a folder mappings/<API>/ whose manifest.yaml names everything about it: its root path
and documents per version, its resource mappings, lifecycles, event names, rules module, official
documents and kit, conformance profile and demo data. Adding an API adds a folder; no list in
the code changes. The conformance suite reads its own profiles (it must not import tmf_api).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tmf_api.engine.assembly import assemble
from tmf_api.engine.mapping import (
    MAPPINGS_ROOT,
    ApiMapping,
    Lifecycle,
    parse_lifecycles,
    parse_mapping,
)
from tmf_api.resources import load_yaml

MANIFEST = "manifest.yaml"
COMMON = "common"
NODES = "nodes.yaml"


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return load_yaml(fh)


@dataclass(frozen=True)
class Kit:
    """An official Conformance Test Kit: a Postman collection and the variable holding the base URL."""

    collection: str  # relative to the reference folder (TMF_REFERENCE_DIR)
    variable: str
    # Kits of APIs without POST (bills) read what is stored: they run against the demo data.
    demo_data: bool = False


@dataclass(frozen=True)
class ApiVersion:
    api: str
    version: str
    name: str  # the root path segment: /tmf-api/<name>/<version>
    document: str  # the project's OpenAPI document, relative to openapi/
    official: str | None  # the published document, relative to the reference folder
    kit: Kit | None
    events_from: str | None

    @property
    def base_path(self) -> str:
        return f"/tmf-api/{self.name}/{self.version}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.api, self.version)


@dataclass(frozen=True)
class ApiManifest:
    api: str
    title: str
    folder: Path
    versions: dict[str, ApiVersion]
    resources: tuple[str, ...]
    lifecycles: str | None
    events: dict[str, Any]
    rules: str | None
    conformance: str | None
    demo: str | None
    # The collections partners filter in bulk: every filterable attribute of theirs has an index
    # or is declared unindexed in the mapping (tests/sid_model/test_filter_indexes.py).
    indexed_lists: tuple[str, ...] = ()
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def resource_file(self, resource: str) -> Path:
        return self.folder / f"{resource}.yaml"

    def data_file(self, name: str) -> Path:
        """A data file of this API's folder (service levels, demo records …)."""
        return self.folder / name


_KNOWN = {
    "api", "title", "versions", "resources", "lifecycles", "events", "rules", "conformance", "demo",
    "indexed_lists", "docs",
}  # fmt: skip
_KNOWN_VERSION = {"name", "document", "official", "ctk", "events_from"}


def _parse_manifest(folder: Path) -> ApiManifest:
    raw = read_yaml(folder / MANIFEST)
    where = folder / MANIFEST
    if not isinstance(raw, dict) or raw.get("api") != folder.name:
        raise ValueError(f"{where}: `api` must be {folder.name!r}, the folder's name")
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    versions = {}
    for version, spec in raw["versions"].items():
        extra = set(spec) - _KNOWN_VERSION
        if extra:
            raise ValueError(f"{where}: {version}: unknown keys {sorted(extra)}")
        ctk = spec.get("ctk")
        versions[version] = ApiVersion(
            api=raw["api"],
            version=version,
            name=spec["name"],
            document=spec["document"],
            official=spec.get("official"),
            kit=Kit(ctk["collection"], ctk["variable"], bool(ctk.get("demo_data"))) if ctk else None,
            events_from=spec.get("events_from"),
        )
    manifest = ApiManifest(
        api=raw["api"],
        title=str(raw.get("title") or raw["api"]),
        folder=folder,
        versions=versions,
        resources=tuple(raw.get("resources", [])),
        lifecycles=raw.get("lifecycles"),
        events=dict(raw.get("events") or {}),
        rules=raw.get("rules"),
        conformance=raw.get("conformance"),
        demo=raw.get("demo"),
        indexed_lists=tuple(raw.get("indexed_lists", [])),
        raw=raw,
    )
    for resource in manifest.indexed_lists:
        if resource not in manifest.resources:
            raise ValueError(f"{where}: indexed_lists names {resource!r}, which is not among its resources")
    for resource in manifest.resources:
        if not manifest.resource_file(resource).is_file():
            raise ValueError(f"{where}: no mapping file {manifest.resource_file(resource)}")
    return manifest


@cache
def manifests(root: Path = MAPPINGS_ROOT) -> dict[str, ApiManifest]:
    """Every API with a manifest under `root`, by API number, in API-number order."""
    found = sorted(p.parent for p in root.glob(f"*/{MANIFEST}") if p.parent.name != COMMON)
    return {folder.name: _parse_manifest(folder) for folder in found}


def manifest(api: str, root: Path = MAPPINGS_ROOT) -> ApiManifest:
    try:
        return manifests(root)[api]
    except KeyError:
        raise KeyError(f"no API {api!r}; known: {', '.join(manifests(root))}") from None


def api_versions(root: Path = MAPPINGS_ROOT) -> list[ApiVersion]:
    """Every (API, version) the registry knows, in order."""
    return [v for m in manifests(root).values() for v in m.versions.values()]


def api_version(api: str, version: str, root: Path = MAPPINGS_ROOT) -> ApiVersion:
    versions = manifest(api, root).versions
    if version not in versions:
        raise KeyError(f"{api} has no version {version!r}; it has {', '.join(versions)}")
    return versions[version]


@cache
def lifecycles(api: str, root: Path = MAPPINGS_ROOT) -> dict[str, Lifecycle]:
    m = manifest(api, root)
    return parse_lifecycles(read_yaml(m.data_file(m.lifecycles))) if m.lifecycles else {}


def assembled(api: str, version: str, root: Path = MAPPINGS_ROOT) -> dict[str, Any]:
    """One API version's mapping before checking: resource files with overlays, templates, hub."""
    m = manifest(api, root)
    v = api_version(api, version, root)
    files = {resource: read_yaml(m.resource_file(resource)) for resource in m.resources}
    templates = read_yaml(root / COMMON / NODES)
    # An API's own templates (nodes several of its resources share) sit beside its manifest.
    own = m.folder / NODES
    if own.is_file():
        mine = read_yaml(own)
        clash = set(mine) & set(templates)
        if clash:
            raise ValueError(f"{own}: templates {sorted(clash)} are already defined in {COMMON}/{NODES}")
        templates = templates | mine
    hub = read_yaml(root / COMMON / "hub.yaml")
    raw = assemble(api, version, v.name, files, templates, hub)
    raw["events_from"] = v.events_from
    return raw


@cache
def load_mapping(api: str, version: str, root: Path = MAPPINGS_ROOT) -> ApiMapping:
    """The checked mapping of one API version, assembled from the API's resource files."""
    raw = assembled(api, version, root)
    m = manifest(api, root)
    events = {path: spec for path, spec in m.events.items() if path in raw["resources"]}
    mapping = parse_mapping(raw, lifecycles(api, root), events)
    check_foreign_references(mapping, root)
    return mapping


def check_foreign_references(mapping: ApiMapping, root: Path = MAPPINGS_ROOT) -> None:
    """References to another API name one of its resources (the mapping checks its own)."""
    for path, resource in mapping.resources.items():
        for reference in resource.references:
            for api, target in reference.targets:
                if api is None:
                    continue
                try:
                    held = manifest(api, root).resources
                except KeyError as exc:
                    raise ValueError(f"resource {path}: reference {reference.path}: {exc.args[0]}") from None
                if target not in held:
                    raise ValueError(
                        f"resource {path}: reference {reference.path} names {api} "
                        f"{target!r}, which is not one of its resources"
                    )


def rules(api: str, root: Path = MAPPINGS_ROOT) -> dict[str, Any]:
    """The API's own business rules (the manifest's `rules` module's RULES), by resource path."""
    module = manifest(api, root).rules
    if module is None:
        return {}
    found: dict[str, Any] = importlib.import_module(module).RULES
    return found


def api_routes(api: str, root: Path = MAPPINGS_ROOT) -> dict[str, Any]:
    """Routes the API's rules module serves beside its document (its ROUTES, optional): a path
    segment under the version's base path -> a factory (runtime, sessions) -> ASGI app."""
    module = manifest(api, root).rules
    if module is None:
        return {}
    found: dict[str, Any] = getattr(importlib.import_module(module), "ROUTES", {})
    return found


def demo_actions(api: str, root: Path = MAPPINGS_ROOT) -> dict[str, Any]:
    """What the API's demo sections may `run` beside creating and patching records (its rules
    module's DEMO_ACTIONS, optional): a name -> f(runtime, session, record, ctx) -> the document
    made, e.g. TMF678's bill run of an earlier cycle."""
    module = manifest(api, root).rules
    if module is None:
        return {}
    found: dict[str, Any] = getattr(importlib.import_module(module), "DEMO_ACTIONS", {})
    return found


def reactions(api: str, root: Path = MAPPINGS_ROOT) -> dict[tuple[str, str, str], Any]:
    """What the API's rules module does on other APIs' changes (its REACTIONS, optional):
    (api, resource, change kind) -> f(session, change), run in the change's transaction (TMF654
    opens a bucket for each TMF666 billing account created)."""
    module = manifest(api, root).rules
    if module is None:
        return {}
    found: dict[tuple[str, str, str], Any] = getattr(importlib.import_module(module), "REACTIONS", {})
    return found
