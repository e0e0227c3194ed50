"""The application factory: settings in, one ASGI app serving every API version out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import connexion
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import InternalServerError, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.spec import Specification
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from sid_model.db import make_engine
from tmf_api import clock, docsite
from tmf_api.adapter.handlers import EngineResolver, listener_route
from tmf_api.adapter.middleware import (
    REQUESTED_PATH,
    AllowIndex,
    ASGIApp,
    RequestLimits,
    TMFMiddleware,
    log_problem,
    log_unhandled,
)
from tmf_api.adapter.operations import DirectApi
from tmf_api.adapter.validation import CachedJSONBodyValidator, NamingParameterValidator
from tmf_api.delivery import Dispatcher
from tmf_api.engine import rendered
from tmf_api.engine.events import PENDING_FLAG, EventHub
from tmf_api.engine.resource import ApiRuntime, Change
from tmf_api.registry import (
    ApiVersion,
    api_routes,
    api_versions,
    load_mapping,
    manifest,
    manifests,
    reactions,
    rules,
)
from tmf_api.settings import Settings
from tmf_api.specs import bundle_cache_dir, load_document

# The documentation site (tmf_api.docsite) at /docs/, Swagger UI's try-it-out at /swagger.
DOCS_PATH = "/docs"
SWAGGER_PATH = "/swagger"
VALIDATORS = {
    "parameter": NamingParameterValidator,
    "body": MediaTypeDict({"*/*json": CachedJSONBodyValidator}),
}


def served_apis(settings: Settings) -> list[ApiVersion]:
    """The registry's API versions, narrowed to `settings.apis` when given."""
    every = api_versions()
    if settings.apis is None:
        return every
    unknown = set(settings.apis) - {v.key for v in every}
    if unknown:
        raise ValueError(f"not in the registry: {sorted(unknown)}")
    return [v for v in every if v.key in settings.apis]


def build_runtimes(settings: Settings) -> list[ApiRuntime]:
    runtimes = []
    for served in served_apis(settings):
        mapping = load_mapping(served.api, served.version)
        others = [v for v in manifest(served.api).versions.values() if v.version != served.version]
        peers = [load_document(other.document) for other in others]
        peer_mappings = [load_mapping(other.api, other.version) for other in others]
        runtime = ApiRuntime(mapping, load_document(served.document), settings, peers, peer_mappings)
        for path, own_rules in rules(served.api).items():
            if path in runtime.services:
                runtime.services[path].rules = own_rules
        runtimes.append(runtime)
    for runtime in runtimes:
        runtime.siblings = {r.mapping.version: r for r in runtimes if r.mapping.api == runtime.mapping.api}
        runtime.served = runtimes
    # Rules reacting to another API's changes (a bucket for each billing account opened) run for
    # every API of the registry, served here or not: the data they keep holds for any server.
    reacting: dict[tuple[str, str, str], list[Callable[[Session, Change], None]]] = {}
    for api in manifests():
        for key, react in reactions(api).items():
            reacting.setdefault(key, []).append(react)
    if reacting:
        for runtime in runtimes:
            runtime.change_listeners.append(functools.partial(_react, reacting))
    return runtimes


def _react(
    reacting: dict[tuple[str, str, str], list[Callable[[Session, Change], None]]],
    session: Session,
    change: Change,
) -> None:
    for react in reacting.get((change.api, change.resource, change.kind), ()):
        react(session, change)


def _spec_route(spec: dict[str, Any]) -> ASGIApp:
    # Connexion cannot serialise documents with recursive schemas, so the raw document is served.
    body = json.dumps(spec, ensure_ascii=False).encode("utf-8")

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        await Response(body, media_type="application/json")(scope, receive, send)

    return serve


def _docs_page(runtimes: list[ApiRuntime]) -> ASGIApp:
    urls = [
        {
            "url": f"{r.base_path}/openapi.json",
            "name": f"{r.mapping.api} {r.mapping.name} {r.mapping.version}",
        }
        for r in runtimes
    ]
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>TM Forum Open APIs</title>
<link rel="stylesheet" href="{SWAGGER_PATH}/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{SWAGGER_PATH}/static/swagger-ui-bundle.js"></script>
<script src="{SWAGGER_PATH}/static/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{urls: {json.dumps(urls)}, dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  deepLinking: true}});
</script></body></html>"""

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        await HTMLResponse(html)(scope, receive, send)

    return serve


async def _root(scope: Any, receive: Any, send: Any) -> None:
    await Response(status_code=307, headers={"Location": f"{DOCS_PATH}/"})(scope, receive, send)


def _docs_site() -> ASGIApp:
    """The generated site at /docs/, built on the first request for it (some 6 s on this machine)
    and kept in the cache folder, keyed by its sources, for later servers."""
    files: list[StaticFiles] = []

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        path: str = scope["path"]
        if path == DOCS_PATH and not str(scope.get(REQUESTED_PATH, path)).endswith("/"):
            # the site's links are relative: its index must be read from /docs/
            await Response(status_code=307, headers={"Location": f"{DOCS_PATH}/"})(scope, receive, send)
            return
        if not files:
            site = await anyio.to_thread.run_sync(docsite.cached_site, _site_cache())
            files.append(StaticFiles(directory=site, html=True))
        inner = dict(scope, path=path[len(DOCS_PATH) :] or "/")
        await files[0](inner, receive, send)

    return serve


def _site_cache() -> Path:
    return bundle_cache_dir() or Path(tempfile.gettempdir()) / "tmf-api"


class Application:
    """The ASGI application, with the parts the CLI, the demo loader and tests reach for."""

    def __init__(
        self,
        asgi: ASGIApp,
        runtimes: list[ApiRuntime],
        sessions: sessionmaker[Session],
        dispatcher: Dispatcher,
    ) -> None:
        self.asgi = asgi
        self.runtimes = runtimes
        self.sessions = sessions
        self.dispatcher = dispatcher

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.asgi(scope, receive, send)


def _lifespan(
    settings: Settings, runtimes: list[ApiRuntime], sessions: sessionmaker[Session], dispatcher: Dispatcher
) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        # Connexion runs the handlers in anyio's default thread pool (40 threads unless told).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        stop = asyncio.Event()
        tasks = []
        if settings.dispatch_events:
            tasks.append(asyncio.create_task(dispatcher.run(stop)))
        if settings.simulate_fulfilment:
            from tmf_api.simulator import FulfilmentSimulator

            tasks.append(asyncio.create_task(FulfilmentSimulator(runtimes, sessions).run(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    return lifespan


def _on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    log_problem(exc.status, exc.title, request.method, request.url.path)
    response: ConnexionResponse = exc.to_problem()
    return response


def _on_unhandled(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log_unhandled(exc, request.method, request.url.path)
    response: ConnexionResponse = InternalServerError().to_problem()
    return response


def build_core(settings: Settings) -> tuple[list[ApiRuntime], sessionmaker[Session], Dispatcher]:
    """The APIs' runtimes, the sessions their writes go through and the event dispatcher: all a
    server needs but HTTP, and what commands that change resources (`tmf billing run`) use."""
    engine = make_engine(settings.database_url, **settings.engine_options())
    runtimes = build_runtimes(settings)
    # Writes through these sessions keep the rendered forms of every version served here.
    renderers = rendered.renderers(s for r in runtimes for s in r.services.values())
    sessions: sessionmaker[Session] = sessionmaker(
        engine, expire_on_commit=False, info={rendered.RENDERERS: renderers}
    )
    EventHub(runtimes, settings.base_url)
    dispatcher = Dispatcher(sessions, settings)

    @event.listens_for(sessions, "after_commit")
    def _wake_dispatcher(session: Session) -> None:
        if session.info.pop(PENDING_FLAG, False):
            dispatcher.wake()

    return runtimes, sessions, dispatcher


def create_app(settings: Settings) -> Application:
    # Connexion warns, for every PATCH declaring several media types, that it validates only the
    # first; we validate PATCH bodies ourselves (tmf_api.adapter.validation), so the warning is noise.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    # TMF attribute filters (`billingAccount.id=…`) are deliberately not declared in the documents;
    # Connexion logs each one it cannot pass to the handler as an error. The engine reads them itself.
    logging.getLogger("connexion.decorators.parameter").setLevel(logging.CRITICAL)
    # Connexion's validators log each refused body with the error, which quotes the value.
    logging.getLogger("connexion.validators").setLevel(logging.CRITICAL)
    runtimes, sessions, dispatcher = build_core(settings)
    app = connexion.AsyncApp(
        __name__,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
        lifespan=_lifespan(settings, runtimes, sessions, dispatcher),
    )
    # Our handlers are called straight from the scope (tmf_api/adapter/operations.py); the APIs
    # added below are built from this class (Connexion reads it at add_api).
    app._middleware_app.api_cls = DirectApi
    # Connexion logs each error with its repr, which quotes the offending body or value: ours log
    # kinds, statuses and places only (nothing personal reaches the logs).
    app.add_error_handler(ProblemException, _on_problem)
    app.add_error_handler(Exception, _on_unhandled)
    allow = AllowIndex()
    site = _docs_site()
    routes: dict[str, ASGIApp] = {SWAGGER_PATH: _docs_page(runtimes), DOCS_PATH: site, "/": _root}
    if settings.adjustable_clock:
        routes[clock.PATH] = clock.route
    prefixes: dict[str, ASGIApp] = {f"{SWAGGER_PATH}/static/": _static_docs(), f"{DOCS_PATH}/": site}
    with _documents_checked_by_the_suite():
        for runtime in runtimes:
            _add_api(app, runtime, sessions, allow, routes, prefixes)
    limits = RequestLimits(settings.max_body_bytes, settings.max_json_depth, settings.max_array_items)
    asgi = TMFMiddleware(app, allow, routes, prefixes, limits)
    return Application(asgi, runtimes, sessions, dispatcher)


@contextlib.contextmanager
def _documents_checked_by_the_suite() -> Iterator[None]:
    """Skip Connexion's check of each document against the OpenAPI meta-schema while adding ours.

    Connexion runs it whenever an application is built: three quarters of start-up (13 of 17 s
    for 14 documents on this machine), paid by every server and every worker. Our documents are
    release data, not input: the suite runs this very check on each of them once
    (tests/openapi/test_specs.py), beside openapi-spec-validator.
    """
    checked = Specification.__dict__["_validate_spec"]
    Specification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        Specification._validate_spec = checked


def _add_api(
    app: connexion.AsyncApp,
    runtime: ApiRuntime,
    sessions: sessionmaker[Session],
    allow: AllowIndex,
    routes: dict[str, ASGIApp],
    prefixes: dict[str, ASGIApp],
) -> None:
    """One document with its routes beside it: listener, served document, the API's own routes."""
    app.add_api(
        runtime.spec,
        resolver=EngineResolver(runtime, sessions),
        strict_validation=False,
        validate_responses=False,
        pythonic_params=False,
        validator_map=VALIDATORS,
    )
    allow.add(runtime.base_path, runtime.spec["paths"])
    routes[f"{runtime.base_path}/openapi.json"] = _spec_route(runtime.spec)
    routes[f"{runtime.base_path}/listener"] = listener_route(runtime, sessions)
    # Routes an API's rules module adds beside its document (TMF620's exported catalogs).
    for segment, make_route in api_routes(runtime.mapping.api).items():
        prefixes[f"{runtime.base_path}/{segment}/"] = make_route(runtime, sessions)


def _static_docs() -> ASGIApp:
    files = StaticFiles(directory=swagger_ui_path)

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        inner = dict(scope, path=scope["path"][len(f"{SWAGGER_PATH}/static") :])
        await files(inner, receive, send)

    return serve
