"""Filter and sort compilation (tmf_api/engine/sqlfilter.py) run on SQLite and PostgreSQL: every
operator on columns, child rows (EXISTS) and the extension JSON, the values refused with a 400,
sort keys. Filters on attributes kept in the extension JSON find the same rows on both, and on
PostgreSQL equalities as JSONB containment, served by the GIN index on `extension`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Dialect, Select, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sid_model import ProductOrder, ProductOrderItem, TroubleTicket
from sid_model.db import make_engine
from tests.fixtures.migrated import migrate
from tmf_api.engine.document import build
from tmf_api.engine.query import Condition, Op, SortKey
from tmf_api.engine.schema import SchemaView
from tmf_api.engine.sqlfilter import FilterCompiler, regex_problem
from tmf_api.errors import TMFError
from tmf_api.registry import api_versions, load_mapping
from tmf_api.specs import load_spec

PG: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
LITE: Dialect = sqlite.dialect()

ROWS: dict[str, dict[str, Any]] = {
    "PO-A": {
        "agreement": [{"id": "AG-1", "name": "框架协议"}, {"id": "AG-2"}],
        "billingAccount": {"name": "张伟的账户"},
        "orderTotalPrice": [
            {"priceType": "recurring", "price": {"taxIncludedAmount": {"unit": "CNY", "value": 169.0}}}
        ],
        "productOrderMilestone": [{"id": "M1", "status": "Completed"}],
    },
    "PO-B": {
        "agreement": [{"id": "AG-3"}],
        "orderTotalPrice": [
            {"priceType": "oneTime", "price": {"taxIncludedAmount": {"unit": "CNY", "value": 99}}},
            {"priceType": "recurring", "price": {"taxIncludedAmount": {"unit": "CNY", "value": 19.5}}},
        ],
    },
    "PO-C": {},
}
ITEM_EXTENSION = {"PO-C": {"itemPrice": [{"priceType": "recurring"}]}}


def _condition(parameter: str, value: str) -> Condition:
    path, _, suffix = parameter.rpartition(".")
    if suffix in {op.value for op in Op}:
        return Condition(path, Op(suffix), tuple(value.split(",")), parameter)
    return Condition(parameter, Op.EQ, tuple(value.split(",")), parameter)


PRICE = "orderTotalPrice.price.taxIncludedAmount.value"
CASES: list[tuple[dict[str, str], list[str]]] = [
    ({"agreement.id": "AG-2"}, ["PO-A"]),  # any element of the array
    ({"agreement.id": "AG-2,AG-3"}, ["PO-A", "PO-B"]),  # comma: OR
    ({"agreement.id": "AG-9"}, []),
    ({"agreement.name": "框架协议"}, ["PO-A"]),
    ({"billingAccount.name": "张伟的账户"}, ["PO-A"]),  # beside the mapped billingAccount.id
    ({PRICE: "169"}, ["PO-A"]),  # 169 == 169.0
    ({PRICE: "19.50"}, ["PO-B"]),
    ({"orderTotalPrice.priceType": "recurring"}, ["PO-A", "PO-B"]),
    # Two conditions, each met by some element (not necessarily the same one).
    ({"orderTotalPrice.priceType": "oneTime", PRICE: "19.5"}, ["PO-B"]),
    ({"orderTotalPrice.priceType": "oneTime", PRICE: "169"}, []),
    ({"productOrderMilestone.status": "Completed"}, ["PO-A"]),
    ({"productOrderItem.itemPrice.priceType": "recurring"}, ["PO-C"]),  # a child row's extension
    # Other operators keep the row-by-row form.
    ({"agreement.id.ne": "AG-3"}, ["PO-A"]),
    ({f"{PRICE}.gt": "100"}, ["PO-A"]),
    ({"agreement.id.regex": "^AG-[12]$"}, ["PO-A"]),
]


@pytest.fixture(scope="module")
def compiler_parts() -> tuple[Any, SchemaView]:
    node = load_mapping("TMF622", "v5").resources["productOrder"].node
    return node, SchemaView.named(load_spec("TMF622", "v5"), "ProductOrder")


def _statement(compiler_parts: tuple[Any, SchemaView], dialect: str, params: dict[str, str]) -> Select[Any]:
    node, schema = compiler_parts
    compiler = FilterCompiler(node, schema, dialect)
    where = compiler.where([_condition(k, v) for k, v in params.items()])
    assert where is not None
    return select(ProductOrder.id).where(where).order_by(ProductOrder.id)


@pytest.fixture(scope="module")
def filled_database(module_database_url: str) -> Iterator[str]:
    migrate(module_database_url)
    engine = make_engine(module_database_url)
    with Session(engine) as session:
        for id_, extension in ROWS.items():
            order = ProductOrder(id=id_, extension=extension)
            order.items = [ProductOrderItem(item_id="1", extension=ITEM_EXTENSION.get(id_, {}))]
            session.add(order)
        session.commit()
    engine.dispose()
    yield module_database_url


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_json_filters_find_the_same_rows_on_both_databases(
    filled_database: str, compiler_parts: tuple[Any, SchemaView], params: dict[str, str], expected: list[str]
) -> None:
    engine = make_engine(filled_database)
    try:
        with Session(engine) as session:
            stmt = _statement(compiler_parts, engine.dialect.name, params)
            assert list(session.scalars(stmt)) == expected
    finally:
        engine.dispose()


def _sql(stmt: Select[Any], dialect: Dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_postgresql_equalities_are_containment(compiler_parts: tuple[Any, SchemaView]) -> None:
    sql = _sql(_statement(compiler_parts, "postgresql", {"agreement.id": "AG-2,AG-3"}), PG)
    assert 'product_order.extension @> CAST(\'{"agreement": [{"id": "AG-2"}]}\' AS JSONB)' in sql
    assert '@> CAST(\'{"agreement": [{"id": "AG-3"}]}\' AS JSONB)' in sql
    assert "jsonb_array_elements" not in sql
    exact = _sql(
        _statement(compiler_parts, "postgresql", {PRICE: "0.1234567890123456789"}),
        PG,
    )
    assert '"value": 0.1234567890123456789}' in exact  # the decimal as written, no float rounding


def test_other_operators_and_sqlite_keep_the_path_form(compiler_parts: tuple[Any, SchemaView]) -> None:
    gt = _sql(_statement(compiler_parts, "postgresql", {"agreement.id.gt": "AG-2"}), PG)
    assert "@>" not in gt and "jsonb_array_elements" in gt
    lite = _sql(_statement(compiler_parts, "sqlite", {"agreement.id": "AG-2"}), LITE)
    assert "json_each" in lite


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["AG-2", "AG-2,AG-3"])
def test_postgresql_containment_uses_the_gin_index(
    postgres_cluster: Any, compiler_parts: tuple[Any, SchemaView], value: str
) -> None:
    url = postgres_cluster.new_database()
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(ProductOrder),
                [{"id": f"PO-{n}", "extension": {"agreement": [{"id": f"AG-{n}"}]}} for n in range(2000)],
            )
            connection.execute(text("ANALYZE product_order"))
            # Deterministic plan: the test asks whether the index can serve the filter at all.
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            stmt = _statement(compiler_parts, "postgresql", {"agreement.id": value})
            explain = text("EXPLAIN " + _sql(stmt, PG))
            plan = "\n".join(connection.execute(explain).scalars())
            assert "ix_product_order_extension_gin" in plan, plan
            assert list(connection.execute(stmt).scalars()) == sorted(f"PO-{v[3:]}" for v in value.split(","))
    finally:
        engine.dispose()


# -- every operator on columns, child rows and the extension: TMF621 v5 trouble tickets ---------

TICKETS: dict[str, dict[str, Any]] = {
    "T1": {
        "name": "宽带故障",
        "severity": "major",
        "status": "acknowledged",
        "requestedResolutionDate": "2026-01-01T00:00:00Z",
        "channel": {"id": "HOTLINE", "name": "热线"},
        "note": [{"text": "call back"}],
        "relatedParty": [{"role": "customer", "partyOrPartyRole": {"id": "CUST-1", "@type": "PartyRef"}}],
        "externalIdentifier": [{"id": "EXT-1", "owner": "10000号"}],
        "attachment": [
            {
                "name": "photo.jpg",
                "attachmentType": "photo",
                "validFor": {"startDateTime": "2025-12-31T15:30:00Z"},
            }
        ],
    },
    "T2": {
        "name": "无信号",
        "severity": "minor",
        "status": "inProgress",
        "requestedResolutionDate": "2026-06-01T08:00:00+08:00",
        "note": [{"text": "a"}, {"text": "call back later"}],
        "relatedParty": [
            {"role": "customer", "partyOrPartyRole": {"id": "CUST-2", "@type": "PartyRef"}},
            {"role": "reporter", "partyOrPartyRole": {"id": "CUST-1", "@type": "PartyRef"}},
        ],
        "externalIdentifier": [{"id": "EXT-2", "owner": "web"}],
        "attachment": [
            {
                "name": "log.txt",
                "attachmentType": "log",
                "validFor": {"startDateTime": "2025-12-31T16:30:00.000Z"},
            },
            {"name": "screen.png", "validFor": {"startDateTime": "not a date"}},
        ],
    },
    "T3": {"name": "投诉", "severity": "critical", "status": "resolved"},
}


@pytest.fixture(scope="module")
def ticket_parts() -> tuple[Any, SchemaView]:
    node = load_mapping("TMF621", "v5").resources["troubleTicket"].node
    return node, SchemaView.named(load_spec("TMF621", "v5"), "TroubleTicket")


@pytest.fixture(scope="module")
def tickets_database(module_database_url: str, ticket_parts: tuple[Any, SchemaView]) -> Iterator[str]:
    migrate(module_database_url)
    engine = make_engine(module_database_url)
    with Session(engine) as session:
        for id_, doc in TICKETS.items():
            row: Any = build(ticket_parts[0], doc)
            row.id = id_
            session.add(row)
        session.commit()
    engine.dispose()
    yield module_database_url


def _tickets(database_url: str, parts: tuple[Any, SchemaView], params: dict[str, str]) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            node, schema = parts
            where = FilterCompiler(node, schema, engine.dialect.name).where(
                [_condition(k, v) for k, v in params.items()]
            )
            assert where is not None
            stmt = select(TroubleTicket.id).where(where).order_by(TroubleTicket.id)
            return list(session.scalars(stmt))
    finally:
        engine.dispose()


TICKET_CASES: list[tuple[dict[str, str], list[str]]] = [
    ({"severity": "major"}, ["T1"]),
    ({"severity": "major,critical"}, ["T1", "T3"]),  # IN
    ({"severity.ne": "major"}, ["T2", "T3"]),
    ({"severity.ne": "major,critical"}, ["T2"]),  # NOT IN
    ({"severity.gt": "major"}, ["T2"]),  # strings compare as strings
    ({"severity.gte": "major"}, ["T1", "T2"]),
    ({"severity.lt": "major"}, ["T3"]),
    ({"severity.lte": "major"}, ["T1", "T3"]),
    ({"name.regex": "^(宽带|投)"}, ["T1", "T3"]),
    ({"status": "inProgress"}, ["T2"]),
    ({"channel.id": "HOTLINE"}, ["T1"]),  # a nested attribute held in a column
    ({"id": "T2"}, ["T2"]),
    ({"href": "http://x/tmf-api/troubleTicket/v5/troubleTicket/T3"}, ["T3"]),  # the id at its end
    # Dates are instants: the same instant in another offset is equal; no date is never matched.
    ({"requestedResolutionDate": "2026-06-01T00:00:00Z"}, ["T2"]),
    ({"requestedResolutionDate.gt": "2026-03-01T00:00:00+08:00"}, ["T2"]),
    ({"requestedResolutionDate.lte": "2026-03-01T00:00:00Z"}, ["T1"]),
    # Child rows: EXISTS over the collection; ne means no element equals.
    ({"note.text": "call back"}, ["T1"]),
    ({"note.text.regex": "^call"}, ["T1", "T2"]),
    ({"relatedParty.partyOrPartyRole.id": "CUST-1"}, ["T1", "T2"]),
    ({"relatedParty.role": "reporter"}, ["T2"]),
    ({"relatedParty.partyOrPartyRole.id.ne": "CUST-1"}, ["T3"]),
    # Two conditions on a collection, each met by some element (not necessarily the same one).
    ({"relatedParty.role": "reporter", "relatedParty.partyOrPartyRole.id": "CUST-2"}, ["T2"]),
    ({"severity": "minor", "note.text": "call back"}, []),  # AND
    ({"externalIdentifier.owner": "web"}, ["T2"]),
    ({"externalIdentifier.id": "EXT-1,EXT-2"}, ["T1", "T2"]),
    ({"externalIdentifier.id.ne": "EXT-1"}, ["T2", "T3"]),  # T3 has none, so none equals
    ({"externalIdentifier.owner.regex": "号$"}, ["T1"]),
    # Extension JSON (attachment is not mapped to columns): some element meets the condition.
    ({"attachment.name": "screen.png"}, ["T2"]),
    ({"attachment.name": "photo.jpg,log.txt"}, ["T1", "T2"]),
    ({"attachment.attachmentType.ne": "photo"}, ["T2"]),  # some element differs (T3 has none)
    ({"attachment.name.regex": "[.](png|jpg)$"}, ["T1", "T2"]),
    ({"attachment.name.gt": "q"}, ["T2"]),  # only screen.png sorts after q
    # Date-times inside the extension compare as instants, not as the strings stored (as strings,
    # "2025-12-31T16:30:00.000Z" sorts before "2026-01-01T00:00:00+08:00"); a stored non-date
    # matches nothing.
    ({"attachment.validFor.startDateTime.gt": "2026-01-01T00:00:00+08:00"}, ["T2"]),
    ({"attachment.validFor.startDateTime.lt": "2026-01-01T00:00:00+08:00"}, ["T1"]),
    ({"attachment.validFor.startDateTime": "2026-01-01T00:30:00+08:00"}, ["T2"]),
    ({"attachment.validFor.startDateTime.gte": "2025-12-31T15:30:00.000+00:00"}, ["T1", "T2"]),
    ({"attachment.validFor.startDateTime.regex": "^not"}, ["T2"]),  # a regex reads the string
]


@pytest.mark.parametrize(("params", "expected"), TICKET_CASES, ids=[str(c[0]) for c in TICKET_CASES])
def test_each_operator_finds_its_rows(
    tickets_database: str, ticket_parts: tuple[Any, SchemaView], params: dict[str, str], expected: list[str]
) -> None:
    assert _tickets(tickets_database, ticket_parts, params) == expected


def test_collections_compile_to_exists_on_the_child_table(ticket_parts: tuple[Any, SchemaView]) -> None:
    node, schema = ticket_parts
    compiler = FilterCompiler(node, schema, "sqlite")
    some = str(compiler.condition(_condition("note.text", "x")).compile(dialect=LITE))
    assert "EXISTS" in some and "trouble_ticket_note" in some and "NOT" not in some
    none = str(compiler.condition(_condition("note.text.ne", "x")).compile(dialect=LITE))
    assert "NOT (EXISTS" in none


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("colour", "red", "TroubleTicket has no attribute 'colour'"),
        ("note", "x", "cannot filter on 'note', which is not a plain value"),
        ("channel", "x", "which is not a plain value"),
        ("status", "open", "'open' is not one of acknowledged, rejected"),
        ("status.ne", "open", "'open' is not one of"),
        ("requestedResolutionDate", "tomorrow", "must be an ISO 8601 date-time, got 'tomorrow'"),
        ("name.regex", "(", "'(' is not a usable regular expression"),
        ("name.regex", "(?P<x>a)", "named groups and flag groups are not supported"),
        ("name.regex", "(a{1000}){1000}$", "invalid repetition size"),  # (this helper splits at commas)
        ("name.regex", "(.*){256}x", "repetition counts above 255"),
        ("name.regex", "(a)\\1", "not supported"),
        ("name.regex", "\\pL", "not supported"),
        ("name.regex", "\\bfault\\b", "'\\b' is not supported"),  # RE2: word boundary; PG: backspace
        ("name.regex", "x" * 257, "longer than 256 characters"),
        ("note.text.regex", "(?i)call", "flag groups are not supported"),
        ("attachment.validFor.startDateTime.gt", "soon", "must be an ISO 8601 date-time"),
        ("name", "a\x00b", "must not contain NUL characters"),
    ],
)
def test_values_that_do_not_fit_are_400(
    ticket_parts: tuple[Any, SchemaView], parameter: str, value: str, message: str
) -> None:
    node, schema = ticket_parts
    with pytest.raises(TMFError) as raised:
        FilterCompiler(node, schema, "sqlite").where([_condition(parameter, value)])
    assert raised.value.status == 400 and message in raised.value.message, raised.value.message
    assert f"'{parameter}'" in raised.value.message


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        (f"{PRICE}.gt", "1e5000", "is out of range"),
        (f"{PRICE}", "many", "'many' is not a valid number"),
    ],
)
def test_numbers_that_do_not_fit_are_400(
    compiler_parts: tuple[Any, SchemaView], parameter: str, value: str, message: str
) -> None:
    node, schema = compiler_parts
    with pytest.raises(TMFError) as raised:
        FilterCompiler(node, schema, "postgresql").where([_condition(parameter, value)])
    assert raised.value.status == 400 and message in raised.value.message, raised.value.message


@pytest.mark.parametrize(
    "pattern", ["^(宽带|投)", "(a+)+$", "[[:alpha:]]+", "a{2,255}", "(a{1,20}){1,50}", "[]a-]", "(?:x|y)z"]
)
def test_portable_regular_expressions_are_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None


def test_no_conditions_is_no_where_clause(ticket_parts: tuple[Any, SchemaView]) -> None:
    assert FilterCompiler(*ticket_parts, "sqlite").where([]) is None


def _sorted(database_url: str, parts: tuple[Any, SchemaView], keys: list[SortKey]) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            order = FilterCompiler(*parts, engine.dialect.name).order_by(keys)
            return list(session.scalars(select(TroubleTicket.id).order_by(*order, TroubleTicket.id)))
    finally:
        engine.dispose()


def test_sort_on_columns_nested_columns_and_href(
    tickets_database: str, ticket_parts: tuple[Any, SchemaView]
) -> None:
    assert _sorted(tickets_database, ticket_parts, [SortKey("name", False)]) == sorted(
        TICKETS, key=lambda t: TICKETS[t]["name"]
    )
    assert _sorted(tickets_database, ticket_parts, [SortKey("severity", True)]) == ["T2", "T1", "T3"]
    assert _sorted(tickets_database, ticket_parts, [SortKey("href", True)]) == ["T3", "T2", "T1"]
    by_status_then_name = [SortKey("status", False), SortKey("name", True)]
    assert _sorted(tickets_database, ticket_parts, by_status_then_name) == ["T1", "T2", "T3"]


def test_sort_on_an_extension_path(filled_database: str, compiler_parts: tuple[Any, SchemaView]) -> None:
    """Only PO-A has a billingAccount.name: ascending and descending put it at opposite ends
    (where the rows without one go depends on the database)."""
    engine = make_engine(filled_database)
    node, schema = compiler_parts
    try:
        with Session(engine) as session:
            orders = []
            for descending in (False, True):
                keys = [SortKey("billingAccount.name", descending)]
                order = FilterCompiler(node, schema, engine.dialect.name).order_by(keys)
                stmt = select(ProductOrder.id).where(ProductOrder.id.in_(ROWS))
                stmt = stmt.order_by(*order, ProductOrder.id)
                orders.append(list(session.scalars(stmt)))
    finally:
        engine.dispose()
    ascending, descending_ = orders
    assert set(ascending) == set(ROWS) and "PO-A" in (ascending[0], ascending[-1])
    assert descending_.index("PO-A") == len(ROWS) - 1 - ascending.index("PO-A")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("note.text", "cannot sort on 'note.text', which is inside an array"),
        ("externalIdentifier.id", "which is inside an array"),
        ("attachment.name", "which is inside an array"),
        ("colour", "has no attribute 'colour'"),
        ("channel", "cannot sort on 'channel', which is not a plain value"),
    ],
)
def test_sort_keys_that_cannot_be_sorted_on_are_400(
    ticket_parts: tuple[Any, SchemaView], path: str, message: str
) -> None:
    with pytest.raises(TMFError) as raised:
        FilterCompiler(*ticket_parts, "sqlite").order_by([SortKey(path, False)])
    assert raised.value.status == 400 and message in raised.value.message, raised.value.message


# -- summaries: filters on a child attribute answered from the owner's bitmask -----------------
ITEM_ACTIONS: dict[str, list[str | None]] = {
    "SUM-add": ["add"],
    "SUM-add-modify": ["add", "modify", "add"],
    "SUM-delete": ["delete", "noChange"],
    "SUM-none": [],
    "SUM-unset": [None],
    "SUM-other": ["suspend"],  # not in the ItemActionType enum, e.g. written before it existed
}
SUMMARY_CASES = [
    "productOrderItem.action=add",
    "productOrderItem.action=add,delete",
    "productOrderItem.action=noChange",
    "productOrderItem.action.ne=add",
    "productOrderItem.action.ne=add,modify",
]


def _summary_node(compiler_parts: tuple[Any, SchemaView], summaries: bool) -> Any:
    node = compiler_parts[0]
    return node if summaries else dataclasses.replace(node, summaries={})


@pytest.fixture(scope="module")
def summarised_database(module_database_url: str, compiler_parts: tuple[Any, SchemaView]) -> Iterator[str]:
    migrate(module_database_url)
    engine = make_engine(module_database_url)
    node = compiler_parts[0]
    with Session(engine) as session:
        session.execute(text("DELETE FROM product_order WHERE id LIKE 'SUM-%'"))
        for id_, actions in ITEM_ACTIONS.items():
            doc = {"productOrderItem": [{"id": str(n), "action": a} for n, a in enumerate(actions)]}
            order = build(node, doc)
            order.id = id_  # type: ignore[attr-defined]
            session.add(order)
        session.commit()
    engine.dispose()
    yield module_database_url


@pytest.mark.parametrize("case", SUMMARY_CASES)
def test_summary_filters_find_what_probing_the_items_finds(
    summarised_database: str, compiler_parts: tuple[Any, SchemaView], case: str
) -> None:
    parameter, _, value = case.partition("=")
    condition = _condition(parameter, value)
    engine = make_engine(summarised_database)
    try:
        with Session(engine) as session:
            found = {}
            for summaries in (True, False):
                node = _summary_node(compiler_parts, summaries)
                where = FilterCompiler(node, compiler_parts[1], engine.dialect.name).condition(condition)
                ours = ProductOrder.id.like("SUM-%")
                stmt = select(ProductOrder.id).where(where, ours).order_by(ProductOrder.id)
                found[summaries] = list(session.scalars(stmt))
                sql = _sql(stmt, engine.dialect)
                # Five bits: the masks that match are listed (an index led by the column serves them).
                assert ("item_actions IN (" in sql) is summaries, sql
                assert ("product_order_item" in sql) is not summaries, sql
            assert found[True] == found[False]
            assert found[True], "every case matches some order"
    finally:
        engine.dispose()


def test_summary_is_kept_when_items_change(compiler_parts: tuple[Any, SchemaView]) -> None:
    node = compiler_parts[0]
    order: Any = build(node, {"productOrderItem": [{"id": "1", "action": "add"}]})
    assert order.item_actions == 0b0001
    build(node, {"productOrderItem": [{"id": "1", "action": "modify"}, {"id": "2", "action": "x"}]}, order)
    assert order.item_actions == 0b10010  # modify, and the "other" bit after the four listed
    build(node, {}, order)
    assert order.item_actions == 0


def test_summaries_list_every_value_the_documents_allow() -> None:
    """A value the schema allows but the summary does not list would fall back to probing the
    items: list it (appended, so stored masks keep their meaning)."""
    for version in api_versions():
        mapping = load_mapping(version.api, version.version)
        spec = load_spec(version.api, version.version)
        for resource in mapping.resources.values():
            for node in _nodes_under(resource.node):
                for summary in node.summaries.values():
                    schema = SchemaView.named(spec, resource.schema)
                    steps = schema.walk(summary.dotted) if node is resource.node else None
                    if steps is None:
                        continue
                    enum = steps[-1].schema.element.enum or []
                    assert set(enum) <= set(summary.values), (version, summary)


def _nodes_under(node: Any, seen: set[str] | None = None) -> Iterator[Any]:
    seen = seen if seen is not None else set()
    if node.name in seen:
        return
    seen.add(node.name)
    yield node
    for coll in node.collections.values():
        yield from _nodes_under(coll.node, seen)
