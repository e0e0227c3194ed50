"""Entity tags and conditional requests (RFC 9110 §8.8.3, §13): `ETag`, `If-Match`, `If-None-Match`.

A resource's tag is a digest of the very bytes of its representation: a strong validator by
construction (the same tag, the same bytes), which moves with every change whoever made it (a
client, the simulator, a bill run, another process), differs between a v4 and a v5 rendering of
one stored row whenever their bodies differ, and needs neither a version column on every table
nor a statement more per request. The price is that a precondition is checked by rendering the
current row, which a PATCH does anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from starlette.responses import Response

from tmf_api.adapter.responses import dumps
from tmf_api.engine.document import JSON
from tmf_api.errors import TMFError


def entity_tag(body: bytes) -> str:
    """The strong entity tag of a representation's bytes (128 bits of SHA-256, quoted)."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def document_tag(doc: JSON) -> str:
    """The tag of `doc` rendered as the adapter renders it (tmf_api.adapter.responses.dumps)."""
    return entity_tag(dumps(doc))


def _tags(header: str) -> list[str]:
    """The entity tags of an If-Match / If-None-Match list (`*` stays `*`)."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_none_match_hit(header: str | None, tag: str) -> bool:
    """True when a GET's If-None-Match names the current tag: the answer is then 304.

    If-None-Match compares weakly: `W/"x"` matches `"x"`.
    """
    if header is None:
        return False
    return any(t == "*" or t.removeprefix("W/") == tag for t in _tags(header))


def require_match(header: str | None, what: str) -> Callable[[JSON], None] | None:
    """The engine's precondition for a PATCH or DELETE carrying If-Match; None without one.

    It is handed the resource's current representation, read under the row lock, and raises a
    412 unless one of the listed tags is its tag (strong comparison: a weak tag never matches) or
    the list is `*` (any current representation; a missing resource is a 404 before this).
    """
    if header is None:
        return None
    tags = _tags(header)

    def check(current: JSON) -> None:
        if "*" in tags:
            return
        tag = document_tag(current)
        if tag not in tags:
            raise TMFError(
                412,
                f"{what} has changed since the representation If-Match names ({header.strip()}); "
                f"its current ETag is {tag}: read it again and reapply the change",
                reason="Precondition Failed",
                headers={"ETag": tag},
            )

    return check


def resource_response(doc: JSON, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A single resource's JSON response, with its ETag."""
    body = dumps(doc)
    return Response(
        body,
        status_code=status,
        headers={**(headers or {}), "ETag": entity_tag(body)},
        media_type="application/json",
    )


def not_modified(tag: str) -> Response:
    """304 for a GET whose If-None-Match names the current tag: no body, the tag repeated."""
    return Response(status_code=304, headers={"ETag": tag})
