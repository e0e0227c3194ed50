"""How Connexion calls our handlers: straight from the ASGI scope, with `id` and `body` only.

Connexion's AsyncOperation rebuilds its decorator chain on every request (inspecting the handler's
signature each time), then prepares every declared query parameter, the form and the files for a
handler that reads none of them: the engine reads TMF filters from the raw query string. Measured
on a list (bench/README.md, session 6) that was 9 % of the request's CPU on the event loop. Our
handlers (tmf_api.adapter.handlers) take the path parameters and the parsed body, and return a
Starlette response; Connexion's middleware (routing, security, request validation) still runs
before them exactly as before.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from connexion.apps.asynchronous import AsyncApi
from connexion.operations import AbstractOperation
from connexion.utils import is_json_mimetype
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Receive, Scope, Send


class DirectOperation:
    """One operation: its handler called in the thread pool (they are synchronous: a database
    session must never block the event loop) with the path parameters and, where the operation
    declares a request body, `body` as Connexion passed it (parsed JSON; {} when empty)."""

    def __init__(self, operation: AbstractOperation) -> None:
        self._fn = operation.function
        self.operation_id = operation.operation_id
        self._has_body = operation.is_request_body_defined
        functools.update_wrapper(self, self._fn)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kwargs: dict[str, Any] = dict(scope.get("path_params") or {})
        if self._has_body:
            request = Request(scope, receive)
            raw = await request.body()
            if not raw:
                body: Any = {}  # Connexion's default for an absent body without a schema default
            elif is_json_mimetype(request.headers.get("content-type", "")):
                body = json.loads(raw)  # the request validation middleware parsed it already
            else:
                body = raw
            kwargs["body"] = body
        response = await run_in_threadpool(self._fn, **kwargs)
        await response(scope, receive, send)


class DirectApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> DirectOperation:
        return DirectOperation(operation)
