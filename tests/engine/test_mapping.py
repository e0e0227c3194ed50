"""The mapping loader (tmf_api/engine/mapping.py): values between JSON and columns, and
`unindexed` declarations that name mapped columns and give a reason."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import re
from typing import Any

import pytest

from tmf_api.engine.assembly import assemble
from tmf_api.engine.mapping import (
    convert_scalar,
    format_datetime,
    parse_datetime,
    parse_lifecycles,
    parse_mapping,
    to_json_value,
)
from tmf_api.registry import assembled, lifecycles, load_mapping

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (dt.datetime(2026, 11, 1, 8, 0, 0, 123456, tzinfo=dt.UTC), "2026-11-01T08:00:00.123Z"),
        # Years below 1000 keep four digits, or the value is no RFC 3339 date-time.
        (dt.datetime(404, 8, 23, 1, 2, 3, tzinfo=dt.UTC), "0404-08-23T01:02:03.000Z"),
        (dt.datetime(1, 1, 1, tzinfo=dt.UTC), "0001-01-01T00:00:00.000Z"),
        (dt.datetime(2026, 11, 1, 16, 0, tzinfo=BEIJING), "2026-11-01T08:00:00.000Z"),
    ],
)
def test_format_datetime_is_rfc3339_utc_with_milliseconds(instant: dt.datetime, text: str) -> None:
    assert format_datetime(instant) == text
    assert parse_datetime(text, "x") == instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def _raw(api: str, version: str) -> dict[str, Any]:
    return copy.deepcopy(assembled(api, version))


def test_unindexed_declarations_are_loaded() -> None:
    order = load_mapping("TMF622", "v5").resources["productOrder"]
    assert order.unindexed["description"] == "free text, filtered by regex only"
    assert "productOrderItem.id" in order.unindexed  # through a child collection
    assert "unindexed" not in order.options


def test_place_walks_child_collections() -> None:
    node = load_mapping("TMF622", "v5").nodes["ProductOrder"]
    placed = node.place("relatedParty.partyOrPartyRole.id")
    assert placed is not None and (placed[0].name, placed[1].column) == ("RelatedParty", "party_id")
    v4 = load_mapping("TMF622", "v4").nodes["ProductOrder"]
    scalar = v4.place("externalId")  # a v4 string held as one child row
    assert scalar is not None and scalar[1].column == "identifier"
    assert node.place("requestedInitialState") is None  # kept in the extension JSON
    assert node.place("productOrderItem.product.id") is None


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"billingPeriod": "not a column"}, "maps no column for 'billingPeriod'"),
        ({"relatedParty.nickname": "not a column"}, "maps no column for 'relatedParty.nickname'"),
        ({"category": ""}, "'category' needs a reason"),
        ({"category": None}, "'category' needs a reason"),
    ],
)
def test_unindexed_declarations_are_checked(declaration: dict[str, Any], message: str) -> None:
    raw = _raw("TMF678", "v4")
    raw["resources"]["customerBill"]["unindexed"] = declaration
    with pytest.raises(ValueError, match=message):
        parse_mapping(raw, lifecycles("TMF678"))


# -- values between JSON and columns -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "python_type", "expected"),
    [
        (None, int, None),
        (3, int, 3),
        ("19.50", decimal.Decimal, decimal.Decimal("19.50")),
        (19.5, decimal.Decimal, decimal.Decimal("19.5")),
        (7, decimal.Decimal, decimal.Decimal(7)),
        (True, bool, True),
        ("故障", str, "故障"),
        ({"kept": "as is"}, dict, {"kept": "as is"}),  # a JSON column takes any value
        ("2026-11-01T16:00:00+08:00", dt.datetime, dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)),
    ],
)
def test_convert_scalar_accepts(value: Any, python_type: type, expected: Any) -> None:
    converted = convert_scalar(value, python_type, "x")
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize(
    ("value", "python_type", "message"),
    [
        (True, int, "x must be an integer"),  # a bool is an int to Python, not to JSON
        (1.5, int, "x must be an integer"),
        ("3", int, "x must be an integer"),
        (False, decimal.Decimal, "x must be a number"),
        ("twelve", decimal.Decimal, "x must be a number"),
        ([1], decimal.Decimal, "x must be a number"),
        ("true", bool, "x must be a boolean"),
        (1, bool, "x must be a boolean"),
        (5, str, "x must be a string"),
        (20261101, dt.datetime, "x must be a date-time string"),
        ("yesterday", dt.datetime, "x must be an ISO 8601 date-time, got 'yesterday'"),
    ],
)
def test_convert_scalar_refuses(value: Any, python_type: type, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        convert_scalar(value, python_type, "x")


def test_parse_datetime_reads_what_query_strings_and_clients_send() -> None:
    # '+' arrives as a space in an unencoded query string; no offset means UTC.
    assert parse_datetime("2026-11-01T16:00:00 08:00", "x") == dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    assert parse_datetime("2026-11-01T08:00:00", "x") == dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    assert parse_datetime(" 2026-11-01T08:00:00Z ", "x").tzinfo is not None


def test_to_json_value() -> None:
    assert (
        to_json_value(decimal.Decimal("169.0")) == 169
        and type(to_json_value(decimal.Decimal("169.0"))) is int
    )
    assert to_json_value(decimal.Decimal("19.5")) == 19.5
    assert to_json_value(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == "2026-01-02T03:04:05.000Z"
    assert to_json_value("text") == "text"


def test_lifecycle() -> None:
    (ticket,) = parse_lifecycles(
        {
            "t": {
                "attribute": "status",
                "initial": ["new"],
                "final": ["done"],
                "open": ["new"],
                "transitions": {"new": ["done"]},
            }
        }
    ).values()
    assert (ticket.name, ticket.attribute, ticket.initial, ticket.final) == ("t", "status", ["new"], ["done"])
    assert ticket.groups == {"open": ["new"]}
    assert ticket.can_move("new", "done") and not ticket.can_move("done", "new")
    assert ticket.allowed(None) == [] and ticket.allowed("done") == []


# -- assembling the per-resource files ---------------------------------------------------------

HUB: dict[str, Any] = {
    "node": {"entity": "EventSubscription", "attributes": {"id": "id", "callback": "callback"}},
    "schemas": {"v4": {"schema": "EventSubscription"}, "v5": {"schema": "Hub"}},
    "server_owned": ["id"],
    "on_create": {},
}
TEMPLATES: dict[str, Any] = {
    "Note": {
        "entity": "Note",
        "attributes": {"text": "text"},
        "versions": {"v5": {"attributes": {"id": "id"}}},
    }
}


def _ticket_file(**extra: Any) -> dict[str, Any]:
    return {
        "resource": {"node": "Ticket", "schema": "TroubleTicket"},
        "nodes": {"Ticket": {"entity": "TroubleTicket", "attributes": {"id": "id", "name": "name"}}},
    } | extra


def test_assemble_applies_overlays_templates_and_adds_the_hub() -> None:
    files = {
        "troubleTicket": _ticket_file(
            nodes={
                "Ticket": {"entity": "TroubleTicket", "attributes": {"id": "id", "name": "name"}},
                "TicketNote": {"like": "Note", "attributes": {"author": "author"}},
            },
            versions={
                "v4": {
                    "resource": {"schema": "TroubleTicketV4"},
                    "nodes": {"Ticket": {"attributes": {"name": None}}},
                }
            },
        ),
        "onlyFive": {"only": ["v5"], "resource": {"node": "Ticket", "schema": "X"}},
    }
    v4 = assemble("TMF621", "v4", "troubleTicket", files, TEMPLATES, HUB)
    assert set(v4["resources"]) == {"troubleTicket", "hub"}  # `only: [v5]` left out
    assert v4["resources"]["troubleTicket"]["schema"] == "TroubleTicketV4"
    assert v4["nodes"]["Ticket"]["attributes"] == {"id": "id"}  # the overlay's null removed name
    assert v4["nodes"]["TicketNote"] == {"entity": "Note", "attributes": {"text": "text", "author": "author"}}
    assert v4["resources"]["hub"]["schema"] == "EventSubscription"
    assert v4["resources"]["hub"]["scope"] == {"api": "TMF621", "version": "v4"}
    v5 = assemble("TMF621", "v5", "troubleTicket", files, TEMPLATES, HUB)
    assert set(v5["resources"]) == {"troubleTicket", "onlyFive", "hub"}
    assert v5["nodes"]["TicketNote"]["attributes"] == {"text": "text", "id": "id", "author": "author"}
    assert v5["resources"]["hub"]["schema"] == "Hub" and v5["nodes"]["Ticket"]["attributes"]["name"] == "name"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"t": _ticket_file(colour="red")}, "TMF621 t: unknown keys ['colour']"),
        (
            {"t": _ticket_file(nodes={"N": {"like": "Nope", "attributes": {}}})},
            "like unknown template 'Nope'",
        ),
        ({"t": _ticket_file(nodes={"N": {"attributes": {}}})}, "node N needs an entity and attributes"),
        (
            {"t": _ticket_file(versions={"v5": {"nodes": {"Ghost": {"attributes": {}}}}})},
            "the v5 overlay changes unknown node 'Ghost'",
        ),
        (
            {
                "t": _ticket_file(),
                "u": _ticket_file(nodes={"Ticket": {"entity": "TroubleTicket", "attributes": {"id": "id"}}}),
            },
            "TMF621 u: node Ticket is defined differently by another resource",
        ),
    ],
)
def test_assemble_refuses(files: dict[str, dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        assemble("TMF621", "v5", "troubleTicket", files, TEMPLATES, HUB)


def test_two_files_may_share_a_node_defined_alike() -> None:
    raw = assemble(
        "TMF621", "v5", "troubleTicket", {"t": _ticket_file(), "u": _ticket_file()}, TEMPLATES, HUB
    )
    assert set(raw["resources"]) == {"t", "u", "hub"}


# -- checking the assembled mapping ------------------------------------------------------------


def _break(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(_raw("TMF621", "v5"))
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"].update(name="no_such_column"),
            "node TroubleTicket, attribute name: TroubleTicket has no column 'no_such_column'",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"].update(
                note={"collection": "nope", "node": "Note"}
            ),
            "TroubleTicket has no relationship 'nope'",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"].update(name=42),
            "cannot read mapping target 42",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"].update(
                severity={"column": "severity", "values": {"minor": "low", "major": "minor"}}
            ),
            "attribute severity: values must map each stored value to a distinct shown value",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"].update(
                severity={"column": "severity", "to": 1}
            ),
            "attribute severity: give {column, values: {stored: shown}}",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"].update(
                equivalents=[{"columns": ["severity", "ghost"], "values": [["a", "b"]]}]
            ),
            "node TroubleTicket, equivalents: columns must be two columns of TroubleTicket",
        ),
        (
            lambda r: r["nodes"]["TroubleTicket"]["attributes"]["note"].update(node="Ghost"),
            "node TroubleTicket: unknown node 'Ghost'",
        ),
        (
            lambda r: r["resources"]["troubleTicket"].update(lifecycle="nope"),
            "resource troubleTicket: unknown lifecycle 'nope'",
        ),
        (
            lambda r: r["resources"]["troubleTicket"].update(references={"x.id": "ghost"}),
            "resource troubleTicket: references unknown resource 'ghost'",
        ),
        (
            lambda r: r["resources"]["troubleTicket"].update(on_create={"colour": "red"}),
            "resource troubleTicket, on_create: TroubleTicket has no column 'colour'",
        ),
    ],
)
def test_parse_mapping_refuses(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_mapping(_break(change), lifecycles("TMF621"))


def test_parse_mapping_refuses_events_of_an_unknown_resource() -> None:
    with pytest.raises(ValueError, match="events named for unknown resource 'ghost'"):
        parse_mapping(_raw("TMF621", "v5"), lifecycles("TMF621"), {"ghost": {}})


def test_parse_mapping_reads_the_resource() -> None:
    events = {
        "troubleTicket": {"state_change": "TicketStatusChanged", "on_state": {"resolved": "TicketResolved"}}
    }
    mapping = parse_mapping(_raw("TMF621", "v5"), lifecycles("TMF621"), events)
    ticket = mapping.resources["troubleTicket"]
    assert mapping.base_path == "/tmf-api/troubleTicket/v5"
    assert ticket.lifecycle == "troubleTicket" and ticket.state_attribute == "status"
    assert {"id", "href", "creationDate"} <= ticket.server_owned
    assert ticket.on_create["status"] == "acknowledged"
    assert ticket.state_change_event == "TicketStatusChanged"
    assert ticket.state_events == {"resolved": ("TicketResolved",)}
    assert mapping.resources["hub"].scope == {"api": "TMF621", "version": "v5"}
    name = ticket.node.column_for("name")
    assert name is not None and (name.column, name.python_type) == ("name", str)


def test_two_paths_on_one_column_are_refused_when_mappings_load() -> None:
    raw = _raw("TMF678", "v5")
    node = raw["nodes"]["CustomerBill"]
    node.pop("shared_columns")
    with pytest.raises(
        ValueError, match=r"amountDue\.unit and remainingAmount\.unit both map to column 'currency'"
    ):
        parse_mapping(raw, lifecycles("TMF678"))
    raw = _raw("TMF622", "v4")
    raw["nodes"]["ProductOrder"]["attributes"]["summary"] = "description"
    with pytest.raises(ValueError, match="description and summary both map to column 'description'"):
        parse_mapping(raw, lifecycles("TMF622"))
    raw = _raw("TMF622", "v4")
    raw["nodes"]["ProductOrder"]["shared_columns"] = ["no_such_column"]
    with pytest.raises(ValueError, match="shared column 'no_such_column' is mapped by no attribute"):
        parse_mapping(raw, lifecycles("TMF622"))


def test_summary_masks_are_listed_only_while_they_are_few() -> None:
    from tmf_api.engine.mapping import MASKS_LISTED_UP_TO_BITS, Summary

    actions = Summary("productOrderItem", "action", "item_actions", ("add", "modify", "delete", "noChange"))
    add = actions.bits(["add"])
    assert add == 1
    having = actions.masks_matching(add, any_set=True)
    lacking = actions.masks_matching(add, any_set=False)
    assert having is not None and lacking is not None
    # Every mask of the four values and "other" is in exactly one of the two lists.
    assert sorted(having + lacking) == list(range(32)) and all(m & 1 for m in having)
    wide = Summary("x", "y", "z", tuple(f"v{n}" for n in range(MASKS_LISTED_UP_TO_BITS)))
    assert wide.masks_matching(1, any_set=True) is None  # 2^7 masks: tested bitwise instead
