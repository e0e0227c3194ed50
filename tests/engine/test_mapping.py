"""The mapping loader (tmf_api/engine/mapping.py): values between JSON and columns, and
`unindexed` declarations that name mapped columns and give a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tmf_api.engine.mapping import format_datetime, parse_datetime, parse_mapping
from tmf_api.registry import assembled, lifecycles, load_mapping

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (dt.datetime(2026, 11, 1, 8, 0, 0, 123456, tzinfo=dt.UTC), "2026-11-01T08:00:00.123Z"),
        # Years below 1000 keep four digits, or the value is no RFC 3339 date-time.
        (dt.datetime(404, 8, 23, 1, 2, 3, tzinfo=dt.UTC), "0404-08-23T01:02:03.000Z"),
        (dt.datetime(1, 1, 1, tzinfo=dt.UTC), "0001-01-01T00:00:00.000Z"),
        (dt.datetime(2026, 11, 1, 16, 0, tzinfo=BEIJING), "2026-11-01T08:00:00.000Z"),
    ],
)
def test_format_datetime_is_rfc3339_utc_with_milliseconds(instant: dt.datetime, text: str) -> None:
    assert format_datetime(instant) == text
    assert parse_datetime(text, "x") == instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def _raw(api: str, version: str) -> dict[str, Any]:
    return assembled(api, version)


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
        parse_mapping(raw, lifecycles("TMF678"))
