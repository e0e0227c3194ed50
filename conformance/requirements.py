"""The Python packages the suite imports at run time, checked before a run.

They are runtime dependencies of the project (pyproject.toml); one missing means a broken
installation, which is reported as a setup error (exit 2) naming the package, never as a rule the
server under test failed. Standard library only, so that the check itself always runs.
"""

from __future__ import annotations

import importlib

# module -> the distribution that provides it
CORE = {
    "httpx": "httpx",
    "yaml": "pyyaml",
    "jsonschema": "jsonschema",
    "openapi_schema_validator": "openapi-schema-validator",
}
FUZZING = {"schemathesis": "schemathesis", "hypothesis": "hypothesis"}


def missing(modules: dict[str, str]) -> list[str]:
    """One line per module that cannot be imported: the package to install, and why."""
    problems = []
    for module, package in modules.items():
        try:
            importlib.import_module(module)
        except ImportError as error:
            problems.append(f"{package} ({error})")
    return problems


def setup_error(problems: list[str], what: str) -> str:
    return (
        f"error: {what} needs the Python package(s) {', '.join(problems)}; this installation is "
        "incomplete: reinstall the project (`pip install tmf-api` brings them)"
    )
