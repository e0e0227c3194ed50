"""JSON responses as TMF clients expect them (UTF-8, Chinese text unescaped)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tmf_api.engine.document import dump_json
from tmf_api.errors import TMFError


def dumps(data: Any) -> bytes:
    return dump_json(data).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type="application/json")


def json_list_response(
    items: list[str], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON array of items given as JSON texts (stored forms, written once when stored)."""
    body = "[" + ",".join(items) + "]"
    return Response(body.encode("utf-8"), status_code=status, headers=headers, media_type="application/json")


def error_response(error: TMFError) -> Response:
    return json_response(error.body(), error.status, error.headers)
