"""Loading of the project's OpenAPI documents.

The documents under ``openapi/<api>/<version>.yaml`` reference shared components kept once per
API generation in ``openapi/common/<version>.yaml`` (``$ref: '../common/v5.yaml#/components/
schemas/Note'``). :func:`load_spec` returns a bundled, self-contained document: every external
reference is rewritten to a local one and the referenced components (with everything they
reference, transitively) are copied into the document's ``components``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from tmf_api import resources
from tmf_api.resources import data_dir, load_yaml

SPEC_ROOT: Path = data_dir("openapi")

COMMON_DIR = "common"

_Key = tuple[str, str]  # (component kind, component name)


@functools.cache
def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = load_yaml(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a YAML mapping")
    return data


def _split_ref(ref: str, base: Path) -> tuple[Path, _Key]:
    """Return (file, (kind, name)) for a reference made from a document located at ``base``."""
    file_part, _, fragment = ref.partition("#")
    target = (base.parent / file_part).resolve() if file_part else base
    parts = fragment.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "components":
        raise ValueError(f"{base}: unsupported $ref {ref!r} (expected #/components/<kind>/<name>)")
    return target, (parts[1], parts[2])


class _Bundler:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.document = copy.deepcopy(_read_yaml(self.root))
        components = self.document.setdefault("components", {})
        # where each component of the result comes from, to detect clashes
        self.origin: dict[_Key, Path] = {
            (kind, name): self.root
            for kind, entries in components.items()
            if isinstance(entries, dict)
            for name in entries
        }
        self.pending: list[tuple[Path, _Key]] = []

    def _rewrite(self, node: Any, base: Path) -> Any:
        """Rewrite the references in ``node`` (found in ``base``) to local ones, queueing imports."""
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    target, (kind, name) = _split_ref(value, base)
                    if target != self.root:
                        self.pending.append((target, (kind, name)))
                    out[key] = f"#/components/{kind}/{name}"
                else:
                    out[key] = self._rewrite(value, base)
            return out
        if isinstance(node, list):
            return [self._rewrite(item, base) for item in node]
        return node

    def run(self) -> dict[str, Any]:
        self.document = self._rewrite(self.document, self.root)
        components: dict[str, dict[str, Any]] = self.document["components"]
        done: set[tuple[Path, _Key]] = set()
        self._import(components, done)
        # The declared subtypes of the schemas used (StringCharacteristic of Characteristic): an
        # `@type` naming one is accepted, so the document must say what it is.
        while self._queue_subtypes(components, {source for source, _key in done}):
            self._import(components, done)
        return self.document

    def _queue_subtypes(self, components: dict[str, dict[str, Any]], sources: set[Path]) -> bool:
        present = components.get("schemas", {})
        # Only schemas an attribute is typed with: a base class merely extended (Entity) is not one.
        typed = _typed_names(self.document)
        for source in sources:
            for name, raw in (_read_yaml(source).get("components", {}).get("schemas") or {}).items():
                if name in present or not isinstance(raw, dict) or name.endswith(("_FVO", "_MVO")):
                    continue
                for part in raw.get("allOf", []):
                    ref = part.get("$ref") if isinstance(part, dict) else None
                    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in typed:
                        self.pending.append((source, ("schemas", name)))
                        break
        return bool(self.pending)

    def _import(self, components: dict[str, dict[str, Any]], done: set[tuple[Path, _Key]]) -> None:
        while self.pending:
            source, key = self.pending.pop()
            if (source, key) in done:
                continue
            done.add((source, key))
            kind, name = key
            try:
                raw = _read_yaml(source)["components"][kind][name]
            except KeyError as exc:
                raise ValueError(f"{source}: no component {kind}/{name}") from exc
            value = self._rewrite(raw, source)
            existing = components.setdefault(kind, {})
            if name in existing:
                if existing[name] != value:
                    raise ValueError(
                        f"component {kind}/{name} of {source} clashes with the one of {self.origin[key]}"
                    )
                continue
            existing[name] = value
            self.origin[key] = source


def _typed_names(node: Any, in_all_of: bool = False) -> set[str]:
    """The schema names `node` refers to other than as an `allOf` part."""
    names: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not in_all_of:
            names.add(ref.rsplit("/", 1)[-1])
        for key, value in node.items():
            names |= _typed_names(value, key == "allOf")
    elif isinstance(node, list):
        for item in node:
            names |= _typed_names(item, in_all_of)
    return names


@functools.cache
def load_document(relative: str) -> dict[str, Any]:
    """Return the bundled OpenAPI document ``openapi/<relative>`` (as a manifest names it).

    The result is cached and shared between callers: treat it as read-only (deep-copy it
    before changing anything). Across processes it is kept in :func:`bundle_cache_dir`.
    """
    path = SPEC_ROOT / relative
    if not path.is_file():
        raise FileNotFoundError(path)
    folder = bundle_cache_dir()
    if folder is None:
        return _Bundler(path).run()
    cached = folder / f"{_inputs_digest()}-{relative.replace('/', '_')}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError):
        document: dict[str, Any] = pickle.loads(cached.read_bytes())
        return document
    document = _Bundler(path).run()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        # written aside and renamed: processes starting together never read half a file
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(cached)
    return document


def bundle_cache_dir() -> Path | None:
    """Where bundled documents are kept between processes: ``$TMF_CACHE_DIR`` (empty: nowhere),
    else ``$XDG_CACHE_HOME/tmf-api``, else ``~/.cache/tmf-api``.

    Parsing and bundling the documents was 60 % of building the application (1.5 s of CPU at
    every `tmf serve`, on the 2-core machine); reading the pickled result takes some 50 ms.
    """
    configured = os.environ.get("TMF_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tmf-api"


@functools.cache
def _inputs_digest() -> str:
    """What a bundle depends on: every file under openapi/ and the code that bundles them."""
    digest = hashlib.sha256(f"{sys.version_info[:2]} {pickle.HIGHEST_PROTOCOL}".encode())
    code = [Path(__file__), Path(resources.__file__)]
    for path in [*code, *sorted(p for p in SPEC_ROOT.rglob("*") if p.is_file())]:
        name = path.relative_to(SPEC_ROOT) if path.is_relative_to(SPEC_ROOT) else path.name
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def load_spec(api: str, version: str) -> dict[str, Any]:
    """The bundled document of one API version, as its manifest names it."""
    from tmf_api.registry import api_version

    return load_document(api_version(api, version).document)
