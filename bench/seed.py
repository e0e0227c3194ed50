"""Fast, deterministic seeding of product orders for the benchmark (SQLite executemany, PostgreSQL SQL).

Rows go straight into the SID tables (product_order and its child tables) with explicit primary
keys, so children need no RETURNING round trip. The data is what the TMF622 v5 API itself would
store for `order_body()`: mapped attributes in columns, the rest (itemPrice) in `extension`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url

from sid_model import (
    ProductOrder,
    ProductOrderExternalIdentifier,
    ProductOrderItem,
    ProductOrderNote,
    ProductOrderRelatedParty,
)
from sid_model.base import Base
from sid_model.db import make_engine, upgrade
from tmf_api.engine.mapping import Summary
from tmf_api.registry import load_mapping

# Every state of the TMF622 ProductOrder lifecycle (mappings/TMF622/lifecycles.yaml).
STATES = [
    "acknowledged",
    "draft",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "assessingCancellation",
    "pendingCancellation",
    "cancelled",
    "completed",
    "failed",
    "partial",
]
ACTIONS = ["add", "modify", "delete", "noChange"]


def item_action_summary() -> Summary:
    """The ProductOrder node's bitmask of its items' actions, as the engine keeps it."""
    node = load_mapping("TMF622", "v5").resources["productOrder"].node
    return node.summaries["productOrderItem.action"]


OFFERINGS = [
    ("PO-5G-169", "5G畅享169元套餐", "169.00"),
    ("PO-5G-299", "5G畅享299元套餐", "299.00"),
    ("PO-FTTH-1000", "千兆宽带包年", "1200.00"),
    ("PO-IPTV-HD", "高清IPTV增值包", "30.00"),
    ("PO-CLOUD-PHONE", "云手机月包", "59.00"),
]
CUSTOMERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明"]
CATEGORIES = ["个人客户", "家庭客户", "政企客户"]
PRIORITIES = ["1", "2", "3", "4"]
# Seeded creation dates spread over the year before SEED_NOW.
SEED_DAYS = 365
BATCH = 5000


def _price(offering: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {
            "@type": "OrderPrice",
            "name": "月功能费",
            "priceType": "recurring",
            "recurringChargePeriod": "month",
            "price": {
                "@type": "Price",
                "taxIncludedAmount": {"unit": "CNY", "value": float(offering[2])},
                "dutyFreeAmount": {"unit": "CNY", "value": round(float(offering[2]) / 1.06, 2)},
                "taxRate": 6.0,
            },
        }
    ]


def _partner(offering: tuple[str, str, str]) -> str:
    # A partner catalog's offering, taken as given: the benchmark orders are priced by the client,
    # as the bare baseline's are (an id of this server's catalog would be looked up and priced).
    return (
        f"https://catalog.partner.example/tmf-api/productCatalogManagement/v4/productOffering/{offering[0]}"
    )


def order_body(n: int) -> dict[str, Any]:
    """A realistic TMF622 v5 create body: 2 items with CNY prices, a customer, an external id, a note."""
    first, second = OFFERINGS[n % len(OFFERINGS)], OFFERINGS[(n + 2) % len(OFFERINGS)]
    customer = CUSTOMERS[n % len(CUSTOMERS)]
    return {
        "@type": "ProductOrder",
        "description": f"营业厅受理：{customer}办理{first[1]}及{second[1]}（压测订单 {n}）",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "priority": PRIORITIES[n % len(PRIORITIES)],
        "requestedCompletionDate": "2030-06-30T10:00:00.000Z",
        "productOrderItem": [
            {
                "@type": "ProductOrderItem",
                "id": "1",
                "action": "add",
                "quantity": 1,
                "productOffering": {
                    "@type": "ProductOfferingRef",
                    "id": first[0],
                    "href": _partner(first),
                    "name": first[1],
                },
                "itemPrice": _price(first),
            },
            {
                "@type": "ProductOrderItem",
                "id": "2",
                "action": "modify",
                "quantity": 2,
                "productOffering": {
                    "@type": "ProductOfferingRef",
                    "id": second[0],
                    "href": _partner(second),
                    "name": second[1],
                },
                "itemPrice": _price(second),
            },
        ],
        "relatedParty": [
            {
                "@type": "RelatedPartyRefOrPartyRoleRef",
                "role": "customer",
                "partyOrPartyRole": {
                    "@type": "PartyRef",
                    "id": f"CUST-{n % 100000:06d}",
                    "name": customer,
                    "@referredType": "Individual",
                },
            }
        ],
        "externalId": [{"@type": "ExternalIdentifier", "id": f"YYT-B{n:08d}", "owner": "营业厅"}],
        "note": [
            {
                "@type": "Note",
                "id": "1",
                "author": "营业员 王小二",
                "date": "2025-03-01T09:30:00.000Z",
                "text": "客户要求周末上门安装，请提前电话联系。",
            }
        ],
    }


def _table(entity: type[Base]) -> Table:
    table = entity.__table__
    assert isinstance(table, Table)
    return table


@dataclass
class SeedInfo:
    orders: int
    seconds: float
    sample_ids: list[str]
    now: dt.datetime


def reset_schema(url: str) -> None:
    """An empty, migrated database: a new SQLite file, or all tables dropped on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = make_engine(url)
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    upgrade(url)


def _rows(
    rng: random.Random,
    now: dt.datetime,
    start: int,
    stop: int,
    sample: list[str],
    pieces: list[tuple[str, str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The rows of orders `start` … `stop - 1` and their children, per table key; with the
    pieces of `form_template()`, each order with its v5 rendered form."""
    from tmf_api.engine.mapping import format_datetime

    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLE_KEYS}
    summary = item_action_summary()
    for pk in range(start, stop):
        id_ = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if rng.random() < 0.02 and len(sample) < 5000:
            sample.append(id_)
        created = now - dt.timedelta(seconds=rng.randrange(SEED_DAYS * 86400))
        customer = CUSTOMERS[pk % len(CUSTOMERS)]
        first, second = rng.choice(OFFERINGS), rng.choice(OFFERINGS)
        actions = [rng.choice(ACTIONS), rng.choice(ACTIONS)]
        rows["order"].append(
            {
                "pk": pk,
                "id": id_,
                "state": rng.choice(STATES),
                "category": CATEGORIES[pk % len(CATEGORIES)],
                "description": f"营业厅受理：{customer}办理{first[1]}及{second[1]}",
                "priority": rng.choice(PRIORITIES),
                "notification_contact": None,
                "cancellation_reason": None,
                "billing_account_id": f"BA-{pk % 50000:06d}",
                "order_date": created,
                "completion_date": None,
                "cancellation_date": None,
                "expected_completion_date": created + dt.timedelta(days=3),
                "requested_start_date": None,
                "requested_completion_date": created + dt.timedelta(days=7),
                "at_type": "ProductOrder",
                "at_base_type": None,
                "at_schema_location": None,
                "extension": {},
                "item_actions": summary.mask_of(actions),
            }
        )
        if pieces is not None:
            order = rows["order"][-1]
            values = {
                "id": id_, "state": order["state"], "category": order["category"],
                "description": order["description"], "priority": order["priority"],
                "account": order["billing_account_id"], "party": f"CUST-{pk % 100000:06d}",
                "customer": customer, "ext": f"YYT-{pk:08d}", "action1": actions[0], "action2": actions[1],
                "offering1": first[0], "name1": first[1], "offering2": second[0], "name2": second[1],
                "price1": price_form(first), "price2": price_form(second),
                "created": format_datetime(created),
                "expected": format_datetime(order["expected_completion_date"]),
                "requested": format_datetime(order["requested_completion_date"]),
            }  # fmt: skip
            order["rendered_v5"] = fill_form(pieces, values)
        for position, offering in enumerate((first, second)):
            rows["item"].append(
                {
                    "pk": 2 * pk - 1 + position,
                    "order_pk": pk,
                    "parent_item_pk": None,
                    "item_id": str(position + 1),
                    "action": actions[position],
                    "state": None,
                    "quantity": 1 + position,
                    "product_offering_id": offering[0],
                    "product_offering_name": offering[1],
                    "at_type": "ProductOrderItem",
                    "at_base_type": None,
                    "at_schema_location": None,
                    "extension": {"itemPrice": _price(offering)},
                    "position": position,
                }
            )
        rows["party"].append(
            {
                "pk": pk,
                "order_pk": pk,
                "role": "customer",
                "party_id": f"CUST-{pk % 100000:06d}",
                "party_href": None,
                "party_name": customer,
                "party_referred_type": "Individual",
                "party_at_type": "PartyRef",
                "at_type": "RelatedPartyRefOrPartyRoleRef",
                "at_base_type": None,
                "at_schema_location": None,
                "extension": {},
                "position": 0,
            }
        )
        rows["note"].append(
            {
                "pk": pk,
                "order_pk": pk,
                "note_id": "1",
                "author": "营业员 王小二",
                "date": created,
                "text": "客户要求周末上门安装，请提前电话联系。",
                "at_type": "Note",
                "at_base_type": None,
                "at_schema_location": None,
                "extension": {},
                "position": 0,
            }
        )
        rows["ext"].append(
            {
                "pk": pk,
                "order_pk": pk,
                "identifier": f"YYT-{pk:08d}",
                "owner": "营业厅",
                "identifier_type": None,
                "at_type": "ExternalIdentifier",
                "at_base_type": None,
                "at_schema_location": None,
                "extension": {},
                "position": 0,
            }
        )
    return rows


TABLE_KEYS = ("order", "item", "party", "note", "ext")

# The TMF622 v5 rendered form (tmf_api.engine.rendered) of a seeded order is written with the row, so
# that the server reads pages as it would after its own writes. It comes from the engine itself: a
# prototype order whose varying values are the markers below is rendered once, and each order's form
# is that text with its own values put in (in Python for SQLite, in SQL for PostgreSQL).
# check_forms() compares seeded forms with what the engine renders.
_CREATED = dt.datetime(2001, 1, 1, 1, 1, 1, tzinfo=dt.UTC)
MARKERS = (
    "id", "state", "category", "description", "priority", "account", "party", "customer", "ext",
    "action1", "action2", "offering1", "name1", "offering2", "name2", "price1", "price2",
)  # fmt: skip
DATES = {"created": _CREATED, "expected": _CREATED + dt.timedelta(days=3)}
DATES["requested"] = _CREATED + dt.timedelta(days=7)


def _marker(name: str) -> str:
    return f"\u27e6{name}\u27e7"


def order_form_service() -> Any:
    """The TMF622 v5 productOrder service as `tmf serve` builds it (its fingerprint included)."""
    from tmf_api.app import build_runtimes
    from tmf_api.settings import Settings

    runtime = next(
        r for r in build_runtimes(Settings()) if r.mapping.api == "TMF622" and r.mapping.version == "v5"
    )
    return runtime.services["productOrder"]


def form_template() -> list[tuple[str, str]]:
    """The prototype's form cut at its markers: [(text, marker or date name or "")]."""
    from tmf_api.engine import rendered
    from tmf_api.engine.mapping import format_datetime

    m = _marker
    rows = _rows(random.Random(0), _CREATED, 1, 2, [])
    order = rows["order"][0] | {
        "id": m("id"), "state": m("state"), "category": m("category"), "description": m("description"),
        "priority": m("priority"), "billing_account_id": m("account"), "order_date": DATES["created"],
        "expected_completion_date": DATES["expected"], "requested_completion_date": DATES["requested"],
    }  # fmt: skip
    row = ProductOrder(**order)
    for n, item in enumerate(rows["item"], start=1):
        values = item | {"action": m(f"action{n}"), "product_offering_id": m(f"offering{n}")}
        values |= {"product_offering_name": m(f"name{n}"), "extension": {"itemPrice": m(f"price{n}")}}
        row.items.append(ProductOrderItem(**values))
    party = rows["party"][0] | {"party_id": m("party"), "party_name": m("customer")}
    row.related_parties.append(ProductOrderRelatedParty(**party))
    row.notes.append(ProductOrderNote(**(rows["note"][0] | {"date": DATES["created"]})))
    ext = rows["ext"][0] | {"identifier": m("ext")}
    row.external_identifiers.append(ProductOrderExternalIdentifier(**ext))
    text = rendered.form_of(order_form_service(), row)
    cuts = {m(name): name for name in MARKERS}
    cuts |= {f'"{m(f"price{n}")}"': f"price{n}" for n in (1, 2)}  # a JSON value, not a string
    cuts |= {format_datetime(when): name for name, when in DATES.items()}
    pieces: list[tuple[str, str]] = []
    rest = text
    while rest:
        found = [(rest.find(cut), cut) for cut in cuts if cut in rest]
        if not found:
            pieces.append((rest, ""))
            break
        at, cut = min(found)
        pieces.append((rest[:at], cuts[cut]))
        rest = rest[at + len(cut) :]
    return pieces


def price_form(offering: tuple[str, str, str]) -> str:
    """An item's itemPrice as a form holds it (members in the order the engine renders them)."""
    from tmf_api.engine.document import _canonical

    return json.dumps(_canonical(_price(offering)), ensure_ascii=False, separators=(",", ":"))


def fill_form(pieces: list[tuple[str, str]], values: dict[str, str]) -> str:
    return "".join(text + (values[name] if name else "") for text, name in pieces)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_form(pieces: list[tuple[str, str]], values: dict[str, str]) -> str:
    """The SQL expression of a form: the pieces as literals, each marker's value an expression."""
    return " || ".join(
        part for text, name in pieces for part in (_sql_literal(text), f"({values[name]})" if name else "")
        if part
    )


def _tables() -> dict[str, Table]:
    return {
        "order": _table(ProductOrder),
        "item": _table(ProductOrderItem),
        "party": _table(ProductOrderRelatedParty),
        "note": _table(ProductOrderNote),
        "ext": _table(ProductOrderExternalIdentifier),
    }


def _pg_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _seed_postgres(url: str, orders: int, now: dt.datetime) -> list[str]:
    """Generate the rows inside PostgreSQL (INSERT … SELECT over generate_series) with the secondary
    indexes dropped, then rebuild them. Building 6,000,000 rows in Python and streaming them with
    COPY took ~9 minutes on the 2-core benchmark machine (row dicts, JSON encoding, conversions:
    ~0.5 ms per order); generated server-side the same data takes about a minute.

    Same shapes and distributions as the SQLite rows of `_rows`; the pseudo-random choices come from
    `hashint4` of the primary key, so a seed is deterministic. Returns sample ids spread over the table.
    """
    import psycopg
    from psycopg.conninfo import make_conninfo

    tables = _tables()
    parsed = make_url(url)
    conninfo = make_conninfo(  # leaves out the parameters that are None
        host=parsed.host or "localhost",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
    )
    created = "(%(now)s::timestamp - make_interval(secs => abs(hashint4(g + 11)) %% %(span)s))"
    pick = "(%(arr)s)[1 + abs(hashint4(%(key)s)) %% %(n)s]"
    first = "abs(hashint4(g + 1000003)) % 5"
    second = "abs(hashint4(g + 2000003)) % 5"
    customer = f"({_pg_array(CUSTOMERS)})[1 + g % {len(CUSTOMERS)}]"
    names = _pg_array([o[1] for o in OFFERINGS])
    ids = _pg_array([o[0] for o in OFFERINGS])
    prices = (
        "ARRAY["
        + ", ".join(
            "'" + json.dumps({"itemPrice": _price(o)}, ensure_ascii=False) + "'::jsonb" for o in OFFERINGS
        )
        + "]"
    )
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    # The items' actions are picked by the same hash below: the order's bitmask of them, computed
    # from the same picks (the bit of ACTIONS[i] is the summary's).
    summary = item_action_summary()
    bits = "ARRAY[" + ", ".join(str(summary.mask_of([a])) for a in ACTIONS) + "]"
    action_bits = f"({bits})[1 + abs(hashint4(%(key)s)) %% {len(ACTIONS)}]"
    when = created % {"now": f"'{stamp}'", "span": SEED_DAYS * 86400}
    iso = "to_char(%s, 'YYYY-MM-DD\"T\"HH24:MI:SS\".000Z\"')"
    price_texts = "ARRAY[" + ", ".join(_sql_literal(price_form(o)) for o in OFFERINGS) + "]"
    form = sql_form(
        form_template(),
        {
            "id": "md5('order-' || g)::uuid::text",
            "state": pick % {"arr": _pg_array(STATES), "key": "g", "n": len(STATES)},
            "category": f"({_pg_array(CATEGORIES)})[1 + g % {len(CATEGORIES)}]",
            "description": f"'营业厅受理：' || {customer} || '办理' || ({names})[1 + {first}] || '及' || "
            f"({names})[1 + {second}]",
            "priority": pick % {"arr": _pg_array(PRIORITIES), "key": "g + 5", "n": len(PRIORITIES)},
            "account": "'BA-' || lpad((g % 50000)::text, 6, '0')",
            "party": "'CUST-' || lpad((g % 100000)::text, 6, '0')",
            "customer": customer,
            "ext": "'YYT-' || lpad(g::text, 8, '0')",
            "action1": pick % {"arr": _pg_array(ACTIONS), "key": "2 * g + 0 + 3000017", "n": len(ACTIONS)},
            "action2": pick % {"arr": _pg_array(ACTIONS), "key": "2 * g + 1 + 3000017", "n": len(ACTIONS)},
            "offering1": f"({ids})[1 + {first}]",
            "name1": f"({names})[1 + {first}]",
            "offering2": f"({ids})[1 + {second}]",
            "name2": f"({names})[1 + {second}]",
            "price1": f"({price_texts})[1 + {first}]",
            "price2": f"({price_texts})[1 + {second}]",
            "created": iso % when,
            "expected": iso % f"({when} + interval '3 days')",
            "requested": iso % f"({when} + interval '7 days')",
        },
    )
    statements = [
        f"""INSERT INTO product_order (pk, id, state, category, description, priority, billing_account_id,
            order_date, expected_completion_date, requested_completion_date, at_type, extension,
            item_actions, rendered_v5)
        SELECT g, md5('order-' || g)::uuid::text,
            {pick % {"arr": _pg_array(STATES), "key": "g", "n": len(STATES)}},
            ({_pg_array(CATEGORIES)})[1 + g % {len(CATEGORIES)}],
            '营业厅受理：' || {customer} || '办理' || ({names})[1 + {first}]
                || '及' || ({names})[1 + {second}],
            {pick % {"arr": _pg_array(PRIORITIES), "key": "g + 5", "n": len(PRIORITIES)}},
            'BA-' || lpad((g % 50000)::text, 6, '0'),
            {when}, {when} + interval '3 days', {when} + interval '7 days', 'ProductOrder', '{{}}',
            {action_bits % {"key": "2 * g + 3000017"}} | {action_bits % {"key": "2 * g + 1 + 3000017"}},
            {form}
        FROM generate_series(1, {orders}) AS g""",
        f"""INSERT INTO product_order_item (pk, order_pk, item_id, action, quantity, product_offering_id,
            product_offering_name, at_type, extension, position)
        SELECT 2 * g - 1 + p, g, (p + 1)::text,
            {pick % {"arr": _pg_array(ACTIONS), "key": "2 * g + p + 3000017", "n": len(ACTIONS)}},
            1 + p, ({ids})[1 + CASE p WHEN 0 THEN {first} ELSE {second} END],
            ({names})[1 + CASE p WHEN 0 THEN {first} ELSE {second} END], 'ProductOrderItem',
            ({prices})[1 + CASE p WHEN 0 THEN {first} ELSE {second} END], p
        FROM generate_series(1, {orders}) AS g CROSS JOIN (VALUES (0), (1)) AS positions(p)""",
        f"""INSERT INTO product_order_related_party (pk, order_pk, role, party_id, party_name,
            party_referred_type, party_at_type, at_type, extension, position)
        SELECT g, g, 'customer', 'CUST-' || lpad((g % 100000)::text, 6, '0'), {customer}, 'Individual',
            'PartyRef', 'RelatedPartyRefOrPartyRoleRef', '{{}}', 0
        FROM generate_series(1, {orders}) AS g""",
        f"""INSERT INTO product_order_note (pk, order_pk, note_id, author, date, text, at_type, extension,
            position)
        SELECT g, g, '1', '营业员 王小二', {when}, '客户要求周末上门安装，请提前电话联系。', 'Note', '{{}}', 0
        FROM generate_series(1, {orders}) AS g""",
        f"""INSERT INTO product_order_external_identifier (pk, order_pk, identifier, owner, at_type,
            extension, position)
        SELECT g, g, 'YYT-' || lpad(g::text, 8, '0'), '营业厅', 'ExternalIdentifier', '{{}}', 0
        FROM generate_series(1, {orders}) AS g""",
    ]
    with psycopg.connect(conninfo) as conn:
        names_ = [t.name for t in tables.values()]
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)",
            [names_],
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        if superuser and superuser[0]:
            # Rows are consistent by construction: skip the per-row foreign key triggers.
            conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement)
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        # Explicit keys leave the sequences behind: move them past the seeded rows.
        for table in tables.values():
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'pk'), "
                f"(SELECT COALESCE(MAX(pk), 1) FROM {table.name}))"
            )
        step = max(1, orders // 5000)
        sample = [
            row[0]
            for row in conn.execute(
                f"SELECT id FROM product_order WHERE pk % {step} = 0 ORDER BY pk LIMIT 5000"
            )
        ]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # Fresh statistics and a visibility map, so the planner may use index-only scans at once.
        conn.execute("VACUUM ANALYZE")
    return sample


def seed(url: str, orders: int, *, rng_seed: int = 622, now: dt.datetime | None = None) -> SeedInfo:
    """Insert `orders` product orders (2 items, a related party, a note and an external id each).

    SQLite: SQLAlchemy Core executemany; PostgreSQL: generated server-side (see _seed_postgres)."""
    started = time.perf_counter()
    reset_schema(url)
    rng = random.Random(rng_seed)
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    sample: list[str] = []
    if make_url(url).get_backend_name() == "postgresql":
        sample = _seed_postgres(url, orders, now)
    else:
        engine = make_engine(url)
        tables = _tables()
        pieces = form_template()
        with engine.begin() as conn:
            for start in range(1, orders + 1, BATCH):
                rows = _rows(rng, now, start, min(start + BATCH, orders + 1), sample, pieces)
                for key, table in tables.items():
                    conn.execute(table.insert(), rows[key])
        engine.dispose()
    check_summary(url)
    check_forms(url)
    return SeedInfo(orders, time.perf_counter() - started, sample, now)


def check_summary(url: str, every: int = 997) -> None:
    """The seeded bitmask of item actions is what the engine would keep: checked on every
    `every`-th order against its items (the rows are written here, not by the engine)."""
    summary = item_action_summary()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            orders = conn.execute(text(f"SELECT pk, item_actions FROM product_order WHERE pk % {every} = 0"))
            masks: dict[int, int] = {pk: mask for pk, mask in orders}
            actions: dict[int, list[str]] = {pk: [] for pk in masks}
            items = conn.execute(
                text(f"SELECT order_pk, action FROM product_order_item WHERE order_pk % {every} = 0")
            )
            for order_pk, action in items:
                actions[order_pk].append(action)
    finally:
        engine.dispose()
    wrong = [pk for pk, mask in masks.items() if mask != summary.mask_of(actions[pk])]
    if wrong:
        raise AssertionError(f"seeded item_actions disagree with the items of orders {wrong[:10]}")


def check_forms(url: str, every: int = 997) -> None:
    """The seeded forms are what the engine renders: checked on every `every`-th order."""
    from sqlalchemy.orm import Session

    from tmf_api.engine import rendered

    service = order_form_service()
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            orders = session.scalars(select(ProductOrder).where(ProductOrder.pk % every == 0)).all()
            wrong = [o.pk for o in orders if o.rendered_v5 != rendered.form_of(service, o)]
            if not orders or wrong:
                raise AssertionError(f"seeded forms differ from the engine's for orders {wrong[:10]}")
    finally:
        engine.dispose()


def count_orders(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(_table(ProductOrder))) or 0
    engine.dispose()
    return int(total)


__all__ = ["ACTIONS", "STATES", "SeedInfo", "count_orders", "order_body", "reset_schema", "seed"]
