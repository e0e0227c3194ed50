"""The official-schema check on v5 responses is real: it runs, and it catches a bad document."""

from __future__ import annotations

import pytest

from tests.api.test_tmf622 import V5, order_v5
from tests.fixtures.app import CheckedClient
from tests.fixtures.official import OfficialResponseValidator


def test_v5_responses_are_checked(api_client: CheckedClient, tmf_reference_dir: object) -> None:
    (validator,) = [v for v in api_client.validators if v.base_path == V5]
    before = validator.checked
    created = api_client.post(f"{V5}/productOrder", json=order_v5("checked")).json()
    api_client.get(f"{V5}/productOrder/{created['id']}")
    api_client.get(f"{V5}/productOrder", params={"id": created["id"]})
    assert validator.checked == before + 3


def test_validator_rejects_a_document_the_official_schema_refuses(tmf_reference_dir: object) -> None:
    validator = OfficialResponseValidator("TMF622", "v5", V5)
    item = {"@type": "ProductOrderItem", "id": "1", "action": "add"}
    good = {"@type": "ProductOrder", "id": "1", "href": "h", "productOrderItem": [item]}
    validator.validate("GET", f"{V5}/productOrder/1", 200, good)
    with pytest.raises(AssertionError, match="@type"):
        validator.validate("GET", f"{V5}/productOrder/1", 200, {"id": "1", "href": "h"})
    with pytest.raises(AssertionError, match="state"):
        validator.validate("GET", f"{V5}/productOrder", 200, [good | {"state": "notAState"}])
