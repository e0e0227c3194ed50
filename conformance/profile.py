"""API knowledge as data: one YAML per API under conformance/profiles/, with v4 and v5 sections."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML has it: the same results, several times faster.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PROFILE_DIR = Path(__file__).parent / "profiles"


def profile_apis(directory: Path = PROFILE_DIR) -> tuple[str, ...]:
    """The APIs the suite knows: one profile each, so a new profile adds an API without a list."""
    return tuple(sorted(p.stem for p in directory.glob("*.yaml")))


def top_level(api: str, directory: Path = PROFILE_DIR) -> dict[str, Any]:
    """A profile's whole document (its API-wide sections: lifecycle, events …)."""
    with (directory / f"{api}.yaml").open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=_YAML_LOADER)
    return doc


APIS = profile_apis()


@dataclass
class Resource:
    path: str
    schema: str
    data: dict[str, Any]

    @property
    def creatable(self) -> bool:
        return "create" in self.data

    @property
    def existing(self) -> bool:
        return bool(self.data.get("existing"))

    @property
    def setup(self) -> str | None:
        """For a resource clients cannot create: what a server needs so the rules can test it."""
        value = self.data.get("setup")
        return str(value) if value else None

    @property
    def marker(self) -> str | None:
        value = self.data.get("marker")
        return str(value) if value else None

    @property
    def mandatory(self) -> list[str]:
        return list(self.data.get("mandatory", ["id", "href"]))

    @property
    def date(self) -> str | None:
        value = self.data.get("date")
        return str(value) if value else None

    @property
    def filter(self) -> dict[str, Any] | None:
        value = self.data.get("filter")
        return dict(value) if value else None

    @property
    def collection_methods(self) -> list[str]:
        return list(self.data.get("collection_methods", ["GET"]))

    @property
    def patch(self) -> dict[str, Any] | None:
        value = self.data.get("patch")
        return dict(value) if value else None

    @property
    def deletable(self) -> bool:
        return bool(self.data.get("delete"))

    @property
    def lifecycle(self) -> dict[str, Any] | None:
        value = self.data.get("lifecycle")
        return dict(value) if value else None

    @property
    def events(self) -> dict[str, str]:
        return dict(self.data.get("events") or {})

    def body(self, marker: str) -> dict[str, Any]:
        def fill(node: Any) -> Any:
            if isinstance(node, str):
                return node.replace("{marker}", marker)
            if isinstance(node, dict):
                return {k: fill(v) for k, v in node.items()}
            if isinstance(node, list):
                return [fill(v) for v in node]
            return node

        result: dict[str, Any] = fill(copy.deepcopy(self.data["create"]["body"]))
        return result

    def marker_value(self, marker: str) -> str:
        """The value the marker attribute holds in a body made with ``marker``."""
        assert self.marker is not None
        value: Any = self.body(marker)
        for name in self.marker.split("."):
            value = value[name]
        return str(value)


@dataclass
class VersionProfile:
    api: str
    version: str
    name: str
    reference: str
    official_spec: str | None
    hub: dict[str, Any] | None
    resources: list[Resource] = field(default_factory=list)

    def resource(self, path: str) -> Resource:
        return next(r for r in self.resources if r.path == path)


def load_profile(api: str, version: str, directory: Path = PROFILE_DIR) -> VersionProfile:
    path = directory / f"{api}.yaml"
    with path.open(encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=_YAML_LOADER)
    section = doc["versions"].get(version)
    if section is None:
        raise KeyError(f"{api} has no {version} section in {path}")
    resources = [Resource(str(r["path"]), str(r["schema"]), dict(r)) for r in section["resources"]]
    return VersionProfile(
        api=api,
        version=version,
        name=str(doc.get("name", api)),
        reference=str(doc.get("references", {}).get(version, api)),
        official_spec=section.get("official_spec"),
        hub=section.get("hub"),
        resources=resources,
    )
