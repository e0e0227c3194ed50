"""Rendered forms (tmf_api/engine/rendered.py): reads serve what every write left beside the row,
and what is left is always what the row renders now, whoever wrote it; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sid_model.db import make_engine
from sid_model.product_order import ProductOrder, ProductOrderItem
from tests.api.test_tmf621 import V4 as TICKETS_V4
from tests.api.test_tmf621 import V5 as TICKETS_V5
from tests.api.test_tmf621 import ticket_v4, ticket_v5
from tests.api.test_tmf622 import V4, V5, order_v4, order_v5
from tests.api.test_tmf678 import V4 as BILLS_V4
from tests.api.test_tmf678 import bill_on_demand, complete_order, new_account, price
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.adapter.responses import dumps
from tmf_api.demo import demo_sections, load_demo_data
from tmf_api.engine import rendered
from tmf_api.engine.resource import ApiRuntime, ResourceService

MERGE = {"Content-Type": "application/merge-patch+json"}


def _services(client: CheckedClient) -> list[ResourceService]:
    runtimes: list[ApiRuntime] = client.app.runtimes
    return [s for r in runtimes for s in r.services.values() if s._rendered_column is not None]


def _patch(client: CheckedClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(url, content=json.dumps(body), headers=MERGE)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def _session(client: CheckedClient) -> Session:
    return Session(make_engine(client.database_url), expire_on_commit=False)


def test_every_form_is_what_its_row_renders_now_after_every_kind_of_write(api_client: CheckedClient) -> None:
    # Writes of every kind: creates in both versions, patches, a cancellation (a rule changing
    # another root), an order completed into rates and a bill (billing creating roots), a ticket
    # moving through its lifecycle, and a bill patched.
    orders = [api_client.post(f"{V4}/productOrder", json=order_v4("forms")).json()]
    orders.append(api_client.post(f"{V5}/productOrder", json=order_v5("forms")).json())
    _patch(api_client, f"{V5}/productOrder/{orders[0]['id']}", {"description": "changed through v5"})
    _patch(api_client, f"{V4}/productOrder/{orders[1]['id']}", {"state": "inProgress"})
    cancel = {"productOrder": {"id": orders[1]["id"]}, "cancellationReason": "客户申请取消"}
    assert api_client.post(f"{V4}/cancelProductOrder", json=cancel).status_code == 201
    account = new_account(api_client)
    complete_order(api_client, account, [price("5G号卡开户费", "oneTime", "128.00")])
    bill = bill_on_demand(api_client, BILLS_V4, account)["customerBill"]
    _patch(api_client, f"{BILLS_V4}/customerBill/{bill['id']}", {"state": "validated"})
    ticket = api_client.post(f"{TICKETS_V4}/troubleTicket", json=ticket_v4("forms")).json()
    _patch(api_client, f"{TICKETS_V5}/troubleTicket/{ticket['id']}", {"status": "inProgress"})
    api_client.post(f"{TICKETS_V5}/troubleTicket", json=ticket_v5("forms"))

    checked: dict[str, int] = {}
    with _session(api_client) as session:
        for service in _services(api_client):
            column = rendered.column(service.version)
            for row in session.scalars(service.scoped(select(service.entity))):
                stored = getattr(row, column)
                assert stored is not None, f"{service.entity.__name__} {row.id}: no {column}"
                assert stored == rendered.form_of(service, row), (
                    f"{service.entity.__name__} {row.id} {column}"
                )
                key = f"{service.entity.__name__} {service.version}"
                checked[key] = checked.get(key, 0) + 1
    # Every kind of root was written and checked in both versions.
    kinds = {"ProductOrder", "CancelProductOrder", "TroubleTicket", "CustomerBill"}
    kinds |= {"AppliedCustomerBillingRate", "CustomerBillOnDemand"}
    assert {f"{k} {v}" for k in kinds for v in ("v4", "v5")} <= set(checked), checked


def test_the_roots_of_every_api_keep_their_forms(database_url: str) -> None:
    # Every resource the registry serves (the hub aside) keeps forms, shared tables under scopes
    # (TMF666's account kinds) included; the demo data every manifest names writes them.
    with make_client(database_url) as client:
        loaded = load_demo_data(client.app)
        services = [s for r in client.app.runtimes for s in r.services.values() if s.resource.path != "hub"]
        without = [
            f"{s.runtime.mapping.api} {s.version} {s.resource.path}"
            for s in services
            if s._rendered_column is None
        ]
        assert without == []
        checked: set[str] = set()
        with _session(client) as session:
            for service in services:
                column = rendered.column(service.version)
                for row in session.scalars(service.scoped(select(service.entity))):
                    where = f"{service.entity.__name__} {row.id} {column}"
                    assert getattr(row, column) == rendered.form_of(service, row), where
                    checked.add(service.resource.path)
    runs = {s.resource for s in demo_sections() if s.run is not None}  # actions, not collections
    assert {path for path, count in loaded.items() if count and path not in runs} <= checked


def test_reads_serve_the_stored_form_unless_something_else_rendered_it(api_client: CheckedClient) -> None:
    order = api_client.post(f"{V5}/productOrder", json=order_v5("served")).json()
    stored: dict[str, Any] = {}
    with _session(api_client) as session:
        row = session.scalars(select(ProductOrder).where(ProductOrder.id == order["id"])).one()
        stored = {"v4": row.rendered_v4, "v5": row.rendered_v5}
    service = next(s for s in _services(api_client) if s.entity is ProductOrder and s.version == "v5")
    assert stored["v5"].startswith(service.fingerprint)

    def put(text: str) -> None:
        with _session(api_client) as session, session.begin():
            session.execute(
                update(ProductOrder).where(ProductOrder.id == order["id"]).values(rendered_v5=text)
            )

    # A form marked as this server's is what GET and the list answer: they do not render the row.
    put(stored["v5"].replace('"description":"served"', '"description":"from the form"'))
    assert api_client.get(f"{V5}/productOrder/{order['id']}").json()["description"] == "from the form"
    listed = api_client.get(f"{V5}/productOrder", params={"id": order["id"]}).json()
    assert [o["description"] for o in listed] == ["from the form"]
    assert api_client.get(f"{V4}/productOrder/{order['id']}").json()["description"] == "served"
    # One rendered by something else (another mapping, document or engine) is not served.
    put("0123456789abcdef|" + stored["v5"].partition("|")[2].replace('"served"', '"stale"'))
    assert api_client.get(f"{V5}/productOrder/{order['id']}").json() == order
    listed = api_client.get(f"{V5}/productOrder", params={"id": order["id"]}).json()
    assert listed == [order]


def test_a_list_page_writes_forms_as_stored_and_renders_the_rest(api_client: CheckedClient) -> None:
    """Forms go into the page as their text, not parsed and written again: the body must be what
    writing the parsed page gives, on a page mixing rows with and without a current form."""
    marker = "mixed-page"
    orders = [api_client.post(f"{V5}/productOrder", json=order_v5(marker)).json() for _ in range(3)]
    with _session(api_client) as session, session.begin():
        session.execute(
            update(ProductOrder).where(ProductOrder.id == orders[1]["id"]).values(rendered_v5=None)
        )
    response = api_client.get(f"{V5}/productOrder", params={"description": marker, "sort": "id"})
    page = response.json()
    assert response.content == dumps(page)
    assert page == sorted(orders, key=lambda o: o["id"])
    selected = api_client.get(
        f"{V5}/productOrder", params={"description": marker, "sort": "id", "fields": "state"}
    ).json()
    assert [set(o) for o in selected] == [{"id", "href", "@type", "state"}] * 3


def test_a_write_outside_the_application_clears_the_forms(api_client: CheckedClient) -> None:
    order = api_client.post(f"{V4}/productOrder", json=order_v4("outside")).json()
    with _session(api_client) as session, session.begin():
        row = session.scalars(select(ProductOrder).where(ProductOrder.id == order["id"])).one()
        row.items[0].quantity = 7  # a child row, through its root
    with _session(api_client) as session:
        row = session.scalars(select(ProductOrder).where(ProductOrder.id == order["id"])).one()
        assert (row.rendered_v4, row.rendered_v5) == (None, None)
    for base in (V4, V5):
        assert (
            api_client.get(f"{base}/productOrder/{order['id']}").json()["productOrderItem"][0]["quantity"]
            == 7
        )
    _patch(api_client, f"{V5}/productOrder/{order['id']}", {"description": "rendered again"})
    with _session(api_client) as session:
        row = session.scalars(select(ProductOrder).where(ProductOrder.id == order["id"])).one()
        assert row.rendered_v4 is not None and row.rendered_v5 is not None


def test_a_child_changed_without_its_root_is_refused(api_client: CheckedClient) -> None:
    order = api_client.post(f"{V5}/productOrder", json=order_v5("orphan")).json()
    with _session(api_client) as session, session.begin():
        pk = session.scalars(select(ProductOrder.pk).where(ProductOrder.id == order["id"])).one()
        item = session.scalars(select(ProductOrderItem).where(ProductOrderItem.order_pk == pk)).first()
        assert item is not None
        item.quantity = 9
        with pytest.raises(RuntimeError, match="ProductOrderItem changed without the ProductOrder"):
            session.flush()
        session.rollback()
    assert api_client.get(f"{V5}/productOrder/{order['id']}").json()["productOrderItem"][0]["quantity"] == 1


def test_tmf_db_render_writes_the_forms_rows_lack_or_hold_from_an_older_renderer(
    api_client: CheckedClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from tmf_api.cli import main

    made = [
        api_client.post(f"{V5}/productOrder", json=order_v5(f"render {n}")).json()["id"] for n in range(3)
    ]
    with _session(api_client) as session, session.begin():
        # Rows stored before the forms existed, and a form of another renderer (before an upgrade).
        session.execute(
            update(ProductOrder)
            .where(ProductOrder.id.in_(made[:2]))
            .values(rendered_v4=None, rendered_v5=None)
        )
        session.execute(
            update(ProductOrder).where(ProductOrder.id == made[2]).values(rendered_v5="0123456789abcdef|{}")
        )
    assert main(["db", "render", "--database-url", api_client.database_url]) == 0
    counts = dict(line.rsplit(": ", 1) for line in capsys.readouterr().out.splitlines())
    # v4 first: the two rows without forms (a write renders every version), then v5's stale one;
    # other tests of this module may have left forms to render as well.
    assert int(counts["TMF622 v4 productOrder"].split()[0]) >= 2, counts
    assert int(counts["TMF622 v5 productOrder"].split()[0]) >= 1, counts
    service = next(s for s in _services(api_client) if s.entity is ProductOrder and s.version == "v5")
    with _session(api_client) as session:
        for row in session.scalars(select(ProductOrder).where(ProductOrder.id.in_(made))):
            assert row.rendered_v5 == rendered.form_of(service, row) and row.rendered_v4 is not None
    assert main(["db", "render", "--database-url", api_client.database_url]) == 0
    out = capsys.readouterr().out
    assert "TMF622 v4 productOrder: 0 rendered" in out and "TMF622 v5 productOrder: 0 rendered" in out
