"""The generic resource behaviour (tmf_api/engine/resource.py) on a real mapping and database,
without HTTP: TMF621 v5 trouble tickets, whose lifecycle the plain engine enforces."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from sid_model.db import make_engine
from tests.api.test_tmf621 import ticket_v5
from tests.fixtures.migrated import migrate
from tmf_api.engine import resource
from tmf_api.engine.patch import JSON_PATCH, MERGE_PATCH
from tmf_api.engine.query import Condition, Op, Query, SortKey
from tmf_api.engine.resource import ApiRuntime, Change, RequestContext, ResourceService
from tmf_api.errors import TMFError
from tmf_api.registry import load_mapping
from tmf_api.settings import Settings
from tmf_api.specs import load_spec

CTX = RequestContext("http://tmf.test")
HREF = "http://tmf.test/tmf-api/troubleTicket/v5/troubleTicket"


class Engine:
    def __init__(self, database_url: str) -> None:
        runtime = ApiRuntime(
            load_mapping("TMF621", "v5"), load_spec("TMF621", "v5"), Settings(database_url=database_url)
        )
        self.changes: list[Change] = []
        runtime.change_listeners.append(lambda _session, change: self.changes.append(change))
        self.service: ResourceService = runtime.services["troubleTicket"]
        self.engine = make_engine(database_url)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def create(self, description: str, **extra: Any) -> dict[str, Any]:
        with self.session() as session, session.begin():
            return self.service.create(session, ticket_v5(description, **extra), CTX)

    def patch(self, id_: str, body: Any, media_type: str = MERGE_PATCH) -> dict[str, Any]:
        with self.session() as session, session.begin():
            return self.service.patch(session, id_, media_type, body, CTX)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    made = Engine(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()


def _error(call: Any) -> TMFError:
    with pytest.raises(TMFError) as raised:
        call()
    return raised.value


def test_create_fills_the_server_owned_attributes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clock that moves on every reading: the write's stamps must still be one instant.
    ticks = itertools.count()
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    monkeypatch.setattr(resource, "utcnow", lambda: start + dt.timedelta(milliseconds=next(ticks)))
    created = engine.create("no dial tone", id="chosen-by-client", status="closed")
    assert created["id"] != "chosen-by-client"  # server-owned: ignored on create
    assert created["href"] == f"{HREF}/{created['id']}"
    assert created["status"] == "acknowledged"  # on_create, whatever the body says
    assert created["description"] == "no dial tone" and created["name"] == "宽带故障"
    assert created["@type"] == "TroubleTicket"
    assert created["creationDate"] == created["lastUpdate"]
    assert [c.kind for c in engine.changes] == ["create"]
    assert engine.changes[0].resource == "troubleTicket" and engine.changes[0].api == "TMF621"


def test_create_refuses_a_body_that_is_not_an_object(engine: Engine) -> None:
    with engine.session() as session:
        error = _error(lambda: engine.service.create(session, ["not", "an", "object"], CTX))
    assert error.status == 400 and "TroubleTicket object" in error.message


def test_retrieve_and_fields(engine: Engine) -> None:
    created = engine.create("retrieved")
    with engine.session() as session:
        whole = engine.service.retrieve(session, created["id"], Query(), CTX)
        assert whole == created
        some = engine.service.retrieve(session, created["id"], Query(fields=["severity"]), CTX)
        assert some == {
            "id": created["id"],
            "href": created["href"],
            "@type": "TroubleTicket",
            "severity": "major",
        }
        error = _error(lambda: engine.service.retrieve(session, created["id"], Query(fields=["nope"]), CTX))
        assert error.status == 400 and "'nope'" in error.message


def test_retrieve_of_an_unknown_id_is_404(engine: Engine) -> None:
    with engine.session() as session:
        error = _error(lambda: engine.service.retrieve(session, "no-such-ticket", Query(), CTX))
    assert error.status == 404 and "no-such-ticket" in error.message


def test_list_filters_sorts_and_pages(engine: Engine) -> None:
    for description, severity in [("b", "minor"), ("a", "major"), ("c", "major")]:
        engine.create(description, severity=severity)
    service = engine.service
    with engine.session() as session:
        major = Query(conditions=[Condition("severity", Op.EQ, ("major",), "severity")])
        docs, total = service.list(session, major, CTX)
        assert total == 2 and sorted(d["description"] for d in docs) == ["a", "c"]
        by_description = Query(sort=[SortKey("description", True)], limit=2, offset=0)
        docs, total = service.list(session, by_description, CTX)
        assert total == 3 and [d["description"] for d in docs] == ["c", "b"]
        docs, total = service.list(
            session, Query(sort=[SortKey("description", True)], limit=2, offset=2), CTX
        )
        assert total == 3 and [d["description"] for d in docs] == ["a"]
        unknown = Query(conditions=[Condition("colour", Op.EQ, ("red",), "colour")])
        error = _error(lambda: service.list(session, unknown, CTX))
        assert error.status == 400 and "'colour'" in error.message


def test_patch_changes_attributes_and_reports_them(engine: Engine) -> None:
    created = engine.create("patched")
    engine.changes.clear()
    patched = engine.patch(created["id"], {"severity": "minor", "description": "patched again"})
    assert patched["severity"] == "minor" and patched["description"] == "patched again"
    assert patched["status"] == "acknowledged"
    assert [(c.kind, c.fields) for c in engine.changes] == [
        ("attributeValueChange", ["description", "severity"])
    ]
    json_patched = engine.patch(created["id"], [{"op": "replace", "path": "/name", "value": "x"}], JSON_PATCH)
    assert json_patched["name"] == "x"


def test_patch_of_a_server_owned_attribute_is_400(engine: Engine) -> None:
    created = engine.create("owned")
    error = _error(lambda: engine.patch(created["id"], {"creationDate": "2020-01-01T00:00:00Z"}))
    assert error.status == 400 and error.reason == "Attribute not patchable"
    assert "creationDate" in error.message
    error = _error(lambda: engine.patch(created["id"], [{"op": "remove", "path": "/id"}], JSON_PATCH))
    assert error.status == 400 and error.reason == "Attribute not patchable"


def test_patch_that_breaks_the_schema_is_400(engine: Engine) -> None:
    created = engine.create("invalid")
    error = _error(lambda: engine.patch(created["id"], {"severity": 5}))
    assert error.status == 400 and "severity" in error.message
    error = _error(lambda: engine.patch(created["id"], "not an object"))
    assert error.status == 400


def test_lifecycle_transitions(engine: Engine) -> None:
    created = engine.create("moving")
    engine.changes.clear()
    moved = engine.patch(created["id"], {"status": "inProgress"})
    assert moved["status"] == "inProgress"
    assert [(c.kind, c.fields) for c in engine.changes] == [("stateChange", ["status"])]
    error = _error(lambda: engine.patch(created["id"], {"status": "closed"}))
    assert error.status == 409 and error.reason == "Illegal state transition"
    assert "is inProgress; it cannot move to closed" in error.message
    assert "pending, held, resolved, cancelled" in error.message
    engine.patch(created["id"], {"status": "cancelled"})
    error = _error(lambda: engine.patch(created["id"], {"status": "inProgress"}))
    assert error.status == 409 and "none (final state)" in error.message


def test_move_follows_the_lifecycle(engine: Engine) -> None:
    created = engine.create("moved by the server")
    service = engine.service
    with engine.session() as session, session.begin():
        row = service._load(session, created["id"])
        service.move(session, row, "pending")
        assert service.state_of(row) == "pending"
        with pytest.raises(AssertionError, match="pending -> resolved is not a transition"):
            service.move(session, row, "resolved")
    assert engine.changes[-1].kind == "stateChange"
    with engine.session() as session:
        assert service.retrieve(session, created["id"], Query(), CTX)["status"] == "pending"


def test_delete_removes_and_reports(engine: Engine) -> None:
    created = engine.create("deleted")
    with engine.session() as session, session.begin():
        engine.service.delete(session, created["id"], CTX)
    assert engine.changes[-1].kind == "delete"
    with engine.session() as session:
        assert _error(lambda: engine.service.retrieve(session, created["id"], Query(), CTX)).status == 404
        assert _error(lambda: engine.service.delete(session, created["id"], CTX)).status == 404
