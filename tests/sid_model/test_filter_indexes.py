"""Every attribute clients filter orders, tickets and bills on has an index, or says why not.

The filterable attributes come from the official documents (TMF630 filters apply to the plain
first-level attributes of the listed resource and to the `id` of its first-level references;
child collections are filtered by their ids, the ids of their references and their enumerated
values). Each is walked through the mapping to its column, which must lead an index (after the
child's foreign key, for a child table) unless the resource's mapping declares it `unindexed`
with a reason. Attributes the mapping keeps in the `extension` JSON are served on PostgreSQL by
the GIN index on the root table's `extension` column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, PrimaryKeyConstraint, UniqueConstraint, inspect

from sid_model import Base
from sid_model.db import make_engine, upgrade
from tests.fixtures.reference import OFFICIAL_DOCUMENTS, require_reference
from tmf_api.engine.mapping import ApiMapping
from tmf_api.engine.schema import SchemaView
from tmf_api.registry import load_mapping, manifests
from tmf_api.resources import load_yaml

# The lists people filter (orders, tickets, bills …), in every generation: the manifests'.
LISTED = [
    (v.api, v.version, resource)
    for m in manifests().values()
    for v in m.versions.values()
    for resource in m.indexed_lists
]

_SCALARS = {"string", "integer", "number", "boolean"}


def _reference_root() -> Path:
    # Raises when TMF_REFERENCE_DIR names a missing folder: that must fail the test. Only an
    # unset variable with no sibling checkout skips.
    return require_reference()


def _official_document(root: Path, api: str, version: str) -> dict[str, Any]:
    path = root / OFFICIAL_DOCUMENTS[(api, version)]
    with path.open(encoding="utf-8") as fh:
        raw: dict[str, Any] = load_yaml(fh) if path.suffix in (".yaml", ".yml") else json.load(fh)
    if "definitions" in raw:  # Swagger 2.0: SchemaView resolves every $ref by its last segment
        raw = {**raw, "components": {"schemas": raw["definitions"]}}
    return raw


def _listed_schema(doc: dict[str, Any], resource: str) -> SchemaView:
    """The element schema of the list operation's 200 response."""
    response = doc["paths"][f"/{resource}"]["get"]["responses"]["200"]
    while "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["schema"] if "schema" in response else response["content"]["application/json"]["schema"]
    return SchemaView(doc, schema).element


def _is_reference(view: SchemaView) -> bool:
    return view.json_type == "object" and view.properties.get("id") is not None


def filterable_paths(schema: SchemaView, mapping: ApiMapping, resource: str) -> list[str]:
    node = mapping.resources[resource].node
    paths: list[str] = []
    for name, sub in sorted(schema.properties.items()):
        if name == "href":  # rendered from the id, and filtered as the id
            continue
        if sub.json_type in _SCALARS:
            paths.append(name)
        elif _is_reference(sub):
            paths.append(f"{name}.id")
        elif sub.json_type == "array" and name in node.collections:
            if node.collections[name].scalar:
                paths.append(name)
                continue
            for child_name, child in sorted(sub.element.properties.items()):
                if child_name == "id" and child.json_type in _SCALARS:
                    paths.append(f"{name}.id")
                elif _is_reference(child):
                    paths.append(f"{name}.{child_name}.id")
                elif child.json_type in _SCALARS and child.enum:
                    paths.append(f"{name}.{child_name}")
    return paths


@dataclass(frozen=True)
class Requirement:
    api: str
    version: str
    resource: str
    path: str
    table: str
    column: str | None  # None: kept in the root table's extension JSON

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else f"{self.table}.extension"
        return f"{self.api} {self.version} {self.resource} {self.path} ({where})"


def requirements(mappings: Mapping[tuple[str, str], ApiMapping]) -> Iterator[Requirement]:
    root = _reference_root()
    for api, version, resource in LISTED:
        doc = _official_document(root, api, version)
        mapping = mappings[(api, version)]
        node = mapping.resources[resource].node
        root_table = node.entity.__table__.name  # type: ignore[attr-defined]
        for path in filterable_paths(_listed_schema(doc, resource), mapping, resource):
            placed = node.place(path)
            if placed is None and path.split(".")[0] in node.collections:
                continue  # in a child row's extension JSON: not a column, and not the root's JSON
            if placed is None:
                yield Requirement(api, version, resource, path, root_table, None)
            else:
                child, col = placed
                table = child.entity.__table__.name  # type: ignore[attr-defined]
                yield Requirement(api, version, resource, path, table, col.column)


@dataclass
class Catalogue:
    """The indexes of a schema: column tuples per table (unique constraints and keys included)."""

    indexes: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    foreign_keys: dict[str, set[str]] = field(default_factory=dict)
    gin: set[tuple[str, str]] = field(default_factory=set)

    def serves(self, table: str, column: str) -> bool:
        # The column leads the index, or follows only the child's foreign key (EXISTS on a child
        # table is correlated on that key).
        fks = self.foreign_keys.get(table, set())
        for columns in self.indexes.get(table, []):
            if column in columns and all(c in fks for c in columns[: columns.index(column)]):
                return True
        return False

    def without(self, table: str, column: str) -> Catalogue:
        kept = {t: [c for c in cols if not (t == table and column in c)] for t, cols in self.indexes.items()}
        return replace(self, indexes=kept)


def metadata_catalogue(metadata: MetaData) -> Catalogue:
    cat = Catalogue()
    for table in metadata.tables.values():
        tuples: list[tuple[str, ...]] = []
        for index in table.indexes:
            columns = tuple(c.name for c in index.columns)
            if index.dialect_options["postgresql"].get("using") == "gin":
                cat.gin.update((table.name, c) for c in columns)
            else:
                tuples.append(columns)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint):
                tuples.append(tuple(c.name for c in constraint.columns))
        cat.indexes[table.name] = tuples
        cat.foreign_keys[table.name] = {c.name for c in table.columns if c.foreign_keys}
    return cat


def database_catalogue(url: str) -> Catalogue:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        cat = Catalogue()
        for table in insp.get_table_names():
            tuples: list[tuple[str, ...]] = []
            for index in insp.get_indexes(table):
                columns = tuple(c for c in index["column_names"] if c is not None)
                if index.get("dialect_options", {}).get("postgresql_using") == "gin":
                    cat.gin.update((table, c) for c in columns)
                else:
                    tuples.append(columns)
            tuples += [tuple(u["column_names"]) for u in insp.get_unique_constraints(table)]
            tuples.append(tuple(insp.get_pk_constraint(table)["constrained_columns"]))
            cat.indexes[table] = tuples
            cat.foreign_keys[table] = {
                c for fk in insp.get_foreign_keys(table) for c in fk["constrained_columns"]
            }
        return cat
    finally:
        engine.dispose()


def problems(
    catalogue: Catalogue,
    mappings: Mapping[tuple[str, str], ApiMapping],
    *,
    json_index: bool,
) -> list[str]:
    """What is wrong, one line each; `json_index`: extension paths need the GIN index."""
    out: list[str] = []
    declared_seen: set[tuple[str, str, str]] = set()
    for req in requirements(mappings):
        unindexed = mappings[(req.api, req.version)].resources[req.resource].unindexed
        if req.column is None:
            if json_index and (req.table, "extension") not in catalogue.gin:
                out.append(f"{req}: no GIN index on {req.table}.extension")
            continue
        served = catalogue.serves(req.table, req.column)
        if req.path in unindexed:
            declared_seen.add((req.api, req.version, req.path))
            if served:
                out.append(f"{req}: declared unindexed, but an index serves it (drop the declaration)")
        elif not served:
            out.append(f"{req}: no index, and not declared unindexed in the mapping")
    for api, version, resource in LISTED:
        for path in mappings[(api, version)].resources[resource].unindexed:
            if (api, version, path) not in declared_seen:
                out.append(f"{api} {version} {resource} {path}: declared unindexed, but not filterable")
    return out


def _mappings() -> dict[tuple[str, str], ApiMapping]:
    return {(api, version): load_mapping(api, version) for api, version, _ in LISTED}


def test_the_model_indexes_every_filterable_attribute() -> None:
    found = problems(metadata_catalogue(Base.metadata), _mappings(), json_index=True)
    assert found == [], "\n".join(found)


def test_the_migrated_database_indexes_every_filterable_attribute(database_url: str, db_kind: str) -> None:
    upgrade(database_url)
    found = problems(database_catalogue(database_url), _mappings(), json_index=db_kind == "postgresql")
    assert found == [], "\n".join(found)


def test_the_documents_yield_the_usual_filters() -> None:
    """The walk finds what clients filter on, so an empty walk cannot pass for a clean one."""
    found = {(r.api, r.version, r.path): r for r in requirements(_mappings())}
    party = found["TMF622", "v4", "relatedParty.id"]
    assert (party.table, party.column) == ("product_order_related_party", "party_id")
    assert found["TMF622", "v5", "relatedParty.partyOrPartyRole.id"].column == "party_id"
    assert found["TMF622", "v4", "productOrderItem.action"].column == "action"
    assert found["TMF622", "v5", "billingAccount.id"].column == "billing_account_id"
    assert found["TMF621", "v4", "status"].column == "status"
    assert found["TMF678", "v5", "billCycle.id"].column == "bill_cycle_id"
    # A v5 order attribute the mapping keeps in the extension JSON.
    assert found["TMF622", "v5", "requestedInitialState"].column is None
    assert ("TMF678", "v4", "amountDue.value") not in found  # Money is not a reference


def test_a_missing_index_is_reported() -> None:
    catalogue = metadata_catalogue(Base.metadata).without("customer_bill", "state")
    found = problems(catalogue, _mappings(), json_index=True)
    assert any("TMF678 v4 customerBill state (customer_bill.state): no index" in line for line in found)
    assert any("TMF678 v5 customerBill state (customer_bill.state): no index" in line for line in found)


def test_a_missing_declaration_is_reported() -> None:
    mappings = _mappings()
    v4 = mappings["TMF621", "v4"]
    ticket = v4.resources["troubleTicket"]
    assert "description" in ticket.unindexed
    mappings["TMF621", "v4"] = replace(
        v4, resources={**v4.resources, "troubleTicket": replace(ticket, unindexed={})}
    )
    found = problems(metadata_catalogue(Base.metadata), mappings, json_index=True)
    assert any(
        "TMF621 v4 troubleTicket description (trouble_ticket.description): no index" in line for line in found
    )


def test_a_missing_gin_index_is_reported() -> None:
    catalogue = metadata_catalogue(Base.metadata)
    catalogue.gin.discard(("product_order", "extension"))
    found = problems(catalogue, _mappings(), json_index=True)
    assert any("no GIN index on product_order.extension" in line for line in found)


def test_a_missing_reference_folder_fails_rather_than_skips(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMF_REFERENCE_DIR", str(tmp_path / "missing"))
    with pytest.raises(RuntimeError, match="is set but is not a directory"):
        list(requirements(_mappings()))

