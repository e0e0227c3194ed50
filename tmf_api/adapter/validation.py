"""Connexion validator tweaks.

- Parameter errors name the parameter, in one line.
- Body validators are compiled once per schema, not on every request as Connexion 3.3 does.
- A body is first checked by a validator compiled to Python code (fastjsonschema): about ten times
  faster than jsonschema's walk over the deep TMF schemas, which was a fifth of a POST's server time
  (and ran on the event loop). Only a body it rejects goes through Connexion's jsonschema validator,
  which decides and words the 400 as before; the compiled one is at least as strict (it knows no
  OpenAPI `nullable`, checks more formats), so it never lets through a body the other refuses.
- PATCH bodies are not validated against the schema: a merge patch's `null` means "remove" and a
  patch need not repeat required attributes, so the engine validates the patched resource instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import re
from collections.abc import Callable
from typing import Any, ClassVar

import fastjsonschema
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import JSONRequestBodyValidator
from connexion.validators.parameter import ParameterValidator
from jsonschema import Draft4Validator


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if not error:
            return None
        first_line = str(error).splitlines()[0]
        return f"{parameter_type.capitalize()} parameter {param['name']!r}: {first_line}"


# Keywords whose value is one schema, a list of schemas, or a map of names to schemas (draft 4).
_ONE = ("items", "additionalItems", "additionalProperties", "not")
_MANY = ("allOf", "anyOf", "oneOf", "items")
_MAP = ("properties", "patternProperties", "definitions", "dependencies")


def as_tree(schema: Any) -> dict[str, Any]:
    """A schema whose $refs Connexion resolved into a graph of shared (and cyclic) dicts, as one
    JSON document again: every schema object reached more than once becomes a definition and a $ref."""
    seen: dict[int, int] = {}

    def count(node: Any) -> None:
        if not isinstance(node, dict):
            return
        seen[id(node)] = seen.get(id(node), 0) + 1
        if seen[id(node)] > 1:
            return
        for key, value in node.items():
            if key in _MAP and isinstance(value, dict):
                for sub in value.values():
                    count(sub)
            elif key in _MANY and isinstance(value, list):
                for sub in value:
                    count(sub)
            elif key in _ONE:
                count(value)

    count(schema)
    definitions: dict[str, Any] = {}

    def convert(node: Any, top: bool = False) -> Any:
        if not isinstance(node, dict):
            return node
        if seen.get(id(node), 0) > 1 and not top:
            name = f"s{id(node)}"
            if name not in definitions:
                definitions[name] = {}  # placeholder: a cycle back here ends at the $ref
                definitions[name] = convert(node, top=True)
            return {"$ref": f"#/definitions/{name}"}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _MAP and isinstance(value, dict):
                out[key] = {name: convert(sub) for name, sub in value.items()}
            elif key in _MANY and isinstance(value, list):
                out[key] = [convert(sub) for sub in value]
            elif key in _ONE:
                out[key] = convert(value)
            else:
                out[key] = value
        return out

    root = convert(schema, top=True)
    # OpenAPI request bodies carry no `definitions` of their own, so ours cannot clash.
    return {**root, "definitions": definitions}


# OpenAPI's own formats: jsonschema's format checker knows none of them, so they check nothing here.
OPENAPI_FORMATS: dict[str, Callable[[Any], bool]] = {
    name: lambda _value: True for name in ("int32", "int64", "float", "double", "byte", "binary", "password")
}


# Where fastjsonschema's generated module starts a function: the points it is compiled apart at.
_TOP_LEVEL_DEF = re.compile(r"(?m)^(?=def )")


def compile_fast(schema: Any) -> Callable[[Any], Any] | None:
    """A compiled draft-4 validator for `schema`, or None when fastjsonschema cannot compile it.

    The generated module (430 KB of Python for a TMF622 v5 order) is compiled one function at a
    time: compiled whole, Python's compiler peaked at 21 MB above what the result keeps (62 MB with
    detailed exceptions), paid by a worker's first POST (measured in bench/README.md).
    """
    try:
        # No defaults filled in: the body must reach the handler exactly as it was sent. No details
        # in the exceptions: the jsonschema validator words every 400.
        source = fastjsonschema.compile_to_code(
            as_tree(schema), formats=OPENAPI_FORMATS, use_default=False, detailed_exceptions=False
        )
        namespace: dict[str, Any] = {}
        # Code fastjsonschema generated from our own documents' schemas.
        for chunk in _TOP_LEVEL_DEF.split(source):
            exec(compile(chunk, "<fastjsonschema>", "exec"), namespace)
        del source
        validate: Callable[[Any], Any] = functools.partial(
            namespace["validate"], custom_formats=OPENAPI_FORMATS
        )
    except (fastjsonschema.JsonSchemaDefinitionException, RecursionError, ValueError, TypeError, KeyError):
        return None
    finally:
        _release_freed_memory()
    return validate


def _release_freed_memory() -> None:
    """Compiling the generated code (~900 KB of Python for a TMF622 order) takes ~50 MB that Python
    frees but glibc keeps; hand it back so a worker's RSS stays what it needs (+11 MB, not +53)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class CachedJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    # id(schema) -> (schema, validator); holding the schema keeps its id from being reused.
    _compiled: ClassVar[dict[int, tuple[Any, Any]]] = {}
    _fast: ClassVar[dict[int, tuple[Any, Callable[[Any], Any] | None]]] = {}
    _is_patch = False

    @property
    def _fast_validator(self) -> Callable[[Any], Any] | None:
        entry = self._fast.get(id(self._schema))
        if entry is None or entry[0] is not self._schema:
            entry = (self._schema, compile_fast(self._schema))
            self._fast[id(self._schema)] = entry
        return entry[1]

    @property
    def _validator(self) -> Any:
        entry = self._compiled.get(id(self._schema))
        if entry is None or entry[0] is not self._schema:
            checker = Draft4Validator.FORMAT_CHECKER
            entry = (self._schema, Draft4RequestValidator(self._schema, format_checker=checker))
            self._compiled[id(self._schema)] = entry
        return entry[1]

    async def _parse(self, stream: Any, scope: Any) -> Any:
        self._is_patch = scope.get("method") == "PATCH"
        return await super()._parse(stream, scope)

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if self._is_patch:
            if body is None:
                raise BadRequestProblem(detail="Request body must not be empty")
            return None
        fast = self._fast_validator if body is not None else None
        if fast is not None:
            try:
                fast(body)
                return None
            except fastjsonschema.JsonSchemaValueException:
                pass  # the jsonschema validator decides, and words the error
        result: dict[str, Any] | None = super()._validate(body)
        return result
