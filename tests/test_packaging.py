"""The wheel carries everything the server needs.

The slow test builds the wheel from a copy of the working tree, installs it (not editable) into a
fresh virtual environment, runs ``tmf serve --demo-data`` from an unrelated directory and reads
every API version the server lists on its docs page. Deselect it with ``-m 'not packaging'``.
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.fixtures.databases import free_port
from tmf_api.app import served_apis
from tmf_api.settings import Settings

REPOSITORY = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_ROOTS = ("tmf_api", "sid_model", "conformance")
# top-level data trees installed inside the package (pyproject.toml: package-dir)
DATA_TREES = {"openapi": "tmf_api/openapi", "mappings": "tmf_api/mappings"}
# what a build of the working tree must not pick up
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache"
)

BUILD_TIMEOUT_S = 600.0
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
DEMO_COLLECTIONS = ("productOrder", "troubleTicket", "customerBill")


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)


def test_every_package_is_listed() -> None:
    """pyproject.toml lists its packages (a mapped data tree rules out discovery): none is forgotten."""
    on_disk = {
        ".".join(init.parent.relative_to(REPOSITORY).parts)
        for root in PACKAGE_ROOTS
        for init in (REPOSITORY / root).rglob("__init__.py")
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    mapped = set(PYPROJECT["tool"]["setuptools"]["package-dir"])
    assert on_disk - listed == set()
    assert listed - on_disk == mapped


def expected_wheel_files() -> set[str]:
    """Every file the server may read, as the wheel must name it."""
    expected = {
        path.relative_to(REPOSITORY).as_posix()
        for root in PACKAGE_ROOTS
        for path in _files(REPOSITORY / root)
        if path.suffix in {".py", ".yaml", ".mako"}
    }
    for tree, installed in DATA_TREES.items():
        expected |= {
            f"{installed}/{p.relative_to(REPOSITORY / tree).as_posix()}" for p in _files(REPOSITORY / tree)
        }
    return expected


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the working tree (a build in place would leave build/ behind)."""
    source = tmp_path_factory.mktemp("source") / "tmf-api"
    shutil.copytree(REPOSITORY, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q"]
    subprocess.run([*command, "--wheel-dir", str(out), str(source)], check=True, timeout=BUILD_TIMEOUT_S)
    (built,) = out.glob("*.whl")
    return built


def _declared_closure(wheel: Path) -> set[str]:
    """The distributions the wheel's metadata requires, transitively, extras followed (markers
    evaluated for this interpreter)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = email.parser.Parser().parsestr(archive.read(name).decode()).get_all("Requires-Dist") or []
    found: set[tuple[str, str]] = set()  # (distribution, extra or "")
    queue: list[tuple[Requirement, str]] = [(Requirement(r), "") for r in requires]
    while queue:
        requirement, extra = queue.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        wanted = {(key, e) for e in ("", *requirement.extras)} - found
        found |= wanted
        for _, wanted_extra in wanted:
            depends = importlib.metadata.distribution(requirement.name).requires or []
            queue += [(Requirement(r), wanted_extra) for r in depends]
    return {key for key, _ in found}


def _link_distributions(names: set[str], site_packages: Path) -> None:
    """Link exactly these distributions of this interpreter's environment into `site_packages`."""
    for name in sorted(names):
        distribution = importlib.metadata.distribution(name)
        base = Path(str(distribution.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in distribution.files or [] if not str(f).startswith("..")}
        for top in sorted(tops - {"__pycache__"}):
            if (base / top).exists() and not (site_packages / top).exists():
                (site_packages / top).symlink_to(base / top)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel (installed, not editable) and exactly the
    distributions its metadata requires. Those are linked from this test environment, where
    `make venv` installed them from the index: resolving and copying them again cost 30 s of the
    suite's budget and showed nothing new, while a dependency the wheel forgets to declare is
    still missing here, as it would be after `pip install`."""
    venv = tmp_path_factory.mktemp("venv")
    # this pip installs into it (--python): seeding the venv with its own pip costs 20 s
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip()
    )  # fmt: skip
    _link_distributions(_declared_closure(wheel), site_packages)
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    options = ["--disable-pip-version-check", "-q", "--no-compile", "--no-deps", "--no-index"]
    subprocess.run([*pip, *options, str(wheel)], check=True, timeout=BUILD_TIMEOUT_S)
    # what pip would have refused to leave behind: a requirement of the wheel not installed
    subprocess.run([*pip[:-1], "check"], check=True, timeout=BUILD_TIMEOUT_S)
    return venv


def _clean_env() -> dict[str, str]:
    # nothing may lead the installed server back to this checkout or to another database
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "TMF_DATABASE_URL"}}


def _wait_until_serving(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"tmf serve exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=5.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"tmf serve did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


@pytest.mark.packaging
def test_the_wheel_holds_every_file_the_server_reads(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = expected_wheel_files() - names
    assert not missing, sorted(missing)


@pytest.mark.packaging
def test_the_installed_wheel_serves_every_api(installed: Path, tmp_path: Path) -> None:
    run = tmp_path / "elsewhere"
    run.mkdir()
    python, tmf = installed / "bin" / "python", installed / "bin" / "tmf"
    # the server must run the installed copy, not this checkout
    probe = [str(python), "-c", "import tmf_api; print(tmf_api.__file__)"]
    found = subprocess.run(probe, cwd=run, env=_clean_env(), capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()).is_relative_to(installed), found.stdout

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = run / "serve.log"
    database = f"sqlite:///{run / 'tmf.db'}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(tmf), "serve", "--demo-data", "--port", str(port), "--database-url", database],
            cwd=run,
            env=_clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, f"{base}/swagger", log)
        with httpx.Client(base_url=base, timeout=60.0) as client:
            docs = client.get("/swagger")
            assert docs.status_code == 200
            assert client.get("/swagger/static/swagger-ui-bundle.js").status_code == 200
            # the documentation site builds from the installed package, its vendored scripts included
            site = client.get("/docs/")
            assert site.status_code == 200 and "mermaid-" in site.text, site.text[:500]
            assert client.get("/docs/apis/TMF622-v5.html").status_code == 200
            match = re.search(r"urls: (\[.*?\]), dom_id", docs.text)
            assert match, docs.text
            documents = json.loads(match.group(1))
            # the server lists what this checkout serves: no API version lost on the way
            listed = sorted((d["name"].split()[0], d["name"].split()[-1]) for d in documents)
            assert listed == sorted(v.key for v in served_apis(Settings()))
            assert listed

            demo_collections_seen = set()
            for document in documents:
                spec = client.get(document["url"])
                assert spec.status_code == 200, document
                base_path = document["url"].removesuffix("/openapi.json")
                collections = [p for p, ops in spec.json()["paths"].items() if "get" in ops and "{" not in p]
                assert collections, document
                for path in collections:
                    page = client.get(f"{base_path}{path}")
                    assert page.status_code in {200, 206}, (path, page.text)
                    assert isinstance(page.json(), list), (path, page.text)
                    if path.strip("/") in DEMO_COLLECTIONS:
                        assert page.json(), f"no demo data at {base_path}{path}"
                        demo_collections_seen.add(path.strip("/"))
            assert demo_collections_seen == set(DEMO_COLLECTIONS)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail(f"tmf serve did not stop on SIGINT:\n{log.read_text()[-4000:]}")
    assert server.returncode == 0, log.read_text()[-4000:]
    assert "Application shutdown complete" in log.read_text()
