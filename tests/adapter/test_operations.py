"""tmf_api.adapter.operations: handlers called straight from the scope, with `id` and `body`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from tmf_api.adapter.operations import DirectOperation


@dataclass
class Operation:
    """What DirectOperation reads of a Connexion operation."""

    function: Any
    is_request_body_defined: bool
    operation_id: str = "op"


def _client(has_body: bool) -> tuple[TestClient, list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def handler(**kwargs: Any) -> Response:
        calls.append(kwargs)
        return JSONResponse({"seen": sorted(kwargs)}, status_code=201)

    operation = DirectOperation(cast(Any, Operation(handler, has_body)))
    app = Starlette(routes=[Route("/thing/{id}", operation, methods=["GET", "POST", "PATCH"])])
    return TestClient(app), calls


@pytest.mark.parametrize(
    ("content_type", "sent", "body"),
    [
        ("application/json", b'{"name": "\xe5\xbc\xa0\xe4\xbc\x9f"}', {"name": "张伟"}),
        ("application/merge-patch+json", b'{"state": "held"}', {"state": "held"}),
        (
            "application/json-patch+json",
            b'[{"op": "remove", "path": "/note"}]',
            [{"op": "remove", "path": "/note"}],
        ),
        ("text/plain", b"raw", b"raw"),
        ("application/json", b"", {}),  # as Connexion passed an absent body: the schema's default, {}
    ],
)
def test_the_handler_gets_the_path_parameters_and_the_body(content_type: str, sent: bytes, body: Any) -> None:
    client, calls = _client(has_body=True)
    answer = client.patch("/thing/ORD-1", content=sent, headers={"content-type": content_type})
    assert answer.status_code == 201, answer.text
    assert calls == [{"id": "ORD-1", "body": body}]


def test_without_a_declared_body_only_the_path_parameters() -> None:
    client, calls = _client(has_body=False)
    assert client.get("/thing/ORD-2?state=held&limit=3").json() == {"seen": ["id"]}
    assert calls == [{"id": "ORD-2"}]
