"""Each API's own business rules, keyed by API number and resource path."""

from __future__ import annotations

from tmf_api.apis import tmf621, tmf622, tmf678
from tmf_api.engine.resource import Rules

RULES: dict[str, dict[str, Rules]] = {
    "TMF621": tmf621.RULES,
    "TMF622": tmf622.RULES,
    "TMF678": tmf678.RULES,
}
