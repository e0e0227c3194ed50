"""Read-only views over a bundled OpenAPI document: attribute paths, value types, `@type` names.

The spec is the authority on which attributes a resource can have, so filters, `fields` and
`sort` are checked against it, and v5's "`@type` on every object" is filled from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class PathStep:
    name: str
    is_array: bool
    schema: SchemaView


class SchemaView:
    """One schema of a bundled document, with `$ref`, `allOf` and `oneOf`/`anyOf` folded in."""

    def __init__(self, doc: Mapping[str, Any], schema: Mapping[str, Any], name: str | None = None) -> None:
        self._doc = doc
        self.name = name
        self.raw = schema

    @classmethod
    def named(cls, doc: Mapping[str, Any], name: str) -> SchemaView:
        schemas = doc["components"]["schemas"]
        if name not in schemas:
            raise KeyError(f"schema {name!r} not in the document")
        return cls(doc, schemas[name], name)

    def _deref(self, schema: Mapping[str, Any]) -> SchemaView:
        name = None
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[1]
            schema = self._doc["components"]["schemas"][name]
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return SchemaView(self._doc, schema, name)

    @cached_property
    def parts(self) -> list[SchemaView]:
        """This schema and every schema it is composed of (allOf, oneOf, anyOf), dereferenced."""
        out: list[SchemaView] = []
        stack = [self._deref(self.raw)]
        seen: set[int] = set()
        while stack:
            view = stack.pop()
            if id(view.raw) in seen:
                continue
            seen.add(id(view.raw))
            out.append(view)
            for key in ("allOf", "oneOf", "anyOf"):
                for sub in view.raw.get(key, []):
                    stack.append(self._deref(sub))
        return out

    @cached_property
    def type_name(self) -> str | None:
        """The `@type` value objects of this schema carry: the schema name, unless a `oneOf` base."""
        first = self._deref(self.raw)
        if first.name is None:
            first = SchemaView(self._doc, first.raw, self.name)
        alternatives = first.raw.get("oneOf") or first.raw.get("anyOf")
        if alternatives and not first.raw.get("properties"):
            # A bare union (e.g. PartyRefOrPartyRoleRef) is never a concrete type: take the first.
            return self._deref(alternatives[0]).type_name
        return first.name

    @cached_property
    def json_type(self) -> str | None:
        for part in self.parts:
            t = part.raw.get("type")
            if isinstance(t, str):
                return t
            if part.raw.get("properties"):
                return "object"
        return None

    @cached_property
    def format(self) -> str | None:
        for part in self.parts:
            if "format" in part.raw:
                return str(part.raw["format"])
        return None

    @cached_property
    def enum(self) -> list[Any] | None:
        for part in self.parts:
            if "enum" in part.raw:
                return list(part.raw["enum"])
        return None

    @cached_property
    def items(self) -> SchemaView | None:
        for part in self.parts:
            if "items" in part.raw:
                return self._deref(part.raw["items"])
        return None

    @cached_property
    def properties(self) -> dict[str, SchemaView]:
        props: dict[str, SchemaView] = {}
        for part in self.parts:
            for key, sub in part.raw.get("properties", {}).items():
                props.setdefault(key, self._deref(sub))
        return props

    @cached_property
    def required(self) -> frozenset[str]:
        req: set[str] = set()
        for part in self.parts:
            req.update(part.raw.get("required", []))
        return frozenset(req)

    @property
    def element(self) -> SchemaView:
        """The schema of one element if this is an array, else itself."""
        return self.items if self.json_type == "array" and self.items is not None else self

    def walk(self, path: str) -> list[PathStep] | None:
        """The steps of a dotted attribute path, or None when the schema has no such attribute."""
        steps: list[PathStep] = []
        current: SchemaView = self
        for name in path.split("."):
            sub = current.element.properties.get(name)
            if sub is None:
                return None
            steps.append(PathStep(name, sub.json_type == "array", sub))
            current = sub
        return steps


def fill_types(doc: Any, schema: SchemaView, depth: int = 0) -> None:
    """Give every object in `doc` an `@type` named after its schema where it has none (v5)."""
    if depth > 40:
        return
    if isinstance(doc, list):
        element = schema.element
        for item in doc:
            fill_types(item, element, depth + 1)
        return
    if not isinstance(doc, dict):
        return
    if "@type" not in doc and schema.type_name and "@type" in schema.properties:
        doc["@type"] = schema.type_name
    props = schema.properties
    for key, value in doc.items():
        if isinstance(value, dict | list):
            sub = props.get(key)
            if sub is not None:
                fill_types(value, sub, depth + 1)
