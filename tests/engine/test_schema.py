"""Schema views (tmf_api/engine/schema.py): `$ref`, `allOf` and unions folded; attribute paths;
`@type` names and filling, on a small document and on a shipped one."""

from __future__ import annotations

from typing import Any

import pytest

from tmf_api.engine.schema import SchemaView, fill_types
from tmf_api.specs import load_spec

DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Entity": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "@type": {"type": "string"}},
                "required": ["id"],
            },
            "Note": {
                "allOf": [
                    {"$ref": "#/components/schemas/Entity"},
                    {
                        "properties": {
                            "text": {"type": "string"},
                            "date": {"type": "string", "format": "date-time"},
                        }
                    },
                ]
            },
            "Party": {"allOf": [{"$ref": "#/components/schemas/Entity"}], "required": ["name"]},
            "Org": {"allOf": [{"$ref": "#/components/schemas/Entity"}]},
            "PartyOrOrg": {
                "oneOf": [{"$ref": "#/components/schemas/Party"}, {"$ref": "#/components/schemas/Org"}]
            },
            "Alias": {"$ref": "#/components/schemas/Note"},
            "Ticket": {
                "allOf": [
                    {"$ref": "#/components/schemas/Entity"},
                    {
                        "type": "object",
                        "properties": {
                            "severity": {"type": "string", "enum": ["minor", "major"]},
                            "count": {"type": "integer"},
                            "note": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                            "party": {"$ref": "#/components/schemas/PartyOrOrg"},
                            "alias": {"$ref": "#/components/schemas/Alias"},
                            "tags": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                ]
            },
            "LoopA": {"$ref": "#/components/schemas/LoopB"},
            "LoopB": {"$ref": "#/components/schemas/LoopA"},
        }
    }
}


def view(name: str) -> SchemaView:
    return SchemaView.named(DOC, name)


def test_properties_and_required_come_from_every_part() -> None:
    ticket = view("Ticket")
    assert set(ticket.properties) == {"id", "@type", "severity", "count", "note", "party", "alias", "tags"}
    assert ticket.required == {"id"}
    assert view("Party").required == {"id", "name"}
    parts = view("Note").parts  # itself, its two allOf parts, the $ref one dereferenced
    assert len(parts) == 3 and "Entity" in [p.name for p in parts]


def test_value_types() -> None:
    props = view("Ticket").properties
    assert view("Ticket").json_type == "object"
    assert props["severity"].json_type == "string" and props["severity"].enum == ["minor", "major"]
    assert props["count"].json_type == "integer" and props["count"].enum is None
    assert props["note"].json_type == "array" and props["note"].items is not None
    assert props["note"].element.name == "Note"  # an array's element
    assert props["count"].element is props["count"]  # anything else: itself
    assert view("Note").properties["date"].format == "date-time"
    assert view("Note").json_type == "object"  # from the properties of a part, no `type`


def test_walk_follows_objects_and_arrays() -> None:
    steps = view("Ticket").walk("note.date")
    assert steps is not None
    assert [(s.name, s.is_array) for s in steps] == [("note", True), ("date", False)]
    assert steps[-1].schema.format == "date-time"
    party = view("Ticket").walk("party.id")
    assert party is not None and [s.name for s in party] == ["party", "id"]
    assert view("Ticket").walk("note.nope") is None
    assert view("Ticket").walk("count.x") is None  # a plain value has no attributes
    assert view("Ticket").walk("nope") is None


def test_type_names() -> None:
    assert view("Ticket").type_name == "Ticket"
    assert view("Alias").type_name == "Note"  # a bare $ref names the schema it leads to
    assert view("PartyOrOrg").type_name == "Party"  # a bare union is never concrete: its first
    assert view("Ticket").properties["party"].type_name == "Party"
    assert SchemaView(DOC, {"type": "string"}).type_name is None


def test_named_and_ref_loops_fail_clearly() -> None:
    with pytest.raises(KeyError, match="'Missing' not in the document"):
        view("Missing")
    with pytest.raises(ValueError, match="loop"):
        _ = view("LoopA").properties


def test_fill_types_names_every_object_without_one() -> None:
    doc: dict[str, Any] = {
        "id": "1",
        "note": [{"text": "a"}, {"text": "b", "@type": "SpecialNote"}],
        "party": {"id": "P"},
        "alias": {"text": "c"},
        "tags": ["x"],
        "unknown": {"id": "kept as is"},
    }
    fill_types(doc, view("Ticket"))
    assert doc == {
        "id": "1",
        "@type": "Ticket",
        "note": [{"text": "a", "@type": "Note"}, {"text": "b", "@type": "SpecialNote"}],
        "party": {"id": "P", "@type": "Party"},
        "alias": {"text": "c", "@type": "Note"},
        "tags": ["x"],
        "unknown": {"id": "kept as is"},
    }


def test_a_schema_without_an_at_type_attribute_gets_none() -> None:
    doc = {"severity": "minor"}
    fill_types(doc, SchemaView(DOC, {"properties": {"severity": {"type": "string"}}}, "Plain"))
    assert doc == {"severity": "minor"}


def test_on_a_shipped_document() -> None:
    order = SchemaView.named(load_spec("TMF622", "v5"), "ProductOrder")
    steps = order.walk("productOrderItem.productOffering.id")
    assert steps is not None
    assert [(s.name, s.is_array) for s in steps] == [
        ("productOrderItem", True),
        ("productOffering", False),
        ("id", False),
    ]
    assert steps[0].schema.element.type_name == "ProductOrderItem"
    assert order.properties["state"].enum is not None and "acknowledged" in order.properties["state"].enum
    assert order.walk("productOrderItem.noSuchThing") is None


def test_a_path_may_name_an_attribute_of_a_declared_subtype() -> None:
    """v5 types a contact medium by subclass (PhoneContactMedium's `phoneNumber`): filters, `fields`
    and `sort` may name such an attribute; one no subtype has is still unknown."""
    individual = SchemaView.named(load_spec("TMF632", "v5"), "Individual")
    steps = individual.walk("contactMedium.phoneNumber")
    assert steps is not None and steps[-1].schema.json_type == "string"
    assert individual.walk("contactMedium.emailAddress") is not None
    assert individual.walk("contactMedium.noSuchAttribute") is None
    assert individual.walk("noSuchAttribute.phoneNumber") is None
