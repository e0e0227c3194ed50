"""The registry of APIs (tmf_api/registry.py): the manifests are the one list of APIs."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conformance.profile import PROFILE_DIR, load_profile, profile_apis
from tmf_api.app import served_apis
from tmf_api.engine.assembly import assemble
from tmf_api.engine.mapping import MAPPINGS_ROOT
from tmf_api.registry import api_versions, load_mapping, manifest, manifests, rules
from tmf_api.settings import Settings
from tmf_api.specs import SPEC_ROOT

REPO_ROOT = Path(__file__).resolve().parents[1]
API_NUMBER = re.compile(r"^TMF\d{3}$")
VERSIONS = [pytest.param(v.api, v.version, id=f"{v.api}-{v.version}") for v in api_versions()]


def test_every_api_folder_has_a_manifest_named_after_it() -> None:
    folders = {p.name for p in MAPPINGS_ROOT.iterdir() if p.is_dir() and API_NUMBER.match(p.name)}
    assert folders == set(manifests())
    assert len(folders) >= 3


@pytest.mark.parametrize(("api", "version"), VERSIONS)
def test_manifest_names_files_that_exist(api: str, version: str) -> None:
    m = manifest(api)
    served = m.versions[version]
    assert (SPEC_ROOT / served.document).is_file()
    assert served.base_path == f"/tmf-api/{served.name}/{version}"
    mapping = load_mapping(api, version)
    assert mapping.base_path == served.base_path
    # Rules are keyed by resources the API has (in some version).
    every_resource = {path for v in m.versions for path in load_mapping(api, v).resources}
    assert set(rules(api)) <= every_resource
    for path in m.events:
        assert path in every_resource


@pytest.mark.parametrize(("api", "version"), VERSIONS)
def test_conformance_profile_agrees_with_the_manifest(api: str, version: str) -> None:
    m = manifest(api)
    assert m.conformance is not None and m.conformance in profile_apis()
    profile = load_profile(m.conformance, version, PROFILE_DIR)
    assert profile.official_spec == m.versions[version].official


def test_the_app_serves_what_the_registry_lists() -> None:
    assert [v.key for v in served_apis(Settings())] == [v.key for v in api_versions()]
    chosen = (("TMF621", "v5"),)
    assert [v.key for v in served_apis(Settings(apis=chosen))] == list(chosen)
    with pytest.raises(ValueError, match="TMF999"):
        served_apis(Settings(apis=(("TMF999", "v4"),)))


def test_adding_an_api_is_adding_a_folder(tmp_path: Path) -> None:
    """A copy of TMF621's folder under another number is a new API, with no list edited."""
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_ROOT, root)
    shutil.copytree(root / "TMF621", root / "TMF999")
    path = root / "TMF999" / "manifest.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["api"] = "TMF999"
    for spec in raw["versions"].values():
        spec["name"] = "copiedTicket"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    assert "TMF999" in manifests(root)
    copied = load_mapping("TMF999", "v5", root)
    assert copied.base_path == "/tmf-api/copiedTicket/v5"
    assert set(copied.resources) == set(load_mapping("TMF621", "v5").resources)
    assert copied.resources["hub"].scope == {"api": "TMF999", "version": "v5"}


def test_an_apis_own_templates_serve_its_resources_and_may_not_shadow_common_ones(tmp_path: Path) -> None:
    """TMF666's four account kinds are one template (mappings/TMF666/nodes.yaml), with its overlay."""
    v4, v5 = load_mapping("TMF666", "v4"), load_mapping("TMF666", "v5")
    for path in ("billingAccount", "settlementAccount", "partyAccount", "financialAccount"):
        assert v4.resources[path].node.column_for("lastModified") is not None
        assert v5.resources[path].node.column_for("lastUpdate") is not None
        assert v5.resources[path].scope == {"kind": path}
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_ROOT, root)
    own = root / "TMF666" / "nodes.yaml"
    own.write_text(
        own.read_text(encoding="utf-8") + "RelatedParty: {attributes: {id: party_id}}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="RelatedParty"):
        load_mapping("TMF666", "v4", root)


def test_overlays_change_only_what_they_name() -> None:
    v4 = load_mapping("TMF622", "v4")
    v5 = load_mapping("TMF622", "v5")
    order4, order5 = v4.nodes["ProductOrder"], v5.nodes["ProductOrder"]
    assert order4.column_for("orderDate") is not None and order4.column_for("creationDate") is None
    assert order5.column_for("creationDate") is not None and order5.column_for("orderDate") is None
    assert order4.collections["externalId"].scalar == "id"
    assert order5.collections["externalId"].scalar is None
    # Templates (mappings/common/nodes.yaml) carry the v5 party reference shape.
    assert v4.nodes["RelatedParty"].column_for("id") is not None
    assert v5.nodes["RelatedParty"].column_for("partyOrPartyRole.id") is not None
    assert v5.nodes["RelatedParty"].column_for("id") is None
    assert v5.resources["productOrder"].create_schema == "ProductOrder_FVO"
    assert v4.resources["productOrder"].create_schema == "ProductOrder_Create"
    # A resource of one version only.
    assert "troubleTicketSpecification" in load_mapping("TMF621", "v5").resources
    assert "troubleTicketSpecification" not in load_mapping("TMF621", "v4").resources


def test_assembly_refuses_conflicting_or_dangling_nodes() -> None:
    hub = yaml.safe_load((MAPPINGS_ROOT / "common" / "hub.yaml").read_text(encoding="utf-8"))
    note = {"entity": "ProductOrderNote", "attributes": {"text": "text"}}
    other = {"entity": "TroubleTicketNote", "attributes": {"text": "text"}}
    files = {
        "a": {"resource": {"node": "Note", "schema": "Note"}, "nodes": {"Note": note}},
        "b": {"resource": {"node": "Note", "schema": "Note"}, "nodes": {"Note": other}},
    }
    with pytest.raises(ValueError, match="defined differently"):
        assemble("TMF000", "v4", "x", files, {}, hub)
    dangling = {"a": files["a"] | {"versions": {"v5": {"nodes": {"Missing": {"attributes": {}}}}}}}
    with pytest.raises(ValueError, match="unknown node"):
        assemble("TMF000", "v5", "x", dangling, {}, hub)
    with pytest.raises(ValueError, match="unknown template"):
        assemble("TMF000", "v4", "x", {"a": {"resource": {}, "nodes": {"N": {"like": "Nope"}}}}, {}, hub)


def _api_numbers(element: ast.expr) -> set[str]:
    """API numbers an element of a literal names: itself, or inside a tuple key ("TMF622", "v4")."""
    parts = element.elts if isinstance(element, ast.Tuple) else [element]
    texts = [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return {text for text in texts if API_NUMBER.match(text)}


def _api_lists(tree: ast.AST) -> list[int]:
    """Line numbers of literals listing two or more API numbers ("TMF622", "TMF621" …)."""
    found = []
    for node in ast.walk(tree):
        elements: list[ast.expr | None]
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = list(node.elts)
        elif isinstance(node, ast.Dict):
            elements = list(node.keys)
        else:
            continue
        numbers = {n for e in elements if e is not None for n in _api_numbers(e)}
        if len(numbers) >= 2:
            found.append(node.lineno)
    return found


def test_no_list_of_apis_outside_the_manifests() -> None:
    """Code derives its lists of APIs from the registry (or the conformance profiles): none is typed."""
    offenders = []
    for folder in ("tmf_api", "sid_model", "conformance", "bench", "tests"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            for line in _api_lists(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{line}")
    assert not offenders, "lists of APIs typed out instead of read from the registry: " + ", ".join(offenders)


def test_the_guard_sees_a_typed_list() -> None:
    assert _api_lists(ast.parse('APIS = ("TMF622", "TMF621")')) == [1]
    assert _api_lists(ast.parse('X = {"TMF622": 1, "TMF678": 2}')) == [1]
    assert _api_lists(ast.parse('X = {("TMF622", "v4"): 1, ("TMF621", "v4"): 2}')) == [1]
    assert _api_lists(ast.parse('one = ["TMF622"]')) == []
    assert _api_lists(ast.parse('X = [("TMF622", "v4"), ("TMF622", "v5")]')) == []
