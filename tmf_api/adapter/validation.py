"""Connexion validator tweaks.

- Parameter errors name the parameter, in one line.
- Body validators are compiled once per schema, not on every request as Connexion 3.3 does.
- PATCH bodies are not validated against the schema: a merge patch's `null` means "remove" and a
  patch need not repeat required attributes, so the engine validates the patched resource instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

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


class CachedJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    # id(schema) -> (schema, validator); holding the schema keeps its id from being reused.
    _compiled: ClassVar[dict[int, tuple[Any, Any]]] = {}
    _is_patch = False

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
        result: dict[str, Any] | None = super()._validate(body)
        return result
