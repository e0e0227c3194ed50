"""Demo data for `tmf serve --demo-data`: a business hall's (营业厅) and the 10000 hotline's day.

Each API's manifest names its demo file (mappings/<API>/demo.yaml): sections of records in v5
shape, taken from every API in `stage` order. Every record is written through the same engine and
rules as API calls and moved along its lifecycle by the same PATCH logic: completing an order
applies its prices as billing rates, a bill run gathers them into a bill, a billing dispute points
at a real bill. So the demo data is what the server would have produced itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.query import parse_query
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService
from tmf_api.registry import manifests, read_yaml

_REFERENCE = re.compile(r"^\$\{([^.}]+)((?:\.[^.}]+)*)\}$")


@dataclass(frozen=True)
class Section:
    api: str
    stage: int
    resource: str
    patch: bool
    records: list[dict[str, Any]]


def demo_sections() -> list[Section]:
    """Every API's demo sections, in loading order."""
    sections = []
    for manifest in manifests().values():
        if manifest.demo is None:
            continue
        for raw in read_yaml(manifest.data_file(manifest.demo)):
            resource = raw.get("resource") or raw.get("patch")
            # A section may write another API's records its own story needs (TMF654's prepaid
            # customers and their accounts, before their top-ups): `api` names that API.
            api = raw.get("api", manifest.api)
            sections.append(Section(api, int(raw["stage"]), resource, "patch" in raw, list(raw["records"])))
    return sorted(sections, key=lambda s: s.stage)


class _Loader:
    def __init__(self, runtimes: list[ApiRuntime], session: Session, ctx: RequestContext) -> None:
        # v5 reads and writes every row whatever version wrote it; an API without v5 its only version.
        self.v5 = {r.mapping.api: r for r in runtimes if r.mapping.version == "v4"}
        self.v5 |= {r.mapping.api: r for r in runtimes if r.mapping.version == "v5"}
        self.session = session
        self.ctx = ctx
        self.keys: dict[str, Any] = {}
        self.loaded: dict[str, int] = {}

    def service(self, api: str, resource: str) -> ResourceService:
        return self.v5[api].services[resource]

    def resolve(self, node: Any) -> Any:
        """`${key.path}` strings replaced by the value at `path` of the document named `key`."""
        if isinstance(node, dict):
            return {k: self.resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        match = _REFERENCE.match(node) if isinstance(node, str) else None
        if match is None:
            return node
        key, path = match.group(1), match.group(2)
        if key not in self.keys:
            raise ValueError(f"demo data: {node!r} refers to no earlier record (x-demo-key {key!r})")
        value = self.keys[key]
        for name in path.split(".")[1:]:
            value = value[name]
        return value

    def load(self, section: Section, record: dict[str, Any]) -> None:
        record = dict(record)
        states = record.pop("x-demo-states", [])
        key = record.pop("x-demo-key", None)
        # A record that others name by a fixed id (an offering orders refer to) keeps that id.
        fixed_id = record.pop("x-demo-id", None)
        record = self.resolve(record)
        service = self.service(section.api, section.resource)
        if section.patch:
            document = service.retrieve(self.session, record["id"], parse_query(""), self.ctx)
        else:
            document = service.create(self.session, record, self.ctx, id_=fixed_id)
            self.loaded[section.resource] = self.loaded.get(section.resource, 0) + 1
        for state in states:
            patch = {service.resource.state_attribute or "state": state}
            document = service.patch(self.session, document["id"], MERGE_PATCH, patch, self.ctx)
        if key is not None:
            self.keys[key] = document


def load_demo_data(app: Any, base_url: str | None = None) -> dict[str, int]:
    """Load the demo records when none of the collections they create holds a row; return counts.

    References between demo records are stored relative to the server (see ResourceService.href),
    so they read right whatever base URL, port and version serve them later.
    """
    sessions: sessionmaker[Session] = app.sessions
    base_url = base_url or app.runtimes[0].settings.base_url
    sections = demo_sections()
    with sessions.begin() as session:
        loader = _Loader(app.runtimes, session, RequestContext(base_url))
        for section in sections:
            if section.patch:
                continue
            entity = loader.service(section.api, section.resource).entity
            if session.scalar(select(func.count()).select_from(entity)):
                return {}
        for section in sections:
            for record in section.records:
                loader.load(section, record)
        return loader.loaded
