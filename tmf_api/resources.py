"""Where the server's data trees (openapi/, mappings/) are, installed or in a checkout.

They live at the top of the repository, beside the packages, because they are edited as data. A
wheel installs them inside the package (``tmf_api/openapi``, ``tmf_api/mappings``: see
``package-dir`` in pyproject.toml), since nothing outside a package is installed beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
REPOSITORY_DIR = PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    """The folder ``name``: the installed copy inside the package when there is one (a wheel),
    else the repository's top-level folder (a checkout, an editable install)."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else REPOSITORY_DIR / name


# libyaml's parser when PyYAML was built with it: the pure-Python one spent 13 of the server's
# 29 s of start-up (profiled on the loaded 2-core machine) parsing the OpenAPI documents.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream: str | IO[str]) -> Any:
    """``yaml.safe_load``, with the C parser when there is one (same results, several times faster)."""
    return yaml.load(stream, Loader=_LOADER)
