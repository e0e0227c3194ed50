"""`tmf serve --demo-data`: loaded once into an empty database, consistent with the APIs."""

from __future__ import annotations

from decimal import Decimal

from tests.api.test_tmf622 import V4, V5
from tests.fixtures.app import make_client
from tmf_api.demo import demo_sections, load_demo_data


def test_demo_data_loads_once_and_reads_through_both_versions(database_url: str) -> None:
    with make_client(database_url) as client:
        loaded = load_demo_data(client.app)
        assert loaded["productOrder"] >= 5 and loaded["cancelProductOrder"] >= 1
        assert load_demo_data(client.app) == {}  # not into a database that holds orders
        v5 = client.get(f"{V5}/productOrder", params={"limit": "1000"})  # validated against the official v5
        assert int(v5.headers["x-total-count"]) == loaded["productOrder"]
        states = {order["state"] for order in v5.json()}
        assert {"acknowledged", "inProgress", "completed", "cancelled"} <= states
        prices = [
            price["price"]["taxIncludedAmount"]
            for order in v5.json()
            for item in order["productOrderItem"]
            for price in item.get("itemPrice", [])
        ]
        assert prices and all(p["unit"] == "CNY" for p in prices)
        v4 = client.get(f"{V4}/productOrder", params={"limit": "1000"}).json()
        assert all(
            {"id", "href", "orderDate", "state", "productOrderItem", "relatedParty"} <= set(o) for o in v4
        )


def test_demo_data_of_every_manifest_links_across_apis(database_url: str) -> None:
    """Sections of several APIs' demo files load in stage order and refer to each other's records."""
    with make_client(database_url) as client:
        loaded = load_demo_data(client.app)
        expected = {
            s.resource: sum(len(x.records) for x in demo_sections() if x.resource == s.resource)
            for s in demo_sections()
            if not s.patch
        }
        assert loaded == expected
        bills = client.get("/tmf-api/customerBillManagement/v5/customerBill").json()
        # Two cycles billed from the inventory: 刘洋's bills (one paid at the counter, one in part),
        # 赵磊's (sent; one disputed); and 张伟's one-time charges billed on demand (new).
        assert sorted(bill["state"] for bill in bills) == ["new", "partiallyPaid", "sent", "sent", "settled"]
        tickets = client.get("/tmf-api/troubleTicket/v5/troubleTicket", params={"ticketType": "计费争议"})
        (dispute,) = tickets.json()
        (entity,) = dispute["relatedEntity"]
        assert entity["entity"]["id"] in {bill["id"] for bill in bills}
        # The disputed bill: a month of the handset instalment (458 CNY) and the 5G line (128 CNY),
        # rated from the products' prices.
        (disputed,) = [bill for bill in bills if bill["id"] == entity["entity"]["id"]]
        assert (disputed["amountDue"]["unit"], Decimal(str(disputed["amountDue"]["value"]))) == (
            "CNY",
            Decimal(586),
        )
        assert disputed["state"] == "sent"
        cancel = client.get(f"{V5}/cancelProductOrder").json()
        assert [c["state"] for c in cancel] == ["done"]
        order = client.get(f"{V5}/productOrder/{cancel[0]['productOrder']['id']}").json()
        assert order["state"] == "cancelled"
        # The 5G lines' allowance buckets (TMF654), from their offerings: 刘洋's and 张伟's active,
        # 赵磊's suspended with his line; the secondary SIM's 0 GB is none.
        lines = {
            p["id"]: p["status"]
            for p in client.get("/tmf-api/productInventory/v4/product", params={"limit": "1000"}).json()
        }
        allowances = client.get(
            "/tmf-api/prepayBalanceManagement/v4/bucket", params={"usageType": "data", "limit": "1000"}
        ).json()
        assert sorted((b["status"], lines[b["product"][0]["id"]]) for b in allowances) == [
            ("active", "active"),
            ("active", "active"),
            ("suspended", "suspended"),
        ]
        assert {b["remainingValue"]["units"] for b in allowances} == {"GB"}
