"""The outer ASGI layer turns every error, whoever produced it, into a TMF Error."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.testclient import TestClient

from tmf_api.adapter.middleware import AllowIndex, TMFMiddleware


async def crashing_app(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("secret internal detail in /srv/app/module.py")


async def problem_app(scope: Any, receive: Any, send: Any) -> None:
    status = int(scope["path"].rsplit("/", 1)[1])
    body = b'{"type": "about:blank", "title": "T", "detail": "what went wrong", "status": %d}' % status
    await Response(body, status, media_type="application/problem+json", headers={"Allow": "HEAD, GET"})(
        scope, receive, send
    )


def _client(app: Any) -> TestClient:
    allow = AllowIndex()
    allow.add("/base", {"/thing/{id}": {"get": {}, "patch": {}, "parameters": []}})
    return TestClient(TMFMiddleware(app, allow, {}, {}), raise_server_exceptions=False)


def test_unhandled_exception_is_a_tmf_500_without_internals() -> None:
    response = _client(crashing_app).get("/base/thing/1")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "500" and body["code"] == "500" and body["reason"] == "Internal Server Error"
    assert "secret" not in response.text and ".py" not in response.text


def test_problem_json_is_rewritten_to_tmf_error() -> None:
    for status in (400, 404, 415, 500):
        response = _client(problem_app).get(f"/base/x/{status}")
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"code", "reason", "message", "status", "@type"}
    assert _client(problem_app).get("/base/x/400").json()["message"] == "what went wrong"


def test_405_gets_the_methods_the_document_declares() -> None:
    async def method_not_allowed(scope: Any, receive: Any, send: Any) -> None:
        await Response(b"{}", 405, media_type="application/problem+json", headers={"Allow": "HEAD, GET"})(
            scope, receive, send
        )

    response = _client(method_not_allowed).put("/base/thing/7")
    assert response.status_code == 405 and response.headers["allow"] == "GET, PATCH"
    assert "PUT" in response.json()["message"]


def test_trailing_slash_is_dropped_before_routing() -> None:
    seen: list[str] = []

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await Response(b"[]", 200, media_type="application/json")(scope, receive, send)

    _client(echo).get("/base/thing/?fields=id")
    assert seen == ["/base/thing"]


def test_a_streamed_body_over_the_limit_is_refused_before_it_is_read_whole() -> None:
    """The body is counted as it arrives: an endless stream is refused after the limit, having
    pulled no more than one chunk beyond it."""
    import asyncio

    from tmf_api.adapter.middleware import RequestLimits

    called: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(True)

    pulled = 0
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    async def send(message: Any) -> None:
        sent.append(message)

    middleware = TMFMiddleware(app, AllowIndex(), {}, {}, RequestLimits(max_body_bytes=10_000))
    scope = {"type": "http", "method": "POST", "path": "/base/thing", "headers": [], "query_string": b""}
    asyncio.run(middleware(scope, receive, send))
    assert sent[0]["status"] == 413 and not called
    assert pulled == 11
