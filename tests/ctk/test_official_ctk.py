"""TM Forum's own v4 Conformance Test Kits, run with newman against a real server process.

Each kit runs against a server started on a clean database, as the kits require (their list
assertions loop over every stored resource). A single failed assertion fails the test, and the
test fails, not skips, when the kit or newman is missing.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fixtures.ctk import official_ctk, run_newman_collection
from tests.fixtures.server import running_server
from tmf_api.registry import ApiVersion, api_versions

pytestmark = pytest.mark.ctk


KITS = [pytest.param(v, id=f"{v.api}-{v.version}") for v in api_versions() if v.kit is not None]


@pytest.mark.parametrize("served", KITS)
def test_official_ctk(tmf_reference_dir: Path, database_url: str, tmp_path: Path, served: ApiVersion) -> None:
    """Every kit a manifest names, on a clean database (or the demo data, where the manifest says)."""
    assert served.kit is not None
    collection, variable = official_ctk(served.api, tmf_reference_dir)
    with running_server(database_url, demo_data=served.kit.demo_data) as base:
        result = run_newman_collection(collection, {variable: f"{base}{served.base_path}/"}, workdir=tmp_path)
    assert result.assertions_total > 0, result.report()
    assert result.ok, result.report()


def _produce_bills_through_the_apis(base: str) -> None:
    """Orders completed over HTTP apply their one-time prices; a bill run over HTTP gathers them
    (recurring prices are the products', billed per cycle)."""
    orders = f"{base}/tmf-api/productOrderingManagement/v4/productOrder"
    price = {
        "name": "开户费",
        "priceType": "oneTime",
        "price": {"taxRate": 6, "taxIncludedAmount": {"unit": "CNY", "value": 169.0}},
    }
    accounts = f"{base}/tmf-api/accountManagement/v4/billingAccount"
    with httpx.Client(timeout=30) as client:
        for name in ("BA-CTK-1", "BA-CTK-2"):
            # Orders bill accounts this server holds (TMF666).
            party = {"id": "CUST-CTK", "name": "CTK", "@referredType": "Individual"}
            held = client.post(accounts, json={"name": name, "relatedParty": [party]})
            assert held.status_code == 201, held.text
            account = held.json()["id"]
            order = client.post(
                orders,
                json={
                    "billingAccount": {"id": account},
                    "productOrderItem": [
                        {
                            "id": "1",
                            "action": "add",
                            "itemPrice": [price],
                            "product": {"id": f"PRD-{account}"},
                        }
                    ],
                    "relatedParty": [{"id": "CUST-CTK", "@referredType": "Individual"}],
                },
            ).json()
            for state in ("inProgress", "completed"):
                response = client.patch(f"{orders}/{order['id']}", json={"state": state})
                assert response.status_code == 200, response.text
            run = client.post(
                f"{base}/tmf-api/customerBillManagement/v4/customerBillOnDemand",
                json={"billingAccount": {"id": account}},
            ).json()
            assert run["state"] == "done", run


def test_tmf678_v4_ctk_on_bills_from_orders(
    tmf_reference_dir: Path, database_url: str, tmp_path: Path
) -> None:
    """The bill kit also passes on bills that orders completed over HTTP produced (no demo data)."""
    collection, variable = official_ctk("TMF678", tmf_reference_dir)
    with running_server(database_url) as base:
        _produce_bills_through_the_apis(base)
        result = run_newman_collection(
            collection, {variable: f"{base}/tmf-api/customerBillManagement/v4/"}, workdir=tmp_path
        )
    assert result.assertions_total > 0, result.report()
    assert result.ok, result.report()
