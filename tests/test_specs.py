"""tmf_api.specs: the bundled documents, kept between processes in the cache folder."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmf_api import specs

DOCUMENT = "TMF621/v4.yaml"


@pytest.fixture
def own_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of openapi/ to change, and an empty cache folder; nothing cached in this process."""
    tree = tmp_path / "openapi"
    shutil.copytree(specs.SPEC_ROOT, tree)
    monkeypatch.setattr(specs, "SPEC_ROOT", tree)
    monkeypatch.setenv("TMF_CACHE_DIR", str(tmp_path / "cache"))
    yield tree
    for cached in (specs.load_document, specs._inputs_digest, specs._read_yaml):
        cached.cache_clear()


def _reload(relative: str = DOCUMENT) -> dict[str, object]:
    """As a new process would load it: from the cache folder when it holds the bundle."""
    for cached in (specs.load_document, specs._inputs_digest, specs._read_yaml):
        cached.cache_clear()
    return specs.load_document(relative)


def test_a_bundle_is_kept_and_read_back_unchanged(own_tree: Path, tmp_path: Path) -> None:
    built = _reload()
    (kept,) = (tmp_path / "cache").glob("*.pickle")
    assert _reload() == built
    # what the next process gets is that file's content, not a new bundle
    marked = {**built, "info": {"title": "from the cache"}}
    kept.write_bytes(pickle.dumps(marked))
    assert _reload()["info"] == {"title": "from the cache"}


def test_a_changed_document_is_bundled_again(own_tree: Path, tmp_path: Path) -> None:
    before = _reload()
    source = own_tree / DOCUMENT
    source.write_text(
        source.read_text(encoding="utf-8").replace("title:", "title: Changed", 1), encoding="utf-8"
    )
    after = _reload()
    assert after["info"]["title"] != before["info"]["title"]  # type: ignore[index]
    assert str(after["info"]["title"]).startswith("Changed")  # type: ignore[index]
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2  # the stale one is never read


def test_a_damaged_cache_file_is_rebuilt(own_tree: Path, tmp_path: Path) -> None:
    built = _reload()
    (kept,) = (tmp_path / "cache").glob("*.pickle")
    kept.write_bytes(b"\x80\x05not a pickle")
    assert _reload() == built


def test_an_empty_cache_setting_keeps_nothing(
    own_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMF_CACHE_DIR", "")
    assert _reload()["paths"]
    assert not (tmp_path / "cache").exists()
