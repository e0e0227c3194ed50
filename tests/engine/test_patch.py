from __future__ import annotations

from typing import Any

import pytest

from tmf_api.engine.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    json_patch,
    json_patch_query,
    merge_patch,
    top_level_names,
)
from tmf_api.errors import TMFError

ORDER: dict[str, Any] = {
    "id": "1",
    "state": "acknowledged",
    "note": [{"text": "a"}],
    "productOrderItem": [
        {"id": "100", "action": "add", "billingAccount": {"id": "A"}},
        {"id": "120", "action": "modify", "billingAccount": {"id": "B"}},
    ],
}


def test_merge_patch_rfc7386() -> None:
    patched = merge_patch(ORDER, {"state": "inProgress", "note": None, "x": {"y": 1}})
    assert patched["state"] == "inProgress" and "note" not in patched and patched["x"] == {"y": 1}
    assert ORDER["state"] == "acknowledged" and "note" in ORDER  # input untouched


def test_json_patch_rfc6902_operations() -> None:
    ops = [
        {"op": "add", "path": "/note/-", "value": {"text": "b"}},
        {"op": "replace", "path": "/productOrderItem/1/action", "value": "delete"},
        {"op": "remove", "path": "/productOrderItem/0"},
        {"op": "copy", "from": "/state", "path": "/category"},
        {"op": "move", "from": "/category", "path": "/description"},
        {"op": "test", "path": "/description", "value": "acknowledged"},
    ]
    patched = json_patch(ORDER, ops)
    assert [n["text"] for n in patched["note"]] == ["a", "b"]
    assert patched["productOrderItem"] == [{"id": "120", "action": "delete", "billingAccount": {"id": "B"}}]
    assert patched["description"] == "acknowledged" and "category" not in patched


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/nothing", "value": 1}],
        [{"op": "remove", "path": "/productOrderItem/7"}],
        [{"op": "test", "path": "/state", "value": "held"}],
        [{"op": "frobnicate", "path": "/state"}],
        [{"op": "add", "path": "state", "value": 1}],
        {"op": "add"},
    ],
)
def test_json_patch_errors_are_400(ops: Any) -> None:
    with pytest.raises(TMFError) as err:
        json_patch(ORDER, ops)
    assert err.value.status == 400


def test_json_patch_query_selects_by_attribute() -> None:
    ops = [
        {
            "op": "replace",
            "path": "/productOrderItem/billingAccount/id?productOrderItem.id=120",
            "value": "1889",
        }
    ]
    patched = json_patch_query(ORDER, ops)
    assert [i["billingAccount"]["id"] for i in patched["productOrderItem"]] == ["A", "1889"]
    removed = json_patch_query(
        ORDER, [{"op": "remove", "path": "/productOrderItem?productOrderItem.action=add"}]
    )
    assert [i["id"] for i in removed["productOrderItem"]] == ["120"]
    with pytest.raises(TMFError):
        json_patch_query(ORDER, [{"op": "remove", "path": "/productOrderItem?productOrderItem.id=999"}])


def test_top_level_names() -> None:
    assert top_level_names(MERGE_PATCH, {"id": 1, "state": 2}) == {"id", "state"}
    ops = [
        {"op": "move", "from": "/orderDate", "path": "/note/0/text"},
        {"op": "add", "path": "/item?x=1", "value": 1},
    ]
    assert top_level_names(JSON_PATCH, ops) == {"orderDate", "note", "item"}
