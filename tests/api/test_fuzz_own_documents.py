"""schemathesis from our own documents (openapi/), every API version, on SQLite and PostgreSQL.

Zero 5xx, and every answer allowed by our document (status code, content type, headers, body).
"""

from __future__ import annotations

import pytest

from tests.api.fuzz_support import VERSIONS, fuzz_server, verdict
from tests.api.fuzzing import run
from tmf_api.registry import ApiVersion

__all__ = ["fuzz_server"]


@pytest.mark.parametrize("version", VERSIONS)
def test_fuzz_from_our_document(version: ApiVersion, fuzz_server: str) -> None:
    verdict(run(version, "own", fuzz_server))
