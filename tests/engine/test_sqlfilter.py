"""Filters on attributes kept in the extension JSON: the same rows on SQLite and PostgreSQL, and on
PostgreSQL equalities as JSONB containment, served by the GIN index on `extension`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Dialect, Select, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sid_model import ProductOrder, ProductOrderItem
from sid_model.db import make_engine, upgrade
from tmf_api.engine.query import Condition, Op
from tmf_api.engine.schema import SchemaView
from tmf_api.engine.sqlfilter import FilterCompiler
from tmf_api.registry import load_mapping
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
    upgrade(module_database_url)
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
    assert "product_order.extension @> CAST('{\"agreement\": [{\"id\": \"AG-2\"}]}' AS JSONB)" in sql
    assert "@> CAST('{\"agreement\": [{\"id\": \"AG-3\"}]}' AS JSONB)" in sql
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
    upgrade(url)
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
