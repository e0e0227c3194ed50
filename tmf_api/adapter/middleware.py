"""Outermost ASGI layer: TMF errors for everything, trailing slashes, `Allow` on 405, extra routes,
and the shape of every request checked before anything parses it.

Connexion answers its own errors (routing, validation, media types, crashes) as
`application/problem+json`; TMF clients expect `application/json` with the TMF Error schema, so
those responses are rewritten here, whichever layer produced them.

Request shape (`RequestLimits`): a body larger than the limit is refused with 413 before it is
read into memory (by its Content-Length, or by counting a chunked body as it streams); a JSON body
that is not UTF-8, not JSON, nested or repeated beyond the limits, or holding what neither
database can store (NUL, lone surrogates, integers beyond 64 bits, infinities) is a 400, on every
route alike, before Connexion's parser (which answers 500 to several of these) sees it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tmf_api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

# The scope key keeping the path as requested when a trailing slash was dropped: the docs site
# tells /docs (redirected) from /docs/ (its index) by it.
REQUESTED_PATH = "tmf.requested_path"

# Signed 64-bit: the widest integer either database stores (a column may be narrower: the
# mapping checks that, tmf_api.engine.mapping).
INT64 = range(-(2**63), 2**63)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RequestLimits:
    max_body_bytes: int = 1 << 20
    max_json_depth: int = 64
    max_array_items: int = 1000


def log_unhandled(exc: BaseException, method: str | None, path: str) -> None:
    """Log an unexpected error by its kind and where it was raised, never its message: messages
    quote values (a body that failed to decode, a row's parameters), which may be personal."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s %s\n%s", type(exc).__name__, method, path, frames.rstrip())


def log_problem(status: int, title: str | None, method: str | None, path: str) -> None:
    """Log an error answered by Connexion by its status and title only: its detail may quote the
    offending value of the body."""
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "%s %s answered %d %s", method, path, status, title)


class RequestRefused(Exception):
    """A request refused for its shape: answered with `status` and `message`, never logged with
    its content."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Disconnected(Exception):
    pass


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise RequestRefused(400, f"The body holds a NUL character at {where or 'its root'}")
    if _SURROGATE.search(text):
        raise RequestRefused(400, f"The body holds a lone UTF-16 surrogate at {where or 'its root'}")


def check_json(doc: Any, limits: RequestLimits) -> None:
    """RequestRefused when `doc` (parsed JSON) is deeper, longer or holds values the databases
    cannot store. Iterative, so no document is too deep to check."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict | list) and depth > limits.max_json_depth:
            raise RequestRefused(400, f"The body is nested deeper than {limits.max_json_depth} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else key
                _check_text(key, path)
                stack.append((item, depth + 1, path))
        elif isinstance(value, list):
            if len(value) > limits.max_array_items:
                what = where or "The body"
                raise RequestRefused(
                    400, f"{what} has {len(value)} elements, more than {limits.max_array_items}"
                )
            stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if value not in INT64:
                raise RequestRefused(400, f"{where or 'The body'}: the integer is beyond 64 bits")
        elif isinstance(value, float) and not math.isfinite(value):
            raise RequestRefused(400, f"{where or 'The body'}: the number is out of range")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes, limits: RequestLimits) -> Any:
    """The JSON document of a body, or RequestRefused saying (without quoting it) what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestRefused(400, f"The body is not valid UTF-8 (at byte {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise RequestRefused(400, f"The body is nested deeper than {limits.max_json_depth} levels") from None
    except ValueError as exc:
        position = f" (at character {exc.pos})" if isinstance(exc, json.JSONDecodeError) else ""
        raise RequestRefused(400, f"The body is not valid JSON{position}") from None
    check_json(doc, limits)
    return doc


def _is_json(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media.endswith(b"/json") or media.endswith(b"+json"))
    return False


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, refused with 413 as soon as it is known to exceed `limit`."""
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise RequestRefused(400, "The Content-Length header is not a number") from None
            if declared > limit:
                raise RequestRefused(413, f"The body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestRefused(413, f"The body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _check_target(scope: Scope) -> None:
    """NUL in the path or the query: PostgreSQL text cannot hold it, so neither database gets it."""
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope.get("path", ""):
        raise RequestRefused(400, "The request path holds a NUL character")
    if b"%00" in query or b"\x00" in query:
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                raise RequestRefused(400, f"Query parameter {key[:100]!r} holds a NUL character")
        raise RequestRefused(400, "The query holds a NUL character")


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
        self,
        app: ASGIApp,
        allow: AllowIndex,
        routes: dict[str, ASGIApp],
        prefixes: dict[str, ASGIApp],
        limits: RequestLimits | None = None,
    ) -> None:
        self.app = app
        self.allow = allow
        self.routes = routes
        self.prefixes = prefixes
        self.limits = limits or RequestLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            receive = await self._checked(scope, receive)
        except RequestRefused as refused:
            await self._send_refusal(send, refused)
            return
        except _Disconnected:
            return
        await self._route(scope, receive, send)

    async def _checked(self, scope: Scope, receive: Receive) -> Receive:
        """`receive` for the rest of the stack, after the request's shape passed its checks."""
        _check_target(scope)
        if scope.get("method") not in _BODY_METHODS:
            return receive
        body = await _read_body(scope, receive, self.limits.max_body_bytes)
        if body and _is_json(scope):
            parse_body(body, self.limits)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect is left to come
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    async def _send_refusal(self, send: Send, refused: RequestRefused) -> None:
        payload = json.dumps(error_body(refused.status, refused.message), ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if refused.status == 413:
            # The unread rest of the body would be taken for the next request on this connection.
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": refused.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            # TM Forum's v5 kits call `/productOrder/` and `/productOrder/{id}/`.
            scope = dict(scope, **{REQUESTED_PATH: path})
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
        except Exception as exc:
            log_unhandled(exc, scope.get("method"), path)
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
