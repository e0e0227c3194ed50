"""TMF620 import and export jobs: catalog content out as one JSON document, and back in.

An export job selects one collection (its `path`, narrowed by its `query`, a TMF630 filter) or
every catalog collection (no path), renders it in the job's API version and keeps the document
with the job; the job's `url` is where the server serves it (`<base>/export/{id}`), unless the
client named a `file:` URL inside the configured catalog job directory (`--catalog-job-dir`),
which then receives it. An import job reads such a document, from an export URL of this server
(either version) or an allowed file, and creates or updates, by id, every entity it holds, in
the version it was exported in; it ends Failed, changing nothing, with the reason in `errorLog`
when the document cannot be read or one of its entities is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sid_model import ExportJob
from tmf_api.engine.document import JSON
from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.query import Query, parse_query
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService, utcnow
from tmf_api.errors import TMFError

CONTENT_TYPE = "application/json"
EXPORT_SEGMENT = "export"
DOCUMENT_TYPE = "ProductCatalogExport"
# The catalog collections, in the order an import writes them: what an entity refers to is
# written before it (a category's offerings and sub-categories are added once all exist).
CATALOG_COLLECTIONS = ("productSpecification", "productOfferingPrice", "category", "productOffering")
CATALOGS = ("catalog", "productCatalog")  # v4 and v5 names of one collection
PAGE = 500
CATEGORY_LINKS = ("productOffering", "subCategory", "parentId", "parent")


class JobFailure(Exception):
    """Why a job failed, for its errorLog."""


def collections(runtime: ApiRuntime) -> list[str]:
    """This version's catalog collections, in import order."""
    return [path for path in (*CATALOG_COLLECTIONS, *CATALOGS) if path in runtime.services]


def export_url(runtime: ApiRuntime, ctx: RequestContext, job_id: str) -> str:
    return f"{ctx.base_url.rstrip('/')}{runtime.base_path}/{EXPORT_SEGMENT}/{job_id}"


# ------------------------------------------------------------------------------------- export
def selected(runtime: ApiRuntime, path: str | None) -> list[str]:
    """The collections an export's or an import's `path` names: one, or all for none or the root."""
    name = (urlsplit(path).path if path else "").rstrip("/").rsplit("/", 1)[-1]
    if name in ("", runtime.mapping.version, runtime.mapping.name):
        return collections(runtime)
    if name in CATALOGS:
        name = next(c for c in CATALOGS if c in runtime.services)
    if name not in collections(runtime):
        raise JobFailure(
            f"path {path!r} names no catalog collection; use one of {', '.join(collections(runtime))}"
        )
    return [name]


def _documents(
    service: ResourceService, session: Session, query: Query, ctx: RequestContext
) -> Iterator[JSON]:
    offset = query.offset
    while True:
        page = Query(
            conditions=query.conditions, fields=query.fields, sort=query.sort, offset=offset, limit=PAGE
        )
        docs, total = service.list(session, page, ctx)
        yield from docs
        offset += len(docs)
        if not docs or offset >= total or (query.limit is not None and offset - query.offset >= query.limit):
            return


def export_document(
    runtime: ApiRuntime, session: Session, job: ExportJob, ctx: RequestContext
) -> dict[str, Any]:
    paths = selected(runtime, job.path)
    if job.query and len(paths) != 1:
        raise JobFailure("a query needs a path naming one collection")
    try:
        query = parse_query(job.query or "")
        resources = {path: list(_documents(runtime.services[path], session, query, ctx)) for path in paths}
    except TMFError as error:
        raise JobFailure(f"query {job.query!r}: {error.message}") from None
    return {
        "@type": DOCUMENT_TYPE,
        "api": runtime.mapping.api,
        "version": runtime.mapping.version,
        "exportJob": job.id,
        "exportDate": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "resources": resources,
    }


def allowed_file(url: str, directory: str | None) -> Path:
    """The local file a `file:` URL names, which must lie inside the catalog job directory."""
    if directory is None:
        raise JobFailure("this server allows no file: URLs (no catalog job directory is configured)")
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise JobFailure(f"{url!r} names a file on another host")
    root = Path(directory).resolve()
    target = Path(unquote(parts.path)).resolve()
    if not target.is_relative_to(root):
        raise JobFailure(f"{url!r} is outside the catalog job directory")
    return target


# ------------------------------------------------------------------------------------- import
def read_document(runtime: ApiRuntime, session: Session, url: str | None, ctx: RequestContext) -> Any:
    if not url:
        raise JobFailure("no url to import from")
    if url.startswith("file:"):
        target = allowed_file(url, runtime.settings.catalog_job_dir)
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except OSError as error:
            raise JobFailure(f"cannot read {url!r}: {error.strerror}") from None
        except ValueError:
            raise JobFailure(f"{url!r} is not a JSON document") from None
    base = ctx.base_url.rstrip("/")
    for sibling in runtime.siblings.values():
        prefix = f"{base}{sibling.base_path}/{EXPORT_SEGMENT}/"
        if url.startswith(prefix):
            job_id = url[len(prefix) :].strip("/")
            content = session.scalars(select(ExportJob.content).where(ExportJob.id == job_id)).one_or_none()
            if content is None:
                raise JobFailure(f"{url!r}: no export job {job_id!r} with content on this server")
            return content
    raise JobFailure(
        f"{url!r} is neither an export of this server ({base}{runtime.base_path}/{EXPORT_SEGMENT}/<id>) "
        "nor a file: URL in the catalog job directory"
    )


def import_document(
    runtime: ApiRuntime, session: Session, document: Any, path: str | None, ctx: RequestContext
) -> int:
    """Create or update every entity of `document`; the number written. Raises JobFailure."""
    if not isinstance(document, dict) or not isinstance(document.get("resources"), dict):
        raise JobFailure("the document has no `resources` object (is it a catalog export?)")
    version = document.get("version", runtime.mapping.version)
    source = runtime.siblings.get(version) if isinstance(version, str) else None
    if source is None:
        raise JobFailure(f"the document is in version {version!r}, which this server does not serve")
    wanted = set(selected(source, path)) if path else set(collections(source))
    resources: dict[str, Any] = document["resources"]
    unknown = sorted(set(resources) - set(collections(source)))
    if unknown:
        raise JobFailure(f"the document holds {', '.join(unknown)}, which are no catalog collections")
    written = 0
    deferred: list[tuple[ResourceService, str, JSON]] = []
    for name in collections(source):
        if name not in wanted:
            continue
        docs = resources.get(name) or []
        if not isinstance(docs, list):
            raise JobFailure(f"resources.{name} is not a list")
        service = source.services[name]
        if name == "productOffering":
            # Parts before the bundles made of them.
            docs = sorted(docs, key=lambda doc: bool(isinstance(doc, dict) and doc.get("isBundle")))
        for doc in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise JobFailure(f"resources.{name}: every entity needs an id")
            body = {k: v for k, v in doc.items() if k not in service.server_owned}
            if name == "category":
                # What a category names of its own collection, and its offerings, once all exist.
                later = {k: body.pop(k) for k in CATEGORY_LINKS if k in body}
                if later:
                    deferred.append((service, doc["id"], later))
            _write(service, session, doc["id"], body, ctx)
            written += 1
    for service, id_, later in deferred:
        _write(service, session, id_, later, ctx)
    return written


def _write(service: ResourceService, session: Session, id_: str, body: JSON, ctx: RequestContext) -> None:
    exists = session.scalar(
        select(service.scoped(select(service.entity.pk).where(service.entity.id == id_)).exists())
    )
    try:
        if exists:
            service.patch(session, id_, MERGE_PATCH, body, ctx)
        else:
            service.create(session, body, ctx, id_=id_)
    except TMFError as error:
        raise JobFailure(f"{service.resource.path} {id_}: {error.message}") from None
