"""TM Forum's own v4 Conformance Test Kits, run with newman against a real server process.

Each kit runs against a server started on a clean database, as the kits require (their list
assertions loop over every stored resource). A single failed assertion fails the test, and the
test fails, not skips, when the kit or newman is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.ctk import official_ctk, run_newman_collection
from tests.fixtures.server import running_server

pytestmark = pytest.mark.ctk


def test_tmf622_v4_ctk(tmf_reference_dir: Path, database_url: str, tmp_path: Path) -> None:
    collection, variable = official_ctk("TMF622", tmf_reference_dir)
    with running_server(database_url) as base:
        result = run_newman_collection(
            collection, {variable: f"{base}/tmf-api/productOrderingManagement/v4/"}, workdir=tmp_path
        )
    assert result.assertions_total > 0, result.report()
    assert result.ok, result.report()
