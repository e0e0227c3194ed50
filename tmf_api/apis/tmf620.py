"""TMF620 Product Catalog's own rules: the catalog lifecycle's initial state, import and export
jobs (tmf_api.apis.catalog_jobs), and the offering → prices lookup that prices orders."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response

from sid_model import ExportJob, ProductOffering, ProductOfferingPrice
from tmf_api.adapter.handlers import busy_as_503
from tmf_api.adapter.responses import error_response
from tmf_api.apis import catalog_jobs
from tmf_api.apis.catalog_jobs import JobFailure
from tmf_api.engine.document import JSON
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService, Rules, utcnow
from tmf_api.errors import TMFError, bad_request


def _initial_lifecycle_status(service: ResourceService, session: Session, row: Any, body: JSON) -> None:
    """A new offering, specification or price starts `In study` unless the client names another
    initial state of the catalog lifecycle (a catalog loaded from another system)."""
    lifecycle = service.lifecycle
    assert lifecycle is not None
    if row.lifecycle_status is None:
        row.lifecycle_status = lifecycle.groups["default"][0]
    elif row.lifecycle_status not in lifecycle.initial:
        raise bad_request(
            f"lifecycleStatus of a new {service.schema.name} must be one of "
            f"{', '.join(lifecycle.initial)}, got {row.lifecycle_status!r}",
            reason="Illegal initial state",
        )


def _finish(
    service: ResourceService, session: Session, job: Any, ctx: RequestContext, error: str | None
) -> None:
    job.completion_date = utcnow()
    job.error_log = error
    service.move(session, job, "Failed" if error else "Succeeded", ctx)


def _run_export(service: ResourceService, session: Session, job: Any, ctx: RequestContext) -> None:
    runtime = service.runtime
    service.move(session, job, "Running", ctx)
    job.content_type = job.content_type or catalog_jobs.CONTENT_TYPE
    try:
        document = catalog_jobs.export_document(runtime, session, job, ctx)
        if job.url and job.url.startswith("file:"):
            target = catalog_jobs.allowed_file(job.url, runtime.settings.catalog_job_dir)
            try:
                target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            except OSError as error:
                raise JobFailure(f"cannot write {job.url!r}: {error.strerror}") from None
        else:
            # The server cannot upload elsewhere: it serves the document itself, at the job's url.
            job.url = catalog_jobs.export_url(runtime, ctx, job.id)
        job.content = document
    except JobFailure as failure:
        _finish(service, session, job, ctx, str(failure))
        return
    _finish(service, session, job, ctx, None)


def _run_import(service: ResourceService, session: Session, job: Any, ctx: RequestContext) -> None:
    service.move(session, job, "Running", ctx)
    job.content_type = job.content_type or catalog_jobs.CONTENT_TYPE
    try:
        # All or nothing: a refused entity undoes the ones written before it.
        with session.begin_nested():
            document = catalog_jobs.read_document(service.runtime, session, job.url, ctx)
            catalog_jobs.import_document(service.runtime, session, document, job.path, ctx)
    except JobFailure as failure:
        _finish(service, session, job, ctx, str(failure))
        return
    _finish(service, session, job, ctx, None)


def export_route(runtime: ApiRuntime, sessions: sessionmaker[Session]) -> Any:
    """`<base>/export/{id}`: the document an export job wrote (GET)."""
    prefix = f"{runtime.base_path}/{catalog_jobs.EXPORT_SEGMENT}/"

    def content(job_id: str) -> Any:
        with busy_as_503(), sessions() as session:
            return session.scalars(select(ExportJob.content).where(ExportJob.id == job_id)).one_or_none()

    async def route(scope: Any, receive: Any, send: Any) -> None:
        from starlette.concurrency import run_in_threadpool

        incoming = StarletteRequest(scope, receive)
        job_id = scope["path"][len(prefix) :]
        response: Response
        if incoming.method not in ("GET", "HEAD"):
            response = error_response(TMFError(405, "Use GET", headers={"Allow": "GET"}))
        elif not job_id or "/" in job_id:
            response = error_response(TMFError(404, f"No export at {scope['path']}", reason="Not Found"))
        else:
            try:
                document = await run_in_threadpool(content, job_id)
            except TMFError as error:
                document, response = None, error_response(error)
            else:
                response = (
                    Response(json.dumps(document, ensure_ascii=False), media_type=catalog_jobs.CONTENT_TYPE)
                    if document is not None
                    else error_response(
                        TMFError(404, f"No exported catalog of export job {job_id!r}", reason="Not Found")
                    )
                )
        await response(scope, receive, send)

    return route


def offering_prices(session: Session, offering_id: str | ProductOffering) -> list[ProductOfferingPrice]:
    """The stored prices an offering names (by reference), in the offering's order, with their
    taxes loaded; the offering by id, or as already loaded.

    The lookup TMF622's order rules price items with; an inline v5 price value (no id) is not one.
    """
    offering = (
        session.scalars(select(ProductOffering).where(ProductOffering.id == offering_id)).one_or_none()
        if isinstance(offering_id, str)
        else offering_id
    )
    if offering is None:
        return []
    ids = [link.ref_id for link in offering.prices if link.ref_id]
    if not ids:
        return []
    prices = session.scalars(
        select(ProductOfferingPrice)
        .where(ProductOfferingPrice.id.in_(ids))
        .options(joinedload(ProductOfferingPrice.taxes))
    )
    found = {p.id: p for p in prices.unique()}
    return [found[i] for i in ids if i in found]


_CATALOG_ENTITY = Rules(prepare=_initial_lifecycle_status)

RULES = {
    "productSpecification": _CATALOG_ENTITY,
    "productOffering": _CATALOG_ENTITY,
    "productOfferingPrice": _CATALOG_ENTITY,
    "exportJob": Rules(after_create=_run_export),
    "importJob": Rules(after_create=_run_import),
}

ROUTES = {catalog_jobs.EXPORT_SEGMENT: export_route}
