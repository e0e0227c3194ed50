"""Read-only views over a bundled OpenAPI document: attribute paths, value types, `@type` names.

The spec is the authority on which attributes a resource can have, so filters, `fields` and
`sort` are checked against it, and v5's "`@type` on every object" is filled from it.
"""

from __future__ import annotations

import re
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

    def subtype_property(self, name: str) -> SchemaView | None:
        """`name` as an attribute of one of this schema's declared subtypes (v5 PhoneContactMedium's
        `phoneNumber` on a ContactMedium): objects typed so carry it, so a path may name it."""
        schemas = self._doc["components"]["schemas"]
        for subtype in sorted(allowed_types(self)):
            if subtype in schemas and subtype != self.name:
                found = SchemaView.named(self._doc, subtype).properties.get(name)
                if found is not None:
                    return found
        return None

    @property
    def element(self) -> SchemaView:
        """The schema of one element if this is an array, else itself."""
        return self.items if self.json_type == "array" and self.items is not None else self

    def walk(self, path: str) -> list[PathStep] | None:
        """The steps of a dotted attribute path, or None when the schema has no such attribute."""
        steps: list[PathStep] = []
        current: SchemaView = self
        for name in path.split("."):
            sub = current.element.properties.get(name) or current.element.subtype_property(name)
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


# -- `@type` across versions ----------------------------------------------------------------------
# v5 requires `@type` on every object and names some objects differently from v4 (v4 RelatedParty is
# v5 RelatedPartyRefOrPartyRoleRef). A stored row serves both, so a rendering fills in and
# translates type names for its version, marking what it made up: a write through that version
# stores what the client sent, never the server's own filling, so the other version reads the
# resource as it was (tmf_api.engine.resource).

# Request variants of one type (ProductOrder_FVO …) are not types of their own.
_VARIANT_SUFFIXES = ("_FVO", "_MVO", "_Create", "_Update")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


class FilledType(str):
    """An `@type` the server filled in where the stored object has none."""

    __slots__ = ()


class TranslatedType(str):
    """An `@type` shown in this version's name for another version's name, which is kept."""

    stored: str

    def __new__(cls, value: str, stored: str) -> TranslatedType:
        made = super().__new__(cls, value)
        made.stored = stored
        return made


def _subtypes(doc: Mapping[str, Any]) -> dict[str, set[str]]:
    """Schema name -> the names of the schemas that extend it (allOf), and discriminator mappings."""
    schemas = doc["components"]["schemas"]
    direct: dict[str, set[str]] = {}
    for name, schema in schemas.items():
        for sub in schema.get("allOf", []) if isinstance(schema, dict) else []:
            ref = sub.get("$ref", "") if isinstance(sub, dict) else ""
            if ref.startswith("#/components/schemas/") and not name.endswith(_VARIANT_SUFFIXES):
                direct.setdefault(ref.rsplit("/", 1)[1], set()).add(name)
        mapping = (schema.get("discriminator") or {}).get("mapping") or {} if isinstance(schema, dict) else {}
        direct.setdefault(name, set()).update(mapping)
    closed: dict[str, set[str]] = {}
    for name in direct:
        seen: set[str] = set()
        stack = [name]
        while stack:
            for sub in direct.get(stack.pop(), set()):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        closed[name] = seen
    return closed


_SUBTYPES: dict[int, tuple[Mapping[str, Any], dict[str, set[str]]]] = {}


def allowed_types(schema: SchemaView) -> frozenset[str]:
    """The `@type` values an object of `schema` may carry: its own type and its declared subtypes."""
    entry = _SUBTYPES.get(id(schema._doc))
    if entry is None or entry[0] is not schema._doc:
        entry = (schema._doc, _subtypes(schema._doc))
        _SUBTYPES[id(schema._doc)] = entry
    subtypes = entry[1]
    first = schema._deref(schema.raw)
    name = first.name or schema.name
    alternatives = first.raw.get("oneOf") or first.raw.get("anyOf")
    if alternatives and not first.raw.get("properties"):
        # The official documents also name the union itself (ProductRefOrValue) as a type.
        out: set[str] = {name} if name else set()
        for alternative in alternatives:
            out |= allowed_types(schema._deref(alternative))
        return frozenset(out)
    if name is None:
        return frozenset()
    return frozenset({name} | subtypes.get(name, set()))


def present_types(
    doc: Any, schema: SchemaView, others: list[SchemaView], *, fill: bool, depth: int = 0
) -> None:
    """Show `doc` in `schema`'s version: another version's name for an object (`others` are the
    same resource's schemas in the other versions) becomes this version's, and with `fill` every
    object without an `@type` gets one (v5)."""
    if depth > 40:
        return
    if isinstance(doc, list):
        element = schema.element
        other_elements = [o.element for o in others]
        for item in doc:
            present_types(item, element, other_elements, fill=fill, depth=depth + 1)
        return
    if not isinstance(doc, dict):
        return
    own = schema.type_name if "@type" in schema.properties else None
    if own is not None:
        current = doc.get("@type")
        if current is None:
            if fill:
                doc["@type"] = FilledType(own)
        elif current != own and isinstance(current, str) and not isinstance(current, FilledType):
            foreign = {o.type_name for o in others if "@type" in o.properties} - {own}
            if current in foreign and current not in allowed_types(schema):
                doc["@type"] = TranslatedType(own, current)
    props = schema.properties
    for key, value in doc.items():
        if isinstance(value, dict | list):
            sub = props.get(key)
            if sub is not None:
                subs = [p for o in others if (p := o.properties.get(key)) is not None]
                present_types(value, sub, subs, fill=fill, depth=depth + 1)


def stored_types(doc: Any) -> Any:
    """`doc` as it is to be stored: `@type` values the server filled in dropped, translated ones
    back to what was stored. A copy; `doc` is left as it is."""
    if isinstance(doc, list):
        return [stored_types(item) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "@type" and isinstance(value, FilledType):
            continue
        if key == "@type" and isinstance(value, TranslatedType):
            out[key] = value.stored
        else:
            out[key] = stored_types(value)
    return out


def check_types(doc: Any, schema: SchemaView, where: str = "", depth: int = 0) -> str | None:
    """The first `@type` that is neither the object's type nor a declared subtype, or the first
    `@schemaLocation` or other attribute of `uri` format that is not a URI, as a message naming
    its place; None when all are fine."""
    if depth > 40:
        return None
    if isinstance(doc, list):
        element = schema.element
        for position, item in enumerate(doc):
            problem = check_types(item, element, f"{where}[{position}]", depth + 1)
            if problem:
                return problem
        return None
    if not isinstance(doc, dict):
        return None
    props = schema.properties
    if "@type" in doc and "@type" in props and schema.type_name is not None:
        value = doc["@type"]
        allowed = allowed_types(schema)
        if allowed and (not isinstance(value, str) or value not in allowed):
            place = f"{where}.@type" if where else "@type"
            return (
                f"{place} must be {' or '.join(sorted(allowed))} (a declared subtype of "
                f"{schema.type_name}), got {value!r}"
            )
    location = doc.get("@schemaLocation")
    bad_location = not isinstance(location, str) or not _URI.match(location)
    if location is not None and "@schemaLocation" in props and bad_location:
        place = f"{where}.@schemaLocation" if where else "@schemaLocation"
        return f"{place} must be a URI, got {location!r}"
    for key, value in doc.items():
        # Connexion checks no `uri` format (its checker needs a package we do not use), while
        # responses are held to it: a value that is no URI is refused as it comes in.
        uri = isinstance(value, str) and key != "@schemaLocation" and key in props
        if uri and props[key].format == "uri" and not _URI.match(value):
            place = f"{where}.{key}" if where else key
            return f"{place} must be a URI, got {value!r}"
        if isinstance(value, dict | list):
            sub = props.get(key)
            if sub is not None:
                problem = check_types(value, sub, f"{where}.{key}" if where else key, depth + 1)
                if problem:
                    return problem
    return None
