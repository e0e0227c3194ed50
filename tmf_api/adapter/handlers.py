"""operationId → engine call. The only module that reads Connexion's request context."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from connexion import request
from connexion.resolver import Resolution, Resolver
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response

from sid_model import ReceivedEvent
from tmf_api.adapter import idempotency
from tmf_api.adapter.conditional import if_none_match_hit, not_modified, require_match, resource_response
from tmf_api.adapter.responses import error_response, json_list_response, json_response
from tmf_api.engine.events import receive_event
from tmf_api.engine.patch import JSON as JSON_MEDIA
from tmf_api.engine.query import parse_query
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService
from tmf_api.errors import TMFError

# Handlers are synchronous on purpose: Connexion runs those in its thread pool, so a request
# waiting on the database (a row lock, a slow query) holds one thread, never the event loop that
# serves every other request. `connexion.request` works there: the thread gets the request's context.
Handler = Callable[..., Response]

log = logging.getLogger(__name__)

# PostgreSQL errors that say "busy, try again", not "wrong request": a statement cancelled by
# statement_timeout, a lock not granted, a deadlock or serialisation failure the retry resolves.
BUSY_SQLSTATES = frozenset({"57014", "55P03", "40P01", "40001"})
RETRY_AFTER_S = "1"


@contextlib.contextmanager
def busy_as_503() -> Iterator[None]:
    """Database errors that a retry resolves become a TMF 503; every other error passes."""
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        busy = database_busy(error) or database_refused(error)
        if busy is None:
            raise
        raise busy from error


def database_refused(error: Exception) -> TMFError | None:
    """A 400 for a value the database refused (SQLSTATE class 22: a regular expression it cannot
    run, text or a number beyond its type, NUL in text). The engine checks these before any SQL,
    alike on both databases; this is the backstop, so a check that misses one is no 500."""
    if not isinstance(error, sa_exc.DataError):
        return None
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    # Only the kind: the message may quote the value, which may be personal.
    log.warning(
        "answering 400: the database refused a value (%s, SQLSTATE %s)", type(error.orig).__name__, sqlstate
    )
    return TMFError(
        400,
        f"A value in the request cannot be stored or compared by the database (SQLSTATE {sqlstate or '-'})",
    )


def database_busy(error: Exception) -> TMFError | None:
    """A 503 for a database that is overloaded, locked or gone; None for any other error."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        detail = "all database connections are busy"
    elif isinstance(error, sa_exc.DBAPIError) and (
        error.connection_invalidated or _busy(error.orig)
    ):
        detail = "the database is overloaded, locked or unreachable"
    else:
        return None
    log.warning("answering 503: %s (%s)", detail, str(error).splitlines()[0][:300])
    return TMFError(
        503,
        f"The server is busy ({detail}); retry the request",
        headers={"Retry-After": RETRY_AFTER_S},
    )


def _busy(orig: BaseException | None) -> bool:
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if sqlstate in BUSY_SQLSTATES or sqlstate.startswith("08"):  # class 08: connection exception
        return True
    kinds = type(orig).__mro__
    if any(k.__name__ == "OperationalError" and k.__module__.startswith("psycopg") for k in kinds):
        # psycopg's OperationalError: the server is unreachable, shutting down, or out of
        # connections or resources (a refused connection has no SQLSTATE at all).
        return True
    # SQLite, once its busy timeout has run out
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


def lock_for_writing(session: Session) -> None:
    """On SQLite, take the write lock before a writing request reads anything.

    SQLite's driver begins a transaction only at the first write, so a PATCH would check the
    lifecycle on a state read outside it, and two PATCHes running together could both pass.
    PostgreSQL needs nothing here: the engine reads the rows it changes FOR UPDATE.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _context(runtime: ApiRuntime) -> RequestContext:
    # The configured base URL, never the request's Host header: a client naming another host
    # would otherwise put it into hrefs, Location and the events every subscriber receives.
    return RequestContext(base_url=runtime.settings.base_url)


def _what(service: ResourceService, id_: str) -> str:
    return f"{service.schema.name or service.resource.path} {id_}"


def _media_type() -> str:
    return (request.headers.get("content-type") or JSON_MEDIA).split(";", 1)[0].strip().lower()


class EngineResolver(Resolver):  # type: ignore[misc]
    """Routes every operation of a served document to the generic engine.

    The operation kind comes from its method and path shape (`POST /x`, `GET /x/{id}` …), so no
    per-resource handler exists to copy.
    """

    def __init__(self, runtime: ApiRuntime, sessions: sessionmaker[Session]) -> None:
        super().__init__()
        self.runtime = runtime
        self.sessions = sessions

    def resolve(self, operation: Any) -> Resolution:
        segments = operation.path.strip("/").split("/")
        method = operation.method.lower()
        service = self.runtime.services.get(segments[0])
        handler: Handler
        if segments[0] == "listener" and method == "post":
            handler = self._listen(segments[1] if len(segments) > 1 else None)
        elif service is None:
            handler = _not_implemented(operation.operation_id)
        elif len(segments) == 1 and method == "post":
            handler = self._create(service)
        elif len(segments) == 1 and method == "get":
            handler = self._list(service)
        elif len(segments) == 2 and method == "get":
            handler = self._retrieve(service)
        elif len(segments) == 2 and method == "patch":
            handler = self._patch(service)
        elif len(segments) == 2 and method == "delete":
            handler = self._delete(service)
        else:
            handler = _not_implemented(operation.operation_id)
        return Resolution(handler, operation.operation_id)

    def _run(self, work: Callable[[Session], Response], *, writes: bool = False) -> Response:
        """One transaction per request: committed on success, rolled back on any error."""
        try:
            with busy_as_503(), self.sessions.begin() as session:
                if writes:
                    lock_for_writing(session)
                return work(session)
        except TMFError as error:
            return error_response(error)

    def _create(self, service: ResourceService) -> Handler:
        mapping = self.runtime.mapping
        retention = self.runtime.settings.idempotency_retention

        def create(**kwargs: Any) -> Response:
            ctx = _context(self.runtime)
            body = kwargs.get("body")
            header = request.headers.get(idempotency.HEADER)
            try:
                key = None if header is None else idempotency.parse_key(header)
            except TMFError as error:
                return error_response(error)

            def work(session: Session) -> Response:
                held = None
                if key is not None:
                    held = idempotency.Claim(mapping.api, mapping.version, service.resource.path, key)
                    replay = idempotency.claim(session, held, body, retention)
                    if replay is not None:
                        return replay
                doc = service.create(session, body, ctx)
                response = resource_response(doc, 201, {"Location": doc["href"]})
                if held is not None:
                    idempotency.remember(session, held, response)
                return response

            return self._run(work, writes=True)

        return create

    def _list(self, service: ResourceService) -> Handler:
        def list_(**_: Any) -> Response:
            ctx = _context(self.runtime)
            query_string = request.scope.get("query_string", b"").decode("latin-1")

            def work(session: Session) -> Response:
                query = parse_query(query_string)
                items, total = service.list_json(session, query, ctx)
                status = 200 if query.offset == 0 and len(items) == total else 206
                headers = {"X-Total-Count": str(total), "X-Result-Count": str(len(items))}
                return json_list_response(items, status, headers)

            return self._run(work)

        return list_

    def _retrieve(self, service: ResourceService) -> Handler:
        def retrieve(id: str, **_: Any) -> Response:
            ctx = _context(self.runtime)
            query_string = request.scope.get("query_string", b"").decode("latin-1")

            def work(session: Session) -> Response:
                response = resource_response(service.retrieve(session, id, parse_query(query_string), ctx))
                tag = response.headers["etag"]
                if if_none_match_hit(request.headers.get("if-none-match"), tag):
                    return not_modified(tag)
                return response

            return self._run(work)

        return retrieve

    def _patch(self, service: ResourceService) -> Handler:
        def patch(id: str, **kwargs: Any) -> Response:
            ctx = _context(self.runtime)
            media_type = _media_type()

            precondition = require_match(request.headers.get("if-match"), _what(service, id))

            def work(session: Session) -> Response:
                doc = service.patch(session, id, media_type, kwargs.get("body"), ctx, precondition)
                return resource_response(doc)

            return self._run(work, writes=True)

        return patch

    def _delete(self, service: ResourceService) -> Handler:
        def delete(id: str, **_: Any) -> Response:
            ctx = _context(self.runtime)

            precondition = require_match(request.headers.get("if-match"), _what(service, id))

            def work(session: Session) -> Response:
                service.delete(session, id, ctx, precondition)
                return Response(status_code=204)

            return self._run(work, writes=True)

        return delete

    def _listen(self, named: str | None) -> Handler:
        runtime = self.runtime

        def listen(**kwargs: Any) -> Response:
            body = kwargs.get("body")
            here = runtime.settings.base_url + request.scope.get("path", "")

            def work(session: Session) -> Response:
                receive_event(session, runtime, body, named=named)
                if runtime.mapping.version == "v4":
                    # The v4 documents answer a notification with 201 and an EventSubscription.
                    event_id = str((body or {}).get("eventId"))
                    return json_response({"id": event_id, "callback": here}, 201)
                return Response(status_code=204)

            return self._run(work, writes=True)

        return listen


def listener_route(runtime: ApiRuntime, sessions: sessionmaker[Session]) -> Callable[..., Awaitable[None]]:
    """`<base>/listener`: events POSTed to a callback registered exactly so, and a read-back.

    TM Forum's reference hubs post every event to the callback as registered; the documents name
    per-event paths (`/listener/<eventName>`), which are served as operations. GET lists what was
    received, newest first (`?eventType=` narrows it), so partners can test their hubs against us.
    """

    def store(body: Any) -> None:
        with busy_as_503(), sessions.begin() as session:
            lock_for_writing(session)
            receive_event(session, runtime, body)

    def received(event_type: str | None) -> list[Any]:
        with busy_as_503(), sessions() as session:
            stmt = select(ReceivedEvent).where(
                ReceivedEvent.api == runtime.mapping.api, ReceivedEvent.version == runtime.mapping.version
            )
            if event_type:
                stmt = stmt.where(ReceivedEvent.event_type == event_type)
            return [row.payload for row in session.scalars(stmt.order_by(ReceivedEvent.pk.desc()).limit(100))]

    async def route(scope: Any, receive: Any, send: Any) -> None:
        # A raw ASGI route runs on the event loop: its database work goes to the thread pool.
        incoming = StarletteRequest(scope, receive)
        if incoming.method == "POST":
            try:
                body = json.loads(await incoming.body())
                await run_in_threadpool(store, body)
                response: Response = Response(status_code=204)
            except ValueError:
                response = error_response(TMFError(400, "The body is not JSON"))
            except TMFError as error:
                response = error_response(error)
        elif incoming.method == "GET":
            try:
                response = json_response(
                    await run_in_threadpool(received, incoming.query_params.get("eventType"))
                )
            except TMFError as error:
                response = error_response(error)
        else:
            response = error_response(TMFError(405, "Use POST or GET", headers={"Allow": "GET, POST"}))
        await response(scope, receive, send)

    return route


def _not_implemented(operation_id: str) -> Handler:
    def not_implemented(**_: Any) -> Response:
        return error_response(TMFError(501, f"{operation_id} is not implemented by this server yet"))

    return not_implemented
