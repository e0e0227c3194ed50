"""TMF621 Trouble Ticket's own rules: service-level targets, status history, resolution date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from sid_model import TroubleTicketNote, TroubleTicketStatusChange
from tmf_api.apis import disputes
from tmf_api.engine.document import JSON
from tmf_api.engine.resource import RequestContext, ResourceService, Rules, utcnow
from tmf_api.resources import load_yaml

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> dt.timedelta:
    match = _DURATION.match(text)
    if not match or text in ("P", "PT"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration of days, hours, minutes and seconds")
    return dt.timedelta(**{k: int(v) for k, v in match.groupdict().items() if v})


@dataclass(frozen=True)
class ServiceLevel:
    name: str
    when: dict[str, frozenset[str]]
    response: dt.timedelta
    resolution: dt.timedelta

    def matches(self, ticket: JSON) -> bool:
        return all(str(ticket.get(attribute)) in values for attribute, values in self.when.items())


@cache
def service_levels() -> tuple[ServiceLevel, ...]:
    """The trouble-ticket rules of mappings/TMF621/service_levels.yaml, in order."""
    from tmf_api.registry import manifest

    with manifest("TMF621").data_file("service_levels.yaml").open(encoding="utf-8") as fh:
        raw = load_yaml(fh)
    return tuple(
        ServiceLevel(
            name=rule["name"],
            when={k: frozenset(map(str, v)) for k, v in (rule.get("when") or {}).items()},
            response=parse_duration(rule["response"]),
            resolution=parse_duration(rule["resolution"]),
        )
        for rule in raw["troubleTicket"]["rules"]
    )


def service_level_for(ticket: JSON) -> ServiceLevel:
    for level in service_levels():
        if level.matches(ticket):
            return level
    raise LookupError(
        "mappings/TMF621/service_levels.yaml has no rule matching every ticket (add one with `when: {}`)"
    )


def _record_status(row: Any, now: dt.datetime, reason: str | None) -> None:
    row.status_change_date = now
    row.status_changes.append(
        TroubleTicketStatusChange(
            status=row.status,
            change_date=now,
            change_reason=reason,
            position=len(row.status_changes),
            at_type="StatusChange",
            extension={},
        )
    )


def _prepare_ticket(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    now = row.creation_date or utcnow()
    if row.expected_resolution_date is None:
        level = service_level_for(body)
        row.expected_resolution_date = now + level.resolution
        minutes = int(level.response.total_seconds() // 60)
        row.notes.append(
            TroubleTicketNote(
                author="SLA",
                date=now,
                text=f"服务等级 {level.name}: 响应时限 {minutes} 分钟 (respond by "
                f"{(now + level.response):%Y-%m-%d %H:%M} UTC), resolve by "
                f"{row.expected_resolution_date:%Y-%m-%d %H:%M} UTC",
                position=len(row.notes),
                at_type="Note",
                extension={},
            )
        )
    _record_status(row, now, "created")


def _on_status_change(
    service: ResourceService,
    session: Session,
    row: Any,
    old_status: str | None,
    changed: list[str],
    ctx: RequestContext,
) -> None:
    now = utcnow()
    if "statusChangeReason" not in changed:
        row.status_change_reason = None  # the reason given with an earlier change does not carry over
    _record_status(row, now, row.status_change_reason)
    if row.status == "resolved":
        row.resolution_date = now
    elif old_status == "resolved":
        row.resolution_date = None  # reopened
    session.flush()


RULES = {
    "troubleTicket": Rules(
        prepare=_prepare_ticket,
        on_state_change=_on_status_change,
        after_state_change=disputes.after_ticket_state_change,
    ),
}
