"""Wire compatibility of the project's OpenAPI documents with the published TM Forum ones.

For every operation of the official document, our bundled document must have the same path,
method and operationId, and for the request bodies and success responses, recursively through
$ref, allOf, oneOf/anyOf (union of the alternatives' properties) and array items: every
official property, every official enum value, every official required attribute. Request
bodies must not be stricter either (a required attribute the official schema does not require).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tmf_api.registry import api_versions
from tmf_api.resources import load_yaml
from tmf_api.specs import load_spec

# (api, version, path of the official document relative to the tmf-reference folder)
CASES: list[tuple[str, str, str]] = [(v.api, v.version, v.official) for v in api_versions() if v.official]

METHODS = ("get", "put", "post", "patch", "delete")
Schema = dict[str, Any]


# ---------------------------------------------------------------------------------- schema nodes
# Several schemas may define the same property (allOf parts, oneOf/anyOf alternatives). A node is
# kept in disjunctive normal form: a frozenset of alternatives, each a frozenset of schema ids
# whose conjunction applies. The registry maps an id back to (schema, document).
Conj = frozenset[int]
Node = frozenset[Conj]
_registry: dict[int, tuple[Schema, Schema]] = {}


def resolve(schema: Schema, doc: Schema) -> Schema:
    hops = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref!r} in a bundled document")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = target
        hops += 1
        if hops > 50:
            raise ValueError(f"$ref loop at {ref}")
    return schema


def leaf(schema: Schema, doc: Schema) -> Node:
    resolved = resolve(schema, doc)
    _registry[id(resolved)] = (resolved, doc)
    return frozenset({frozenset({id(resolved)})})


def node_all(nodes: list[Node]) -> Node:
    result: Node = frozenset({frozenset()})
    for node in nodes:
        result = frozenset(a | b for a in result for b in node)
    return result


def node_any(nodes: list[Node]) -> Node:
    return frozenset().union(*nodes)


@dataclass
class Flat:
    props: dict[str, list[Node]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    enum: set[Any] | None = None
    items: list[Node] = field(default_factory=list)

    def prop(self, name: str, mode: str) -> Node:
        nodes = self.props[name]
        return node_all(nodes) if mode == "all" else node_any(nodes)


def _merge_all(parts: list[Flat]) -> Flat:
    out = Flat()
    for part in parts:
        for name in part.props:
            out.props.setdefault(name, []).append(part.prop(name, "all"))
        out.required |= part.required
        if part.enum is not None:
            out.enum = set(part.enum) if out.enum is None else out.enum & part.enum
        if part.items:
            out.items.append(node_all(part.items))
    # collapse the lists into one conjunction each
    out.props = {name: [node_all(nodes)] for name, nodes in out.props.items()}
    out.items = [node_all(out.items)] if out.items else []
    return out


def _merge_any(parts: list[Flat]) -> Flat:
    out = Flat()
    if not parts:
        return out
    out.required = set.intersection(*(part.required for part in parts))
    for part in parts:
        for name in part.props:
            out.props.setdefault(name, []).append(part.prop(name, "all"))
        if part.items:
            out.items.append(node_all(part.items))
    out.props = {name: [node_any(nodes)] for name, nodes in out.props.items()}
    out.items = [node_any(out.items)] if out.items else []
    if all(part.enum is not None for part in parts):
        out.enum = set().union(*(part.enum or set() for part in parts))
    return out


_flat_cache: dict[Any, Flat] = {}


def _flatten_schema(schema_id: int) -> Flat:
    cached = _flat_cache.get(schema_id)
    if cached is not None:
        return cached
    _flat_cache[schema_id] = Flat()  # provisional value, breaks self-referencing allOf chains
    schema, doc = _registry[schema_id]
    own = Flat(
        props={name: [leaf(sub, doc)] for name, sub in schema.get("properties", {}).items()},
        required=set(schema.get("required", [])),
        enum=set(schema["enum"]) if "enum" in schema else None,
        items=[leaf(schema["items"], doc)] if isinstance(schema.get("items"), dict) else [],
    )
    parts = [own] + [flatten(leaf(sub, doc)) for sub in schema.get("allOf", [])]
    alternatives = schema.get("oneOf", []) + schema.get("anyOf", [])
    if alternatives:
        parts.append(_merge_any([flatten(leaf(sub, doc)) for sub in alternatives]))
    result = _merge_all(parts)
    _flat_cache[schema_id] = result
    return result


def flatten(node: Node) -> Flat:
    return _merge_any([_merge_all([_flatten_schema(i) for i in conj]) for conj in node])


def compare_schemas(
    official: Node, ours: Node, where: str, request: bool, problems: list[str], seen: set[Any]
) -> None:
    pair = (official, ours)
    if pair in seen:
        return
    seen.add(pair)
    off, our = flatten(official), flatten(ours)
    if off.enum is not None and our.enum is not None:
        for value in sorted(map(str, off.enum - our.enum)):
            problems.append(f"{where}: enum value {value!r} missing")
    for name in sorted(off.required - our.required):
        problems.append(f"{where}: '{name}' is required by the official schema, not by ours")
    if request:
        for name in sorted(our.required - off.required):
            problems.append(f"{where}: '{name}' is required by ours, not by the official request schema")
    for name in off.props:
        if name not in our.props:
            problems.append(f"{where}: property '{name}' missing")
            continue
        compare_schemas(
            off.prop(name, "any"), our.prop(name, "all"), f"{where}.{name}", request, problems, seen
        )
    if off.items:
        if not our.items:
            problems.append(f"{where}: ours is not an array")
        else:
            compare_schemas(node_any(off.items), node_all(our.items), f"{where}[]", request, problems, seen)


# ---------------------------------------------------------------------------------- operations
def _operations(doc: Schema) -> Iterator[tuple[str, str, Schema]]:
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _request_schemas(op: Schema, doc: Schema) -> dict[str, Schema]:
    """Media type -> request body schema ('application/json' for a Swagger 2.0 body parameter)."""
    if "requestBody" in op:
        body = resolve(op["requestBody"], doc)
        return {mt: c["schema"] for mt, c in body.get("content", {}).items() if "schema" in c}
    for param in op.get("parameters", []):
        param = resolve(param, doc)
        if param.get("in") == "body":
            return {"application/json": param["schema"]}
    return {}


def _response_schemas(op: Schema, doc: Schema) -> dict[str, Schema]:
    """Success status code -> response schema (the JSON one)."""
    out: dict[str, Schema] = {}
    for code, response in op.get("responses", {}).items():
        if not str(code).startswith("2"):
            continue
        response = resolve(response, doc)
        if "schema" in response:
            out[str(code)] = response["schema"]
        else:
            content = response.get("content", {})
            for media_type in ("application/json", *content):
                if media_type in content and "schema" in content[media_type]:
                    out[str(code)] = content[media_type]["schema"]
                    break
    return out


def compare_documents(official: Schema, ours: Schema) -> list[str]:
    """Every wire incompatibility of ``ours`` with ``official``, as readable lines."""
    _flat_cache.clear()
    _registry.clear()
    problems: list[str] = []
    our_paths = ours.get("paths", {})
    for path, method, off_op in _operations(official):
        label = f"{method.upper()} {path}"
        our_op = our_paths.get(path, {}).get(method)
        if our_op is None:
            problems.append(f"{label}: operation missing")
            continue
        if our_op.get("operationId") != off_op.get("operationId"):
            ours_id, official_id = our_op.get("operationId"), off_op.get("operationId")
            problems.append(f"{label}: operationId {ours_id!r} != official {official_id!r}")
        our_bodies = _request_schemas(our_op, ours)
        for media_type, off_schema in _request_schemas(off_op, official).items():
            base_type = media_type.split(";")[0].strip()
            if base_type not in our_bodies:
                problems.append(f"{label}: request media type {base_type} missing")
                continue
            compare_schemas(
                leaf(off_schema, official),
                leaf(our_bodies[base_type], ours),
                f"{label} request({base_type})",
                True,
                problems,
                set(),
            )
        our_responses = _response_schemas(our_op, ours)
        for code, off_schema in _response_schemas(off_op, official).items():
            if code not in our_responses:
                problems.append(f"{label}: response {code} with a JSON body missing")
                continue
            compare_schemas(
                leaf(off_schema, official),
                leaf(our_responses[code], ours),
                f"{label} response {code}",
                False,
                problems,
                set(),
            )
    return problems


@functools.cache
def _load_official(path: Path) -> Schema:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle) if path.suffix == ".json" else load_yaml(handle)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------------------------- tests
@pytest.mark.parametrize(("api", "version", "official_path"), CASES, ids=[f"{a}-{v}" for a, v, _ in CASES])
def test_wire_compatible_with_official(
    tmf_reference_dir: Path, api: str, version: str, official_path: str
) -> None:
    official = _load_official(tmf_reference_dir / official_path)
    problems = compare_documents(official, load_spec(api, version))
    assert not problems, f"{api} {version}: {len(problems)} incompatibilities:\n" + "\n".join(problems)


def _schema_props(doc: Schema, name: str) -> dict[str, Any]:
    """The 'properties' dict of the last allOf part (or of the schema itself) of a component."""
    schema = doc["components"]["schemas"][name]
    for part in reversed(schema.get("allOf", [])):
        if "properties" in part:
            props: dict[str, Any] = part["properties"]
            return props
    result: dict[str, Any] = schema["properties"]
    return result


def test_comparison_reports_breaks(tmf_reference_dir: Path) -> None:
    """The comparison must see a removed enum value, a removed nested attribute, a stricter body."""
    official = _load_official(tmf_reference_dir / "TMF622/v5/TMF622-ProductOrdering-v5.0.0.oas.yaml")
    broken = copy.deepcopy(load_spec("TMF622", "v5"))
    schemas = broken["components"]["schemas"]
    schemas["ItemActionType"]["enum"].remove("noChange")
    del _schema_props(broken, "ProductOrderItem")["quoteItem"]
    del _schema_props(broken, "Milestone")["milestoneDate"]
    schemas["ProductOrderItem_FVO"]["allOf"][1]["required"].append("quantity")
    report = "\n".join(compare_documents(official, broken))
    create = "POST /productOrder request(application/json)"
    assert f"{create}.productOrderItem[].action: enum value 'noChange'" in report
    assert "GET /productOrder/{id} response 200.productOrderItem[]: property 'quoteItem' missing" in report
    assert "productOrderMilestone[]: property 'milestoneDate' missing" in report
    assert "'quantity' is required by ours, not by the official request schema" in report

    official_v4 = _load_official(tmf_reference_dir / "TMF622/v4/TMF622-ProductOrder-v4.0.0.swagger.json")
    broken_v4 = copy.deepcopy(load_spec("TMF622", "v4"))
    del broken_v4["paths"]["/hub"]
    del _schema_props(broken_v4, "ProductOrderItem")["productOrderItemRelationship"]
    report_v4 = "\n".join(compare_documents(official_v4, broken_v4))
    assert "POST /hub: operation missing" in report_v4
    assert "productOrderItem[]: property 'productOrderItemRelationship' missing" in report_v4
