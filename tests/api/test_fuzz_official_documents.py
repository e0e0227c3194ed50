"""schemathesis from the official TM Forum documents, every API version.

Zero 5xx, and every answer allowed by OUR document: requests shaped by the official one, answers
judged by what we promise. Fails when TMF_REFERENCE_DIR is set but missing; skips without it.
"""

from __future__ import annotations

import pytest

from tests.api.fuzz_support import VERSIONS, fuzz_server, verdict
from tests.api.fuzzing import run
from tests.fixtures.reference import UNAVAILABLE, reference_dir
from tmf_api.registry import ApiVersion

__all__ = ["fuzz_server"]


# One database per document, to keep the suite's time as APIs are added: the official documents
# (the requests partners' tools send) against PostgreSQL, whose types and regular expressions are
# the stricter; our own against SQLite (tests/api/test_fuzz_own_documents.py). What differs between
# the stores (NUL bytes, integer ranges, regex dialects) is tested on both in tests/adapter.
@pytest.fixture(
    scope="module", params=[pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]
)
def module_db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.mark.parametrize("version", VERSIONS)
def test_fuzz_from_the_official_document(version: ApiVersion, fuzz_server: str) -> None:
    reference = reference_dir()  # raises, failing the test, when TMF_REFERENCE_DIR is set but missing
    if reference is None:
        pytest.skip(UNAVAILABLE)
    assert version.official, f"{version.api} {version.version}: the manifest names no official document"
    verdict(run(version, "official", fuzz_server, reference=reference))
