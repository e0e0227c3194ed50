"""Rendered forms: each root row keeps the documents its API versions show, beside the queryable
columns, so that a GET or a page of a list reads one column instead of the row, its child rows and
the mapping's rendering (bench/README.md: the ORM loading 20 orders with their children was 18 of
the 27 ms of CPU a list page cost).

Kept by a hook on every SQLAlchemy session, whoever writes: a root whose tree changed in a
transaction is rendered again at commit, in each version the session's runtimes render
(`session.info[RENDERERS]`, set by the application's sessionmaker); a version none of them renders
gets NULL, read the slow way. So a form is never stale, and a write outside the application (a
bare session, a script) only costs the next reads their speed. Each form starts with the
fingerprint of what rendered it (the mapping, the documents, the rendering code): after an upgrade
that changes any of them, old forms are ignored rather than served.

Forms hold hrefs relative to the server (`/tmf-api/…`, in the form's version); a read puts the
caller's base URL in front of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import get_history

from sid_model.base import Base, Rendered
from tmf_api.engine.document import dump_json

if TYPE_CHECKING:
    from tmf_api.engine.resource import ResourceService

# session.info key: {entity class: {version: service}} of the runtimes the session writes for.
RENDERERS = "tmf_renderers"
_PENDING = "tmf_rendered_pending"  # roots whose tree changed in the current transaction
_RENDERING = "tmf_rendering"
_HREF = '"href":"/tmf-api/'


def column(version: str) -> str:
    return f"rendered_{version}"


def is_rendered(entity: type[Any]) -> bool:
    return isinstance(entity, type) and issubclass(entity, Rendered)


def renderers(services: Iterable[ResourceService]) -> dict[type[Any], dict[str, list[ResourceService]]]:
    """The renderers of an application's runtimes, per rendered entity and version: one service,
    or several that share the table under scopes (TMF666's account kinds), each rendering its rows."""
    out: dict[type[Any], dict[str, list[ResourceService]]] = {}
    for service in services:
        entity = service.entity
        if is_rendered(entity) and hasattr(entity, column(service.version)):
            out.setdefault(entity, {}).setdefault(service.version, []).append(service)
    return out


def _renderer_of(services: list[ResourceService], row: Any) -> ResourceService | None:
    """The service whose scope holds `row` (the one service of an unscoped table)."""
    for service in services:
        if all(getattr(row, name) == value for name, value in service.resource.scope.items()):
            return service
    return None


@cache
def _code_fingerprint() -> str:
    # The modules whose code decides what a document looks like.
    engine = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("document.py", "mapping.py", "schema.py", "resource.py", "rendered.py"):
        digest.update((engine / name).read_bytes())
    return digest.hexdigest()


def fingerprint(mapping_source: str, spec: dict[str, Any], peers: Iterable[dict[str, Any]]) -> str:
    """16 hex digits naming what renders a version's documents; a form carries it first."""
    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(mapping_source.encode())
    for document in (spec, *peers):
        digest.update(_document_digest(id(document), document))
    return digest.hexdigest()[:16] + "|"


_DIGESTS: dict[int, tuple[dict[str, Any], bytes]] = {}


def _document_digest(key: int, document: dict[str, Any]) -> bytes:
    # Documents are loaded once and never changed; hashing one takes a while, so once per object
    # (the object is kept with its digest so that its id cannot be reused by another).
    known = _DIGESTS.get(key)
    if known is None or known[0] is not document:
        text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
        known = (document, hashlib.sha256(text.encode()).digest())
        _DIGESTS[key] = known
    return known[1]


def form_of(service: ResourceService, row: Any) -> str:
    """The form `service` renders `row` in: its fingerprint, then the document as compact JSON."""
    from tmf_api.engine.resource import RequestContext

    doc = service.document(row, RequestContext(""))
    return service.fingerprint + dump_json(doc)


def read_text(service: ResourceService, text: str | None, base_url: str) -> str | None:
    """The JSON text of the document a stored form holds, its hrefs on `base_url`; None if the
    form is missing or was rendered by something else than `service` is now. The text is what
    `json.dumps(…, ensure_ascii=False, separators=(",", ":"))` writes, as responses are."""
    prefix = service.fingerprint
    if text is None or not text.startswith(prefix):
        return None
    body = text[len(prefix) :]
    base = json.dumps(base_url.rstrip("/"), ensure_ascii=False)[1:-1]
    if base:
        body = body.replace(_HREF, f'"href":"{base}/tmf-api/')
    return body


def read(service: ResourceService, text: str | None, base_url: str) -> dict[str, Any] | None:
    """The document a stored form holds (see `read_text`)."""
    body = read_text(service, text, base_url)
    if body is None:
        return None
    doc: dict[str, Any] = json.loads(body)
    return doc


# -- keeping the forms --------------------------------------------------------------------------


_OWNERS: dict[int, dict[type[Any], tuple[type[Any], ...]]] = {}


def _owner_classes() -> dict[type[Any], tuple[type[Any], ...]]:
    """For each class whose rows belong to the tree of a rendered root: the roots' classes."""
    mappers = Base.registry.mappers
    known = _OWNERS.get(len(mappers))  # models imported later add mappers
    if known is not None:
        return known
    owners: dict[type[Any], set[type[Any]]] = {}
    for root in (m for m in mappers if issubclass(m.class_, Rendered)):
        seen: set[type[Any]] = set()
        todo: list[Mapper[Any]] = [root]
        while todo:
            for rel in todo.pop().relationships:
                target = rel.mapper.class_
                if target not in seen and target is not root.class_:
                    seen.add(target)
                    todo.append(rel.mapper)
        for child in seen:
            owners.setdefault(child, set()).add(root.class_)
    _OWNERS[len(mappers)] = {child: tuple(roots) for child, roots in owners.items()}
    return _OWNERS[len(mappers)]


def _tree(obj: Any) -> Iterator[Any]:
    """The loaded rows under `obj`, including children just removed from a collection."""
    state = inspect(obj)
    for rel in state.mapper.relationships:
        if rel.key not in state.dict:
            continue  # not loaded: nothing under it can have changed through this session
        history = get_history(obj, rel.key)
        for child in (*history.unchanged, *history.added, *history.deleted):
            if child is not None:
                yield child
                yield from _tree(child)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_RENDERING):
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    roots = {id(o): o for o in changed if isinstance(o, Rendered)}
    owners = _owner_classes()
    children = [o for o in changed if type(o) in owners]
    if children:
        owner: dict[int, Any] = {}
        for candidate in (*session.identity_map.values(), *session.new):
            if isinstance(candidate, Rendered):
                for member in _tree(candidate):
                    owner[id(member)] = candidate
        for child in children:
            root = owner.get(id(child))
            if root is None:
                # A child changed without its root in the session: its form would go stale.
                raise RuntimeError(
                    f"{type(child).__name__} changed without the {owners[type(child)][0].__name__} it "
                    "belongs to loaded in the session: load the root and change it through its collections"
                )
            roots[id(root)] = root
    if roots:
        session.info.setdefault(_PENDING, {}).update(roots)


@event.listens_for(Session, "before_commit")
def _render(session: Session) -> None:
    # The commit flushes only after this hook: flush first, so that the last changes are collected.
    session.flush()
    pending: dict[int, Any] = session.info.pop(_PENDING, {})
    if not pending:
        return
    by_class: dict[type[Any], dict[str, list[ResourceService]]] = session.info.get(RENDERERS, {})
    session.info[_RENDERING] = True
    try:
        for row in pending.values():
            state = inspect(row)
            if state.deleted or state.was_deleted or state.detached:
                continue
            services = by_class.get(type(row), {})
            for name in _versions(type(row)):
                service = _renderer_of(services.get(name, []), row)
                setattr(row, column(name), form_of(service, row) if service is not None else None)
        session.flush()
    finally:
        session.info.pop(_RENDERING, None)


@event.listens_for(Session, "after_transaction_create")
def _forget(session: Session, transaction: Any) -> None:
    # A new outermost transaction starts with nothing to render: what the last one changed was
    # rendered at its commit or undone by its rollback. (A savepoint rolled back leaves its roots
    # pending: rendering them again at commit renders what is there, which is harmless.)
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _versions(entity: type[Any]) -> tuple[str, ...]:
    prefix = "rendered_"
    return tuple(
        attr.key[len(prefix) :] for attr in inspect(entity).column_attrs if attr.key.startswith(prefix)
    )


def refresh(session_factory: Any, services: Iterable[ResourceService], batch: int = 500) -> dict[str, int]:
    """Render the forms rows lack or hold from an older renderer (rows stored before the forms
    existed, or before an upgrade): {"<API> <version> <resource>": rows rendered}."""
    from sqlalchemy import func, or_, select

    done: dict[str, int] = {}
    for service in services:
        form = service._rendered_column
        if form is None:
            continue
        prefix = service.fingerprint
        stale = or_(form.is_(None), func.substr(form, 1, len(prefix)) != prefix)
        entity = service.entity
        last = 0
        count = 0
        while True:
            with session_factory.begin() as session:
                rows = session.scalars(
                    service.scoped(select(entity))
                    .where(stale, entity.pk > last)
                    .order_by(entity.pk)
                    .limit(batch)
                ).all()
                for row in rows:
                    # The session's hook renders every version of the changed row at commit.
                    setattr(row, form.key, form_of(service, row))
                if rows:
                    last = rows[-1].pk
            count += len(rows)
            if len(rows) < batch:
                break
        done[f"{service.runtime.mapping.api} {service.version} {service.resource.path}"] = count
    return done
