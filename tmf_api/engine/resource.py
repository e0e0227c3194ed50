"""Generic TMF630 resource behaviour: create, retrieve, list, patch, delete over any mapping.

Written once for every resource; an API adds only its own business rules through the
ResourceRules hooks (lifecycles with side effects, derived attributes, billing).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jsonschema import Draft4Validator
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from sid_model.base import Base
from tmf_api import clock
from tmf_api.engine import patch as patching
from tmf_api.engine import rendered
from tmf_api.engine.document import JSON, build, copy_json, dump_json, render
from tmf_api.engine.mapping import ApiMapping, ColumnAttribute, Lifecycle, Reference, ResourceMapping
from tmf_api.engine.query import Query
from tmf_api.engine.schema import SchemaView, check_types, present_types, stored_types
from tmf_api.engine.sqlfilter import FilterCompiler
from tmf_api.errors import TMFError, bad_request, not_found
from tmf_api.settings import Settings


def utcnow() -> dt.datetime:
    """Now, by the server's clock (tmf_api.clock: the system's unless a test clock moved it)."""
    return clock.now()


# A check of the current representation (read under the row lock) before a change, raising a
# TMFError to refuse it: the adapter's If-Match (tmf_api.adapter.conditional).
Precondition = Callable[[JSON], None]


@dataclass(frozen=True)
class RequestContext:
    """What the engine needs to know of the HTTP request: the base URL hrefs are built on."""

    base_url: str


@dataclass(frozen=True)
class Rules:
    """An API's own business rules around the generic behaviour. Every hook is optional.

    prepare(service, session, row, body): after the generic create has filled the new row
    (e.g. honour v5 `requestedInitialState`); after_create(service, session, row, ctx): once the
    row is stored (e.g. process a cancellation); on_state_change(service, session, row,
    old_state, changed, ctx): after a legal PATCH of the state, `changed` naming the first-level
    attributes the patch changed; on_patch(service, session, row, before, after, changed): once a
    legal PATCH is applied to the row, with the resource as this version showed it before and after
    the patch (e.g. check and price order items the patch added or changed).
    """

    prepare: Callable[[ResourceService, Session, Any, JSON], None] | None = None
    after_create: Callable[[ResourceService, Session, Any, RequestContext], None] | None = None
    on_state_change: (
        Callable[[ResourceService, Session, Any, str | None, list[str], RequestContext], None] | None
    ) = None
    on_patch: Callable[[ResourceService, Session, Any, JSON, JSON, list[str]], None] | None = None
    # before_delete(service, session, row): may refuse the deletion with a TMFError (a balance
    # reservation still holding value).
    before_delete: Callable[[ResourceService, Session, Any], None] | None = None
    # after_state_change(service, session, row, old_state, ctx): after a legal PATCH of the state
    # and its event, for consequences that are changes of their own with their own events (a bill
    # sent is settled from prepaid money: its payment's and the bill's next move's events follow).
    after_state_change: Callable[[ResourceService, Session, Any, str | None, RequestContext], None] | None = (
        None
    )


@dataclass
class Change:
    """A change made in the request's transaction, for the event outbox (TMF630 part 2)."""

    kind: str  # create | stateChange | attributeValueChange | delete
    resource: str
    row: Base
    fields: list[str] = field(default_factory=list)
    # The request that made it (for hrefs); None for server-driven changes.
    ctx: RequestContext | None = None
    api: str = ""  # set by the runtime that reports it


class ApiRuntime:
    """One API version being served: its mapping, spec, and one service per resource."""

    def __init__(
        self,
        mapping: ApiMapping,
        spec: dict[str, Any],
        settings: Settings,
        peer_specs: Sequence[dict[str, Any]] = (),
        peer_mappings: Sequence[ApiMapping] = (),
    ) -> None:
        self.mapping = mapping
        self.spec = spec
        self.settings = settings
        # The API's other versions' documents: their type names are shown in this version's names.
        self.peer_specs = list(peer_specs)
        # Their mappings, in the same order where given: they name the schema each resource has
        # there (TMF620 v4 Catalog is v5 ProductCatalog, on the same rows).
        self.peer_mappings = list(peer_mappings)
        # The same API's runtimes by version, this one included (set by the app factory): rules
        # that read documents written in another version (a catalog import) use that version's.
        self.siblings: dict[str, ApiRuntime] = {mapping.version: self}
        # v5 requires `@type` on every object; rows written through v4 may not have them.
        self.fill_types = mapping.version != "v4"
        self.services: dict[str, ResourceService] = {}
        for path, resource in mapping.resources.items():
            lifecycle = mapping.lifecycles[resource.lifecycle] if resource.lifecycle else None
            self.services[path] = ResourceService(self, resource, lifecycle)
        self.change_listeners: list[Callable[[Session, Change], None]] = []
        # Every runtime the application serves (set by the app factory): rules that change another
        # API's resources (a TMF676 payment settling a TMF678 bill) go through its services.
        self.served: list[ApiRuntime] = [self]

    def service_of(self, api: str, resource: str) -> ResourceService | None:
        """The service of `resource` of `api` in the application, if it serves that API: a change
        made through it keeps that API's rules, events and rendered forms."""
        for runtime in self.served:
            if runtime.mapping.api == api and resource in runtime.services:
                return runtime.services[resource]
        return None

    @property
    def base_path(self) -> str:
        return self.mapping.base_path

    @cached_property
    def fingerprint(self) -> str:
        """What renders this version's documents (tmf_api.engine.rendered)."""
        return rendered.fingerprint(self.mapping.source, self.spec, self.peer_specs)

    def notify(self, session: Session, change: Change, api: str | None = None) -> None:
        """Report a change to the listeners (the event outbox); `api` names another API whose
        resource this API's rules changed (a completed order provisions TMF637 products)."""
        change.api = api or self.mapping.api
        for listener in self.change_listeners:
            listener(session, change)


class ResourceService:
    def __init__(self, runtime: ApiRuntime, resource: ResourceMapping, lifecycle: Lifecycle | None) -> None:
        self.runtime = runtime
        self.resource = resource
        self.lifecycle = lifecycle
        self.node = resource.node
        self.entity: Any = resource.node.entity
        spec = runtime.spec
        self.schema = SchemaView.named(spec, resource.schema)
        self.create_schema = (
            SchemaView.named(spec, resource.create_schema) if resource.create_schema else None
        )
        self.patch_schema = SchemaView.named(spec, resource.patch_schema) if resource.patch_schema else None
        self.peer_schemas = [
            SchemaView.named(peer, name)
            for peer, name in zip(runtime.peer_specs, self._peer_schema_names(), strict=True)
            if name in peer["components"]["schemas"]
        ]
        self.rules = Rules()

    def _peer_schema_names(self) -> list[str]:
        """The resource's schema name in each peer document: that of the peer mapping's resource
        of the same path, else of its one resource on the same rows (same entity and scope); this
        schema's own name where no mapping says otherwise."""
        names = []
        mappings = self.runtime.peer_mappings
        for position in range(len(self.runtime.peer_specs)):
            peer = mappings[position].resources if position < len(mappings) else {}
            counterpart = peer.get(self.resource.path)
            if counterpart is None:
                same_rows = [
                    r
                    for r in peer.values()
                    if r.node.entity is self.entity and r.scope == self.resource.scope
                ]
                counterpart = same_rows[0] if len(same_rows) == 1 else None
            names.append(counterpart.schema if counterpart else self.resource.schema)
        return names

    # -- derived once ------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.runtime.mapping.version

    @property
    def fingerprint(self) -> str:
        return self.runtime.fingerprint

    @cached_property
    def _rendered_column(self) -> Any:
        """The column holding this version's rendered form, if the resource keeps one."""
        if not rendered.is_rendered(self.entity):
            return None
        return getattr(self.entity, rendered.column(self.version), None)

    @property
    def server_owned(self) -> frozenset[str]:
        return self.resource.server_owned

    @cached_property
    def not_patchable(self) -> frozenset[str]:
        owned = self.resource.server_owned
        if self.resource.patchable is None:
            return owned
        return owned | (frozenset(self.schema.properties) - self.resource.patchable)

    @cached_property
    def patch_validator(self) -> Draft4Validator:
        assert self.resource.patch_schema
        root = {
            "$ref": f"#/components/schemas/{self.resource.patch_schema}",
            "components": self.runtime.spec["components"],
        }
        # The draft and formats POST bodies are checked with (Connexion's request validator; our
        # documents declare nothing `nullable`). openapi-schema-validator would do too, but it
        # brings pydantic into every worker: 9 MB of the 150 MB budget.
        return Draft4Validator(root, format_checker=Draft4Validator.FORMAT_CHECKER)

    @cached_property
    def required_on_create(self) -> frozenset[str]:
        """First-level attributes a resource must have (those its create schema requires)."""
        if self.create_schema is None:
            return frozenset()
        return self.create_schema.required - self.server_owned - {"@type"}

    @cached_property
    def _state(self) -> ColumnAttribute | None:
        attribute = self.resource.state_attribute
        return self.node.column_for(attribute) if attribute else None

    @cached_property
    def _state_column(self) -> str | None:
        return self._state.column if self._state else None

    def state_of(self, row: Any) -> str | None:
        return getattr(row, self._state_column) if self._state_column else None

    def compiler(self, session: Session) -> FilterCompiler:
        return FilterCompiler(self.node, self.schema, session.get_bind().dialect.name)

    def href(self, ctx: RequestContext, id_: str) -> str:
        return f"{ctx.base_url.rstrip('/')}{self.stored_href(id_)}"

    def stored_href(self, id_: str) -> str:
        """How a reference to one of our resources is stored: relative to the server, so that it
        is rendered on the base URL and in the version of whoever reads it (`expand_hrefs`)."""
        return f"{self.runtime.base_path}/{self.resource.path}/{id_}"

    # -- rendering ---------------------------------------------------------------------------
    def rendered(self, row: Any, ctx: RequestContext) -> JSON:
        """The row's document with every href absolute, before any `@type` is filled in."""
        doc: JSON = render(self.node, row, self.href(ctx, row.id))
        expanded: JSON = expand_hrefs(doc, ctx, self.runtime.mapping.version)
        return expanded

    def document(self, row: Any, ctx: RequestContext) -> JSON:
        """The row in this version's shape, hrefs absolute; `@type` values the server filled in or
        translated are marked (tmf_api.engine.schema), so a write can tell them from what a client sent."""
        doc = self.rendered(row, ctx)
        present_types(doc, self.schema, self.peer_schemas, fill=self.runtime.fill_types)
        return doc

    def representation(self, row: Any, ctx: RequestContext, document: JSON | None = None) -> JSON:
        """What a GET answers for `row` now (its rendered form when it has a current one), for
        preconditions on it: an If-Match names the tag of that representation."""
        if self._rendered_column is not None:
            doc = rendered.read(self, getattr(row, self._rendered_column.key), ctx.base_url)
            if doc is not None:
                return doc
        return document if document is not None else self.document(row, ctx)

    def check_types(self, doc: JSON) -> None:
        problem = check_types(doc, self.schema)
        if problem:
            raise bad_request(problem)

    def check_fields(self, fields: list[str] | None) -> None:
        for name in fields or []:
            if name != "none" and self.schema.walk(name) is None:
                raise bad_request(f"Query parameter 'fields': {self.schema.name} has no attribute {name!r}")

    def project(self, doc: JSON, fields: list[str] | None) -> JSON:
        if fields is None:
            return doc
        keep = {"id", "href", "@type"}
        tree: dict[str, Any] = {}
        for name in fields:
            if name == "none":
                continue
            node = tree
            parts = name.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if node is True:
                    break
            else:
                node[parts[-1]] = True
        pruned: JSON = _prune(doc, tree, keep)
        return pruned

    # -- operations --------------------------------------------------------------------------
    def scoped(self, stmt: Any) -> Any:
        for column, value in self.resource.scope.items():
            stmt = stmt.where(getattr(self.entity, column) == value)
        return stmt

    def _load(self, session: Session, id_: str, *, for_update: bool = False) -> Any:
        stmt = self.scoped(select(self.entity).where(self.entity.id == id_))
        if for_update:
            # Requests run concurrently: a change reads the row it changes under the row lock
            # (PostgreSQL), so two PATCHes cannot both pass a lifecycle check made on one state.
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).one_or_none()
        if row is None:
            raise not_found(self.schema.name or self.resource.path, id_)
        return row

    def check_references(self, session: Session, doc: JSON, before: JSON | None = None) -> None:
        """Each declared reference names a stored resource, or the request is a 400.

        `doc` holds hrefs as stored (ours relative, `relative_hrefs`), so a local reference is one
        whose href starts with the API root. On a change, references `before` already held are
        not checked again: an order stays patchable after its billing account closed.
        """
        for reference in self.resource.references:
            own = self.runtime.mapping.api
            targets = [reference_target(api or own, name) for api, name in reference.targets]
            held = {value for _, value in _references_at(before, reference.path)} if before else set()
            for holder, value in _references_at(doc, reference.path):
                if value in held:
                    continue
                href = holder.get("href")
                local = isinstance(href, str) and href.startswith(_API_ROOT)
                if reference.only_local and not local:
                    continue  # held elsewhere: stored as given
                # Which targets the id may name: the collection of a local href, else those the
                # `@referredType` names (a party's kind), else every target.
                kind = holder.get("@referredType")
                candidates = [t for t in targets if t.schema == kind] or targets
                if local:
                    assert isinstance(href, str)
                    candidates = [t for t in targets if any(href == p + value for p in t.prefixes)]
                    if not candidates:
                        raise bad_request(
                            f"{reference.path} {value!r}: its href {href!r} names no "
                            f"{' or '.join(t.schema for t in targets)} of this server with that id"
                        )
                self._check_target(session, reference, value, candidates)

    def _check_target(
        self, session: Session, reference: Reference, value: str, targets: list[ReferenceTarget]
    ) -> None:
        names = " or ".join(t.schema for t in targets)
        for target in targets:
            entity = target.entity
            stmt = select(getattr(entity, target.state_column) if target.state_column else entity.pk)
            stmt = stmt.where(entity.id == value)
            for column, fixed in target.scope.items():
                stmt = stmt.where(getattr(entity, column) == fixed)
            found = session.execute(stmt.limit(1)).first()
            if found is None:
                continue
            if target.state_column and found[0] in reference.excluded_states:
                raise bad_request(f"{reference.path} {value!r}: the {target.schema} is {found[0]}")
            return
        raise bad_request(f"{reference.path} {value!r} refers to no {names}")

    def create(self, session: Session, body: Any, ctx: RequestContext, *, id_: str | None = None) -> JSON:
        """Create from a client's body; `id_` keeps a given id (an import), else a new one is drawn."""
        if not isinstance(body, dict):
            raise bad_request(f"The body must be a {self.schema.name} object")
        doc = {k: v for k, v in body.items() if k not in self.server_owned}
        self.check_types(doc)
        stored = relative_hrefs(doc, ctx)
        self.check_references(session, stored)
        try:
            row: Any = build(self.node, stored)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        row.id = id_ or str(uuid.uuid4())
        type_column = self.node.column_for("@type")
        if type_column is not None and getattr(row, type_column.column) is None:
            setattr(row, type_column.column, self.schema.type_name)
        # One instant per write: creationDate and lastUpdate of a new resource are equal.
        now = utcnow()
        for column, value in (self.resource.on_create | self.resource.scope).items():
            setattr(row, column, now if value == "$now" else value)
        if self.rules.prepare is not None:
            self.rules.prepare(self, session, row, body)
        session.add(row)
        session.flush()
        self.runtime.notify(session, Change("create", self.resource.path, row, ctx=ctx))
        if self.rules.after_create is not None:
            self.rules.after_create(self, session, row, ctx)
        return self.document(row, ctx)

    def retrieve(self, session: Session, id_: str, query: Query, ctx: RequestContext) -> JSON:
        self.check_fields(query.fields)
        form = self._rendered_column
        if form is not None:
            found = session.execute(self.scoped(select(form).where(self.entity.id == id_))).first()
            if found is None:
                raise not_found(self.schema.name or self.resource.path, id_)
            doc = rendered.read(self, found[0], ctx.base_url)
            if doc is not None:
                return self.project(doc, query.fields)
        return self.project(self.document(self._load(session, id_), ctx), query.fields)

    def list_json(self, session: Session, query: Query, ctx: RequestContext) -> tuple[list[str], int]:
        """The same page as JSON texts: stored forms go out as they are, never parsed and written
        again (that was half of a list request's CPU for a page of 20 orders)."""
        items, total = self._page(session, query, ctx)
        return [item if isinstance(item, str) else dump_json(item) for item in items], total

    def _page(self, session: Session, query: Query, ctx: RequestContext) -> tuple[list[JSON | str], int]:
        """A page of documents; the JSON text of a current stored form instead where no `fields`
        selection applies."""
        self.check_fields(query.fields)
        settings = self.runtime.settings
        limit = min(query.limit or settings.default_limit, settings.max_limit)
        compiler = self.compiler(session)
        where = compiler.where(query.conditions)
        order = compiler.order_by(query.sort)
        count_stmt = self.scoped(select(func.count().label("total")).select_from(self.entity))
        stmt = self.scoped(select(self.entity))
        if where is not None:
            count_stmt = count_stmt.where(where)
            stmt = stmt.where(where)
        form = self._rendered_column
        if form is None:
            total = session.scalar(count_stmt) or 0
            # The primary key breaks ties so that pages never overlap or skip.
            ordered = stmt.order_by(*order, self.entity.pk)
            rows = session.scalars(ordered.offset(query.offset).limit(limit)).all()
            return [self.project(self.document(row, ctx), query.fields) for row in rows], total
        total, found = self._counted_page(session, count_stmt, stmt, order, query.offset, limit, form)
        texts = [rendered.read_text(self, text, ctx.base_url) for _, text in found]
        missing = [pk for (pk, _), text in zip(found, texts, strict=True) if text is None]
        loaded = {}
        if missing:
            fetched = session.scalars(select(self.entity).where(self.entity.pk.in_(missing)))
            loaded = {row.pk: row for row in fetched}
        items: list[JSON | str] = []
        for (pk, _), text in zip(found, texts, strict=True):
            if text is None:
                items.append(self.project(self.document(loaded[pk], ctx), query.fields))
            elif query.fields is None:
                items.append(text)
            else:
                items.append(self.project(json.loads(text), query.fields))
        return items, total

    def _counted_page(
        self,
        session: Session,
        count_stmt: Any,
        stmt: Any,
        order: list[Any],
        offset: int,
        limit: int,
        form: Any,
    ) -> tuple[int, list[tuple[Any, Any]]]:
        """The total and one page of (primary key, rendered form) in one statement: on PostgreSQL a
        round trip is a measurable part of a list (bench/README.md). The page joins the one-row
        count on `true`, so that an empty page still carries the total; its order is restated
        outside, since a derived table's ORDER BY binds nothing above it."""
        keys = [clause.element for clause in order]
        sort = [key.label(f"sort_{n}") for n, key in enumerate(keys)]
        page = (
            stmt.with_only_columns(self.entity.pk, form, *sort)
            .order_by(*order, self.entity.pk)  # the primary key: pages never overlap or skip
            .offset(offset)
            .limit(limit)
            .subquery("page")
        )
        counted = count_stmt.subquery("counted")
        outer = [
            page.c[f"sort_{n}"].desc() if clause.modifier is operators.desc_op else page.c[f"sort_{n}"].asc()
            for n, clause in enumerate(order)
        ]
        rows = session.execute(
            select(counted.c.total, page.c.pk, page.c[form.key])
            .select_from(counted.outerjoin(page, true()))
            .order_by(*outer, page.c.pk)
        ).all()
        total = rows[0][0] if rows else 0
        return total or 0, [(pk, text) for _, pk, text in rows if pk is not None]

    def list(self, session: Session, query: Query, ctx: RequestContext) -> tuple[list[JSON], int]:
        """One page of the collection and the total count."""
        items, total = self._page(session, query, ctx)
        return [json.loads(item) if isinstance(item, str) else item for item in items], total

    def patch(
        self,
        session: Session,
        id_: str,
        media_type: str,
        body: Any,
        ctx: RequestContext,
        precondition: Precondition | None = None,
    ) -> JSON:
        row = self._load(session, id_, for_update=True)
        # The patch applies to what this version shows (v5 `@type`s filled in, type names in this
        # version's form), so it is validated as this version's resource, whichever wrote it.
        current = self.document(row, ctx)
        if precondition is not None:
            precondition(self.representation(row, ctx, current))
        touched = patching.top_level_names(media_type, body) & self.not_patchable
        if touched:
            raise bad_request(
                f"{', '.join(sorted(touched))} cannot be patched: set by the server",
                reason="Attribute not patchable",
            )
        if media_type in (patching.MERGE_PATCH, patching.JSON):
            if not isinstance(body, dict):
                raise bad_request("A merge patch body must be a JSON object")
            updated = patching.merge_patch(current, body)
        elif media_type == patching.JSON_PATCH:
            updated = patching.json_patch(current, body)
        elif media_type == patching.JSON_PATCH_QUERY:
            updated = patching.json_patch_query(current, body)
        else:  # the adapter answers 415 before this
            raise TMFError(415, f"Unsupported media type {media_type!r}")
        if not isinstance(updated, dict):
            raise bad_request("The patch must leave a JSON object")
        for name in self.not_patchable:
            if updated.get(name) != current.get(name):
                raise bad_request(
                    f"{name} cannot be patched: set by the server", reason="Attribute not patchable"
                )
        errors = sorted(self.patch_validator.iter_errors(_without(updated, self.not_patchable)), key=str)
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "(document)"
            raise bad_request(f"The patched {self.schema.name} is not valid at {where}: {first.message}")
        changed = sorted(k for k in set(updated) | set(current) if updated.get(k) != current.get(k))
        removed = sorted(
            name for name in self.required_on_create & set(changed) if updated.get(name) in _EMPTY
        )
        if removed:
            raise bad_request(
                f"The patch removes {', '.join(removed)}, which a {self.schema.name} requires",
                reason="Required attribute missing",
            )
        self.check_types(updated)
        self.check_references(session, relative_hrefs(updated, ctx), relative_hrefs(current, ctx))
        old_state = self.state_of(row)
        # The lifecycle is in stored values; a version may spell them its own way (`values`).
        state = self._state
        new_state = updated.get(self.resource.state_attribute or "")
        new_state = state.stored(new_state) if state else new_state
        lifecycle = self.lifecycle
        legal = (
            isinstance(new_state, str) and lifecycle is not None and lifecycle.can_move(old_state, new_state)
        )
        if lifecycle is not None and new_state != old_state and not legal:
            show = state.shown if state else str
            allowed = [str(show(a)) for a in lifecycle.allowed(old_state)]
            raise TMFError(
                409,
                f"{self.schema.name} {id_} is {show(old_state)}; it cannot move to {show(new_state)}. "
                f"Allowed next states: {', '.join(allowed) if allowed else 'none (final state)'}",
                reason="Illegal state transition",
            )
        try:
            # What the server filled in for this version is not the client's: it is not stored.
            build(self.node, relative_hrefs(stored_types(updated), ctx), row)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if self.rules.on_patch is not None:
            self.rules.on_patch(self, session, row, current, updated, changed)
        now = utcnow()
        for column, value in self.resource.on_update.items():
            setattr(row, column, now if value == "$now" else value)
        session.flush()
        state_attribute = self.resource.state_attribute or ""
        if old_state != self.state_of(row):
            if self.rules.on_state_change is not None:
                self.rules.on_state_change(self, session, row, old_state, changed, ctx)
            self.runtime.notify(
                session, Change("stateChange", self.resource.path, row, [state_attribute], ctx)
            )
        # A state change has its own event; an attribute event is for the other attributes.
        others = [
            name for name in changed if name != state_attribute and name not in self.resource.server_owned
        ]
        if others:
            self.runtime.notify(session, Change("attributeValueChange", self.resource.path, row, others, ctx))
        if old_state != self.state_of(row) and self.rules.after_state_change is not None:
            self.rules.after_state_change(self, session, row, old_state, ctx)
        return self.document(row, ctx)

    def move(self, session: Session, row: Any, target: str, ctx: RequestContext | None = None) -> None:
        """A server-driven transition (task processing, fulfilment), held to the same lifecycle."""
        if self.lifecycle is None or self._state_column is None:
            raise AssertionError(f"{self.resource.path} has no lifecycle")
        current = self.state_of(row)
        if not self.lifecycle.server_can_move(current, target):
            # A rule moving a row along a path its lifecycle does not have is a bug, not bad input.
            raise AssertionError(f"{self.resource.path} {row.id}: {current} -> {target} is not a transition")
        setattr(row, self._state_column, target)
        session.flush()
        change = Change("stateChange", self.resource.path, row, [self.lifecycle.attribute], ctx)
        self.runtime.notify(session, change)

    def delete(
        self,
        session: Session,
        id_: str,
        ctx: RequestContext | None = None,
        precondition: Precondition | None = None,
    ) -> None:
        row = self._load(session, id_, for_update=True)
        if precondition is not None and ctx is not None:
            precondition(self.representation(row, ctx))
        if self.rules.before_delete is not None:
            self.rules.before_delete(self, session, row)
        self.runtime.notify(session, Change("delete", self.resource.path, row, ctx=ctx))
        session.delete(row)
        session.flush()


_EMPTY: tuple[Any, ...] = (None, [], {}, "")


# The root of every API version's paths: /tmf-api/<name>/<version>/<collection>/<id>.
_API_ROOT = "/tmf-api/"


def expand_hrefs(doc: Any, ctx: RequestContext, version: str) -> Any:
    """`doc` with each relative href to one of our resources made absolute on `ctx`'s base URL,
    in the reading `version` of the API it names (TMF621 v4 names a bill in TMF678 v4)."""
    if isinstance(doc, list):
        return [expand_hrefs(item, ctx, version) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out: JSON = {}
    for key, value in doc.items():
        if key == "href" and isinstance(value, str) and value.startswith(_API_ROOT):
            out[key] = ctx.base_url.rstrip("/") + _in_version(value, version)
        else:
            out[key] = expand_hrefs(value, ctx, version)
    return out


def relative_hrefs(doc: Any, ctx: RequestContext) -> Any:
    """`doc` with each href on our own base URL made relative to it, as references are stored."""
    if isinstance(doc, list):
        return [relative_hrefs(item, ctx) for item in doc]
    if not isinstance(doc, dict):
        return doc
    prefix = ctx.base_url.rstrip("/") + _API_ROOT
    out: JSON = {}
    for key, value in doc.items():
        if key == "href" and isinstance(value, str) and value.startswith(prefix):
            out[key] = value[len(prefix) - len(_API_ROOT) :]
        else:
            out[key] = relative_hrefs(value, ctx)
    return out


def _in_version(path: str, version: str) -> str:
    name, _, rest = path[len(_API_ROOT) :].partition("/")
    stored, _, tail = rest.partition("/")
    roots = _served_roots()
    api = roots.get((name, stored))
    # An API may have another root name in the other version (TMF632: party/v4, partyManagement/v5).
    target = next((n for (n, v), a in roots.items() if a == api and v == version), None) if api else None
    if stored == version or target is None:
        return path
    return f"{_API_ROOT}{target}/{version}/{tail}"


@dataclass(frozen=True)
class ReferenceTarget:
    """What checking a reference to one resource of an API needs: one store under every version."""

    schema: str
    entity: Any
    scope: dict[str, Any]
    state_column: str | None
    prefixes: tuple[str, ...]  # stored href of one of its resources, minus the id, per version


@functools.cache
def reference_target(api: str, resource: str) -> ReferenceTarget:
    from tmf_api.registry import load_mapping, manifest  # the registry builds on the engine

    mappings = [load_mapping(api, v) for v in manifest(api).versions]
    holding = [m for m in mappings if resource in m.resources]
    if not holding:
        raise KeyError(f"{api} has no resource {resource!r}")
    first = holding[0].resources[resource]
    state = first.node.column_for(first.state_attribute) if first.state_attribute else None
    return ReferenceTarget(
        schema=first.schema,
        entity=first.node.entity,
        scope=dict(first.scope),
        state_column=state.column if state else None,
        prefixes=tuple(f"{m.base_path}/{resource}/" for m in holding),
    )


def _references_at(doc: Any, path: str) -> list[tuple[JSON, str]]:
    """(object holding the id, id) for each string id at `path`, through arrays on the way."""
    *parents, last = path.split(".")
    level: list[Any] = [doc]
    for name in parents:
        nxt: list[Any] = []
        for item in level:
            value = item.get(name) if isinstance(item, dict) else None
            nxt.extend(value if isinstance(value, list) else [value] if value is not None else [])
        level = nxt
    return [(item, v) for item in level if isinstance(item, dict) and isinstance(v := item.get(last), str)]


@functools.cache
def _served_roots() -> dict[tuple[str, str], str]:
    """(root name, version) of every API version the registry knows, with its API."""
    from tmf_api.registry import api_versions  # the registry builds on the engine

    return {(v.name, v.version): v.api for v in api_versions()}


def _without(doc: JSON, names: frozenset[str]) -> JSON:
    return {k: v for k, v in doc.items() if k not in names}


def _prune(doc: Any, tree: dict[str, Any], keep: set[str]) -> Any:
    if isinstance(doc, list):
        return [_prune(item, tree, keep) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out: JSON = {}
    for key, value in doc.items():
        sub = tree.get(key)
        if key in keep or sub is True:
            out[key] = copy_json(value)
        elif isinstance(sub, dict):
            out[key] = _prune(value, sub, keep)
    return out
