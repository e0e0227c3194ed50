"""Each API's own business rules, keyed by API number and resource path."""

from __future__ import annotations

from tmf_api.apis import tmf622
from tmf_api.engine.resource import Rules

RULES: dict[str, dict[str, Rules]] = {
    "TMF622": tmf622.RULES,
}
