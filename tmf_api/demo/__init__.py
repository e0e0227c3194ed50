"""Demo data for `tmf serve --demo-data`: orders as a business hall (营业厅) would place them.

The records are written through the same engine and rules as API calls, in the v5 shape, and
moved along their lifecycles by the same PATCH logic, so they are consistent with what the
server would have produced itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.resource import ApiRuntime, RequestContext

DATA = Path(__file__).resolve().parent / "product_orders.yaml"


def load_demo_data(app: Any, base_url: str = "http://127.0.0.1:8080") -> dict[str, int]:
    """Load the demo records when the database holds no product order yet; return counts loaded."""
    runtimes: list[ApiRuntime] = app.runtimes
    sessions: sessionmaker[Session] = app.sessions
    runtime = next(r for r in runtimes if r.mapping.api == "TMF622" and r.mapping.version == "v5")
    orders = runtime.services["productOrder"]
    cancels = runtime.services["cancelProductOrder"]
    ctx = RequestContext(base_url)
    with DATA.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    with sessions.begin() as session:
        if session.scalar(select(func.count()).select_from(orders.entity)):
            return {}
        loaded = {"productOrder": 0, "cancelProductOrder": 0}
        for record in data["productOrders"]:
            path = record.pop("x-demo-states", [])
            cancel = record.pop("x-demo-cancel", None)
            created = orders.create(session, record, ctx)
            for state in path:
                orders.patch(session, created["id"], MERGE_PATCH, {"state": state}, ctx)
            loaded["productOrder"] += 1
            if cancel is not None:
                request = {
                    "@type": "CancelProductOrder",
                    "productOrder": {"id": created["id"], "@type": "ProductOrderRef"},
                }
                request.update(cancel)
                cancels.create(session, request, ctx)
                loaded["cancelProductOrder"] += 1
    return loaded
