"""A small, deliberately non-conformant TMF622 Product Ordering server (v4 and v5) for testing the
conformance tool.

With no defect enabled it is meant to pass every conformance rule; each entry of `DEFECTS` switches
on one realistic bug seen in real TMF implementations, and names the rule that must catch it.
Self-contained on purpose (in-memory storage, no imports from tmf_api/ or sid_model/), so a fault in
the reference implementation cannot hide a fault in the tool or the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import json
import re
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Seeded defect -> conformance rule id expected to report it.
DEFECTS: dict[str, str] = {
    "create-200": "TMF630.create.status-201",
    "no-location": "TMF630.create.location",
    "total-count-ignores-filter": "TMF630.paging.total-count",
    "fields-ignored": "TMF630.fields.select",
    "problem-json-errors": "TMF630.error.shape",
    "no-allow-on-405": "TMF630.error.allow-405",
    "gt-ignored": "TMF630.filter.gt",
    "trailing-slash-404": "TMF630.trailing-slash",
    "illegal-transition-accepted": "TMF622.lifecycle.illegal-transition",
    "wrong-event-name": "TMF630.hub.event-names",
    "hub-delete-ignored": "TMF630.hub.unsubscribe",  # answers 204 and keeps delivering
    "no-type-v5": "TMF630.type.everywhere",
    "unknown-filter-ignored": "TMF630.filter.unknown-attribute-400",
    # Found by fuzzing only (the official document's operations with generated input):
    "malformed-id-500": "TMF630.fuzz.no-server-error",  # an id that is no UUID crashes the lookup
    "error-code-number": "TMF630.fuzz.schema",  # Error.code is a number, the documents say string
}
# Defects only the fuzz rules find (they need the official document and --fuzz-examples > 0).
FUZZ_DEFECTS = {"malformed-id-500", "error-code-number"}
# Defects that only make sense for some versions (the others apply to both).
# The fuzzing defects and the hub one once each (a fuzzing run costs 15 s): the rule is the same code
# for both versions, which the defect-free runs of both versions already exercise.
DEFECT_VERSIONS: dict[str, tuple[str, ...]] = {
    "no-type-v5": ("v5",),
    "hub-delete-ignored": ("v4",),
    "malformed-id-500": ("v4",),
    "error-code-number": ("v5",),
}

BASE = "/tmf-api/productOrderingManagement"

# TMF622 product order lifecycle (copied from mappings/TMF622/lifecycles.yaml; user guides v4.0.0/v5.0.0).
LIFECYCLE: dict[str, Any] = {
    "initial": ["acknowledged", "draft"],
    "final": ["rejected", "cancelled", "completed", "failed", "partial"],
    "transitions": {
        "draft": ["acknowledged", "cancelled"],
        "acknowledged": ["rejected", "pending", "held", "inProgress", "assessingCancellation"],
        "pending": ["inProgress", "held", "assessingCancellation"],
        "held": ["inProgress", "pending", "assessingCancellation"],
        "inProgress": ["pending", "held", "completed", "failed", "partial", "assessingCancellation"],
        "assessingCancellation": ["pendingCancellation", "acknowledged", "pending", "held", "inProgress"],
        "pendingCancellation": ["cancelled"],
    },
    "cancellable": ["draft", "acknowledged", "pending", "held", "inProgress"],
}
ORDER_STATES = {*LIFECYCLE["final"], *LIFECYCLE["transitions"], "inProgress.accepted"}
ITEM_ACTIONS = {"add", "modify", "delete", "noChange"}

_COMMON = {"id", "href", "@type", "@baseType", "@schemaLocation"}
_ORDER_V4 = {
    "cancellationDate", "cancellationReason", "category", "completionDate", "description",
    "expectedCompletionDate", "externalId", "notificationContact", "orderDate", "priority",
    "requestedCompletionDate", "requestedStartDate", "agreement", "billingAccount", "channel", "note",
    "orderTotalPrice", "payment", "productOfferingQualification", "productOrderItem", "quote",
    "relatedParty", "state",
}  # fmt: skip
_ORDER_V5 = (_ORDER_V4 - {"orderDate"}) | {
    "requestedInitialState", "orderRelationship", "productOrderErrorMessage",
    "productOrderJeopardyAlert", "productOrderMilestone", "creationDate",
}  # fmt: skip
_CANCEL = {
    "cancellationReason", "effectiveCancellationDate", "requestedCancellationDate", "productOrder", "state",
}  # fmt: skip
ATTRIBUTES = {
    ("v4", "productOrder"): _ORDER_V4 | _COMMON,
    ("v5", "productOrder"): _ORDER_V5 | _COMMON,
    ("v4", "cancelProductOrder"): _CANCEL | _COMMON,
    ("v5", "cancelProductOrder"): _CANCEL | {"creationDate"} | _COMMON,
}
SCALARS = {
    "id", "href", "@type", "@baseType", "@schemaLocation", "state", "description", "category", "priority",
    "cancellationReason", "requestedInitialState",
}  # fmt: skip
STRINGS = SCALARS | {"notificationContact"}
DATES = {
    "orderDate", "creationDate", "completionDate", "cancellationDate", "expectedCompletionDate",
    "requestedCompletionDate", "requestedStartDate", "effectiveCancellationDate",
    "requestedCancellationDate", "eventTime",
}  # fmt: skip
SERVER_OWNED = {"id", "href", "orderDate", "creationDate"}
OPERATORS = {"eq", "ne", "gt", "gte", "lt", "lte", "regex"}
RESERVED = {"fields", "sort", "offset", "limit"}
# v5: the @type a nested object gets when the client left it out, by the attribute holding it.
NESTED_TYPES = {
    "productOrderItem": "ProductOrderItem", "productOffering": "ProductOfferingRef",
    "relatedParty": "RelatedPartyRefOrPartyRoleRef", "partyOrPartyRole": "PartyRef",
    "externalId": "ExternalIdentifier", "note": "Note", "billingAccount": "BillingAccountRef",
    "product": "ProductRefOrValue", "productSpecification": "ProductSpecificationRef",
    "itemPrice": "OrderPrice", "itemTotalPrice": "OrderPrice", "orderTotalPrice": "OrderPrice",
    "price": "Price", "productOrder": "ProductOrderRef", "channel": "RelatedChannel",
    "agreement": "AgreementRef", "quote": "QuoteRef", "payment": "PaymentRef",
    "productOrderItemRelationship": "OrderItemRelationship", "orderRelationship": "OrderRelationship",
    "place": "RelatedPlaceRefOrValue", "productCharacteristic": "StringCharacteristic",
    "appointment": "AppointmentRef", "quoteItem": "QuoteItemRef", "itemTerm": "OrderTerm",
    "productOfferingQualification": "ProductOfferingQualificationRef",
    "productOfferingQualificationItem": "ProductOfferingQualificationItemRef",
}  # fmt: skip
ALLOW = {
    "productOrder": ("GET", "POST"),
    "productOrder/{id}": ("GET", "PATCH", "DELETE"),
    "cancelProductOrder": ("GET", "POST"),
    "cancelProductOrder/{id}": ("GET",),
    "hub": ("POST",),
    "hub/{id}": ("DELETE",),
}
REASONS = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           415: "Unsupported Media Type", 500: "Internal Server Error"}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, message: str, allow: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.message, self.allow = status, message, allow


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_date(value: Any) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def values_at(doc: Any, path: list[str]) -> list[Any]:
    """Leaf values at a dotted path, looking into every element of the arrays on the way."""
    if isinstance(doc, list):
        return [v for item in doc for v in values_at(item, path)]
    if not path:
        return [doc]
    if not isinstance(doc, dict) or path[0] not in doc:
        return []
    return values_at(doc[path[0]], path[1:])


def compare(op: str, value: Any, wanted: str, attr: str) -> bool:
    if isinstance(value, (dict, list)) or value is None:
        return False
    if op == "regex":
        return re.search(wanted, str(value)) is not None
    left: Any
    right: Any
    if attr in DATES:
        left, right = parse_date(value), parse_date(wanted)
        if left is None or right is None:
            return False
    elif isinstance(value, bool):
        left, right = str(value).lower(), wanted.lower()
    elif isinstance(value, (int, float)):
        try:
            left, right = value, float(wanted)
        except ValueError:
            left, right = str(value), wanted
    else:
        left, right = str(value), wanted
    return bool({
        "eq": left == right, "ne": left != right, "gt": left > right,
        "gte": left >= right, "lt": left < right, "lte": left <= right,
    }[op])  # fmt: skip


def parse_filters(
    params: list[tuple[str, str]], known: set[str] | None
) -> list[tuple[list[str], str, list[str]]]:
    """TMF630 filters: AND across parameters, OR by comma and by repeating a parameter."""
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key not in RESERVED:
            grouped.setdefault(key, []).extend(value.split(","))
    filters = []
    for key, wanted in grouped.items():
        name, op = (key[:-1], "regex") if key.endswith("*") else (key, "eq")
        path = name.split(".")
        if len(path) > 1 and path[-1] in OPERATORS and op == "eq":
            op, path = path[-1], path[:-1]
        if known is not None:
            if path[0] not in known:
                raise ApiError(400, f"Query parameter '{key}': unknown attribute '{path[0]}'")
            if path[0] in SCALARS and len(path) > 1:
                raise ApiError(400, f"Query parameter '{key}': '{path[0]}' has no attribute '{path[1]}'")
            if path[-1] in DATES and any(parse_date(w) is None for w in wanted):
                raise ApiError(400, f"Query parameter '{key}': {path[-1]} takes a date-time")
            if (
                path == ["state"]
                and op in ("eq", "ne")
                and not set(wanted)
                <= ORDER_STATES
                | {"done", "terminatedWithError", "acknowledged", "inProgress", "rejected", "cancelled"}
            ):
                raise ApiError(400, f"Query parameter '{key}': no such state {wanted}")
        if op == "regex":
            for w in wanted:
                try:
                    re.compile(w)
                except re.error as exc:
                    raise ApiError(400, f"Query parameter '{key}': bad regular expression: {exc}") from exc
        filters.append((path, op, wanted))
    return filters


def matches(doc: dict[str, Any], filters: list[tuple[list[str], str, list[str]]]) -> bool:
    for path, op, wanted in filters:
        found = values_at(doc, path)
        if op == "ne":
            if any(compare("eq", v, w, path[-1]) for v in found for w in wanted):
                return False
        elif not any(compare(op, v, w, path[-1]) for v in found for w in wanted):
            return False
    return True


def sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(400, f"JSON Patch: bad path '{path}'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    for part in parts[:-1]:
        try:
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ApiError(400, f"JSON Patch: path '{path}' does not exist") from exc
    return doc


def json_patch(doc: dict[str, Any], ops: Any, query: bool) -> dict[str, Any]:
    """RFC 6902 (add, remove, replace, test) plus the TMF630 JSON Patch Query `path?filter` form."""
    if not isinstance(ops, list) or not all(isinstance(o, dict) and "op" in o and "path" in o for o in ops):
        raise ApiError(400, "JSON Patch: the body must be an array of operations with op and path")
    doc = copy.deepcopy(doc)
    for op in ops:
        paths = [op["path"]]
        if query and "?" in op["path"]:
            target, condition = op["path"].split("?", 1)
            collection, *rest = _pointer(target)
            filters = parse_filters(urllib.parse.parse_qsl(condition, keep_blank_values=True), None)
            filters = [(p[1:] if p[0] == collection else p, o, w) for p, o, w in filters]
            chosen = [i for i, item in enumerate(doc.get(collection) or []) if matches(item, filters)]
            if not chosen:
                raise ApiError(400, f"JSON Patch Query: nothing matches '{op['path']}'")
            paths = ["/" + "/".join([collection, str(i), *rest]) for i in chosen]
        for path in paths:
            parts = _pointer(path)
            if not parts:
                raise ApiError(400, "JSON Patch: the whole document cannot be replaced")
            if parts[0] in SERVER_OWNED and op["op"] != "test":
                raise ApiError(400, f"JSON Patch: '{parts[0]}' is set by the server")
            parent, last = _parent(doc, parts, path), parts[-1]
            kind = op["op"]
            try:
                if kind == "test":
                    current = parent[int(last)] if isinstance(parent, list) else parent[last]
                    if current != op.get("value"):
                        raise ApiError(400, f"JSON Patch: test failed at '{path}'")
                elif kind == "remove":
                    del parent[int(last) if isinstance(parent, list) else last]
                elif kind == "add" and isinstance(parent, list):
                    parent.insert(len(parent) if last == "-" else int(last), op["value"])
                elif kind in ("add", "replace"):
                    if isinstance(parent, list):
                        parent[int(last)] = op["value"]
                    elif kind == "replace" and last not in parent:
                        raise ApiError(400, f"JSON Patch: path '{path}' does not exist")
                    else:
                        parent[last] = op["value"]
                else:
                    raise ApiError(400, f"JSON Patch: unsupported op '{kind}'")
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                raise ApiError(400, f"JSON Patch: cannot apply {kind} at '{path}'") from exc
    return doc


class BadServer:
    def __init__(self, defects: set[str] | frozenset[str] = frozenset()) -> None:
        unknown = set(defects) - set(DEFECTS)
        if unknown:
            raise ValueError(f"unknown defects: {sorted(unknown)}")
        self.defects = set(defects)
        self.store: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.hubs: dict[str, dict[str, dict[str, Any]]] = {"v4": {}, "v5": {}}
        self.tasks: set[asyncio.Task[None]] = set()
        self.lock: asyncio.Lock | None = None

    # -- plumbing --------------------------------------------------------------------------------
    def error(self, status: int, message: str, allow: tuple[str, ...] = ()) -> Response:
        headers = {"Allow": ", ".join(allow)} if allow and "no-allow-on-405" not in self.defects else {}
        reason = REASONS.get(status, "Error")
        if "problem-json-errors" in self.defects:
            body = {"type": "about:blank", "title": reason, "status": status, "detail": message}
            return Response(json.dumps(body), status, headers, media_type="application/problem+json")
        body = {
            "code": status if "error-code-number" in self.defects else str(status),
            "reason": reason,
            "message": message,
            "status": str(status),
            "@type": "Error",
        }
        return Response(json.dumps(body), status, headers, media_type="application/json")

    @staticmethod
    def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body, ensure_ascii=False), status, headers, media_type="application/json")

    async def handle(self, request: Request) -> Response:
        try:
            return await self.dispatch(request)
        except ApiError as exc:
            return self.error(exc.status, exc.message, exc.allow)
        except Exception as exc:  # a test double answers 500 rather than dying
            return self.error(500, f"internal error: {type(exc).__name__}")

    async def dispatch(self, request: Request) -> Response:
        path = request.url.path
        if path.endswith("/") and len(path) > 1:
            if "trailing-slash-404" in self.defects:
                raise ApiError(404, f"No resource at {path}")
            path = path.rstrip("/")
        match = re.fullmatch(rf"{BASE}/(v4|v5)/(productOrder|cancelProductOrder|hub)(?:/([^/]+))?", path)
        if not match:
            raise ApiError(404, f"No resource at {path}")
        version, resource, id_ = match.groups()
        route = f"{resource}/{{id}}" if id_ else resource
        method = "GET" if request.method == "HEAD" else request.method
        if method not in ALLOW[route]:
            allowed = ALLOW[route]
            raise ApiError(
                405, f"Method {method} is not allowed on {path}; allowed: {', '.join(allowed)}", allowed
            )
        base = f"{str(request.base_url).rstrip('/')}{BASE}/{version}"
        handler = getattr(
            self, f"{method.lower()}_{'hub' if resource == 'hub' else 'item' if id_ else 'list'}"
        )
        if resource == "hub":
            return await handler(request, version, base, id_)  # type: ignore[no-any-return]
        return await handler(request, version, resource, base, id_)  # type: ignore[no-any-return]

    async def body(self, request: Request, media_types: tuple[str, ...]) -> Any:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in media_types:
            raise ApiError(415, f"Content-Type '{media}' is not supported; use {', '.join(media_types)}")
        try:
            return json.loads(await request.body())
        except ValueError as exc:
            raise ApiError(400, f"Malformed JSON: {exc}") from exc

    def rows(self, version: str, resource: str) -> dict[str, dict[str, Any]]:
        return self.store.setdefault((version, resource), {})

    def render(self, doc: dict[str, Any], version: str, resource: str, base: str) -> dict[str, Any]:
        out = {"id": doc["id"], "href": f"{base}/{resource}/{doc['id']}"} | copy.deepcopy(doc)
        date = out.pop("_date")
        if resource == "productOrder":
            out["orderDate" if version == "v4" else "creationDate"] = date
        elif version == "v5":
            out["creationDate"] = date
        if version == "v5":
            out["@type"] = "ProductOrder" if resource == "productOrder" else "CancelProductOrder"
            self._type_nested(out, top=True)
        return out

    def _type_nested(self, value: Any, top: bool = False, key: str = "") -> None:
        if isinstance(value, list):
            for item in value:
                self._type_nested(item, key=key)
        elif isinstance(value, dict):
            if not top:
                if "no-type-v5" in self.defects:
                    value.pop("@type", None)
                else:
                    value.setdefault("@type", NESTED_TYPES.get(key) or (key[:1].upper() + key[1:]))
            for child_key, child in value.items():
                self._type_nested(child, key=child_key)

    def check_types(self, doc: dict[str, Any], version: str, resource: str) -> None:
        for name in STRINGS & set(doc):
            if doc[name] is not None and not isinstance(doc[name], str):
                raise ApiError(400, f"'{name}' must be a string")
        if version == "v4" and "externalId" in doc and not isinstance(doc["externalId"], str):
            raise ApiError(400, "'externalId' must be a string")
        if version == "v5" and "externalId" in doc and not isinstance(doc["externalId"], list):
            raise ApiError(400, "'externalId' must be an array")
        if "state" in doc and resource == "productOrder" and doc["state"] not in ORDER_STATES:
            raise ApiError(400, f"'state': no such state '{doc['state']}'")
        if resource == "productOrder":
            items = doc.get("productOrderItem")
            if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
                raise ApiError(400, "'productOrderItem' is a required non-empty array of objects")
            for item in items:
                if not isinstance(item.get("id"), str) or item.get("action") not in ITEM_ACTIONS:
                    raise ApiError(
                        400, f"every productOrderItem needs an 'id' and an 'action' in {sorted(ITEM_ACTIONS)}"
                    )
                if "quantity" in item and (
                    not isinstance(item["quantity"], int) or isinstance(item["quantity"], bool)
                ):
                    raise ApiError(400, "'productOrderItem.quantity' must be an integer")
        if resource == "cancelProductOrder":
            ref = doc.get("productOrder")
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
                raise ApiError(400, "'productOrder' with an 'id' is required")

    def project(self, doc: dict[str, Any], fields: str | None, known: set[str]) -> dict[str, Any]:
        if fields is None or "fields-ignored" in self.defects:
            return doc
        if not fields.strip():
            raise ApiError(400, "Query parameter 'fields': name at least one attribute, or none")
        names = {f.strip().split(".")[0] for f in fields.split(",") if f.strip()} - {"none"}
        for name in names - known:
            raise ApiError(400, f"Query parameter 'fields': unknown attribute '{name}'")
        return {k: v for k, v in doc.items() if k in names | {"id", "href", "@type"}}

    # -- events ----------------------------------------------------------------------------------
    def publish(
        self, version: str, base: str, doc: dict[str, Any], kind: str, resource: str = "productOrder"
    ) -> None:
        """Deliver an event to every matching subscription of `version`, in publication order."""
        name = f"{resource[0].upper()}{resource[1:]}{kind}Event"
        wrong = {"CreateEvent": "CreationNotification", "DeleteEvent": "DeletionNotification"}
        for hub in list(self.hubs[version].values()):
            envelope = {"eventId": str(uuid.uuid4()), "eventTime": now(), "eventType": name,
                        "event": {resource: self.render(doc, version, resource, base)}}  # fmt: skip
            if version == "v5":
                envelope["@type"] = name
            if hub.get("query") and not matches(envelope, parse_filters(hub["_query"], None)):
                continue
            if "wrong-event-name" in self.defects:  # the query still sees the right name
                bad = name.replace(kind + "Event", wrong.get(kind + "Event", kind + "Notification"))
                envelope["eventType"] = bad
                if version == "v5":
                    envelope["@type"] = bad
            self.lock = self.lock or asyncio.Lock()
            task = asyncio.get_running_loop().create_task(self.deliver(hub["callback"], envelope))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def deliver(self, callback: str, envelope: dict[str, Any]) -> None:
        assert self.lock is not None
        async with self.lock:
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient(timeout=5) as client:
                    await client.post(callback, json=envelope)

    # -- handlers --------------------------------------------------------------------------------
    async def get_list(self, request: Request, version: str, resource: str, base: str, _: Any) -> Response:
        params = request.query_params.multi_items()
        known = ATTRIBUTES[(version, resource)]
        filters = parse_filters(params, None if "unknown-filter-ignored" in self.defects else known)
        if "gt-ignored" in self.defects:
            filters = [f for f in filters if f[1] != "gt"]
        docs = [self.render(d, version, resource, base) for d in self.rows(version, resource).values()]
        hits = [d for d in docs if matches(d, filters)]
        sort = request.query_params.get("sort")
        for key in reversed([k.strip() for k in sort.split(",") if k.strip()] if sort else []):
            name = key.lstrip("-+")
            if name.split(".")[0] not in known:
                raise ApiError(400, f"Query parameter 'sort': unknown attribute '{name}'")
            present = [d for d in hits if values_at(d, name.split("."))]
            present.sort(
                key=lambda d: sort_key(values_at(d, name.split("."))[0]), reverse=key.startswith("-")
            )
            hits = present + [d for d in hits if not values_at(d, name.split("."))]
        limits = {}
        for name, default in (("offset", 0), ("limit", None)):
            raw = request.query_params.get(name)
            if raw is None:
                limits[name] = default
            elif not raw.isdigit() or (name == "limit" and int(raw) < 1):
                raise ApiError(400, f"Query parameter '{name}': '{raw}' is not a valid {name}")
            else:
                limits[name] = int(raw)
        offset, limit = limits["offset"] or 0, limits["limit"]
        page = hits[offset : None if limit is None else offset + limit]
        fields = request.query_params.get("fields")
        self.project({}, fields, known)
        page = [self.project(d, fields, known) for d in page]
        total = len(docs) if "total-count-ignores-filter" in self.defects else len(hits)
        headers = {"X-Total-Count": str(total), "X-Result-Count": str(len(page))}
        return self.json(page, 206 if len(page) < len(hits) else 200, headers)

    def find(self, version: str, resource: str, id_: str) -> dict[str, Any]:
        if "malformed-id-500" in self.defects:
            uuid.UUID(id_)  # unguarded: ValueError, answered 500 by handle()
        doc = self.rows(version, resource).get(id_)
        if doc is None:
            raise ApiError(404, f"No {resource} with id '{id_}'")
        return doc

    async def get_item(self, request: Request, version: str, resource: str, base: str, id_: str) -> Response:
        doc = self.render(self.find(version, resource, id_), version, resource, base)
        return self.json(
            self.project(doc, request.query_params.get("fields"), ATTRIBUTES[(version, resource)])
        )

    async def post_list(self, request: Request, version: str, resource: str, base: str, _: Any) -> Response:
        body = await self.body(request, ("application/json",))
        if not isinstance(body, dict):
            raise ApiError(400, "The body must be a JSON object")
        if version == "v5" and not isinstance(body.get("@type"), str):
            raise ApiError(400, "'@type' is a required property")
        doc = {k: v for k, v in copy.deepcopy(body).items() if k not in SERVER_OWNED | {"state", "_date"}}
        self.check_types(doc, version, resource)
        doc |= {"id": str(uuid.uuid4()), "_date": now()}
        if resource == "productOrder":
            draft = version == "v5" and doc.get("requestedInitialState") == "draft"
            doc["state"] = "draft" if draft else "acknowledged"
            self.rows(version, resource)[doc["id"]] = doc
            self.publish(version, base, doc, "Create")
        else:
            order = self.rows(version, "productOrder").get(doc["productOrder"]["id"])
            if order is None:
                raise ApiError(
                    400, f"productOrder.id '{doc['productOrder']['id']}' refers to no ProductOrder"
                )
            doc.pop("effectiveCancellationDate", None)
            if order["state"] in LIFECYCLE["cancellable"]:
                order["state"], order["cancellationDate"] = "cancelled", now()
                if "cancellationReason" in doc:
                    order["cancellationReason"] = doc["cancellationReason"]
                doc |= {"state": "done", "effectiveCancellationDate": now()}
                self.publish(version, base, order, "StateChange")
            else:
                doc["state"] = "rejected"
            self.rows(version, resource)[doc["id"]] = doc
            self.publish(version, base, doc, "Create", "cancelProductOrder")
        created = self.render(doc, version, resource, base)
        headers = {} if "no-location" in self.defects else {"Location": created["href"]}
        status = 200 if "create-200" in self.defects else 201
        return self.json(
            self.project(created, request.query_params.get("fields"), ATTRIBUTES[(version, resource)]),
            status,
            headers,
        )

    async def patch_item(
        self, request: Request, version: str, resource: str, base: str, id_: str
    ) -> Response:
        media = ["application/merge-patch+json", "application/json"]
        if version == "v5":
            media += ["application/json-patch+json", "application/json-patch-query+json"]
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await self.body(request, tuple(media))
        stored = self.find(version, resource, id_)
        current = self.render(stored, version, resource, base)
        if kind in ("application/json-patch+json", "application/json-patch-query+json"):
            updated = json_patch(current, body, kind.endswith("query+json"))
        else:
            if not isinstance(body, dict):
                raise ApiError(400, "A merge patch must be a JSON object")
            for name in sorted(SERVER_OWNED & set(body)):
                raise ApiError(400, f"'{name}' is set by the server and cannot be patched")
            if version == "v5" and body.get("@type", "ProductOrder") != "ProductOrder":
                raise ApiError(400, f"'@type' must be ProductOrder, not '{body['@type']}'")
            updated = merge_patch(current, body)
        for name in ("id", "href", "orderDate" if version == "v4" else "creationDate"):
            if updated.get(name) != current.get(name):
                raise ApiError(400, f"'{name}' is set by the server and cannot be patched")
        self.check_types(updated, version, resource)
        old, new = current["state"], updated.get("state")
        if new is None:
            raise ApiError(400, "'state' cannot be removed")
        if new != old and "illegal-transition-accepted" not in self.defects:
            allowed = LIFECYCLE["transitions"].get(old, [])
            if not allowed:
                raise ApiError(409, f"The order is in the final state '{old}'; it cannot move to '{new}'")
            if new not in allowed:
                raise ApiError(
                    409, f"The order cannot move from '{old}' to '{new}'; allowed: {', '.join(allowed)}"
                )
        fresh = {k: v for k, v in updated.items() if k not in ("href", "orderDate", "creationDate")}
        fresh["_date"] = stored["_date"]
        if version == "v5" and "@type" not in stored:
            fresh.pop("@type", None)
        self.rows(version, resource)[id_] = fresh
        if new != old:
            self.publish(version, base, fresh, "StateChange")
        if {k: v for k, v in updated.items() if k != "state"} != {
            k: v for k, v in current.items() if k != "state"
        }:
            self.publish(version, base, fresh, "AttributeValueChange")
        return self.json(self.render(fresh, version, resource, base))

    async def delete_item(
        self, request: Request, version: str, resource: str, base: str, id_: str
    ) -> Response:
        doc = self.find(version, resource, id_)
        del self.rows(version, resource)[id_]
        self.publish(version, base, doc, "Delete")
        return Response(status_code=204)

    async def post_hub(self, request: Request, version: str, base: str, _: Any) -> Response:
        body = await self.body(request, ("application/json",))
        if not isinstance(body, dict) or not isinstance(body.get("callback"), str):
            raise ApiError(400, "'callback' is a required property")
        query = body.get("query")
        if query is not None and not isinstance(query, str):
            raise ApiError(400, "'query' must be a string")
        pairs = urllib.parse.parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
        parse_filters(pairs, None)
        hub = {"id": str(uuid.uuid4()), "callback": body["callback"], "_query": pairs}
        if query is not None:
            hub["query"] = query
        self.hubs[version][hub["id"]] = hub
        out = {k: v for k, v in hub.items() if not k.startswith("_")} | {"href": f"{base}/hub/{hub['id']}"}
        out["@type"] = "Hub" if version == "v5" else "EventSubscription"
        headers = {} if "no-location" in self.defects else {"Location": out["href"]}
        return self.json(out, 200 if "create-200" in self.defects else 201, headers)

    async def delete_hub(self, request: Request, version: str, base: str, id_: str) -> Response:
        if id_ not in self.hubs[version]:
            raise ApiError(404, f"No hub subscription with id '{id_}'")
        if "hub-delete-ignored" not in self.defects:
            del self.hubs[version][id_]
        return Response(status_code=204)


def create_bad_app(defects: set[str] | frozenset[str] = frozenset()) -> Starlette:
    server = BadServer(defects)
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app = Starlette(routes=[Route("/{path:path}", server.handle, methods=methods)])
    app.state.server = server
    return app


@contextlib.contextmanager
def running_bad_server(defects: set[str] | frozenset[str] = frozenset()) -> Iterator[str]:
    """Serve the double on a free 127.0.0.1 port in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_bad_app(defects), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the bad server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
