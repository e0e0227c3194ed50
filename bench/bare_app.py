"""The bare baseline: Starlette + SQLAlchemy over the same SID tables, doing the same database work
as the TMF622 v5 server by hand, with no validation, no mapping engine and no Connexion.

    python bench/bare_app.py --port 8081 --database-url sqlite:///var/bench.db

Database work runs in Starlette's thread pool, as our server's does in Connexion's.
POST inserts the order row and its child rows and returns the stored order as JSON; GET by id
selects the order with its children (selectinload); the list applies the same WHERE (state,
the order's bitmask of item actions, order_date >), ORDER BY order_date DESC, pk, LIMIT/OFFSET and
COUNT(*) as the server and renders the page as JSON. Only the query parameters the benchmark
sends are understood.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sid_model import (
    ProductOrder,
    ProductOrderExternalIdentifier,
    ProductOrderItem,
    ProductOrderNote,
    ProductOrderRelatedParty,
)
from sid_model.db import make_engine
from tmf_api.engine.mapping import Summary
from tmf_api.registry import load_mapping
from tmf_api.settings import Settings

BASE = "/tmf-api/productOrderingManagement/v5/productOrder"

# Which bit of product_order.item_actions stands for which action: the mapping's, which the bare
# server must write and read alike (it is data, not engine behaviour).
ITEM_ACTIONS: Summary = (
    load_mapping("TMF622", "v5").resources["productOrder"].node.summaries["productOrderItem.action"]
)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _parse_dt(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace(" ", "+"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None}


def _item_doc(item: ProductOrderItem) -> dict[str, Any]:
    doc = _clean(
        {
            "id": item.item_id,
            "action": item.action,
            "state": item.state,
            "quantity": item.quantity,
            "@type": item.at_type,
        }
    )
    if item.product_offering_id or item.product_offering_name:
        doc["productOffering"] = _clean(
            {
                "id": item.product_offering_id,
                "name": item.product_offering_name,
                "@type": "ProductOfferingRef",
            }
        )
    if item.children:
        doc["productOrderItem"] = [_item_doc(child) for child in item.children]
    doc.update(item.extension or {})
    return doc


def order_doc(order: ProductOrder, base_url: str) -> dict[str, Any]:
    doc = _clean(
        {
            "id": order.id,
            "href": f"{base_url}{BASE}/{order.id}",
            "state": order.state,
            "category": order.category,
            "description": order.description,
            "priority": order.priority,
            "creationDate": _iso(order.order_date),
            "expectedCompletionDate": _iso(order.expected_completion_date),
            "requestedCompletionDate": _iso(order.requested_completion_date),
            "@type": order.at_type,
        }
    )
    doc["productOrderItem"] = [_item_doc(item) for item in order.items]
    doc["relatedParty"] = [
        {
            "@type": p.at_type,
            "role": p.role,
            "partyOrPartyRole": _clean(
                {
                    "id": p.party_id,
                    "name": p.party_name,
                    "@referredType": p.party_referred_type,
                    "@type": p.party_at_type,
                }
            ),
        }
        for p in order.related_parties
    ]
    doc["externalId"] = [
        _clean({"id": e.identifier, "owner": e.owner, "@type": e.at_type}) for e in order.external_identifiers
    ]
    doc["note"] = [
        _clean(
            {"id": n.note_id, "author": n.author, "date": _iso(n.date), "text": n.text, "@type": n.at_type}
        )
        for n in order.notes
    ]
    doc.update(order.extension or {})
    return doc


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _order_options() -> list[Any]:
    return [
        selectinload(ProductOrder.items).selectinload(ProductOrderItem.children),
        selectinload(ProductOrder.related_parties),
        selectinload(ProductOrder.notes),
        selectinload(ProductOrder.external_identifiers),
    ]


def create_app(database_url: str, pool_size: int | None = None) -> Starlette:
    # The same SQLite page cache per connection as our server (tmf_api.settings).
    engine = make_engine(database_url, pool_size=pool_size, sqlite_cache_size=Settings().sqlite_cache_size)
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    async def create(request: Request) -> Response:
        body = await request.json()
        order = ProductOrder(
            id=str(uuid.uuid4()),
            state="acknowledged",
            order_date=dt.datetime.now(dt.UTC),
            category=body.get("category"),
            description=body.get("description"),
            priority=body.get("priority"),
            requested_completion_date=_parse_dt(body.get("requestedCompletionDate")),
            at_type=body.get("@type"),
            extension={},
        )
        order.items = [
            ProductOrderItem(
                item_id=item.get("id"),
                action=item.get("action"),
                quantity=item.get("quantity"),
                product_offering_id=(item.get("productOffering") or {}).get("id"),
                product_offering_name=(item.get("productOffering") or {}).get("name"),
                at_type=item.get("@type"),
                position=position,
                extension={"itemPrice": item["itemPrice"]} if "itemPrice" in item else {},
            )
            for position, item in enumerate(body.get("productOrderItem") or [])
        ]
        order.item_actions = ITEM_ACTIONS.mask_of(item.action for item in order.items)
        order.related_parties = [
            ProductOrderRelatedParty(
                role=party.get("role"),
                party_id=(party.get("partyOrPartyRole") or {}).get("id"),
                party_name=(party.get("partyOrPartyRole") or {}).get("name"),
                party_referred_type=(party.get("partyOrPartyRole") or {}).get("@referredType"),
                party_at_type=(party.get("partyOrPartyRole") or {}).get("@type"),
                at_type=party.get("@type"),
                position=position,
                extension={},
            )
            for position, party in enumerate(body.get("relatedParty") or [])
        ]
        order.external_identifiers = [
            ProductOrderExternalIdentifier(
                identifier=ext.get("id"),
                owner=ext.get("owner"),
                at_type=ext.get("@type"),
                position=position,
                extension={},
            )
            for position, ext in enumerate(body.get("externalId") or [])
        ]
        order.notes = [
            ProductOrderNote(
                note_id=note.get("id"),
                author=note.get("author"),
                date=_parse_dt(note.get("date")),
                text=note.get("text"),
                at_type=note.get("@type"),
                position=position,
                extension={},
            )
            for position, note in enumerate(body.get("note") or [])
        ]

        def store() -> dict[str, Any]:
            with sessions.begin() as session:
                session.add(order)
                session.flush()
                return order_doc(order, _base_url(request))

        doc = await run_in_threadpool(store)
        return _json(doc, 201, {"Location": doc["href"]})

    # Sync endpoints: Starlette runs them in its thread pool, as Connexion does our sync handlers,
    # so both servers overlap their database waits the same way.
    def retrieve(request: Request) -> Response:
        id_ = request.path_params["id"]
        with sessions.begin() as session:
            order = session.scalars(
                select(ProductOrder).where(ProductOrder.id == id_).options(*_order_options())
            ).one_or_none()
            if order is None:
                return _json({"code": "404", "reason": "Not found", "message": f"No ProductOrder {id_}"}, 404)
            return _json(order_doc(order, _base_url(request)))

    def list_(request: Request) -> Response:
        params = request.query_params
        offset = int(params.get("offset", "0"))
        limit = int(params.get("limit", "100"))
        item = aliased(ProductOrderItem)
        where = []
        if "state" in params:
            where.append(ProductOrder.state == params["state"])
        if "productOrderItem.action" in params:
            bit = ITEM_ACTIONS.bits([params["productOrderItem.action"]])
            if bit is not None:  # the order row's bitmask of its items' actions, as the engine reads it
                where.append(ProductOrder.item_actions.op("&")(bit) != 0)
            else:
                where.append(
                    exists().where(
                        item.order_pk == ProductOrder.pk, item.action == params["productOrderItem.action"]
                    )
                )
        if "creationDate.gt" in params:
            where.append(ProductOrder.order_date > _parse_dt(params["creationDate.gt"]))
        order_by: list[Any] = []
        for key in (params.get("sort") or "").split(","):
            if key.lstrip("+-") == "creationDate":
                order_by.append(
                    ProductOrder.order_date.desc() if key.startswith("-") else ProductOrder.order_date.asc()
                )
        with sessions.begin() as session:
            total = session.scalar(select(func.count()).select_from(ProductOrder).where(*where)) or 0
            rows = session.scalars(
                select(ProductOrder)
                .where(*where)
                .order_by(*order_by, ProductOrder.pk)
                .offset(offset)
                .limit(limit)
                .options(*_order_options())
            ).all()
            base_url = _base_url(request)
            items = [order_doc(row, base_url) for row in rows]
        status = 200 if offset == 0 and len(items) == total else 206
        return _json(items, status, {"X-Total-Count": str(total), "X-Result-Count": str(len(items))})

    return Starlette(
        routes=[
            Route(BASE, create, methods=["POST"]),
            Route(BASE, list_, methods=["GET"]),
            Route(BASE + "/{id}", retrieve, methods=["GET"]),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (uvicorn)")
    parser.add_argument("--pool-size", type=int, help="database connections kept open per worker")
    args = parser.parse_args()
    if args.workers == 1:
        app = create_app(args.database_url, args.pool_size)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
        return
    # Several workers: uvicorn imports the app in each process, by name.
    os.environ[URL_VARIABLE] = args.database_url
    if args.pool_size:
        os.environ[POOL_VARIABLE] = str(args.pool_size)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    uvicorn.run(
        "bare_app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        workers=args.workers,
    )


URL_VARIABLE = "BARE_DATABASE_URL"
POOL_VARIABLE = "BARE_POOL_SIZE"


def app_from_environment() -> Starlette:
    pool = os.environ.get(POOL_VARIABLE)
    return create_app(os.environ[URL_VARIABLE], int(pool) if pool else None)


if __name__ == "__main__":
    main()
