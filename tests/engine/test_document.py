"""Rows ⇄ documents through the TMF622 mappings: lossless, both versions on one row."""

from __future__ import annotations

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
    for doc, where in [
        ({"orderDate": "tomorrow"}, "orderDate"),
        ({"productOrderItem": [{"quantity": "two"}]}, "productOrderItem[0].quantity"),
        ({"productOrderItem": {"id": "1"}}, "productOrderItem"),
    ]:
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
