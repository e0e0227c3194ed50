"""Connexion validator tweaks: parameter errors that name the parameter, in one line."""

from __future__ import annotations

from typing import Any

from connexion.validators.parameter import ParameterValidator


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
