"""What `tmf conformance` imports at run time is a pinned runtime dependency, not a dev extra."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from conformance.requirements import CORE, FUZZING

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_the_suite_imports_is_a_pinned_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", requirement)
        assert match, f"{requirement!r} is not pinned exactly"
        pinned[match.group(1).lower()] = match.group(3)
    for package in {*CORE.values(), *FUZZING.values()}:
        assert package in pinned, f"{package} is imported by conformance/ but not in [project].dependencies"
