"""Generic TMF630 contract tests, written once; each resource fills them with its own data.

A test class mixes in the contracts its resource supports and sets the data attributes below.
Every test makes its own rows, tagged with a unique marker value, and filters on that marker, so
the classes can share one database per module without seeing each other's rows.

The classes run on SQLite and on PostgreSQL (`api_client`), except the contracts marked
`one_store`: those decided before a row is read or written (request parsing and validation,
routing, media types, server-owned attributes), which run on SQLite only
(tests/fixtures/databases.py). Whatever reads or writes the store, filters, sorting, paging,
round trips, patches, lifecycles and lookups by id included, runs on both.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, ClassVar

import httpx
import pytest

from tests.fixtures.app import CheckedClient

# A contract decided before the store is reached: run on SQLite only (see the module's docstring).
one_store = pytest.mark.one_store


def assert_tmf_error(response: httpx.Response, status: int, *, mentions: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert {"code", "reason", "message", "status"} <= set(body), body
    assert body["status"] == str(status)
    assert "Traceback" not in response.text and ".py" not in response.text
    if mentions is not None:
        assert mentions in body["message"], body
    return body


class ResourceCase:
    """Data a resource provides to the contracts.

    The data of every contract is declared here, once, rather than in the contract that reads it:
    a resource's own base class (a `ProductOrderCase` shared by its v4 and v5 tests) can then fill
    in the data of contracts it does not mix in itself, beside which each test class mixes in the
    contracts it runs, with no two of its bases declaring one attribute with two types.
    """

    # -- every contract --------------------------------------------------------------------------
    base: ClassVar[str]  # e.g. /tmf-api/productOrderingManagement/v4
    resource: ClassVar[str]  # e.g. productOrder
    schema_name: ClassVar[str]  # e.g. ProductOrder
    marker_attribute: ClassVar[str]  # a free-text attribute the body carries the marker in
    date_attribute: ClassVar[str]  # a date-time attribute (dotted into an object if need be)
    mandatory: ClassVar[tuple[str, ...]]  # attributes every response carries
    merge_patch_base: ClassVar[dict[str, Any]] = {}  # what every merge patch carries (v5: `@type`)

    # -- QueryContract ---------------------------------------------------------------------------
    # (dotted path into a child, value the body has there): set on the class, or on the test's own
    # instance (in an autouse fixture, or in `create`) where the value is known only per test.
    nested_filter: tuple[str, str]
    collection_methods: ClassVar[tuple[str, ...]] = ("GET", "POST")

    # -- PatchContract, JsonPatchContract --------------------------------------------------------
    patch_media_types: ClassVar[tuple[str, ...]]
    patch_attribute: ClassVar[str]  # a free-text attribute clients may change
    server_owned: ClassVar[tuple[str, ...]]  # attributes a patch may not touch
    updated_on_patch: ClassVar[tuple[str, ...]] = ()  # server-kept attributes every patch refreshes
    json_patch_query: ClassVar[tuple[str, str, Any]]  # (query path, attribute, new value) for a child

    # -- LifecycleContract -----------------------------------------------------------------------
    state_attribute: ClassVar[str] = "state"
    legal_path: ClassVar[tuple[str, ...]]  # states reachable one after another from the initial one
    illegal_from_initial: ClassVar[str]
    final_state: ClassVar[str]

    def body(self, marker: str) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{self.base}/{self.resource}"

    def create(self, client: CheckedClient, marker: str | None = None) -> dict[str, Any]:
        response = client.post(self.url, json=self.body(marker or self.new_marker()))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def marker_of(self, doc: dict[str, Any]) -> Any:
        return self.at(doc, self.marker_attribute)

    @staticmethod
    def at(doc: dict[str, Any], dotted: str) -> Any:
        """The value at a dotted attribute path (`validFor.startDateTime`)."""
        value: Any = doc
        for name in dotted.split("."):
            value = value[name]
        return value

    @property
    def marker_top(self) -> str:
        return self.marker_attribute.split(".")[0]

    @staticmethod
    def new_marker() -> str:
        return f"marker-{uuid.uuid4().hex[:12]}"

    def list(self, client: CheckedClient, params: dict[str, Any] | list[tuple[str, str]]) -> httpx.Response:
        response: httpx.Response = client.get(self.url, params=params)  # Any to mypy: see CheckedClient
        return response


class CreateContract(ResourceCase):
    """POST behaviour, for resources clients create."""

    def test_create_answers_201_with_location_id_href_and_server_attributes(
        self, api_client: CheckedClient
    ) -> None:
        marker = self.new_marker()
        response = api_client.post(self.url, json=self.body(marker))
        assert response.status_code == 201, response.text
        doc = response.json()
        assert doc["id"] and doc["href"].startswith("http://tmf.test/")
        assert doc["href"].endswith(f"{self.url}/{doc['id']}")
        assert response.headers["location"] == doc["href"]
        assert doc[self.marker_attribute] == marker
        assert set(self.mandatory) <= set(doc), doc
        dt.datetime.fromisoformat(self.at(doc, self.date_attribute))
        assert doc["@type"] == self.schema_name

    @one_store
    def test_create_ignores_client_supplied_id_and_href(self, api_client: CheckedClient) -> None:
        body = self.body(self.new_marker()) | {"id": "client-chosen", "href": "http://elsewhere/x"}
        doc = api_client.post(self.url, json=body).json()
        assert doc["id"] != "client-chosen" and "elsewhere" not in doc["href"]

    def test_create_keeps_unmapped_attributes_losslessly(self, api_client: CheckedClient) -> None:
        extra = {"x-partnerRef": {"code": "渠道-42", "levels": [1, 2, {"deep": True}]}}
        doc = api_client.post(self.url, json=self.body(self.new_marker()) | extra).json()
        again = api_client.get(f"{self.url}/{doc['id']}").json()
        assert again["x-partnerRef"] == extra["x-partnerRef"]

    @one_store
    def test_malformed_json_is_a_400_tmf_error(self, api_client: CheckedClient) -> None:
        response = api_client.post(
            self.url, content=b'{"broken": ', headers={"content-type": "application/json"}
        )
        assert_tmf_error(response, 400)

    @one_store
    def test_schema_violation_is_a_400_tmf_error_and_stores_nothing(self, api_client: CheckedClient) -> None:
        marker = self.new_marker()
        body = self.body(marker)
        body[self.marker_attribute] = {"not": "a string"}
        assert_tmf_error(api_client.post(self.url, json=body), 400)
        body = self.body(marker)
        assert self.list(api_client, {self.marker_attribute: marker}).json() == []

    @one_store
    def test_wrong_media_type_on_create_is_415(self, api_client: CheckedClient) -> None:
        response = api_client.post(
            self.url, content=json.dumps(self.body(self.new_marker())), headers={"content-type": "text/plain"}
        )
        assert_tmf_error(response, 415)


class QueryContract(ResourceCase):
    """Retrieve and list behaviour (TMF630 part 1), for every resource.

    Reads `nested_filter` and `collection_methods` besides the data of every contract.
    """

    def test_retrieve_returns_what_was_created(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        response = api_client.get(f"{self.url}/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created

    def test_retrieve_unknown_id_is_404_tmf_error(self, api_client: CheckedClient) -> None:
        assert_tmf_error(api_client.get(f"{self.url}/{uuid.uuid4()}"), 404)

    def test_retrieve_with_fields(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        doc = api_client.get(f"{self.url}/{created['id']}", params={"fields": self.marker_attribute}).json()
        assert set(doc) - {"@type"} == {"id", "href", self.marker_top}

    @one_store
    def test_trailing_slash_forms_behave_like_plain_ones(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        item = api_client.get(f"{self.url}/{created['id']}/", params={"fields": self.marker_attribute})
        assert item.status_code == 200 and self.marker_of(item.json()) == self.marker_of(created)
        listed = api_client.get(f"{self.url}/", params={self.marker_attribute: self.marker_of(created)})
        assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [created["id"]]

    # -- list: filters ---------------------------------------------------------------------------
    def test_list_equality_filter_on_first_level_attribute(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        self.create(api_client)
        response = self.list(api_client, {self.marker_attribute: self.marker_of(created)})
        assert response.status_code == 200
        assert [d["id"] for d in response.json()] == [created["id"]]
        assert response.headers["x-total-count"] == "1" and response.headers["x-result-count"] == "1"

    def test_list_filter_on_id(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        assert [d["id"] for d in self.list(api_client, {"id": created["id"]}).json()] == [created["id"]]

    def test_list_filter_on_nested_attribute(self, api_client: CheckedClient) -> None:
        marker = self.new_marker()
        created = self.create(api_client, marker)
        path, value = self.nested_filter
        hit = self.list(api_client, {self.marker_attribute: marker, path: value}).json()
        assert [d["id"] for d in hit] == [created["id"]]
        other = "noChange" if value != "noChange" else "add"
        miss = self.list(api_client, {self.marker_attribute: marker, path: other})
        assert miss.status_code == 200 and miss.json() == []

    def test_list_date_operators(self, api_client: CheckedClient) -> None:
        marker = self.new_marker()
        created = self.create(api_client, marker)
        when = self.at(created, self.date_attribute)
        attr = self.date_attribute
        cases = {
            f"{attr}.gt": [],
            f"{attr}.gte": [created["id"]],
            f"{attr}.lt": [],
            f"{attr}.lte": [created["id"]],
            f"{attr}.eq": [created["id"]],
            f"{attr}": [created["id"]],
            f"{attr}.ne": [],
        }
        for parameter, expected in cases.items():
            got = self.list(api_client, {self.marker_attribute: marker, parameter: when}).json()
            assert [d["id"] for d in got] == expected, parameter
        earlier = "2000-01-01T00:00:00Z"
        got = self.list(api_client, {self.marker_attribute: marker, f"{attr}.gt": earlier}).json()
        assert [d["id"] for d in got] == [created["id"]]

    def test_list_or_by_comma_and_by_repetition_and_across_parameters(
        self, api_client: CheckedClient
    ) -> None:
        first, second, third = self.create(api_client), self.create(api_client), self.create(api_client)
        markers = [self.marker_of(first), self.marker_of(second)]
        by_comma = self.list(api_client, {self.marker_attribute: ",".join(markers)}).json()
        assert sorted(d["id"] for d in by_comma) == sorted([first["id"], second["id"]])
        repeated = self.list(api_client, [(self.marker_attribute, m) for m in markers]).json()
        assert sorted(d["id"] for d in repeated) == sorted([first["id"], second["id"]])
        anded = self.list(api_client, {self.marker_attribute: ",".join(markers), "id": second["id"]}).json()
        assert [d["id"] for d in anded] == [second["id"]]
        assert third["id"] not in {d["id"] for d in by_comma}

    def test_list_not_equal_and_regex(self, api_client: CheckedClient) -> None:
        prefix = self.new_marker()
        first = self.create(api_client, f"{prefix}-a")
        second = self.create(api_client, f"{prefix}-b")
        regex = self.list(api_client, {f"{self.marker_attribute}*": f"^{prefix}-(a|b)$"}).json()
        assert sorted(d["id"] for d in regex) == sorted([first["id"], second["id"]])
        dotted = self.list(api_client, {f"{self.marker_attribute}.regex": f"{prefix}-b$"}).json()
        assert [d["id"] for d in dotted] == [second["id"]]
        ne = self.list(
            api_client,
            {f"{self.marker_attribute}.regex": f"^{prefix}", f"{self.marker_attribute}.ne": f"{prefix}-a"},
        ).json()
        assert [d["id"] for d in ne] == [second["id"]]

    @one_store
    @pytest.mark.parametrize(
        ("parameter", "value"),
        [
            ("noSuchAttribute", "x"),
            ("id.gt.lt", "x"),
            ("id.like", "x"),
            ("offset", "-1"),
            ("limit", "zero"),
            ("fields", "noSuchAttribute"),
            ("sort", "noSuchAttribute"),
        ],
    )
    def test_list_bad_parameters_are_400_naming_the_parameter(
        self, api_client: CheckedClient, parameter: str, value: str
    ) -> None:
        body = assert_tmf_error(self.list(api_client, {parameter: value}), 400)
        assert parameter.split(".")[0] in body["message"], body

    def test_list_bad_values_are_400(self, api_client: CheckedClient) -> None:
        assert_tmf_error(
            self.list(api_client, {f"{self.date_attribute}.gt": "yesterday"}),
            400,
            mentions=self.date_attribute,
        )
        assert_tmf_error(self.list(api_client, {f"{self.marker_attribute}*": "(unclosed"}), 400)

    # -- list: fields, sort, paging --------------------------------------------------------------
    def test_list_fields_and_fields_none(self, api_client: CheckedClient) -> None:
        marker = self.new_marker()
        self.create(api_client, marker)
        docs = self.list(api_client, {self.marker_attribute: marker, "fields": self.marker_attribute}).json()
        assert set(docs[0]) - {"@type"} == {"id", "href", self.marker_top}
        docs = self.list(api_client, {self.marker_attribute: marker, "fields": "none"}).json()
        assert set(docs[0]) - {"@type"} == {"id", "href"}

    def test_list_sort_ascending_and_descending(self, api_client: CheckedClient) -> None:
        prefix = self.new_marker()
        made = [self.create(api_client, f"{prefix}-{suffix}") for suffix in ("b", "c", "a")]
        ids = {self.marker_of(doc): doc["id"] for doc in made}
        params = {f"{self.marker_attribute}.regex": f"^{prefix}"}
        up = self.list(api_client, params | {"sort": self.marker_attribute}).json()
        assert [d["id"] for d in up] == [ids[f"{prefix}-{s}"] for s in "abc"]
        down = self.list(api_client, params | {"sort": f"-{self.marker_attribute}"}).json()
        assert [d["id"] for d in down] == [ids[f"{prefix}-{s}"] for s in "cba"]

    def test_list_paging_headers_and_206(self, api_client: CheckedClient) -> None:
        prefix = self.new_marker()
        made = [self.create(api_client, f"{prefix}-{n}") for n in range(5)]
        params = {f"{self.marker_attribute}.regex": f"^{prefix}", "sort": self.marker_attribute}
        whole = self.list(api_client, params)
        assert whole.status_code == 200
        assert whole.headers["x-total-count"] == "5" and whole.headers["x-result-count"] == "5"
        page = self.list(api_client, params | {"offset": "1", "limit": "2"})
        assert page.status_code == 206
        assert page.headers["x-total-count"] == "5" and page.headers["x-result-count"] == "2"
        assert [d["id"] for d in page.json()] == [made[1]["id"], made[2]["id"]]
        tail = self.list(api_client, params | {"offset": "4", "limit": "2"})
        assert tail.status_code == 206 and [d["id"] for d in tail.json()] == [made[4]["id"]]
        beyond = self.list(api_client, params | {"offset": "10"})
        assert beyond.status_code == 206 and beyond.json() == [] and beyond.headers["x-total-count"] == "5"

    # -- methods ---------------------------------------------------------------------------------
    @one_store
    def test_undeclared_method_is_405_with_allow(self, api_client: CheckedClient) -> None:
        response = api_client.put(self.url, json={})
        assert_tmf_error(response, 405)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == set(self.collection_methods)

    @one_store
    def test_unknown_path_is_404_tmf_error(self, api_client: CheckedClient) -> None:
        assert_tmf_error(api_client.get(f"{self.base}/noSuchResource"), 404)


class PatchContract(ResourceCase):
    """Merge patch; reads `patch_media_types`, `patch_attribute`, `server_owned`, `updated_on_patch`."""

    def test_merge_patch_changes_only_what_it_names(self, api_client: CheckedClient) -> None:
        for media_type in ("application/merge-patch+json", "application/json"):
            created = self.create(api_client)
            response = api_client.patch(
                f"{self.url}/{created['id']}",
                content=json.dumps(self.merge_patch_base | {self.patch_attribute: "改了"}),
                headers={"content-type": media_type},
            )
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/json")
            doc = response.json()
            assert doc[self.patch_attribute] == "改了"
            untouched = {self.patch_attribute, *self.updated_on_patch}
            assert {k: v for k, v in doc.items() if k not in untouched} == {
                k: v for k, v in created.items() if k not in untouched
            }
            for name in self.updated_on_patch:
                assert doc[name] >= created[name]
            assert api_client.get(f"{self.url}/{created['id']}").json() == doc

    def test_merge_patch_null_removes(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        doc = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(self.merge_patch_base | {self.patch_attribute: None}),
            headers={"content-type": "application/merge-patch+json"},
        ).json()
        assert self.patch_attribute not in doc

    @one_store
    def test_server_owned_attributes_are_refused(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        for name in self.server_owned:
            response = api_client.patch(
                f"{self.url}/{created['id']}",
                content=json.dumps(
                    self.merge_patch_base | {name: "2000-01-01T00:00:00Z" if "Date" in name else "x"}
                ),
                headers={"content-type": "application/merge-patch+json"},
            )
            assert_tmf_error(response, 400, mentions=name)
        assert api_client.get(f"{self.url}/{created['id']}").json() == created

    @one_store
    def test_unsupported_patch_media_type_is_415(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        response = api_client.patch(
            f"{self.url}/{created['id']}", content="{}", headers={"content-type": "text/plain"}
        )
        assert_tmf_error(response, 415)
        if "application/json-patch+json" not in self.patch_media_types:
            response = api_client.patch(
                f"{self.url}/{created['id']}",
                content="[]",
                headers={"content-type": "application/json-patch+json"},
            )
            assert_tmf_error(response, 415)

    def test_patch_unknown_id_is_404(self, api_client: CheckedClient) -> None:
        response = api_client.patch(
            f"{self.url}/{uuid.uuid4()}",
            content=json.dumps(self.merge_patch_base),
            headers={"content-type": "application/merge-patch+json"},
        )
        assert_tmf_error(response, 404)

    def test_invalid_patch_is_400_and_changes_nothing(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        response = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(self.merge_patch_base | {self.patch_attribute: 42}),
            headers={"content-type": "application/merge-patch+json"},
        )
        assert_tmf_error(response, 400)
        assert api_client.get(f"{self.url}/{created['id']}").json() == created


class JsonPatchContract(PatchContract):
    """JSON Patch and JSON Patch Query besides merge patch; reads `json_patch_query` too."""

    def test_json_patch(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        ops = [
            {"op": "test", "path": f"/{self.marker_attribute}", "value": self.marker_of(created)},
            {"op": "replace", "path": f"/{self.patch_attribute}", "value": "JSON Patch 改"},
        ]
        response = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch+json"},
        )
        assert response.status_code == 200, response.text
        assert response.json()[self.patch_attribute] == "JSON Patch 改"

    def test_json_patch_failed_test_changes_nothing(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        ops = [
            {"op": "replace", "path": f"/{self.patch_attribute}", "value": "never"},
            {"op": "test", "path": f"/{self.marker_attribute}", "value": "something else"},
        ]
        response = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch+json"},
        )
        assert_tmf_error(response, 400)
        assert api_client.get(f"{self.url}/{created['id']}").json() == created

    @one_store
    def test_json_patch_on_server_owned_is_refused(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        ops = [{"op": "replace", "path": f"/{self.server_owned[0]}", "value": "x"}]
        response = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch+json"},
        )
        assert_tmf_error(response, 400, mentions=self.server_owned[0])

    def test_json_patch_query(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        path, attribute, value = self.json_patch_query
        ops = [{"op": "replace", "path": path, "value": value}]
        response = api_client.patch(
            f"{self.url}/{created['id']}",
            content=json.dumps(ops),
            headers={"content-type": "application/json-patch-query+json"},
        )
        assert response.status_code == 200, response.text
        collection = path.strip("/").split("/", 1)[0]
        assert response.json()[collection][0][attribute] == value


class DeleteContract(ResourceCase):
    def test_delete_then_404(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        response = api_client.delete(f"{self.url}/{created['id']}")
        assert response.status_code == 204 and response.content == b""
        assert_tmf_error(api_client.get(f"{self.url}/{created['id']}"), 404)
        assert_tmf_error(api_client.delete(f"{self.url}/{created['id']}"), 404)
        assert self.list(api_client, {"id": created["id"]}).json() == []


class LifecycleContract(ResourceCase):
    """State moves; reads `state_attribute`, `legal_path`, `illegal_from_initial`, `final_state`."""

    def _patch_state(self, client: CheckedClient, id_: str, state: str) -> httpx.Response:
        response: httpx.Response = client.patch(  # Any to mypy: see CheckedClient
            f"{self.url}/{id_}",
            content=json.dumps(self.merge_patch_base | {self.state_attribute: state}),
            headers={"content-type": "application/merge-patch+json"},
        )
        return response

    def test_legal_transitions_are_applied(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        for state in self.legal_path:
            response = self._patch_state(api_client, created["id"], state)
            assert response.status_code == 200, response.text
            assert response.json()[self.state_attribute] == state

    def test_illegal_transition_is_409_naming_current_and_allowed(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        current = created[self.state_attribute]
        body = assert_tmf_error(self._patch_state(api_client, created["id"], self.illegal_from_initial), 409)
        assert current in body["message"] and self.legal_path[0] in body["message"]
        assert api_client.get(f"{self.url}/{created['id']}").json()[self.state_attribute] == current

    def test_final_state_allows_no_move(self, api_client: CheckedClient) -> None:
        created = self.create(api_client)
        for state in self.legal_path:
            assert self._patch_state(api_client, created["id"], state).status_code == 200
        assert self.legal_path[-1] == self.final_state
        assert_tmf_error(
            self._patch_state(api_client, created["id"], self.legal_path[0]), 409, mentions="final"
        )

    def test_list_filter_on_state(self, api_client: CheckedClient) -> None:
        marker = self.new_marker()
        created = self.create(api_client, marker)
        attr, value, other = self.state_attribute, created[self.state_attribute], self.final_state
        found = self.list(api_client, {self.marker_attribute: marker, attr: value}).json()
        assert [d["id"] for d in found] == [created["id"]]
        assert self.list(api_client, {self.marker_attribute: marker, attr: other}).json() == []
        assert_tmf_error(self.list(api_client, {attr: "noSuchState"}), 400, mentions=attr)


class ReadContract(CreateContract, QueryContract):
    """Everything a resource clients create and read must do."""
