"""What the official kits check: create, retrieve, list, fields, 404, slash forms."""

from __future__ import annotations

import uuid

from conformance.model import rule
from conformance.runner import Context

P1 = "TMF630 REST API Design Guidelines Part 1"
ALWAYS_KEPT = {"id", "href", "@type", "@baseType", "@schemaLocation"}


@rule(
    "TMF630.create.status-201",
    "POST of a valid resource answers 201 with the created resource (an object with an id).",
    f"{P1}, 'Create a resource (POST)'; official v4/v5 CTK (POST step)",
)
def create_201(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: r.creatable, "no resource of this API is created by clients"):
        ctx.create(resource)


@rule(
    "TMF630.create.location",
    "A 201 on create carries a Location header addressing the new resource (its href, or ending in /{id}).",
    f"{P1}, 'Create a resource (POST)': 201 Created with Location",
)
def create_location(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: r.creatable, "no resource of this API is created by clients"):
        doc = ctx.create(resource)
        exchange = ctx.client.last
        assert exchange is not None
        location = exchange.header("location")
        ctx.check(
            location is not None, f"POST {resource.path}: no Location header", "a Location header", exchange
        )
        assert location is not None
        ctx.check(
            location == doc.get("href") or location.rstrip("/").endswith(f"/{resource.path}/{doc['id']}"),
            f"POST {resource.path}: Location {location!r} does not address the created resource",
            f"Location equal to href {doc.get('href')!r} (or …/{resource.path}/{doc['id']})",
            exchange,
        )


@rule(
    "TMF630.create.mandatory-attributes",
    "The created resource carries every attribute the conformance profile makes mandatory, "
    "id and href as strings, href ending in /{id}, and echoes what was sent.",
    "API conformance profile (mandatory attributes); official v4 CTK 'Instance has all mandatory attributes'",
)
def create_mandatory(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: r.creatable, "no resource of this API is created by clients"):
        marker = ctx.new_marker()
        doc = ctx.create(resource, marker)
        exchange = ctx.client.last
        missing = [name for name in resource.mandatory if name not in doc]
        ctx.check(
            not missing,
            f"POST {resource.path}: mandatory attributes missing: {', '.join(missing)}",
            f"attributes {', '.join(resource.mandatory)}",
            exchange,
        )
        ctx.check(
            isinstance(doc.get("id"), str) and isinstance(doc.get("href"), str),
            f"POST {resource.path}: id and href must be strings",
            "string id and href",
            exchange,
        )
        ctx.check(
            str(doc["href"]).rstrip("/").endswith(f"/{doc['id']}"),
            f"POST {resource.path}: href does not end with the id",
            "href …/{id}",
            exchange,
        )
        if resource.marker:
            ctx.check(
                str(ctx.marker_of(resource, doc)) == resource.marker_value(marker),
                f"POST {resource.path}: {resource.marker} was not kept as sent",
                f"{resource.marker} = {resource.marker_value(marker)!r}",
                exchange,
            )


@rule(
    "TMF630.retrieve.status-200",
    "GET of a resource by id answers 200 with that resource (same id; what was created).",
    f"{P1}, 'Retrieve a resource (GET /{{id}})'; official v4/v5 CTK (GET by id)",
)
def retrieve_200(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        doc = ctx.sample(resource)[0]
        exchange = ctx.get(ctx.url(resource, doc["id"]), resource)
        ctx.expect_status(exchange, 200)
        got = ctx.expect_json(exchange, dict, f"GET {resource.path}/{{id}}")
        ctx.check(
            got.get("id") == doc["id"],
            f"GET {resource.path}/{doc['id']} returned another id",
            f"id {doc['id']}",
            exchange,
        )
        if resource.marker:
            ctx.check(
                ctx.marker_of(resource, got) == ctx.marker_of(resource, doc),
                f"GET {resource.path}/{doc['id']}: {resource.marker} differs from what was created",
                f"{resource.marker} = {ctx.marker_of(resource, doc)!r}",
                exchange,
            )


@rule(
    "TMF630.retrieve.not-found-404",
    "GET of an id that does not exist answers 404.",
    f"{P1}, 'Response codes' (404 Not Found); official v4 CTK (GET unknown id)",
)
def retrieve_404(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        exchange = ctx.get(ctx.url(resource, f"cf-missing-{uuid.uuid4()}"), resource)
        ctx.expect_status(exchange, 404)


@rule(
    "TMF630.list.status-200",
    "GET of the collection answers 200 (or 206 for a partial page) with a JSON array of resources; "
    "a resource just created is found in it by id.",
    f"{P1}, 'Retrieve a collection (GET)'; official v4/v5 CTK (GET list)",
)
def list_200(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        exchange = ctx.get(ctx.url(resource), resource)
        ctx.expect_status(exchange, 200, 206)
        rows = ctx.expect_json(exchange, list, f"GET {resource.path}")
        ctx.check(
            all(isinstance(r, dict) and "id" in r for r in rows),
            f"GET {resource.path}: not every element is a resource with an id",
            "objects with id",
            exchange,
        )
        doc = ctx.sample(resource)[0]
        _, ids = ctx.list_ids(resource, {"id": doc["id"]}, what=f"GET {resource.path}?id=")
        ctx.check(
            doc["id"] in ids,
            f"GET {resource.path}?id={doc['id']} does not find the resource",
            f"a list holding {doc['id']}",
        )


def _keys_ok(doc: object, wanted: str) -> bool:
    if not isinstance(doc, dict):
        return False
    top = wanted.split(".")[0]
    return top in doc and set(doc) <= ALWAYS_KEPT | {top}


@rule(
    "TMF630.fields.select",
    "fields=a returns only a (plus id, href, @type and the other @-attributes) on the item and the list.",
    f"{P1}, 'Attribute selection (fields)'; official v4/v5 CTK (?fields=)",
)
def fields_select(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: bool(r.filter or r.marker), "no attribute to select"):
        doc = ctx.sample(resource)[0]
        attribute = (resource.filter or {}).get("attribute") or resource.marker or "id"
        top = attribute.split(".")[0]
        exchange = ctx.get(ctx.url(resource, doc["id"]), resource, params={"fields": top})
        ctx.expect_status(exchange, 200)
        ctx.check(
            _keys_ok(exchange.json, top),
            f"GET {resource.path}/{{id}}?fields={top} returned other attributes",
            f"only {top} with {', '.join(sorted(ALWAYS_KEPT))}",
            exchange,
        )
        params = ctx.restrict(resource, [doc]) | {"fields": top}
        exchange = ctx.get(ctx.url(resource), resource, params=params)
        ctx.expect_status(exchange, 200)
        rows = ctx.expect_json(exchange, list, f"GET {resource.path}?fields={top}")
        ctx.check(
            len(rows) == 1 and _keys_ok(rows[0], top),
            f"GET {resource.path}?fields={top} did not return the one resource with only {top}",
            f"one element with only {top}, id, href, @type",
            exchange,
        )


@rule(
    "TMF630.fields.none",
    "fields=none returns only id and href (and @-attributes) of each resource.",
    f"{P1}, 'Attribute selection (fields=none)'",
)
def fields_none(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        doc = ctx.sample(resource)[0]
        exchange = ctx.get(
            ctx.url(resource), resource, params=ctx.restrict(resource, [doc]) | {"fields": "none"}
        )
        ctx.expect_status(exchange, 200)
        rows = ctx.expect_json(exchange, list, f"GET {resource.path}?fields=none")
        ctx.check(
            len(rows) == 1
            and isinstance(rows[0], dict)
            and {"id", "href"} <= set(rows[0])
            and set(rows[0]) <= ALWAYS_KEPT,
            f"GET {resource.path}?fields=none did not return just id and href",
            "one element with only id, href (and @type)",
            exchange,
        )


@rule(
    "TMF630.trailing-slash",
    "…/resource/ and …/resource/{id}/?fields=x (a slash before the query, as the v5 kits send) "
    "behave like the plain forms.",
    "TM Forum v5 CTK (requests …/productOrder/ and …/{id}/?fields=); reference README 'v5 kits'",
)
def trailing_slash(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        doc = ctx.sample(resource)[0]
        exchange = ctx.get(ctx.url(resource, doc["id"], slash=True), resource, params={"fields": "id"})
        ctx.expect_status(exchange, 200)
        body = ctx.expect_json(exchange, dict, f"GET {resource.path}/{{id}}/")
        ctx.check(
            body.get("id") == doc["id"],
            f"GET {resource.path}/{{id}}/ returned another id",
            f"id {doc['id']}",
            exchange,
        )
        exchange = ctx.get(ctx.url(resource, slash=True), resource, params=ctx.restrict(resource, [doc]))
        ctx.expect_status(exchange, 200)
        rows = ctx.expect_json(exchange, list, f"GET {resource.path}/")
        ctx.check(
            [r.get("id") for r in rows] == [doc["id"]],
            f"GET {resource.path}/ with a filter did not return the same as the plain form",
            f"exactly [{doc['id']}]",
            exchange,
        )
