"""The official TM Forum document of an API version, read leniently as TM Forum's own kits do.

Two relaxations (see the reference README): `discriminator` is dropped (its mappings loop back
into the Extensible/Entity graph and make validators recurse) and `oneOf` is read as `anyOf`
(the PartyOrPartyRole alternatives overlap). v4 documents are Swagger 2.0 (JSON Schema draft 4
under `definitions`), v5 documents OpenAPI 3.0 (`components.schemas`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from openapi_schema_validator import OAS30Validator

# libyaml's parser when PyYAML has it: the same results, several times faster.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def relax(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "discriminator":
                continue
            out["anyOf" if key == "oneOf" else key] = relax(value)
        return out
    if isinstance(node, list):
        return [relax(v) for v in node]
    return node


class OfficialSpec:
    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_YAML_LOADER) if path.suffix in (".yaml", ".yml") else json.load(fh)
        if not isinstance(raw, dict) or not ("swagger" in raw or "openapi" in raw):
            raise ValueError(f"{path} is not a Swagger 2.0 or OpenAPI 3 document")
        self.raw: dict[str, Any] = raw
        self.doc: dict[str, Any] = relax(raw)
        self.swagger = "swagger" in raw
        self._validators: dict[str, Any] = {}

    @property
    def schema_names(self) -> set[str]:
        section = (
            self.doc.get("definitions") if self.swagger else self.doc.get("components", {}).get("schemas")
        )
        return set(section or {})

    def validator(self, name: str) -> Any:
        if name not in self._validators:
            if self.swagger:
                schema = {"$ref": f"#/definitions/{name}", "definitions": self.doc.get("definitions", {})}
                self._validators[name] = Draft4Validator(schema)
            else:
                schema = {
                    "$ref": f"#/components/schemas/{name}",
                    "components": self.doc.get("components", {}),
                }
                self._validators[name] = OAS30Validator(schema)
        return self._validators[name]

    def errors(self, name: str, instance: Any, limit: int = 8) -> list[str]:
        found = sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in found[:limit]
        ]


def default_spec_path(relative: str | None) -> Path | None:
    """The official document under $TMF_REFERENCE_DIR, when that is set."""
    root = os.environ.get("TMF_REFERENCE_DIR")
    if not root or not relative:
        return None
    return Path(root) / relative
