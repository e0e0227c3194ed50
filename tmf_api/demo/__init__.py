"""Demo data for `tmf serve --demo-data`: a business hall's (营业厅) and the 10000 hotline's day.

Every record is written through the same engine and rules as API calls, in the v5 shape, and
moved along its lifecycle by the same PATCH logic: completing an order applies its prices as
billing rates, a bill run gathers them into a bill, a billing dispute points at a real bill. So
the demo data is what the server would have produced itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService

DATA = Path(__file__).resolve().parent / "demo.yaml"


class _Loader:
    def __init__(self, runtimes: list[ApiRuntime], session: Session, ctx: RequestContext) -> None:
        self.v5 = {r.mapping.api: r for r in runtimes if r.mapping.version == "v5"}
        self.session = session
        self.ctx = ctx
        self.loaded: dict[str, int] = {}

    def service(self, api: str, resource: str) -> ResourceService:
        return self.v5[api].services[resource]

    def create(self, api: str, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        states = record.pop("x-demo-states", [])
        service = self.service(api, resource)
        created = service.create(self.session, record, self.ctx)
        for state in states:
            patch = {service.resource.state_attribute or "state": state}
            created = service.patch(self.session, created["id"], MERGE_PATCH, patch, self.ctx)
        self.loaded[resource] = self.loaded.get(resource, 0) + 1
        return created


def load_demo_data(app: Any, base_url: str = "http://127.0.0.1:8080") -> dict[str, int]:
    """Load the demo records when the database holds no product order yet; return counts loaded."""
    sessions: sessionmaker[Session] = app.sessions
    with DATA.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    with sessions.begin() as session:
        loader = _Loader(app.runtimes, session, RequestContext(base_url))
        orders = loader.service("TMF622", "productOrder")
        if session.scalar(select(func.count()).select_from(orders.entity)):
            return {}
        for record in data["billCycles"]:
            loader.create("TMF678", "billCycle", record)
        for record in data["productOrders"]:
            cancel = record.pop("x-demo-cancel", None)
            order = loader.create("TMF622", "productOrder", record)
            if cancel is not None:
                ref = {"id": order["id"], "@type": "ProductOrderRef"}
                loader.create(
                    "TMF622",
                    "cancelProductOrder",
                    {"@type": "CancelProductOrder", "productOrder": ref} | cancel,
                )
        bills: dict[str, dict[str, Any]] = {}
        for run in data["billRuns"]:
            account = run["billingAccount"]
            request = {
                "@type": "CustomerBillOnDemand",
                "name": f"{account} 即时出账",
                "billingAccount": {"id": account, "@type": "BillingAccountRef"},
            }
            done = loader.create("TMF678", "customerBillOnDemand", request)
            bill = done["customerBill"]
            for state in run.get("x-demo-states", []):
                patch = {"state": state}
                loader.service("TMF678", "customerBill").patch(
                    session, bill["id"], MERGE_PATCH, patch, loader.ctx
                )
            bills[account] = bill
        for record in data["troubleTickets"]:
            account = record.pop("x-demo-dispute-bill-of", None)
            if account is not None:
                bill = bills[account]
                entity = {
                    "id": bill["id"],
                    "href": bill["href"],
                    "@referredType": "CustomerBill",
                    "@type": "EntityRef",
                }
                record["relatedEntity"] = [
                    {"role": "disputedBill", "entity": entity, "@type": "RelatedEntity"}
                ]
            loader.create("TMF621", "troubleTicket", record)
        return loader.loaded
