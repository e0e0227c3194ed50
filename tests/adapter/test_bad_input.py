"""Every bad input is a 4xx TMF Error, on every operation of every API version the registry serves,
on SQLite and PostgreSQL alike (issue 13: one test per root cause of the 5xx answers found).

The operations come from the served documents (`app.runtimes`), so a new API or version is
covered without a change here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf621 import ticket_v4, ticket_v5
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.registry import api_versions
from tmf_api.settings import Settings

JSON_TYPE = {"content-type": "application/json"}
ORDERS = {"v4": order_v4, "v5": order_v5}
TICKETS = {"v4": ticket_v4, "v5": ticket_v5}
API_OF = {served.api: served for served in api_versions()}


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[CheckedClient]:
    with make_client(module_database_url, dispatch_events=False) as served:
        yield served


def _operations(client: CheckedClient, kind: str) -> list[str]:
    """URLs of every `kind` operation served: "list" and "create" (collection paths), "get"
    (item paths, for an id that exists nowhere)."""
    urls = []
    for runtime in client.app.runtimes:  # type: ignore[attr-defined]
        for template, item in runtime.spec["paths"].items():
            segments = template.strip("/").split("/")
            if segments[0] in ("hub", "listener") or len(segments) > 2:
                continue
            method = "post" if kind == "create" else "get"
            if method not in item or (len(segments) == 2) != (kind == "get"):
                continue
            urls.append(runtime.base_path + "/" + segments[0] + ("/no-such-id" if kind == "get" else ""))
    assert urls, f"no {kind} operation served"
    return urls


# -- 1. an empty parameter name (IndexError) ----------------------------------------------------


def test_an_empty_parameter_name_is_a_400_on_every_list_and_get(client: CheckedClient) -> None:
    for url in _operations(client, "list") + _operations(client, "get"):
        assert_tmf_error(client.get(url + "?=x"), 400, mentions="empty name")
        assert_tmf_error(client.get(url + "?=x&fields=id"), 400, mentions="empty name")


# -- 2. bodies that are not UTF-8, lone surrogates, deep nesting --------------------------------


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        pytest.param(b'{"description": "Zhang \xff"}', "UTF-8", id="invalid-utf8"),
        pytest.param(b'{"description": "\\ud800"}', "surrogate", id="lone-surrogate"),
        pytest.param(b'{"description": "\\udfff\\ud800"}', "surrogate", id="reversed-pair"),
        pytest.param(b"[" * 10_000 + b"]" * 10_000, "nested", id="nested-10000"),
        pytest.param(b'{"a": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_001, "nested", id="objects-10000"),
        pytest.param(b'{"description": NaN}', "JSON", id="nan"),
    ],
)
def test_undecodable_bodies_are_a_400_on_every_create(client: CheckedClient, body: bytes, mentions: str) -> None:
    for url in _operations(client, "create"):
        assert_tmf_error(client.post(url, content=body, headers=JSON_TYPE), 400, mentions=mentions)


def test_undecodable_patch_bodies_are_a_400(client: CheckedClient) -> None:
    for url in _operations(client, "get"):
        headers = {"content-type": "application/merge-patch+json"}
        assert_tmf_error(client.patch(url, content=b'{"a": "\\ud800"}', headers=headers), 400)


# -- 3. integers of 2^63 and above, offsets beyond 64 bits, huge limits -------------------------


@pytest.mark.parametrize("quantity", [2**63, -(2**63) - 1, 10**30, 2**31])
def test_an_integer_beyond_its_column_is_a_400(client: CheckedClient, quantity: int) -> None:
    for version, order in ORDERS.items():
        served = API_OF["TMF622"]
        body = order("big") | {}
        body["productOrderItem"][0]["quantity"] = quantity
        url = f"/tmf-api/{served.name}/{version}/productOrder"
        assert_tmf_error(client.post(url, json=body), 400, mentions="quantity")


def test_integers_beyond_64_bits_are_a_400_on_every_create(client: CheckedClient) -> None:
    for url in _operations(client, "create"):
        assert_tmf_error(client.post(url, content=b'{"x": 9223372036854775808}', headers=JSON_TYPE), 400)
        assert_tmf_error(client.post(url, content=b'{"x": 1e400}', headers=JSON_TYPE), 400)


def test_offsets_beyond_64_bits_are_a_400_and_huge_limits_are_clamped(client: CheckedClient) -> None:
    for url in _operations(client, "list"):
        assert_tmf_error(client.get(url, params={"offset": str(10**20)}), 400, mentions="offset")
        assert_tmf_error(client.get(url, params={"offset": "9" * 5000}), 400, mentions="offset")
        # TMF630 lets a server return fewer items than asked: a limit beyond the maximum is
        # clamped to it, never refused nor passed to the database as it is.
        response = client.get(url, params={"limit": str(10**20)})
        assert response.status_code in (200, 206), response.text
        assert int(response.headers["X-Result-Count"]) <= Settings.max_limit
        assert client.get(url, params={"offset": str(2**63 - 1)}).status_code in (200, 206)


# -- 4. NUL characters and text longer than its column -----------------------------------------


def test_nul_in_a_body_an_id_or_a_filter_is_a_400_on_every_operation(client: CheckedClient) -> None:
    for url in _operations(client, "create"):
        body = json.dumps({"description": "a\u0000b"}).encode()
        assert_tmf_error(client.post(url, content=body, headers=JSON_TYPE), 400, mentions="NUL")
    for url in _operations(client, "get"):
        assert_tmf_error(client.get(url + "%00"), 400, mentions="NUL")
    for url in _operations(client, "list"):
        assert_tmf_error(client.get(url + "?id=a%00b"), 400, mentions="NUL")
        assert_tmf_error(client.get(url + "?fields=id%00"), 400, mentions="NUL")


@pytest.mark.parametrize("attribute", ["severity", "priority", "ticketType"])
def test_ticket_text_longer_than_its_column_is_a_400_on_both_databases(
    client: CheckedClient, attribute: str
) -> None:
    served = API_OF["TMF621"]
    for version, ticket in TICKETS.items():
        url = f"/tmf-api/{served.name}/{version}/troubleTicket"
        response = client.post(url, json=ticket("long", **{attribute: "x" * 101}))
        assert_tmf_error(response, 400, mentions=attribute)
        assert client.post(url, json=ticket("fits", **{attribute: "x" * 50})).status_code == 201


# -- 5. regular expressions the database cannot run, or that would run away --------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "(?P<x>a)",  # Python and RE2 accept it, PostgreSQL does not
        "(a{1,1000}){1,1000}$",  # PostgreSQL: invalid repetition count
        "(.*){1,1000}x",
        "(a)\\1",  # a back reference: backtracking
        "(",  # not a regular expression
        "a" * 300,  # too long
    ],
)
def test_a_regular_expression_that_cannot_run_is_a_400_on_every_list(
    client: CheckedClient, pattern: str
) -> None:
    for url in _operations(client, "list"):
        assert_tmf_error(client.get(url, params={"id*": pattern}), 400, mentions="regular expression")
        assert_tmf_error(client.get(url, params={"id.regex": pattern}), 400, mentions="regular expression")


def test_a_regular_expression_that_backtracks_elsewhere_runs_in_linear_time(client: CheckedClient) -> None:
    """`(a+)+$` against a long run of `a` ending otherwise takes 2^n steps in a backtracking
    matcher (Python's `re`, SQLite's default): with 60 characters the request would never end."""
    import threading

    served = API_OF["TMF621"]
    url = f"/tmf-api/{served.name}/v5/troubleTicket"
    created = client.post(url, json=ticket_v5("a" * 60 + "!"))
    assert created.status_code == 201, created.text
    answers: list[int] = []
    worker = threading.Thread(
        target=lambda: answers.append(client.get(url, params={"description.regex": "(a+)+$"}).status_code),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=120)  # generous: RE2 answers in milliseconds
    assert answers == [200]
