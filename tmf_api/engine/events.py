"""TMF630 part 2 on the write side: changes become events in a transactional outbox.

Every change the engine notifies is turned, inside the same database transaction, into one
event per API version that has a matching subscription (rendered in that version's shape), and
one delivery row per matching subscription. A change that commits always has its events; a
change that rolls back has none. Delivering them is tmf_api.delivery's job.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sid_model import EventDelivery, EventHubGeneration, EventRecord, EventSubscription, ReceivedEvent
from tmf_api.callbacks import CallbackPolicy, CallbackRefused
from tmf_api.engine.document import JSON
from tmf_api.engine.mapping import format_datetime
from tmf_api.engine.match import matches
from tmf_api.engine.query import Op, Query, parse_query
from tmf_api.engine.resource import ApiRuntime, Change, RequestContext, ResourceService, Rules, utcnow
from tmf_api.engine.schema import SchemaView
from tmf_api.errors import TMFError, bad_request

log = logging.getLogger(__name__)

# Set on a session whose transaction wrote deliveries, so the dispatcher is woken after commit.
PENDING_FLAG = "tmf_events_pending"

_KIND_SUFFIX = {
    "create": "CreateEvent",
    "attributeValueChange": "AttributeValueChangeEvent",
    "delete": "DeleteEvent",
}


@lru_cache(maxsize=4096)
def _parsed(query: str) -> Query:
    return parse_query(query)


@dataclass(frozen=True)
class Subscriber:
    """What the outbox needs of a subscription, read once per hub change."""

    pk: int
    version: str
    query: Query
    # The event types its `eventType=` condition admits; None when it names none (any type).
    event_types: frozenset[str] | None

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


def _subscriber(pk: int, version: str, query: str | None) -> Subscriber:
    parsed = _parsed(query or "")
    types: frozenset[str] | None = None
    for condition in parsed.conditions:
        if condition.path == "eventType" and condition.op is Op.EQ:
            types = frozenset(condition.values) if types is None else types & frozenset(condition.values)
    return Subscriber(pk, version, parsed, types)


class SubscriptionCache:
    """Each API's subscriptions, read from the database only when its hub changed.

    Every hub change moves the API's row in event_hub_generation in the change's own transaction
    (`hub_changed`); `get` reads that one row by primary key and re-reads the subscriptions
    (filtered by API and version in SQL) only when the counter differs from the cached one. The
    counter is read before the subscriptions, so a hub change committed in between costs one
    more re-read, never a stale cache; other processes' hub changes are seen the same way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[int | None, list[Subscriber]]] = {}

    def get(self, session: Session, api: str, versions: list[str]) -> list[Subscriber]:
        generation = session.scalar(
            select(EventHubGeneration.generation).where(EventHubGeneration.api == api)
        )
        key = f"{api} {','.join(sorted(versions))}"
        with self._lock:
            cached = self._cached.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = session.execute(
            select(EventSubscription.pk, EventSubscription.version, EventSubscription.query).where(
                EventSubscription.api == api, EventSubscription.version.in_(versions)
            )
        ).all()
        subscribers = [_subscriber(pk, version, query) for pk, version, query in rows]
        with self._lock:
            self._cached[key] = (generation, subscribers)
        return subscribers

    @staticmethod
    def hub_changed(session: Session, api: str) -> None:
        dialect = session.get_bind().dialect.name
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(EventHubGeneration)
        session.execute(
            upsert.values(api=api, generation=1).on_conflict_do_update(
                index_elements=[EventHubGeneration.api],
                set_={"generation": EventHubGeneration.generation + 1},
            )
        )


def event_names(spec: dict[str, Any]) -> set[str]:
    return {name for name in spec["components"]["schemas"] if name.endswith("Event") and name != "Event"}


class EventHub:
    """Writes the outbox for every served API version; registered as each runtime's change listener."""

    def __init__(self, runtimes: list[ApiRuntime], default_base_url: str) -> None:
        self.default_base_url = default_base_url
        self.by_api: dict[str, list[ApiRuntime]] = {}
        for runtime in runtimes:
            self.by_api.setdefault(runtime.mapping.api, []).append(runtime)
        # Event names each version emits: its own document's, or those of the version its
        # manifest names in `events_from` (TMF678 v4 defines none), in this version's envelope.
        self.names: dict[int, set[str]] = {}
        for api_runtimes in self.by_api.values():
            by_version = {r.mapping.version: event_names(r.spec) for r in api_runtimes}
            for runtime in api_runtimes:
                source = runtime.mapping.events_from or runtime.mapping.version
                self.names[id(runtime)] = by_version.get(source, set())
        self.subscriptions = SubscriptionCache()
        for runtime in runtimes:
            runtime.change_listeners.append(self.record)
            hub = runtime.services.get("hub")
            if hub is not None:
                settings = runtime.settings
                policy = CallbackPolicy.from_settings(settings.callback_allow_private, settings.database_url)
                hub.rules = Rules(prepare=functools.partial(_check_subscription, policy))

    def event_type(self, runtime: ApiRuntime, service: ResourceService, change: Change) -> str | None:
        """The event a change raises in this version, if its document (or events_from) defines it.

        A state change's name is the manifest's when it names one (…StatusChangeEvent for
        TMF621's `status`), else <Schema>StateChangeEvent, whatever the attribute is called.
        """
        name = service.schema.name or ""
        if change.kind == "stateChange":
            candidate = service.resource.state_change_event or f"{name}StateChangeEvent"
        else:
            candidate = f"{name}{_KIND_SUFFIX[change.kind]}"
        return candidate if candidate in self.names[id(runtime)] else None

    def extra_types(self, runtime: ApiRuntime, service: ResourceService, change: Change) -> list[str]:
        """Events a state reaches besides the state change (e.g. TroubleTicketResolvedEvent)."""
        if change.kind != "stateChange":
            return []
        names = service.resource.state_events.get(service.state_of(change.row) or "", ())
        return [n for n in names if n in self.names[id(runtime)]]

    def record(self, session: Session, change: Change) -> None:
        if change.resource == "hub":
            self.subscriptions.hub_changed(session, change.api)
            return
        # The change's own API (set by the runtime that reported it): two APIs may well have
        # collections of the same name.
        runtimes = [r for r in self.by_api.get(change.api, []) if change.resource in r.services]
        if not runtimes:
            return
        api = change.api
        subscriptions = self.subscriptions.get(session, api, [r.mapping.version for r in runtimes])
        if not subscriptions:
            return
        now = utcnow()
        ctx = change.ctx or RequestContext(self.default_base_url)
        for runtime in runtimes:
            mine = [s for s in subscriptions if s.version == runtime.mapping.version]
            if not mine:
                continue
            service = runtime.services[change.resource]
            types = [t for t in [self.event_type(runtime, service, change)] if t]
            types += self.extra_types(runtime, service, change)
            if not types:
                continue
            document = service.document(change.row, ctx)
            for event_type in types:
                envelope = self.envelope(runtime, service, event_type, document, now, change)
                targets = [s for s in mine if s.wants(event_type) and matches(envelope, s.query)]
                if targets:
                    self._write(session, runtime, event_type, envelope, now, targets)

    @staticmethod
    def envelope(
        runtime: ApiRuntime,
        service: ResourceService,
        event_type: str,
        document: JSON,
        now: dt.datetime,
        change: Change,
    ) -> JSON:
        event_id = str(uuid.uuid4())
        when = format_datetime(now)
        body: JSON = {
            "eventId": event_id,
            "eventTime": when,
            "eventType": event_type,
            "title": event_type,
            "description": f"{event_type} for {service.schema.name} {document.get('id')}",
            "domain": runtime.mapping.name,
            "event": {service.resource.path: document},
        }
        if runtime.mapping.version == "v4":
            body |= {"id": event_id, "timeOcurred": when}
            if change.kind == "attributeValueChange":
                body["fieldPath"] = ",".join(change.fields)
        else:
            body = {"@type": event_type, "id": event_id, **body, "timeOccurred": when}
        return body

    @staticmethod
    def _write(
        session: Session,
        runtime: ApiRuntime,
        event_type: str,
        envelope: JSON,
        now: dt.datetime,
        targets: list[Subscriber],
    ) -> None:
        record = EventRecord(
            event_id=envelope["eventId"],
            api=runtime.mapping.api,
            version=runtime.mapping.version,
            event_type=event_type,
            event_time=now,
            payload=envelope,
        )
        session.add(record)
        session.flush()
        session.execute(
            insert(EventDelivery),
            [
                {
                    "id": str(uuid.uuid4()),
                    "event_pk": record.pk,
                    "subscription_pk": s.pk,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created": now,
                }
                for s in targets
            ],
        )
        session.info[PENDING_FLAG] = True


def _check_subscription(
    policy: CallbackPolicy, service: ResourceService, session: Session, row: Any, body: JSON
) -> None:
    callback = row.callback
    if not isinstance(callback, str):
        raise bad_request("callback must be an absolute http(s) URL")
    try:
        policy.check(callback)
    except CallbackRefused as refused:
        raise bad_request(f"callback {callback!r} is refused: {refused}") from None
    if row.query:
        try:
            query = parse_query(row.query)
        except TMFError as error:
            raise bad_request(f"query: {error.message}") from None
        if query.fields is not None or query.sort:
            raise bad_request("query: a subscription filters events; fields and sort do not apply")
        for condition in query.conditions:
            _check_event_path(service, condition.path)


# Members of the event envelope a query may filter on (TMF630 part 2, v4 and v5 spellings).
ENVELOPE = frozenset(
    {
        "@type", "correlationId", "description", "domain", "eventId", "eventTime", "eventType",
        "fieldPath", "href", "id", "priority", "timeOccurred", "timeOcurred", "title",
    }
)  # fmt: skip


def _check_event_path(hub: ResourceService, path: str) -> None:
    """A query names the envelope, or `event.<resource>.<attribute>` of one of this API's resources,
    as a list filter names attributes: anything else would silently never match, so it is a 400."""
    head, _, rest = path.partition(".")
    if head != "event":
        if path not in ENVELOPE:
            raise bad_request(
                f"query: {path!r} is no attribute of an event; filter on {', '.join(sorted(ENVELOPE))} "
                "or event.<resource>.<attribute>"
            )
        return
    resource, _, attribute = rest.partition(".")
    target = hub.runtime.services.get(resource) if resource != "hub" else None
    if target is None:
        known = ", ".join(p for p in hub.runtime.services if p != "hub")
        raise bad_request(f"query: {path!r}: this API's events carry {known}, not {resource!r}")
    if attribute and target.schema.walk(attribute) is None:
        raise bad_request(f"query: {path!r}: {target.schema.name} has no attribute {attribute!r}")


# The length of received_event.event_id.
EVENT_ID_MAX = 200


# An RFC 3339 date-time, as TMF630 events carry them (a time zone is required).
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)
_published_cache: dict[tuple[str, str], dict[str, str]] = {}


def published_events(runtime: ApiRuntime) -> dict[str, str]:
    """Event type → the resource (collection path) it carries, for every event this API version
    publishes: its document's events, or those of the version its manifest names in `events_from`."""
    key = (runtime.mapping.api, runtime.mapping.version)
    found = _published_cache.get(key)
    if found is not None:
        return found
    names = event_names(runtime.spec)
    if runtime.mapping.events_from:
        from tmf_api.registry import api_version  # the registry builds on the engine
        from tmf_api.specs import load_document

        names |= event_names(load_document(api_version(key[0], runtime.mapping.events_from).document))
    # The longest schema name an event's name starts with is its resource's
    # (CancelProductOrderCreateEvent carries a cancelProductOrder, not a productOrder).
    schemas = sorted(
        ((service.schema.name or "", path) for path, service in runtime.services.items() if path != "hub"),
        key=lambda pair: -len(pair[0]),
    )
    found = {}
    for name in names:
        resource = next((path for schema, path in schemas if schema and name.startswith(schema)), None)
        if resource is not None:
            found[name] = resource
    _published_cache[key] = found
    return found


def check_event(runtime: ApiRuntime, payload: Any, named: str | None = None) -> str:
    """The eventId of `payload` if it is an event this API version publishes, well formed; else a 400.

    The listener is for testing hubs against ours: it takes only what such a hub would send
    (an `eventId`, an `eventType` this API publishes — the one the path names, if it names one —,
    an `eventTime` date-time, and the resource in `event.<resource>`).
    """
    if not isinstance(payload, dict):
        raise bad_request("An event must be a JSON object")
    event_id = payload.get("eventId")
    if not isinstance(event_id, str) or not event_id.strip():
        raise bad_request("An event must carry an eventId (a non-empty string)")
    event_type = payload.get("eventType")
    published = published_events(runtime)
    if not isinstance(event_type, str) or event_type not in published:
        raise bad_request(
            f"eventType {event_type!r} is not an event of {runtime.mapping.api} {runtime.mapping.version}; "
            f"it publishes {', '.join(sorted(published))}"
        )
    resource = published[event_type]
    if named is not None and named.lower() != event_type.lower():
        raise bad_request(f"eventType {event_type!r} was posted to the listener of {named!r}")
    event_time = payload.get("eventTime")
    if not isinstance(event_time, str) or not _DATE_TIME.match(event_time) or not _valid_time(event_time):
        raise bad_request(f"eventTime must be a date-time, got {event_time!r}")
    members = event_members(runtime, event_type)
    if not any(
        isinstance(event := payload.get(member), dict) and isinstance(event.get(resource), dict)
        for member in members
    ):
        places = " or ".join(f"{member}.{resource}" for member in members)
        raise bad_request(f"A {event_type} carries its {resource} as an object in {places}")
    return event_id


# Where an event's envelope holds its resource: TMF630 `event`; some published v4 documents
# (TMF666) name it `payload`.
_RESOURCE_MEMBERS = ("event", "payload")
_members_cache: dict[tuple[str, str, str], tuple[str, ...]] = {}


def event_members(runtime: ApiRuntime, event_type: str) -> tuple[str, ...]:
    """The envelope members the served document's `event_type` holds its resource in (`event`
    when the document does not define the event: those of `events_from`)."""
    key = (runtime.mapping.api, runtime.mapping.version, event_type)
    found = _members_cache.get(key)
    if found is None:
        try:
            properties = SchemaView.named(runtime.spec, event_type).properties
        except KeyError:
            properties = {}
        found = tuple(m for m in _RESOURCE_MEMBERS if m in properties) or ("event",)
        _members_cache[key] = found
    return found


def _valid_time(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def receive_event(
    session: Session,
    runtime: ApiRuntime,
    payload: Any,
    now: Callable[[], dt.datetime] = utcnow,
    named: str | None = None,
) -> bool:
    """Store an event received on the listener side; False when its eventId was seen already.

    `named`: the event type the listener path names (`<base>/listener/<eventName>`), if any.
    """
    event_id = check_event(runtime, payload, named)
    if len(event_id) > EVENT_ID_MAX:
        raise bad_request(f"An eventId has at most {EVENT_ID_MAX} characters")
    api, version = runtime.mapping.api, runtime.mapping.version
    # One statement that cannot race: a look-up before the INSERT would let two deliveries of one
    # event both find nothing, and the second INSERT would then break the unique key (a 500).
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReceivedEvent).values(
        api=api,
        version=version,
        event_id=event_id,
        event_type=payload.get("eventType") or payload.get("@type"),
        received_at=now(),
        payload=payload,
    )
    stored = session.scalar(
        stmt.on_conflict_do_nothing(index_elements=["api", "version", "event_id"]).returning(ReceivedEvent.pk)
    )
    return stored is not None
