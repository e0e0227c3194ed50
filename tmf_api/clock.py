"""The server's clock: the system's, or, with `Settings.adjustable_clock`, one that `POST /clock`
moves forward, as a billing test clock does, so that a client can take a customer through
billing cycles (bill runs, prorating, SLAs) in minutes and through HTTP only.

The offset is the process's: an adjustable clock is for one server process (`tmf serve`
refuses it with several workers). Business times (order and bill dates, periods, due dates)
come from `now()`; the event hub's retry timers do not depend on it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tmf_api.errors import TMFError, bad_request

PATH = "/clock"

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + _offset


def move_to(when: dt.datetime) -> dt.datetime:
    """Move the clock to `when`, which must not be earlier than the clock's time (a timeline
    never runs backwards while the server runs; `reset` returns to the system's time)."""
    global _offset
    if when.tzinfo is None:
        raise ValueError("the time needs a UTC offset, e.g. 2027-01-01T00:00:00Z")
    current = now()
    if when < current:
        raise ValueError(f"the clock only moves forward: it is {current.isoformat()} already")
    _offset = when - dt.datetime.now(dt.UTC)
    return now()


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)


def _body(when: dt.datetime) -> bytes:
    text = when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"now": text, "offsetSeconds": _offset.total_seconds()}).encode()


async def _read(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _parsed(raw: bytes) -> dt.datetime:
    try:
        body = json.loads(raw or b"null")
        text = body["now"]
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except (ValueError, TypeError, KeyError) as error:
        raise bad_request(f'The body must be {{"now": "<date-time with offset>"}}: {error}') from None


async def route(scope: Any, receive: Any, send: Any) -> None:
    """GET /clock: the server's time; POST: move it forward ({"now": …}); DELETE: the system's."""
    from tmf_api.adapter.responses import error_response

    status, body = 200, b""
    try:
        method = scope["method"]
        if method == "GET":
            body = _body(now())
        elif method == "POST":
            try:
                body = _body(move_to(_parsed(await _read(receive))))
            except ValueError as error:
                raise bad_request(str(error)) from None
        elif method == "DELETE":
            reset()
            body = _body(now())
        else:
            raise TMFError(405, f"Method {method} not allowed on {PATH}")
    except TMFError as error:
        await error_response(error)(scope, receive, send)
        return
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})
