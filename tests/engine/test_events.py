"""The outbox side of events (tmf_api/engine/events.py): event names and which hub a change reaches."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sid_model import EventRecord, EventSubscription
from sid_model.db import make_engine
from tests.fixtures.migrated import migrate
from tmf_api.engine.events import EventHub
from tmf_api.engine.resource import ApiRuntime, Change, RequestContext
from tmf_api.registry import load_mapping
from tmf_api.settings import Settings
from tmf_api.specs import load_spec

CTX = RequestContext("http://tmf.test")


def _runtime(api: str, version: str, served_as: str | None = None) -> ApiRuntime:
    mapping = load_mapping(api, version)
    if served_as is not None:
        mapping = dataclasses.replace(mapping, api=served_as)
    return ApiRuntime(mapping, load_spec(api, version), Settings())


def test_state_change_event_name_comes_from_the_manifest() -> None:
    tickets = _runtime("TMF621", "v5")
    hub = EventHub([tickets], "http://tmf.test")
    service = tickets.services["troubleTicket"]
    change = Change("stateChange", "troubleTicket", service.entity(status="inProgress"))
    # TMF621's manifest names its status change event after the attribute.
    assert hub.event_type(tickets, service, change) == "TroubleTicketStatusChangeEvent"

    # Without a name in the manifest a `status` attribute still gives …StateChangeEvent, as
    # TMF629, TMF632 and TMF637 v4 publish it.
    unnamed = dataclasses.replace(service.resource, state_change_event=None)
    service.resource = unnamed
    hub.names[id(tickets)] |= {"TroubleTicketStateChangeEvent"}
    assert hub.event_type(tickets, service, change) == "TroubleTicketStateChangeEvent"
    # A name the version's document does not define is not sent.
    hub.names[id(tickets)] = set()
    assert hub.event_type(tickets, service, change) is None


def test_state_events_of_the_manifest() -> None:
    orders = _runtime("TMF622", "v5")
    hub = EventHub([orders], "http://tmf.test")
    service = orders.services["productOrder"]
    pending = Change("stateChange", "productOrder", service.entity(state="pending"))
    assert hub.extra_types(orders, service, pending) == ["ProductOrderInformationRequiredEvent"]
    moving = Change("stateChange", "productOrder", service.entity(state="inProgress"))
    assert hub.extra_types(orders, service, moving) == []


def test_events_from_another_version_when_the_document_defines_none() -> None:
    v4, v5 = _runtime("TMF678", "v4"), _runtime("TMF678", "v5")
    hub = EventHub([v4, v5], "http://tmf.test")
    assert "CustomerBillCreateEvent" in hub.names[id(v4)]
    assert hub.names[id(v4)] == hub.names[id(v5)]


def test_a_change_reaches_the_hub_of_its_own_api(database_url: str) -> None:
    """Two APIs with a collection of the same name: each change goes to its own API's subscribers."""
    migrate(database_url)
    sessions = sessionmaker(make_engine(database_url))
    tickets = _runtime("TMF621", "v5")
    twin = _runtime("TMF621", "v5", served_as="TMF999")
    EventHub([tickets, twin], "http://tmf.test")
    with sessions.begin() as session:
        for api in (tickets.mapping.api, twin.mapping.api):
            session.add(EventSubscription(id=f"sub-{api}", api=api, version="v5", callback="http://x/cb"))
    with sessions.begin() as session:
        twin.services["troubleTicket"].create(session, _ticket(), CTX)
    with Session(sessions.kw["bind"]) as session:
        records = session.scalars(select(EventRecord)).all()
        assert [(r.api, r.event_type) for r in records] == [("TMF999", "TroubleTicketCreateEvent")]


def _ticket() -> dict[str, object]:
    return {"@type": "TroubleTicket", "description": "宽带无法上网", "severity": "major"}
