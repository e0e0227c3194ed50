"""TMF630 part 2 (the event hub): subscribe, receive the right events, filter by query, unsubscribe."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from conformance.listener import Listener, Received
from conformance.model import RuleNotRun, rule
from conformance.profile import Resource
from conformance.runner import Context

# How long after a control subscription's event a deleted subscription's copy would still count
LATE_GRACE_S = 0.3

P2 = "TMF630 REST API Design Guidelines Part 2 (Notifications / Hub)"


@dataclass
class HubSession:
    listener: Listener
    base: str
    subscriptions: dict[str, str] = field(default_factory=dict)  # name -> hub id
    problem: str = ""
    resource: Resource | None = None
    subject: str = ""  # id of the resource whose events are awaited
    expected: list[str] = field(default_factory=list)
    acted: bool = False


def _event_resource(ctx: Context) -> Resource:
    found = [r for r in ctx.profile.resources if r.creatable and r.events.get("create")]
    if not found:
        raise RuleNotRun("does not apply: no resource of this API version has events the suite can trigger")
    return found[0]


def _session(ctx: Context) -> HubSession:
    existing = ctx.extras.get("hub")
    if isinstance(existing, HubSession):
        return existing
    if ctx.profile.hub is None:
        raise RuleNotRun(f"does not apply to {ctx.api} {ctx.version}: the profile declares no hub")
    listener = Listener().__enter__()
    ctx.closers.append(lambda: listener.__exit__(None, None, None))
    base = f"http://{ctx.options.callback_host}:{listener.port}/cb/{uuid.uuid4().hex[:8]}"
    session = HubSession(listener, base)
    ctx.extras["hub"] = session
    ctx.closers.insert(0, lambda: _unsubscribe_all(ctx, session))
    return session


def _unsubscribe_all(ctx: Context, session: HubSession) -> None:
    for hub_id in list(session.subscriptions.values()):
        ctx.client.http.delete(f"{ctx.base_url}/{(ctx.profile.hub or {}).get('path', 'hub')}/{hub_id}")
    session.subscriptions.clear()


def _subscribe(ctx: Context, session: HubSession, name: str, query: str | None) -> str:
    hub = ctx.profile.hub or {}
    body: dict[str, Any] = dict(hub.get("body") or {}) | {"callback": f"{session.base}/{name}"}
    if query is not None:
        body["query"] = query
    exchange = ctx.request("POST", f"{ctx.base_url}/{hub.get('path', 'hub')}", json_body=body)
    ctx.expect_status(exchange, 201, what=f"POST hub ({'query ' + query if query else 'no query'})")
    doc = ctx.expect_json(exchange, dict, "POST hub")
    ctx.check(
        isinstance(doc.get("id"), str) and bool(doc["id"]),
        "POST hub: the subscription has no id",
        "an id",
        exchange,
    )
    ctx.check(
        doc.get("callback") == body["callback"],
        "POST hub: the callback is not echoed",
        f"callback {body['callback']}",
        exchange,
    )
    if query is not None:
        ctx.check(doc.get("query") == query, "POST hub: the query is not echoed", f"query {query}", exchange)
    session.subscriptions[name] = str(doc["id"])
    return str(doc["id"])


def _ensure_subscribed(ctx: Context, session: HubSession) -> None:
    resource = _event_resource(ctx)
    session.resource = resource
    with ctx.setup_step("TMF630.hub.subscribe"):
        if "all" not in session.subscriptions:
            _subscribe(ctx, session, "all", None)
        if "filtered" not in session.subscriptions:
            _subscribe(ctx, session, "filtered", f"eventType={resource.events['create']}")


def _subject_of(event: Received, resource: Resource) -> str | None:
    body = event.body if isinstance(event.body, dict) else {}
    inner = body.get("event")
    if isinstance(inner, dict):
        doc = inner.get(resource.path) or next((v for v in inner.values() if isinstance(v, dict)), None)
        if isinstance(doc, dict) and doc.get("id") is not None:
            return str(doc["id"])
    return None


def _name_of(event: Received) -> str:
    body = event.body if isinstance(event.body, dict) else {}
    return str(body.get("eventType") or body.get("@type") or "")


def _act(ctx: Context, session: HubSession) -> None:
    """Make the events once: create, change an attribute, change the state, delete."""
    if session.acted:
        return
    _ensure_subscribed(ctx, session)
    resource = session.resource
    assert resource is not None
    events = resource.events
    doc = ctx.create(resource)
    session.subject = str(doc["id"])
    session.expected = [events["create"]]
    patch = resource.patch or {}
    base = dict(patch.get("base") or {})
    merge = "application/merge-patch+json"
    if "attribute_change" in events and "value" in patch:
        exchange = ctx.request(
            "PATCH",
            ctx.url(resource, doc["id"]),
            resource,
            content_type=merge,
            content=json.dumps(base | {patch["attribute"]: patch["value"]}, ensure_ascii=False),
        )
        ctx.expect_status(exchange, 200)
        session.expected.append(events["attribute_change"])
    lifecycle = resource.lifecycle or {}
    if "state_change" in events and lifecycle.get("legal_path"):
        exchange = ctx.request(
            "PATCH",
            ctx.url(resource, doc["id"]),
            resource,
            content_type=merge,
            content=json.dumps(base | {lifecycle["attribute"]: lifecycle["legal_path"][0]}),
        )
        ctx.expect_status(exchange, 200)
        session.expected.append(events["state_change"])
    if "delete" in events and resource.deletable:
        exchange = ctx.request("DELETE", ctx.url(resource, doc["id"]), resource)
        ctx.expect_status(exchange, 204, 200, 202)
        session.expected.append(events["delete"])
    session.acted = True


def _path_prefix(session: HubSession, name: str = "") -> str:
    """The path part of a callback URL, as the listener sees it."""
    url = f"{session.base}/{name}" if name else session.base
    return "/" + url.split("/", 3)[3]


def _wait_mine(ctx: Context, session: HubSession, name: str, done: Any) -> list[Received]:
    resource = session.resource
    assert resource is not None
    prefix = _path_prefix(session, name)

    def mine(found: list[Received]) -> list[Received]:
        return [e for e in found if _subject_of(e, resource) == session.subject]

    found = session.listener.wait(prefix, lambda f: done(mine(f)), ctx.options.event_timeout)
    return mine(found)


@rule(
    "TMF630.hub.subscribe",
    "POST hub with a callback (and a query) answers 201 with the subscription: "
    "id, callback and query echoed.",
    f"{P2}, 'Register a listener (POST /hub)'",
)
def hub_subscribe(ctx: Context) -> None:
    _ensure_subscribed(ctx, _session(ctx))


def _describe(events: list[Received]) -> str:
    return "; ".join(f"{_name_of(e)} at {e.path}" for e in events) or "no event at all"


@rule(
    "TMF630.hub.event-names",
    "A subscription without query receives, on the suite's own listener, the create, attribute-change, "
    "state-change and delete events of a resource, with the names of the version's document and the "
    "resource in event.<resource> (eventId, eventTime set).",
    f"{P2}, 'Notifications'; the API's document (…Event schemas)",
)
def hub_event_names(ctx: Context) -> None:
    session = _session(ctx)
    _act(ctx, session)
    expected = session.expected
    got = _wait_mine(ctx, session, "all", lambda f: set(expected) <= {_name_of(e) for e in f})
    names = {_name_of(e) for e in got}
    hint = (
        ""
        if session.listener.events(_path_prefix(session, "all"))
        else (
            f" (nothing reached the listener at {session.base}; if the server cannot reach that address, "
            "pass --callback-host)"
        )
    )
    ctx.check(
        set(expected) <= names,
        f"events missing for {session.subject}: {', '.join(sorted(set(expected) - names))}{hint}",
        f"events {', '.join(expected)}",
        actual=_describe(got),
    )
    for event in got:
        body = event.body if isinstance(event.body, dict) else {}
        ctx.check(
            bool(body.get("eventId")) and bool(body.get("eventTime")),
            f"{_name_of(event)} lacks eventId or eventTime",
            "eventId and eventTime",
            actual=json.dumps(body, ensure_ascii=False)[:1500],
        )
        if ctx.version == "v5":
            ctx.check(
                body.get("@type") == _name_of(event),
                f"{_name_of(event)}: @type is {body.get('@type')!r}",
                f"@type {_name_of(event)}",
                actual=json.dumps(body, ensure_ascii=False)[:1500],
            )


@rule(
    "TMF630.hub.query-filter",
    "A subscription with query eventType=<create event> receives that event and no event of another type.",
    f"{P2}, 'Register a listener' (query)",
)
def hub_query_filter(ctx: Context) -> None:
    session = _session(ctx)
    _act(ctx, session)
    wanted = session.expected[0]
    got = _wait_mine(ctx, session, "filtered", lambda f: any(_name_of(e) == wanted for e in f))
    ctx.check(
        any(_name_of(e) == wanted for e in got),
        f"the filtered subscription did not get {wanted}",
        f"{wanted} for {session.subject}",
        actual=_describe(got),
    )
    # Give the other events of the subject time to arrive (or not) on the unfiltered subscription.
    _wait_mine(ctx, session, "all", lambda f: set(session.expected) <= {_name_of(e) for e in f})
    time.sleep(0.2)
    everything = session.listener.events(_path_prefix(session, "filtered"))
    other = [e for e in everything if _name_of(e) != wanted]
    ctx.check(
        not other,
        "the filtered subscription received events its query excludes",
        f"only {wanted}",
        actual=_describe(other),
    )


@rule(
    "TMF630.hub.unsubscribe",
    "DELETE hub/{id} answers 204 (or 200) and no event is delivered to that callback afterwards.",
    f"{P2}, 'Unregister a listener (DELETE /hub/{{id}})'",
)
def hub_unsubscribe(ctx: Context) -> None:
    session = _session(ctx)
    _ensure_subscribed(ctx, session)
    resource = session.resource
    assert resource is not None
    hub = ctx.profile.hub or {}
    deleted = list(session.subscriptions)
    for name in deleted:
        hub_id = session.subscriptions[name]
        exchange = ctx.request("DELETE", f"{ctx.base_url}/{hub.get('path', 'hub')}/{hub_id}")
        ctx.expect_status(exchange, 204, 200)
        del session.subscriptions[name]
    # A control subscription made after the deletions: once its event for the new resource is in,
    # the hub has delivered that change, so the deleted callbacks' silence means something (rather
    # than waiting a fixed time and hoping the hub was done).
    _subscribe(ctx, session, "control", None)
    doc = ctx.create(resource)

    def about_doc(found: list[Received]) -> list[Received]:
        return [e for e in found if _subject_of(e, resource) == str(doc["id"])]

    control = session.listener.wait(
        _path_prefix(session, "control"), lambda f: bool(about_doc(f)), ctx.options.event_timeout
    )
    ctx.check(
        bool(about_doc(control)),
        f"a subscription made after the deletions got no event for {doc['id']} "
        f"within {ctx.options.event_timeout} s, so the deletions cannot be checked",
        f"the create event at {session.base}/control",
        actual=_describe(control),
    )

    def late_events() -> list[Received]:
        prefixes = [_path_prefix(session, name) for name in deleted]
        return [e for prefix in prefixes for e in about_doc(session.listener.events(prefix))]

    # A hub delivers to its subscriptions concurrently: a deleted one still served would get the
    # event about when the control did, so watch a moment longer (ending early once one is seen).
    session.listener.wait(session.base, lambda _found: bool(late_events()), LATE_GRACE_S)
    late = late_events()
    ctx.check(
        not late, "events arrived after the subscriptions were deleted", "no event", actual=_describe(late)
    )
