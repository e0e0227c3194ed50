"""The official-schema check on v5 responses is real: it runs, and it catches a bad document."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.api.test_tmf622 import V5, order_v5
from tests.fixtures.app import CheckedClient
from tests.fixtures.official import OfficialResponseValidator
from tests.fixtures.reference import REPO_ROOT


def test_v5_responses_are_checked(api_client: CheckedClient, tmf_reference_dir: object) -> None:
    (validator,) = [v for v in api_client.validators if v.base_path == V5]
    before = validator.checked
    created = api_client.post(f"{V5}/productOrder", json=order_v5("checked")).json()
    api_client.get(f"{V5}/productOrder/{created['id']}")
    api_client.get(f"{V5}/productOrder", params={"id": created["id"]})
    assert validator.checked == before + 3


def test_validator_rejects_a_document_the_official_schema_refuses(tmf_reference_dir: object) -> None:
    validator = OfficialResponseValidator("TMF622", "v5", V5)
    item = {"@type": "ProductOrderItem", "id": "1", "action": "add"}
    good = {"@type": "ProductOrder", "id": "1", "href": "h", "productOrderItem": [item]}
    validator.validate("GET", f"{V5}/productOrder/1", 200, good)
    with pytest.raises(AssertionError, match="@type"):
        validator.validate("GET", f"{V5}/productOrder/1", 200, {"id": "1", "href": "h"})
    with pytest.raises(AssertionError, match="state"):
        validator.validate("GET", f"{V5}/productOrder", 200, [good | {"state": "notAState"}])


# Three checks against the official documents, one of each kind: in passing by the API client,
# in passing by an event assertion, and a test about the documents (the fixture).
_SESSION = '''
from tests.api.test_tmf622 import V5
from tests.fixtures.app import make_client
from tests.fixtures.listener import assert_official_event


def test_client_check(tmp_path):
    # one API version served: building all of them would cost this subprocess seconds for nothing
    with make_client(f"sqlite:///{tmp_path / 'db.sqlite'}", apis=(("TMF622", "v5"),)) as client:
        assert client.get(f"{V5}/productOrder").status_code == 200


def test_event_check():
    assert_official_event("TMF622", "v5", {"eventType": "ProductOrderCreateEvent"})


def test_about_the_documents(tmf_reference_dir):
    assert tmf_reference_dir.is_dir()
'''

_CONFTEST = '''
import os
from pathlib import Path

import tests.fixtures.reference

pytest_plugins = ["tests.conftest"]

if os.environ.get("NO_SIBLING_REFERENCE"):  # as in a checkout with no ../shared next to it
    tests.fixtures.reference.REPO_ROOT = Path("/nonexistent/checkout")
'''


def _session(tmp_path: Path, **env: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """Runs the three checks in a pytest subprocess: its exit code, and per test (outcome, message)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    (tmp_path / "test_checks.py").write_text(_SESSION, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    environment = {k: v for k, v in os.environ.items() if k != "TMF_REFERENCE_DIR"} | env
    environment["PYTHONPATH"] = str(REPO_ROOT)
    # hypothesis' and schemathesis' plugins, which these checks do not use, cost 2.5 s to import
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), f"--junitxml={junit}", str(tmp_path / "test_checks.py")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert junit.is_file(), done.stdout + done.stderr
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        found = [(child.tag, child.get("message", "")) for child in case if child.tag in OUTCOMES]
        outcomes[case.get("name", "")] = found[0] if found else ("passed", "")
    return done.returncode, outcomes


OUTCOMES = ("failure", "error", "skipped")


def test_a_set_but_missing_reference_folder_fails_every_official_check(tmp_path: Path) -> None:
    code, outcomes = _session(tmp_path, TMF_REFERENCE_DIR="/nonexistent")
    assert code == 1
    assert set(outcomes) == {"test_client_check", "test_event_check", "test_about_the_documents"}
    for name, (outcome, message) in outcomes.items():
        assert outcome in ("failure", "error"), (name, outcome, message)
        assert "TMF_REFERENCE_DIR=/nonexistent is set but is not a directory" in message, (name, message)


def test_without_any_reference_folder_every_official_check_skips_with_the_reason(tmp_path: Path) -> None:
    code, outcomes = _session(tmp_path, NO_SIBLING_REFERENCE="1")
    assert code == 0
    assert set(outcomes) == {"test_client_check", "test_event_check", "test_about_the_documents"}
    for name, (outcome, message) in outcomes.items():
        assert outcome == "skipped", (name, outcome, message)
        assert "official TM Forum documents not available (set TMF_REFERENCE_DIR)" in message, (name, message)
