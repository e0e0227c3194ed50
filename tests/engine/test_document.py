"""Rows ⇄ documents through the TMF622 mappings: lossless, both versions on one row."""

from __future__ import annotations

from typing import Any

import pytest

from tmf_api.engine.document import build, render
from tmf_api.registry import load_mapping


def test_round_trip_keeps_unmapped_attributes_and_nesting() -> None:
    node = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    doc = {
        "id": "o1",
        "state": "acknowledged",
        "orderDate": "2026-11-01T08:00:00.123Z",
        "billingAccount": {"id": "BA-1", "name": "张伟的账户"},
        "externalId": "EXT-1",
        "channel": [{"id": "BH-1", "name": "福田营业厅"}],
        "relatedParty": [{"id": "C1", "role": "customer", "@referredType": "Individual", "x": 1}],
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": "PO", "href": "h"},
                "productOrderItem": [{"id": "1.1", "action": "add"}],
            }
        ],
    }
    row = build(node, doc)
    assert row.billing_account_id == "BA-1"  # type: ignore[attr-defined]
    assert row.items[0].children[0].item_id == "1.1"  # type: ignore[attr-defined]
    assert render(node, row) == doc


def test_one_row_renders_in_both_versions() -> None:
    v4 = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    v5 = load_mapping("TMF622", "v5").nodes["ProductOrder"]
    row = build(
        v4,
        {
            "id": "o1",
            "orderDate": "2026-11-01T08:00:00.000Z",
            "externalId": "E",
            "relatedParty": [{"id": "C1", "name": "张伟", "role": "customer"}],
        },
    )
    out = render(v5, row)
    assert out["creationDate"] == "2026-11-01T08:00:00.000Z"
    assert out["externalId"] == [{"id": "E"}]
    assert out["relatedParty"] == [{"role": "customer", "partyOrPartyRole": {"id": "C1", "name": "张伟"}}]


def test_bad_values_name_the_attribute() -> None:
    node = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"orderDate": "tomorrow"}, "orderDate"),
        ({"productOrderItem": [{"quantity": "two"}]}, "productOrderItem[0].quantity"),
        ({"productOrderItem": {"id": "1"}}, "productOrderItem"),
    ]
    for doc, where in cases:
        try:
            build(node, doc)
        except ValueError as exc:
            assert where in str(exc)
        else:
            raise AssertionError(f"{doc} was accepted")


def test_a_shared_column_takes_the_value_of_the_paths_given() -> None:
    node = load_mapping("TMF678", "v4").nodes["CustomerBill"]
    row = build(node, {"amountDue": {"unit": "CNY", "value": 10}})
    assert row.currency == "CNY"  # type: ignore[attr-defined]
    assert render(node, row)["taxIncludedAmount"] == {"unit": "CNY"}
    build(node, {"amountDue": {"value": 10}, "taxIncludedAmount": {"unit": "EUR"}}, row)
    assert row.currency == "EUR"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"amountDue\.unit and remainingAmount\.unit must be equal"):
        build(node, {"amountDue": {"unit": "CNY"}, "remainingAmount": {"unit": "EUR"}}, row)


def test_the_other_versions_scalar_keeps_the_further_children() -> None:
    v4 = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    v5 = load_mapping("TMF622", "v5").nodes["ProductOrder"]
    ids = [{"id": "A", "owner": "营业厅"}, {"id": "B", "owner": "掌上营业厅"}]
    row = build(v5, {"externalId": ids})
    build(v4, render(v4, row) | {"category": "x"}, row)
    assert render(v5, row)["externalId"] == ids
    build(v4, render(v4, row) | {"externalId": "C"}, row)
    assert render(v5, row)["externalId"] == [{"id": "C"}, ids[1]]


def _doc_at(path: tuple[str, ...], value: object) -> dict[str, object]:
    doc: dict[str, object] = {path[-1]: value}
    for name in reversed(path[:-1]):
        doc = {name: doc}
    return doc


def test_every_mapped_column_refuses_what_its_sql_type_cannot_hold() -> None:
    """PostgreSQL refuses text longer than a VARCHAR(n) and integers beyond the column's width,
    SQLite stores them: `build` refuses them on both alike. The limits come from the model's
    column types through the mappings of every API version in the registry."""
    import pytest
    from sqlalchemy import Integer, Numeric, String
    from sqlalchemy import inspect as sa_inspect

    from tmf_api.registry import api_versions

    checked = 0
    for served in api_versions():
        for node in load_mapping(served.api, served.version).nodes.values():
            columns = sa_inspect(node.entity).columns
            for col in node.columns:
                sql_type = columns[col.column].type
                where = f"{served.api} {served.version} {node.name}.{col.dotted}"
                if isinstance(sql_type, String) and sql_type.length and col.python_type is str:
                    assert col.max_length == sql_type.length, where
                    build(node, _doc_at(col.path, "字" * sql_type.length))
                    with pytest.raises(ValueError, match="longer than"):
                        build(node, _doc_at(col.path, "字" * (sql_type.length + 1)))
                    checked += 1
                if isinstance(sql_type, Integer) and col.python_type is int:
                    assert col.integers is not None, where
                    build(node, _doc_at(col.path, col.integers.stop - 1))
                    with pytest.raises(ValueError, match="out of range"):
                        build(node, _doc_at(col.path, col.integers.stop))
                    checked += 1
                if isinstance(sql_type, Numeric) and sql_type.precision and col.magnitude is not None:
                    digits = sql_type.precision - (sql_type.scale or 0)
                    build(node, _doc_at(col.path, "9" * digits))
                    with pytest.raises(ValueError, match="out of range"):
                        build(node, _doc_at(col.path, "1" + "0" * digits))
                    checked += 1
    assert checked > 50


def test_attributes_kept_as_json_render_in_one_order_whatever_the_store_returns() -> None:
    # PostgreSQL's JSONB gives members back shorter keys first, then bytewise; SQLite and a row
    # not yet read back keep the client's order. Rendered forms and ETags need one order.
    node = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    sent = {"id": "o1", "zeta": 1, "alpha": {"yy": 1, "b": [{"long": 1, "x": 2}]}, "名": "张"}
    row = build(node, sent)
    row.extension = dict(reversed(list(row.extension.items())))  # type: ignore[attr-defined]
    rendered = render(node, row)
    assert rendered == sent
    assert list(rendered) == ["id", "名", "zeta", "alpha"]  # "名" is 3 bytes in UTF-8
    assert list(rendered["alpha"]) == ["b", "yy"] and list(rendered["alpha"]["b"][0]) == ["x", "long"]
