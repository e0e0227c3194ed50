"""The mapping loader: `unindexed` declarations name mapped columns and give a reason."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tmf_api.engine.mapping import MAPPINGS_ROOT, load_mapping, parse_mapping


def _raw(api: str, version: str) -> dict[str, Any]:
    with (MAPPINGS_ROOT / f"{api}_{version}.yaml").open(encoding="utf-8") as fh:
        raw: dict[str, Any] = yaml.safe_load(fh)
    return raw


def test_unindexed_declarations_are_loaded() -> None:
    order = load_mapping("TMF622", "v5").resources["productOrder"]
    assert order.unindexed["description"] == "free text, filtered by regex only"
    assert "productOrderItem.id" in order.unindexed  # through a child collection
    assert "unindexed" not in order.options


def test_place_walks_child_collections() -> None:
    node = load_mapping("TMF622", "v5").nodes["ProductOrder"]
    placed = node.place("relatedParty.partyOrPartyRole.id")
    assert placed is not None and (placed[0].name, placed[1].column) == ("RelatedParty", "party_id")
    v4 = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    scalar = v4.place("externalId")  # a v4 string held as one child row
    assert scalar is not None and scalar[1].column == "identifier"
    assert node.place("requestedInitialState") is None  # kept in the extension JSON
    assert node.place("productOrderItem.product.id") is None


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"billingPeriod": "not a column"}, "maps no column for 'billingPeriod'"),
        ({"relatedParty.nickname": "not a column"}, "maps no column for 'relatedParty.nickname'"),
        ({"category": ""}, "'category' needs a reason"),
        ({"category": None}, "'category' needs a reason"),
    ],
)
def test_unindexed_declarations_are_checked(declaration: dict[str, Any], message: str) -> None:
    raw = _raw("TMF678", "v4")
    raw["resources"]["customerBill"]["unindexed"] = declaration
    with pytest.raises(ValueError, match=message):
        parse_mapping(raw)
