"""Responses against the official document, and `@type` on every object in v5."""

from __future__ import annotations

from typing import Any

from conformance.http import Exchange
from conformance.model import RuleSkipped, rule
from conformance.runner import Context


def _ensure_traffic(ctx: Context) -> None:
    """When run alone (--only), make the exchanges to check: an item and a list per resource."""
    for resource in ctx.profile.resources:
        try:
            doc = ctx.sample(resource)[0]
        except RuleSkipped:
            continue
        ctx.get(ctx.url(resource, doc["id"]), resource)
        ctx.get(ctx.url(resource), resource, params=ctx.restrict(resource, [doc]))


def _resource_answers(ctx: Context) -> list[tuple[Exchange, Any]]:
    """Every resource of the suite's own (made or chosen by it) in a successful answer so far.

    Other rows a server holds are not the suite's business: a vendor's database may hold anything.
    """
    out: list[tuple[Exchange, Any]] = []
    for exchange in ctx.client.exchanges:
        if exchange.resource is None or not 200 <= exchange.status < 300 or "fields=" in exchange.url:
            continue
        body = exchange.json
        elements = body if isinstance(body, list) else [body]
        out.extend((exchange, e) for e in elements if isinstance(e, dict) and str(e.get("id")) in ctx.ours)
    return out


# v5 data types that are not Extensible (no @type in their schema): Money, TimePeriod, Quantity.
PLAIN_DATATYPES = [
    frozenset({"unit", "value"}),
    frozenset({"startDateTime", "endDateTime"}),
    frozenset({"amount", "units"}),
]


def _plain_shapes(ctx: Context) -> list[frozenset[str]]:
    """Property sets of the document's schemas that declare no @type (plain data types)."""
    shapes = list(PLAIN_DATATYPES)
    spec = ctx.options.official
    if spec is not None and not spec.swagger:
        for schema in spec.doc.get("components", {}).get("schemas", {}).values():
            props = schema.get("properties") if isinstance(schema, dict) else None
            if isinstance(props, dict) and "allOf" not in schema and "@type" not in props and props:
                shapes.append(frozenset(props))
    return shapes


def _untyped(node: Any, path: str = "", plain: list[frozenset[str]] | None = None) -> str | None:
    plain = plain if plain is not None else PLAIN_DATATYPES
    if isinstance(node, dict):
        if "@type" not in node and not any(set(node) <= shape for shape in plain):
            return path or "(root)"
        for key, value in node.items():
            found = _untyped(value, f"{path}/{key}", plain)
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _untyped(value, f"{path}/{index}", plain)
            if found:
                return found
    return None


@rule(
    "TMF630.type.everywhere",
    "Every object in every v5 resource response carries @type.",
    "TMF630 Part 1 v5 (polymorphism: @type on every Extensible object); TM Forum v5 CTK schema checks",
    versions=("v5",),
)
def type_everywhere(ctx: Context) -> None:
    _ensure_traffic(ctx)
    plain = _plain_shapes(ctx)
    for exchange, doc in _resource_answers(ctx):
        where = _untyped(doc, "", plain)
        ctx.check(
            where is None,
            f"{exchange.method} {exchange.url}: an object without @type at {where}",
            "@type on every object",
            exchange,
        )


@rule(
    "TMF630.schema.official",
    "Every resource the server returned validates against the official document's schema "
    "(discriminator dropped, oneOf read as anyOf).",
    "The API's official OpenAPI/Swagger document; reference README 'Validating against the published v5 "
    "documents'; official v4/v5 CTK schema checks",
)
def schema_official(ctx: Context) -> None:
    spec = ctx.options.official
    if spec is None:
        raise RuleSkipped(
            ctx.options.official_problem
            or "no official document (pass --official-spec or set TMF_REFERENCE_DIR)"
        )
    _ensure_traffic(ctx)
    known = spec.schema_names
    checked = 0
    for exchange, doc in _resource_answers(ctx):
        resource = ctx.profile.resource(exchange.resource) if exchange.resource else None
        if resource is None or resource.schema not in known:
            continue
        errors = spec.errors(resource.schema, doc)
        checked += 1
        ctx.check(
            not errors,
            f"{exchange.method} {exchange.url}: the {resource.schema} does not validate against "
            f"{spec.path.name}",
            f"a valid {resource.schema}",
            exchange,
            actual="; ".join(errors) + f" — in {doc.get('id') if isinstance(doc, dict) else ''!s}",
        )
    if checked == 0:
        raise RuleSkipped("no response of a resource the official document defines")
