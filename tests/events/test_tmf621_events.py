"""TMF621 Trouble Ticket events, v4 and v5, delivered over real HTTP to a subscriber."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf621 import V4, V5, ticket_v4, ticket_v5
from tests.fixtures.app import CheckedClient
from tests.fixtures.listener import Hub, assert_event, event_types

MERGE = {"content-type": "application/merge-patch+json"}
API = "TMF621"
VERSIONS = [pytest.param(V4, id="v4"), pytest.param(V5, id="v5")]


def _ticket(base: str, marker: str) -> dict[str, Any]:
    return ticket_v4(marker) if base == V4 else ticket_v5(marker)


def _patch(client: CheckedClient, base: str, ticket_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(f"{base}/troubleTicket/{ticket_id}", content=json.dumps(body), headers=MERGE)
    assert response.status_code == 200, response.text
    patched: dict[str, Any] = response.json()
    return patched


@pytest.mark.parametrize("base", VERSIONS)
def test_ticket_life_events_in_order(hub: Hub, base: str) -> None:
    """create, status change, attribute change (v4 fieldPath), resolved (status change + resolved
    event), delete: in order, each carrying the ticket as this version returns it."""
    client, version = hub.client, base.rsplit("/", 1)[1]
    callback, _ = hub.subscribe(base)
    created = client.post(f"{base}/troubleTicket", json=_ticket(base, "events"))
    assert created.status_code == 201, created.text
    ticket = created.json()
    in_progress = _patch(client, base, ticket["id"], {"status": "inProgress"})
    minor = _patch(client, base, ticket["id"], {"severity": "minor"})
    resolved = _patch(client, base, ticket["id"], {"status": "resolved"})
    assert client.delete(f"{base}/troubleTicket/{ticket['id']}").status_code == 204

    expected = [
        ("TroubleTicketCreateEvent", ticket),
        ("TroubleTicketStatusChangeEvent", in_progress),
        ("TroubleTicketAttributeValueChangeEvent", minor),
        ("TroubleTicketStatusChangeEvent", resolved),
        ("TroubleTicketResolvedEvent", resolved),
        ("TroubleTicketDeleteEvent", resolved),
    ]
    events = hub.settled(callback, len(expected))
    assert event_types(events) == [name for name, _ in expected]
    for event, (name, doc) in zip(events, expected, strict=True):
        field_path = "severity" if name.endswith("AttributeValueChangeEvent") else None
        assert_event(API, version, event, name, "troubleTicket", doc, field_path=field_path)
    assert [e["event"]["troubleTicket"]["status"] for e in events] == [
        "acknowledged",
        "inProgress",
        "inProgress",
        "resolved",
        "resolved",
        "resolved",
    ]


@pytest.mark.parametrize("base", VERSIONS)
def test_resolved_event_only(hub: Hub, base: str) -> None:
    client = hub.client
    callback, _ = hub.subscribe(base, "eventType=TroubleTicketResolvedEvent")
    ticket = client.post(f"{base}/troubleTicket", json=_ticket(base, "resolved only")).json()
    _patch(client, base, ticket["id"], {"status": "inProgress"})
    resolved = _patch(client, base, ticket["id"], {"status": "resolved"})
    _patch(client, base, ticket["id"], {"status": "inProgress"})  # reopened: no second resolved event
    events = hub.settled(callback, 1)
    assert event_types(events) == ["TroubleTicketResolvedEvent"]
    assert_event(
        API, base.rsplit("/", 1)[1], events[0], "TroubleTicketResolvedEvent", "troubleTicket", resolved
    )


def test_v5_hub_can_be_read_back(hub: Hub) -> None:
    """TMF621 v5 is the one document here with `GET /hub/{id}`."""
    callback, created = hub.subscribe(V5, "eventType=TroubleTicketCreateEvent")
    response = hub.client.get(f"{V5}/hub/{created['id']}")
    assert response.status_code == 200, response.text
    assert response.json() == created
    assert_tmf_error(hub.client.get(f"{V5}/hub/no-such-hub"), 404)
    assert callback == created["callback"]


@pytest.mark.parametrize("base", VERSIONS)
def test_failed_status_change_writes_no_event(hub: Hub, base: str) -> None:
    client = hub.client
    ticket = client.post(f"{base}/troubleTicket", json=_ticket(base, "outbox")).json()
    callback, _ = hub.subscribe(base)
    url = f"{base}/troubleTicket/{ticket['id']}"
    illegal = client.patch(url, content=json.dumps({"status": "closed"}), headers=MERGE)
    assert_tmf_error(illegal, 409)
    history = "statusChange" if base == V4 else "statusChangeHistory"
    owned = client.patch(url, content=json.dumps({history: []}), headers=MERGE)
    assert_tmf_error(owned, 400)
    good = _patch(client, base, ticket["id"], {"status": "pending"})
    events = hub.settled(callback, 1)
    assert event_types(events) == ["TroubleTicketStatusChangeEvent"]
    assert events[0]["event"]["troubleTicket"] == good
