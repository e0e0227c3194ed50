"""ETag on every single-resource response; If-Match on PATCH and DELETE (412), If-None-Match on GET (304).

Written once over every resource of every API version the registry serves: the resources and
their data come from tests/api/test_statement_counts.py, and a guard checks that no served
single-resource GET is missing from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conformance.profile import PROFILE_DIR
from tests.api.contract import assert_tmf_error
from tests.api.test_statement_counts import EXPECTED, MERGE, ROOTS, _bodies, _existing, _patch_body
from tests.api.test_tmf622 import V4, V5, order_v4, order_v5
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.adapter.conditional import document_tag, entity_tag, if_none_match_hit, require_match
from tmf_api.engine.resource import RequestContext
from tmf_api.errors import TMFError
from tmf_api.registry import api_versions, load_mapping, manifests
from tmf_api.specs import load_document

STRONG = re.compile(r'^"[0-9a-f]{32}"$')


def _keys(*operations: str) -> list[tuple[str, str, str]]:
    return sorted({(a, v, r) for (a, v, r, op) in EXPECTED if op in operations})


def _served(method: str, *, item: bool) -> list[tuple[str, str, str]]:
    """(API, version, collection) of every `method` on a collection path (`/<collection>`) or, with
    `item`, on an item path (`/<collection>/{id}`) that the registry's documents serve."""
    found = set()
    for served in api_versions():
        collections = load_mapping(served.api, served.version).resources
        for template, operations in load_document(served.document)["paths"].items():
            segments = template.strip("/").split("/")
            if len(segments) == (2 if item else 1) and method in operations and segments[0] in collections:
                found.add((served.api, served.version, segments[0]))
    # Every API's hub is the one shared resource (mappings/common/hub.yaml): one API's per version
    # stands for all, to keep the suite's time.
    hub_api: dict[str, str] = {}
    for api, version, resource in sorted(found):
        if resource == "hub":
            hub_api.setdefault(version, api)
    return sorted(key for key in found if key[2] != "hub" or key[0] == hub_api[key[1]])


# From the documents, not from the statement-count table: every API the registry serves is covered
# (the table holds only the resources whose statements are pinned).
RETRIEVABLE = _served("get", item=True)
CREATABLE = _served("post", item=False)
PATCHABLE = _served("patch", item=True)
DELETABLE = _served("delete", item=True)


def _ids(keys: list[tuple[str, str, str]]) -> list[Any]:
    return [pytest.param(*key, id="-".join(key)) for key in keys]


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[CheckedClient]:
    with make_client(module_database_url, dispatch_events=False) as checked:
        yield checked


def _url(api: str, version: str, resource: str, id_: str) -> str:
    return f"{ROOTS[api, version]}/{resource}/{id_}"


# --- the parts ----------------------------------------------------------------------------------


def test_a_tag_is_strong_and_names_the_bytes() -> None:
    assert STRONG.match(entity_tag(b"{}"))
    assert entity_tag(b'{"a":1}') != entity_tag(b'{"a":2}')
    assert document_tag({"名": "张伟"}) == entity_tag('{"名":"张伟"}'.encode())


def test_if_none_match_compares_weakly_and_knows_the_star() -> None:
    tag = entity_tag(b"x")
    assert if_none_match_hit(tag, tag) and if_none_match_hit(f'"other", W/{tag}', tag)
    assert if_none_match_hit("*", tag)
    assert not if_none_match_hit('"other"', tag) and not if_none_match_hit(None, tag)


def test_if_match_compares_strongly() -> None:
    doc = {"id": "1"}
    tag = document_tag(doc)
    assert require_match(None, "X 1") is None
    for passes in (tag, f'"other", {tag}', "*"):
        check = require_match(passes, "X 1")
        assert check is not None
        check(doc)
    for fails in (f"W/{tag}", '"other"'):
        check = require_match(fails, "X 1")
        assert check is not None
        with pytest.raises(TMFError) as raised:
            check(doc)
        assert raised.value.status == 412 and raised.value.headers["ETag"] == tag


# --- over HTTP, every resource -------------------------------------------------------------------


def _stored(api: str, version: str, resource: str, client: CheckedClient) -> dict[str, Any]:
    if resource == "billCycle":  # reference data, no POST: written through the engine directly
        runtime = next(r for r in client.app.runtimes if r.base_path == f"{ROOTS[api, version]}")
        with client.app.sessions.begin() as session:
            body = {"@type": "BillCycle", "name": "月结账期", "billingDate": "2026-12-01T00:00:00Z"}
            doc: dict[str, Any] = runtime.services[resource].create(
                session, body, RequestContext("http://tmf.test")
            )
            return doc
    return _existing(api, version, resource, client)[0]


def test_the_resources_read_by_id_are_many() -> None:
    # The registry is read: at least every resource the statement counts read or change, the hubs,
    # and every API.
    for served, counted in ((RETRIEVABLE, "retrieve"), (CREATABLE, "create"), (PATCHABLE, "patch")):
        assert {k for k in _keys(counted) if k[2] != "hub"} < set(served), counted
    assert any(resource == "hub" for _, _, resource in RETRIEVABLE)
    apis = {served.api for served in api_versions()}
    assert {api for api, _, _ in CREATABLE} == apis
    # Every API whose documents change anything by PATCH (TMF676's changes nothing so); TMF678
    # deletes nothing but hubs.
    patching = {
        v.api
        for v in api_versions()
        if any("patch" in operations for operations in load_document(v.document)["paths"].values())
    }
    assert {api for api, _, _ in PATCHABLE} == patching and len(patching) >= len(apis) - 1


def _patch_for(api: str, version: str, resource: str) -> Any:
    """A merge patch changing one attribute: the statement counts' one, else the conformance
    profile's (every resource a client may patch has one)."""
    try:
        return _patch_body(version, resource)
    except AssertionError:
        pass
    manifest = manifests()[api]
    profile = yaml.safe_load((PROFILE_DIR / f"{manifest.conformance}.yaml").read_text(encoding="utf-8"))
    entry = next(r for r in profile["versions"][version]["resources"] if r["path"] == resource)
    patch = entry["patch"]
    return dict(patch.get("base", {})) | {patch["attribute"]: patch["value"]}


@pytest.mark.parametrize(("api", "version", "resource"), _ids(RETRIEVABLE))
def test_a_get_carries_a_strong_etag_and_honours_if_none_match(
    client: CheckedClient, api: str, version: str, resource: str
) -> None:
    doc = _stored(api, version, resource, client)
    url = _url(api, version, resource, doc["id"])
    first = client.get(url)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert STRONG.match(tag), tag
    assert tag == entity_tag(first.content)
    assert client.get(url).headers["etag"] == tag  # nothing changed, the same tag
    for matching in (tag, f"W/{tag}", f'"nope", {tag}', "*"):
        cached = client.get(url, headers={"If-None-Match": matching})
        assert cached.status_code == 304, (matching, cached.text)
        assert cached.content == b"" and cached.headers["etag"] == tag
    fresh = client.get(url, headers={"If-None-Match": '"nope"'})
    assert fresh.status_code == 200 and fresh.json() == first.json() and fresh.headers["etag"] == tag
    # A `fields` selection is another representation, with a tag of its own.
    part = client.get(url, params={"fields": "id"})
    assert part.status_code == 200 and part.headers["etag"] not in (tag, None)
    assert (
        client.get(url, params={"fields": "id"}, headers={"If-None-Match": part.headers["etag"]}).status_code
        == 304
    )


@pytest.mark.parametrize(("api", "version", "resource"), _ids(CREATABLE))
def test_a_create_carries_the_etag_a_read_then_gets(
    client: CheckedClient, api: str, version: str, resource: str
) -> None:
    body = _bodies(api, version, resource, client)(f"etag-{resource}")
    created = client.post(f"{ROOTS[api, version]}/{resource}", json=body)
    assert created.status_code == 201, created.text
    tag = created.headers["etag"]
    assert STRONG.match(tag) and tag == entity_tag(created.content)
    read = client.get(created.headers["location"].removeprefix(str(client.base_url)))
    if read.status_code != 405:  # v4 hubs cannot be read back
        assert read.headers["etag"] == tag


def test_one_order_read_through_v4_and_v5_has_two_tags(client: CheckedClient) -> None:
    order = client.post(f"{V4}/productOrder", json=order_v4("two tags")).json()
    v4 = client.get(f"{V4}/productOrder/{order['id']}")
    v5 = client.get(f"{V5}/productOrder/{order['id']}")
    assert v4.content != v5.content and v4.headers["etag"] != v5.headers["etag"]
    # A v4 tag says nothing about the v5 representation: If-Match of it fails there.
    response = client.patch(
        f"{V5}/productOrder/{order['id']}",
        json={"@type": "ProductOrder", "category": "v5"},
        headers={"Content-Type": MERGE, "If-Match": v4.headers["etag"]},
    )
    assert_tmf_error(response, 412, mentions=v5.headers["etag"])


@pytest.mark.parametrize(("api", "version", "resource"), _ids(PATCHABLE))
def test_a_patch_honours_if_match(client: CheckedClient, api: str, version: str, resource: str) -> None:
    doc, _ = _existing(api, version, resource, client)
    url = _url(api, version, resource, doc["id"])
    old = client.get(url).headers["etag"]
    patch = _patch_for(api, version, resource)
    changed = client.patch(url, json=patch, headers={"Content-Type": MERGE, "If-Match": old})
    assert changed.status_code == 200, changed.text
    new = changed.headers["etag"]
    assert STRONG.match(new) and new != old and new == entity_tag(changed.content)
    assert client.get(url).headers["etag"] == new
    for stale in (old, f"W/{new}", '"nope"'):
        refused = client.patch(url, json=patch, headers={"Content-Type": MERGE, "If-Match": stale})
        body = assert_tmf_error(refused, 412, mentions=new)
        assert body["reason"] == "Precondition Failed" and refused.headers["etag"] == new
    assert client.get(url).headers["etag"] == new  # a refused patch changed nothing
    assert client.patch(url, json=patch, headers={"Content-Type": MERGE, "If-Match": "*"}).status_code == 200
    missing = client.patch(
        _url(api, version, resource, "no-such-id"),
        json=patch,
        headers={"Content-Type": MERGE, "If-Match": "*"},
    )
    assert_tmf_error(missing, 404)


@pytest.mark.parametrize(("api", "version", "resource"), _ids(DELETABLE))
def test_a_delete_honours_if_match(client: CheckedClient, api: str, version: str, resource: str) -> None:
    doc, _ = _existing(api, version, resource, client)
    url = _url(api, version, resource, doc["id"])
    readable = (api, version, resource) in RETRIEVABLE
    # Without a GET by id (TMF622 v5 hub), the tag is the one the POST answered with.
    tag = client.get(url).headers["etag"] if readable else document_tag(doc)
    assert_tmf_error(client.delete(url, headers={"If-Match": '"nope"'}), 412, mentions=tag)
    if readable:
        assert client.get(url).status_code == 200
    assert client.delete(url, headers={"If-Match": tag}).status_code == 204
    assert_tmf_error(client.delete(url, headers={"If-Match": "*"}), 404)


def test_a_change_the_server_makes_moves_the_tag(client: CheckedClient) -> None:
    order = client.post(f"{V5}/productOrder", json=order_v5("cancelled by task")).json()
    url = f"{V5}/productOrder/{order['id']}"
    before = client.get(url).headers["etag"]
    ref = {"@type": "ProductOrderRef", "id": order["id"]}
    cancel = client.post(
        f"{V5}/cancelProductOrder", json={"@type": "CancelProductOrder", "productOrder": ref}
    )
    assert cancel.status_code == 201 and cancel.json()["state"] == "done", cancel.text
    assert client.get(url).headers["etag"] != before
    assert client.get(url, headers={"If-None-Match": before}).status_code == 200
    assert_tmf_error(client.delete(url, headers={"If-Match": before}), 412)
