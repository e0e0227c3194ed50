"""PATCH in each media type the version declares, DELETE, and the TMF error contract."""

from __future__ import annotations

import json
import uuid
from typing import Any

from conformance.http import Exchange
from conformance.model import rule
from conformance.profile import Resource
from conformance.runner import Context

P1 = "TMF630 REST API Design Guidelines Part 1"
MERGE = "application/merge-patch+json"


def _changeable(r: Resource) -> bool:
    return r.creatable and r.patch is not None and "value" in r.patch


def _patch(ctx: Context, resource: Resource, id_: str, body: Any, media_type: str) -> Exchange:
    return ctx.request(
        "PATCH",
        ctx.url(resource, id_),
        resource,
        content=json.dumps(body, ensure_ascii=False),
        content_type=media_type,
    )


@rule(
    "TMF630.patch.merge-patch",
    "PATCH with application/merge-patch+json (and application/json where declared) changes the named "
    "attribute, answers 200 with the resource, and the change is stored.",
    f"{P1}, 'Partial update (PATCH)': JSON Merge Patch (RFC 7386)",
)
def merge_patch(ctx: Context) -> None:
    for resource in ctx.resources(
        _changeable, "no client-changeable attribute on a resource the suite creates"
    ):
        spec = resource.patch or {}
        for media_type in [m for m in spec["media_types"] if m in (MERGE, "application/json")]:
            doc = ctx.create(resource)
            attribute, value = spec["attribute"], spec["value"]
            exchange = _patch(
                ctx, resource, doc["id"], dict(spec.get("base") or {}) | {attribute: value}, media_type
            )
            ctx.expect_status(exchange, 200, what=f"PATCH ({media_type}) {resource.path}/{{id}}")
            body = ctx.expect_json(exchange, dict, f"PATCH ({media_type})")
            ctx.check(
                body.get(attribute) == value,
                f"PATCH ({media_type}) did not set {attribute}",
                f"{attribute} = {value!r}",
                exchange,
            )
            again = ctx.get(ctx.url(resource, doc["id"]), resource)
            ctx.check(
                isinstance(again.json, dict) and again.json.get(attribute) == value,
                f"after PATCH ({media_type}) GET does not show the new {attribute}",
                f"{attribute} = {value!r}",
                again,
            )
            if resource.marker:
                ctx.check(
                    ctx.marker_of(resource, body) == ctx.marker_of(resource, doc),
                    f"PATCH ({media_type}) of {attribute} changed {resource.marker} as well",
                    f"{resource.marker} unchanged",
                    exchange,
                )


@rule(
    "TMF630.patch.json-patch",
    "PATCH with application/json-patch+json applies the operations (test, replace) and answers 200.",
    f"{P1}, 'Partial update (PATCH)': JSON Patch (RFC 6902)",
    versions=("v5",),
)
def json_patch(ctx: Context) -> None:
    wanted = "application/json-patch+json"
    for resource in ctx.resources(
        lambda r: _changeable(r) and wanted in (r.patch or {})["media_types"],
        "no resource declares JSON Patch",
    ):
        spec = resource.patch or {}
        doc = ctx.create(resource)
        attribute, value = spec["attribute"], spec["value"]
        ops: list[dict[str, Any]] = []
        if resource.marker and "." not in resource.marker:
            ops.append({"op": "test", "path": f"/{resource.marker}", "value": ctx.marker_of(resource, doc)})
        ops.append({"op": "replace", "path": f"/{attribute}", "value": value})
        exchange = _patch(ctx, resource, doc["id"], ops, wanted)
        ctx.expect_status(exchange, 200, what=f"PATCH ({wanted}) {resource.path}/{{id}}")
        body = ctx.expect_json(exchange, dict, f"PATCH ({wanted})")
        ctx.check(
            body.get(attribute) == value,
            f"PATCH ({wanted}) did not replace /{attribute}",
            f"{attribute} = {value!r}",
            exchange,
        )


@rule(
    "TMF630.patch.json-patch-query",
    "PATCH with application/json-patch-query+json replaces an attribute of the child the query selects.",
    "TMF630 REST API Design Guidelines Part 5 (JSON Patch Query)",
    versions=("v5",),
)
def json_patch_query(ctx: Context) -> None:
    wanted = "application/json-patch-query+json"
    for resource in ctx.resources(
        lambda r: (
            _changeable(r)
            and wanted in (r.patch or {})["media_types"]
            and "json_patch_query" in (r.patch or {})
        ),
        "no resource declares JSON Patch Query",
    ):
        spec = (resource.patch or {})["json_patch_query"]
        doc = ctx.create(resource)
        exchange = _patch(
            ctx,
            resource,
            doc["id"],
            [{"op": "replace", "path": spec["path"], "value": spec["value"]}],
            wanted,
        )
        ctx.expect_status(exchange, 200, what=f"PATCH ({wanted}) {resource.path}/{{id}}")
        body = ctx.expect_json(exchange, dict, f"PATCH ({wanted})")
        children = body.get(spec["collection"])
        ok = (
            isinstance(children, list)
            and children
            and isinstance(children[0], dict)
            and children[0].get(spec["attribute"]) == spec["value"]
        )
        ctx.check(
            bool(ok),
            f"PATCH ({wanted}) {spec['path']} did not change the selected child",
            f"{spec['collection']}[0].{spec['attribute']} = {spec['value']!r}",
            exchange,
        )


def _patch_target(ctx: Context, resource: Resource) -> str:
    return str(ctx.sample(resource)[0]["id"])


@rule(
    "TMF630.patch.unsupported-media-415",
    "PATCH with a media type the version does not declare (text/plain; in v4 also JSON Patch) "
    "is refused with 415.",
    f"{P1}, 'Partial update (PATCH)' and 'Response codes' (415 Unsupported Media Type)",
)
def patch_415(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: r.patch is not None, "no resource can be patched"):
        id_ = _patch_target(ctx, resource)
        exchange = _patch(ctx, resource, id_, {}, "text/plain")
        ctx.expect_status(exchange, 415, what=f"PATCH (text/plain) {resource.path}/{{id}}")
        if "application/json-patch+json" not in (resource.patch or {})["media_types"]:
            exchange = _patch(ctx, resource, id_, [], "application/json-patch+json")
            ctx.expect_status(
                exchange,
                415,
                what=f"PATCH (application/json-patch+json, not declared in "
                f"{ctx.version}) {resource.path}/{{id}}",
            )


@rule(
    "TMF630.delete",
    "DELETE answers 204 (or 200/202); the resource is then gone (GET 404).",
    f"{P1}, 'Delete a resource (DELETE)'",
)
def delete(ctx: Context) -> None:
    for resource in ctx.resources(
        lambda r: r.creatable and r.deletable, "no resource of this API can be deleted"
    ):
        doc = ctx.create(resource)
        exchange = ctx.request("DELETE", ctx.url(resource, doc["id"]), resource)
        ctx.expect_status(exchange, 204, 200, 202)
        again = ctx.get(ctx.url(resource, doc["id"]), resource)
        ctx.expect_status(again, 404, what=f"GET {resource.path}/{{id}} after DELETE")


def _error_ok(ctx: Context, exchange: Exchange, status: int, what: str) -> None:
    ctx.expect_status(exchange, status, what=what)
    ctype = exchange.header("content-type") or ""
    ctx.check(
        ctype.split(";")[0].strip() == "application/json",
        f"{what}: the {status} error is {ctype or 'untyped'}, not application/json",
        "Content-Type: application/json",
        exchange,
    )
    body = exchange.json
    ctx.check(
        isinstance(body, dict),
        f"{what}: the {status} error body is not a JSON object",
        "a TMF Error object",
        exchange,
    )
    assert isinstance(body, dict)
    missing = [k for k in ("code", "reason") if not isinstance(body.get(k), str) or not body.get(k)]
    ctx.check(
        not missing,
        f"{what}: the {status} error lacks {', '.join(missing)}",
        "a TMF Error with string code and reason (message, status optional)",
        exchange,
    )
    if "status" in body:
        ctx.check(
            str(body["status"]) == str(status),
            f"{what}: Error.status {body['status']!r} is not {status}",
            f'status "{status}"',
            exchange,
        )
    if ctx.version == "v5":
        ctx.check("@type" in body, f"{what}: the v5 Error has no @type", "@type: Error", exchange)


@rule(
    "TMF630.error.shape",
    "400, 404, 405 and 415 answers are application/json with the TMF Error body (code, reason; "
    "status matching; @type in v5).",
    f"{P1}, 'Error responses' (Error resource); TMF630 Part 1 'Response codes'",
)
def error_shape(ctx: Context) -> None:
    resource = ctx.profile.resources[0]
    _error_ok(
        ctx,
        ctx.get(ctx.url(resource), resource, params={"cfNoSuchAttribute": "x"}),
        400,
        f"GET {resource.path}?cfNoSuchAttribute=x",
    )
    _error_ok(
        ctx,
        ctx.get(ctx.url(resource, f"cf-missing-{uuid.uuid4()}"), resource),
        404,
        f"GET {resource.path}/{{unknown id}}",
    )
    _error_ok(ctx, ctx.request("PUT", ctx.url(resource), resource, json_body={}), 405, f"PUT {resource.path}")
    patchable = [r for r in ctx.profile.resources if r.patch is not None]
    if patchable:
        target = patchable[0]
        _error_ok(
            ctx,
            _patch(ctx, target, _patch_target(ctx, target), {}, "text/plain"),
            415,
            f"PATCH (text/plain) {target.path}/{{id}}",
        )
    else:
        creatable = [r for r in ctx.profile.resources if r.creatable]
        if creatable:
            target = creatable[0]
            exchange = ctx.request("POST", ctx.url(target), target, content="x", content_type="text/plain")
            _error_ok(ctx, exchange, 415, f"POST (text/plain) {target.path}")


@rule(
    "TMF630.error.allow-405",
    "A method the collection does not support answers 405 with an Allow header naming exactly the "
    "supported methods.",
    "RFC 9110 §15.5.6 (405 requires Allow); TMF630 Part 1 'Response codes'",
)
def allow_405(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        exchange = ctx.request("PUT", ctx.url(resource), resource, json_body={})
        ctx.expect_status(exchange, 405, what=f"PUT {resource.path}")
        allow = exchange.header("allow")
        ctx.check(
            allow is not None,
            f"PUT {resource.path}: 405 without an Allow header",
            "an Allow header",
            exchange,
        )
        got = {m.strip().upper() for m in (allow or "").split(",") if m.strip()} - {"HEAD", "OPTIONS"}
        wanted = set(resource.collection_methods)
        ctx.check(
            got == wanted,
            f"PUT {resource.path}: Allow is {allow!r}",
            f"Allow: {', '.join(sorted(wanted))}",
            exchange,
        )
