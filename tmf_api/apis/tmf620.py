"""TMF620 Product Catalog's own rules: the catalog lifecycle's initial state, import and export jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tmf_api.engine.document import JSON
from tmf_api.engine.resource import ResourceService, Rules
from tmf_api.errors import bad_request


def _initial_lifecycle_status(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    """A new offering, specification or price starts `In study` unless the client names another
    initial state of the catalog lifecycle (a catalog loaded from another system)."""
    lifecycle = service.lifecycle
    assert lifecycle is not None
    if row.lifecycle_status is None:
        row.lifecycle_status = lifecycle.groups["default"][0]
    elif row.lifecycle_status not in lifecycle.initial:
        raise bad_request(
            f"lifecycleStatus of a new {service.schema.name} must be one of "
            f"{', '.join(lifecycle.initial)}, got {row.lifecycle_status!r}",
            reason="Illegal initial state",
        )


_CATALOG_ENTITY = Rules(prepare=_initial_lifecycle_status)

RULES = {
    "productSpecification": _CATALOG_ENTITY,
    "productOffering": _CATALOG_ENTITY,
    "productOfferingPrice": _CATALOG_ENTITY,
}
