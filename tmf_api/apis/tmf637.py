"""TMF637 Product Inventory's own rules: the status a product may be recorded in."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tmf_api.engine.document import JSON
from tmf_api.engine.resource import ResourceService, Rules
from tmf_api.errors import bad_request


def _prepare_product(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    # A product enters the inventory in one of the lifecycle's initial states (data); v5 does not
    # require `status`, and a product recorded without one is `created`.
    lifecycle = service.lifecycle
    assert lifecycle is not None
    if row.status is None:
        row.status = lifecycle.initial[0]
    elif row.status not in lifecycle.initial:
        state = service.node.column_for("status")
        shown = state.shown if state is not None else str
        raise bad_request(
            f"status {shown(row.status)!r}: a product enters the inventory "
            f"{' or '.join(str(shown(s)) for s in lifecycle.initial)}"
        )


RULES = {"product": Rules(prepare=_prepare_product)}
