"""References a mapping declares (`references`, tmf_api/engine/resource.py): ids that must name a
stored resource of the same API or other ones, only when local, not in excluded states, through
arrays. On TMF621 v5 trouble tickets whose related entities are declared to reference TMF622 orders,
TMF632 individuals and TMF678 bills, on a real database."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from sid_model.db import make_engine
from sid_model.product_order import ProductOrder
from tests.api.test_tmf621 import ticket_v5
from tests.api.test_tmf622 import order_v5
from tests.fixtures.migrated import migrate
from tmf_api.engine.mapping import ApiMapping, parse_mapping
from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService
from tmf_api.errors import TMFError
from tmf_api.registry import assembled, check_foreign_references, lifecycles, load_mapping
from tmf_api.settings import Settings
from tmf_api.specs import load_spec

BASE = "http://tmf.test"
CTX = RequestContext(BASE)
ORDERS_V4 = "/tmf-api/productOrderingManagement/v4/productOrder/"
ORDERS_V5 = "/tmf-api/productOrderingManagement/v5/productOrder/"
BILLS_V5 = "/tmf-api/customerBillManagement/v5/customerBill/"


def _tickets(references: dict[str, Any]) -> ApiMapping:
    raw = copy.deepcopy(assembled("TMF621", "v5"))
    raw["resources"]["troubleTicket"]["references"] = references
    return parse_mapping(raw, lifecycles("TMF621"))


class Store:
    def __init__(self, database_url: str, references: dict[str, Any]) -> None:
        settings = Settings(database_url=database_url)
        self.tickets: ResourceService = ApiRuntime(
            _tickets(references), load_spec("TMF621", "v5"), settings
        ).services["troubleTicket"]
        self.orders: ResourceService = ApiRuntime(
            load_mapping("TMF622", "v5"), load_spec("TMF622", "v5"), settings
        ).services["productOrder"]
        self.individuals: ResourceService = ApiRuntime(
            load_mapping("TMF632", "v5"), load_spec("TMF632", "v5"), settings
        ).services["individual"]
        self.engine = make_engine(database_url)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def order(self, state: str | None = None) -> str:
        with self.session() as session, session.begin():
            id_: str = self.orders.create(session, order_v5("referenced"), CTX)["id"]
            if state:
                session.execute(update(ProductOrder).where(ProductOrder.id == id_).values(state=state))
        return id_

    def individual(self) -> str:
        with self.session() as session, session.begin():
            body = {"@type": "Individual", "givenName": "伟", "familyName": "张"}
            id_: str = self.individuals.create(session, body, CTX)["id"]
        return id_

    def ticket(self, *entities: dict[str, Any]) -> dict[str, Any]:
        related = [{"@type": "RelatedEntity", "role": "about", "entity": e} for e in entities]
        with self.session() as session, session.begin():
            return self.tickets.create(session, ticket_v5("refers", relatedEntity=related), CTX)

    def refused(self, *entities: dict[str, Any]) -> str:
        with pytest.raises(TMFError) as raised:
            self.ticket(*entities)
        assert raised.value.status == 400
        return raised.value.message


def _entity(id_: str, href: str | None = None, kind: str = "ProductOrder") -> dict[str, Any]:
    entity = {"@type": "EntityRef", "id": id_, "@referredType": kind}
    return entity | ({"href": href} if href else {})


@pytest.fixture
def database(database_url: str) -> Iterator[str]:
    migrate(database_url)
    yield database_url


def test_an_id_must_name_a_stored_resource_of_the_other_api(database: str) -> None:
    store = Store(
        database,
        {
            "relatedEntity.entity.id": {
                "api": "TMF622",
                "resource": "productOrder",
                "excluded_states": ["cancelled"],
            }
        },
    )
    try:
        held, other, cancelled = store.order(), store.order(), store.order("cancelled")
        made = store.ticket(_entity(held), _entity(other))
        assert [r["entity"]["id"] for r in made["relatedEntity"]] == [held, other]
        # Every element of the array is checked, not only the first.
        assert store.refused(_entity(held), _entity("no-such-order")) == (
            "relatedEntity.entity.id 'no-such-order' refers to no ProductOrder"
        )
        assert store.refused(_entity(cancelled)) == (
            f"relatedEntity.entity.id {cancelled!r}: the ProductOrder is cancelled"
        )
        # A change does not check again what the resource already held: the order may be
        # cancelled since, and the ticket's other attributes stay changeable.
        with store.session() as session, session.begin():
            session.execute(update(ProductOrder).where(ProductOrder.id == held).values(state="cancelled"))
        with store.session() as session, session.begin():
            patched = store.tickets.patch(session, made["id"], MERGE_PATCH, {"severity": "minor"}, CTX)
        assert patched["severity"] == "minor"
        with store.session() as session, session.begin(), pytest.raises(TMFError) as raised:
            related = made["relatedEntity"] + [
                {"@type": "RelatedEntity", "role": "x", "entity": _entity("ghost")}
            ]
            store.tickets.patch(session, made["id"], MERGE_PATCH, {"relatedEntity": related}, CTX)
        assert raised.value.status == 400 and "'ghost' refers to no ProductOrder" in raised.value.message
    finally:
        store.engine.dispose()


def test_only_local_references_are_checked_when_their_href_is_on_this_server(database: str) -> None:
    store = Store(
        database,
        {
            "relatedEntity.entity.id": {
                "api": "TMF622",
                "resource": ["productOrder"],
                "only_local": True,
            }
        },
    )
    try:
        held = store.order()
        # Held elsewhere: no href, or another server's, is stored as given.
        store.ticket(_entity("ORD-ELSEWHERE"), _entity("9", "https://crm.example.cn/tmf-api/x/9"))
        # Ours, in either version's href, relative or on the base URL.
        store.ticket(_entity(held, f"{BASE}{ORDERS_V4}{held}"), _entity(held, f"{ORDERS_V5}{held}"))
        assert store.refused(_entity("ghost", f"{BASE}{ORDERS_V5}ghost")) == (
            "relatedEntity.entity.id 'ghost' refers to no ProductOrder"
        )
        # An href on this server that names another collection, or another id, is no such reference.
        message = store.refused(_entity(held, f"{BASE}{BILLS_V5}{held}"))
        assert (
            message.startswith(f"relatedEntity.entity.id {held!r}: its href") and "no ProductOrder" in message
        )
        assert "its href" in store.refused(_entity("other-id", f"{BASE}{ORDERS_V5}{held}"))
    finally:
        store.engine.dispose()


def test_a_reference_may_name_resources_of_several_apis(database: str) -> None:
    targets = [{"api": "TMF622", "resource": "productOrder"}, {"api": "TMF632", "resource": ["individual"]}]
    store = Store(database, {"relatedEntity.entity.id": {"targets": targets}})
    try:
        order, person = store.order(), store.individual()
        # Each id is looked up in every target, unless its `@referredType` or href chooses one.
        store.ticket(_entity(order), _entity(person, kind="Thing"), _entity(person, kind="Individual"))
        store.ticket(_entity(person, f"/tmf-api/partyManagement/v5/individual/{person}", kind="Party"))
        assert store.refused(_entity("ghost", kind="Thing")) == (
            "relatedEntity.entity.id 'ghost' refers to no ProductOrder or Individual"
        )
        assert store.refused(_entity(order, kind="Individual")) == (
            f"relatedEntity.entity.id {order!r} refers to no Individual"
        )
        assert "its href" in store.refused(_entity(order, f"{ORDERS_V5}{person}"))
    finally:
        store.engine.dispose()


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            {"targets": [{"api": "TMF622", "resource": "productOrder"}, {"api": "TMF632", "resource": "x"}]},
            "names TMF632 'x', which is not one of its resources",
        ),
        ({"api": "TMF622", "resource": "ghost"}, "names TMF622 'ghost', which is not one of its resources"),
        ({"api": "TMF999", "resource": "x"}, "no API 'TMF999'"),
    ],
)
def test_references_to_what_the_registry_does_not_hold_are_refused(reference: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_foreign_references(_tickets({"relatedEntity.entity.id": reference}))


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"api": "TMF622"}, "give a resource name"),
        ({"resource": "productOrder", "when": "always"}, "unknown keys"),
        ({"resource": []}, "a name or a list of names"),
        ({"resource": "productOrder", "targets": []}, "give a resource name"),
        ({"targets": [{"api": "TMF622"}]}, "each target needs a resource"),
        ({"targets": [{"resource": "troubleTicket", "only_local": True}]}, "each target is"),
        ("ghost", "references unknown resource 'ghost'"),
    ],
)
def test_malformed_reference_declarations_are_refused(reference: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _tickets({"relatedEntity.entity.id": reference})
