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
    """Every successful answer carrying whole resources (no fields= selection) made so far."""
    out: list[tuple[Exchange, Any]] = []
    for exchange in ctx.client.exchanges:
        if exchange.resource is None or not 200 <= exchange.status < 300 or "fields=" in exchange.url:
            continue
        body = exchange.json
        if isinstance(body, dict):
            out.append((exchange, body))
        elif isinstance(body, list):
            out.extend((exchange, element) for element in body)
    return out


def _untyped(node: Any, path: str = "") -> str | None:
    if isinstance(node, dict):
        if "@type" not in node:
            return path or "(root)"
        for key, value in node.items():
            found = _untyped(value, f"{path}/{key}")
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _untyped(value, f"{path}/{index}")
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
    for exchange, doc in _resource_answers(ctx):
        where = _untyped(doc)
        ctx.check(where is None, f"{exchange.method} {exchange.url}: an object without @type at {where}",
                  "@type on every object", exchange)


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
        raise RuleSkipped(ctx.options.official_problem or "no official document (pass --official-spec or set "
                          "TMF_REFERENCE_DIR)")
    _ensure_traffic(ctx)
    known = spec.schema_names
    checked = 0
    for exchange, doc in _resource_answers(ctx):
        resource = ctx.profile.resource(exchange.resource) if exchange.resource else None
        if resource is None or resource.schema not in known:
            continue
        errors = spec.errors(resource.schema, doc)
        checked += 1
        ctx.check(not errors, f"{exchange.method} {exchange.url}: the {resource.schema} does not validate against "
                  f"{spec.path.name}", f"a valid {resource.schema}", exchange,
                  actual="; ".join(errors) + f" — in {str(doc.get('id') if isinstance(doc, dict) else '')}")
    if checked == 0:
        raise RuleSkipped("no response of a resource the official document defines")
