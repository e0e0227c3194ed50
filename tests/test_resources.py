"""The data trees are found inside the installed package, else at the top of the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tmf_api import resources
from tmf_api.engine.mapping import MAPPINGS_ROOT
from tmf_api.specs import SPEC_ROOT

REPOSITORY = Path(__file__).resolve().parents[1]


def test_a_checkout_reads_its_top_level_folders() -> None:
    assert SPEC_ROOT == REPOSITORY / "openapi"
    assert MAPPINGS_ROOT == REPOSITORY / "mappings"


def test_an_installed_copy_inside_the_package_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "tmf_api"
    (package / "openapi").mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    monkeypatch.setattr(resources, "REPOSITORY_DIR", tmp_path / "checkout")
    assert resources.data_dir("openapi") == package / "openapi"
    assert resources.data_dir("mappings") == tmp_path / "checkout" / "mappings"


@pytest.mark.parametrize("folder", ["openapi", "mappings"])
def test_the_fast_yaml_loader_reads_every_data_file_as_the_safe_loader_does(folder: str) -> None:
    files = sorted((REPOSITORY / folder).rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert resources.load_yaml(text) == yaml.safe_load(text), path
