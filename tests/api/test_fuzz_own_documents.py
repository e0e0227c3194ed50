"""schemathesis from our own documents (openapi/), every API version.

Zero 5xx, and every answer allowed by our document (status code, content type, headers, body).
"""

from __future__ import annotations

import pytest

from tests.api.fuzz_support import VERSIONS, fuzz_server, verdict
from tests.api.fuzzing import run
from tmf_api.registry import ApiVersion

__all__ = ["fuzz_server"]


# One database per document, to keep the suite's time as APIs are added: ours against SQLite, the
# official ones against PostgreSQL (tests/api/test_fuzz_official_documents.py). What differs between
# the stores (NUL bytes, integer ranges, regex dialects) is tested on both in tests/adapter.
@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def module_db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.mark.parametrize("version", VERSIONS)
def test_fuzz_from_our_document(version: ApiVersion, fuzz_server: str) -> None:
    verdict(run(version, "own", fuzz_server))
