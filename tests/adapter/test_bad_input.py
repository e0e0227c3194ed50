"""Every bad input is a 4xx TMF Error, on every operation of every API version the registry serves,
on SQLite and PostgreSQL alike (issue 13: one test per root cause of the 5xx answers found).

The operations come from the served documents (`app.runtimes`), so a new API or version is
covered without a change here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.contract import assert_tmf_error
from tests.api.test_tmf621 import ticket_v4, ticket_v5
from tests.api.test_tmf622 import order_v4, order_v5
from tests.fixtures.app import CheckedClient, make_client
from tests.fixtures.databases import free_port
from tests.fixtures.migrated import migrate
from tmf_api.app import create_app
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


def _operations(served: Any, kind: str) -> list[str]:
    """URLs of every `kind` operation of an app (or a client's app): "list" and "create"
    (collection paths), "get" (item paths, for an id that exists nowhere)."""
    urls = []
    app = getattr(served, "app", served)
    for runtime in app.runtimes:
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
def test_undecodable_bodies_are_a_400_on_every_create(
    client: CheckedClient, body: bytes, mentions: str
) -> None:
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


# -- 7. a database outage is a 503 with Retry-After ----------------------------------------------


def test_a_database_outage_is_a_503_with_retry_after_on_every_operation() -> None:
    """A PostgreSQL server that is not there (nothing listens on the port) is an outage: every
    operation answers 503 with a TMF Error and Retry-After, never 500."""
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"
    app = create_app(Settings(database_url=dead, dispatch_events=False, pool_timeout=5))

    with TestClient(app, base_url="http://tmf.test") as outage:
        for url in _operations(app, "list") + _operations(app, "get"):
            body = assert_tmf_error(outage.get(url), 503)
            assert outage.get(url).headers["Retry-After"].isdigit(), body
        for url in _operations(app, "create"):
            response = outage.post(url, content=b"{}", headers=JSON_TYPE)
            assert response.status_code in (400, 503), response.text  # a body refused before the database
        served = API_OF["TMF621"]
        response = outage.post(f"/tmf-api/{served.name}/v5/troubleTicket", json=ticket_v5("outage"))
        assert_tmf_error(response, 503)
        assert response.headers["Retry-After"].isdigit()


# -- 8. body size, array length and nesting limits ---------------------------------------------


@pytest.fixture(scope="module")
def small_client(module_database_url: str) -> Iterator[CheckedClient]:
    limits = {"max_body_bytes": 4096, "max_array_items": 5, "max_json_depth": 8}
    with make_client(module_database_url, dispatch_events=False, **limits) as served:
        yield served


def test_a_body_over_the_limit_is_a_413_by_its_content_length(small_client: CheckedClient) -> None:
    for url in _operations(small_client, "create"):
        body = json.dumps({"description": "x" * 5000}).encode()
        response = small_client.post(url, content=body, headers=JSON_TYPE)
        assert_tmf_error(response, 413)
        assert response.headers.get("connection") == "close"


def test_a_chunked_body_over_the_limit_is_a_413(small_client: CheckedClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"description": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    for url in _operations(small_client, "create"):
        response = small_client.post(url, content=chunks(), headers=JSON_TYPE)
        assert_tmf_error(response, 413)


def test_arrays_and_nesting_beyond_the_limits_are_a_400(small_client: CheckedClient) -> None:
    served = API_OF["TMF622"]
    for version, order in ORDERS.items():
        url = f"/tmf-api/{served.name}/{version}/productOrder"
        body = order("many")
        body["productOrderItem"] = [dict(body["productOrderItem"][0], id=str(i)) for i in range(6)]
        assert_tmf_error(small_client.post(url, json=body), 400, mentions="more than 5")
        body["productOrderItem"] = body["productOrderItem"][:5]
        assert small_client.post(url, json=body).status_code == 201
        deep: dict[str, Any] = {"x": 1}
        for _ in range(8):
            deep = {"x": deep}
        assert_tmf_error(small_client.post(url, json=order("deep") | {"ext": deep}), 400, mentions="nested")


# -- 9. nothing personal reaches the logs --------------------------------------------------------

PERSONAL = "Zhang San 13800138000"


def test_a_refused_body_is_not_logged(client: CheckedClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"description": PERSONAL}).encode()[:-2] + b'\xff"}'
    for url in _operations(client, "create"):
        assert_tmf_error(client.post(url, content=body, headers=JSON_TYPE), 400)
        # A schema violation quotes the value in Connexion's own logs: ours do not.
        bad_type = {"description": PERSONAL, "name": PERSONAL, "@type": 42, "quantity": PERSONAL}
        assert client.post(url, json=bad_type).status_code == 400
    assert PERSONAL not in caplog.text
    assert "13800138000" not in caplog.text


def test_an_unexpected_error_is_logged_by_its_kind_not_its_message(
    client: CheckedClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tmf_api.engine.resource import ResourceService

    secret = PERSONAL

    def failing_list(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(secret)

    monkeypatch.setattr(ResourceService, "_page", failing_list)  # behind list and list_json
    caplog.set_level(logging.DEBUG)
    url = _operations(client, "list")[0]
    assert_tmf_error(client.get(url), 500)
    assert "RuntimeError" in caplog.text
    assert PERSONAL not in caplog.text


def test_failed_statements_do_not_show_their_parameters(module_database_url: str) -> None:
    """SQLAlchemy puts a failed statement's parameters (what the client sent) into the error,
    which reaches the logs: the engines hide them."""
    from sqlalchemy import exc as sa_exc
    from sqlalchemy import insert

    from sid_model import TroubleTicket
    from sid_model.db import make_engine

    migrate(module_database_url)
    engine = make_engine(module_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(TroubleTicket).values(id="T-dup", name=PERSONAL))
        with pytest.raises(sa_exc.IntegrityError) as failed, engine.begin() as connection:
            connection.execute(insert(TroubleTicket).values(id="T-dup", name=PERSONAL))
        assert PERSONAL not in str(failed.value)
    finally:
        engine.dispose()


# -- backstops: what the checks above might miss is still no 500 ---------------------------------


def test_a_value_the_database_refuses_is_a_400_and_an_unreachable_one_a_503() -> None:
    import psycopg
    from sqlalchemy import exc as sa_exc

    from tmf_api.adapter.handlers import busy_as_503
    from tmf_api.errors import TMFError

    refused = sa_exc.DataError("SELECT", {}, psycopg.errors.InvalidRegularExpression(PERSONAL))
    with pytest.raises(TMFError) as raised, busy_as_503():
        raise refused
    assert raised.value.status == 400 and "2201B" in raised.value.message
    assert PERSONAL not in raised.value.message
    gone = sa_exc.OperationalError("SELECT", {}, psycopg.OperationalError("connection refused"))
    with pytest.raises(TMFError) as raised, busy_as_503():
        raise gone
    assert raised.value.status == 503 and raised.value.headers["Retry-After"].isdigit()
