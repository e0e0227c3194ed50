"""Outermost ASGI layer: TMF errors for everything, trailing slashes, `Allow` on 405, extra routes.

Connexion answers its own errors (routing, validation, media types, crashes) as
`application/problem+json`; TMF clients expect `application/json` with the TMF Error schema, so
those responses are rewritten here, whichever layer produced them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tmf_api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)


class AllowIndex:
    """Which methods each path of the served documents declares, for the 405 `Allow` header."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], list[str]]] = []

    def add(self, base_path: str, paths: dict[str, Any]) -> None:
        for template, item in paths.items():
            pattern = re.escape(base_path.rstrip("/") + template)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            methods = sorted(m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"})
            self._routes.append((re.compile(f"^{pattern}$"), methods))

    def allowed(self, path: str) -> list[str] | None:
        for pattern, methods in self._routes:
            if pattern.match(path):
                return methods
        return None


def _message(status: int, problem: dict[str, Any], scope: Scope, allowed: list[str] | None) -> str:
    path = scope.get("path", "")
    if status == 404 and problem.get("detail") in (
        None,
        "Not Found",
        "The requested URL was not found on the server.",
    ):
        return f"No resource at {path}"
    if status == 405:
        methods = ", ".join(allowed or [])
        return f"Method {scope.get('method')} is not allowed on {path}; allowed: {methods}"
    if status >= 500:
        return "The server could not process the request; the error has been logged"
    detail = problem.get("detail") or problem.get("title") or ""
    return str(detail)


class TMFMiddleware:
    def __init__(
        self, app: ASGIApp, allow: AllowIndex, routes: dict[str, ASGIApp], prefixes: dict[str, ASGIApp]
    ) -> None:
        self.app = app
        self.allow = allow
        self.routes = routes
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            # TM Forum's v5 kits call `/productOrder/` and `/productOrder/{id}/`.
            path = path.rstrip("/") or "/"
            scope = dict(scope, path=path, raw_path=path.encode())
        route = self.routes.get(path)
        if route is not None:
            await route(scope, receive, send)
            return
        for prefix, app in self.prefixes.items():
            if path.startswith(prefix):
                await app(scope, receive, send)
                return

        state: dict[str, Any] = {"rewrite": False, "started": False}
        start: Message = {}
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"application/problem+json") or (
                    message["status"] >= 400 and not ctype.startswith(b"application/json")
                ):
                    state["rewrite"] = True
                    start.update(message)
                    return
                state["started"] = True
                await send(message)
                return
            if message["type"] == "http.response.body" and state["rewrite"]:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await self._send_error(scope, send, start, b"".join(chunks))
                state["started"] = True
                return
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if state["started"]:
                raise
            await self._send_error(scope, send, {"status": 500, "headers": []}, b"")

    async def _send_error(self, scope: Scope, send: Send, start: Message, body: bytes) -> None:
        status = int(start["status"])
        try:
            problem = json.loads(body) if body else {}
            if not isinstance(problem, dict):
                problem = {}
        except ValueError:
            problem = {"detail": body.decode("utf-8", "replace")[:500]}
        allowed = self.allow.allowed(scope.get("path", "")) if status == 405 else None
        payload = json.dumps(
            error_body(status, _message(status, problem, scope, allowed)), ensure_ascii=False
        ).encode("utf-8")
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"content-type", b"content-length", b"allow")
        ]
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if allowed is not None:
            headers.append((b"allow", ", ".join(allowed).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
