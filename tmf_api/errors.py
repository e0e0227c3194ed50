"""The one TMF Error type (TMF630) raised anywhere below the adapter, and its JSON body."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class TMFError(Exception):
    """An error answered to the client as a TMF ``Error`` body with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        reason: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason or HTTPStatus(status).phrase
        self.code = code or str(status)
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, reason=self.reason, code=self.code)


def error_body(
    status: int, message: str, *, reason: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {
        "code": code or str(status),
        "reason": reason or HTTPStatus(status).phrase,
        "message": message,
        "status": str(status),
        "@type": "Error",
    }


def bad_request(message: str, *, reason: str = "Bad Request") -> TMFError:
    return TMFError(400, message, reason=reason)


def not_found(resource: str, id_: str) -> TMFError:
    return TMFError(404, f"No {resource} with id {id_!r}", reason="Not Found")
