"""JSON responses as TMF clients expect them (UTF-8, Chinese text unescaped)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from tmf_api.errors import TMFError


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type="application/json")


def error_response(error: TMFError) -> Response:
    return json_response(error.body(), error.status, error.headers)
