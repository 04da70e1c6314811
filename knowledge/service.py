"""Knowledge HTTP service (aiohttp): search, an admin API behind a bearer token, the OpenAPI document.

Routes (see knowledge/openapi.yaml), versioned like every service API under /v1:
    POST /v1/search                                   the assistant's and the console's search (no token)
    POST /v1/answer                                   the same search plus the short answer composed from it
    /v1/admin/...                                     the admin API: GET/PUT/DELETE /v1/admin/documents/{id},
                                                      POST /v1/admin/documents/import, POST /v1/admin/reindex,
                                                      GET /v1/admin/versions, POST /v1/admin/versions/{version}/rollback
    GET /health, GET /openapi.json                    liveness and the contract (unversioned, like every service)

The admin API is a sub-application with svc.auth.bearer_middleware (KNOWLEDGE_ADMIN_TOKEN), so a route added
there cannot forget the check: missing or wrong token → 401 `unauthorized`; no token configured → 503
`auth_not_configured`. Status codes follow the table in svc/errors.py (an invalid document id or version in
the path is 422). Bodies: admin requests up to KNOWLEDGE_MAX_BODY (default 8 MiB, imports), search up to 64 KiB.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
import yaml
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.base import KnowledgeBase, VersionNotFound
from knowledge.calibration import models_translator, summary
from knowledge.documents import ID_PATTERN, Document, DocumentError
from knowledge.ingest import parse_csv_catalog, parse_jsonl_catalog, parse_markdown, parse_text, product_document
from knowledge.settings import KnowledgeSettings
from knowledge.sync import announce, watch_disk, watch_redis
from retrieval.embedders import Embedder
from retrieval.types import SearchFilters
from svc.app import base_app
from svc.auth import bearer_middleware
from svc.endpoints import default_url
from svc.errors import ApiError
from svc.requests import read_model

log = logging.getLogger(__name__)

KB = web.AppKey("kb", KnowledgeBase)
SETTINGS = web.AppKey("settings", KnowledgeSettings)
ADMIN_LOCK = web.AppKey("admin_lock", asyncio.Lock)
REDIS: web.AppKey[aioredis.Redis | None] = web.AppKey("redis")
CALIBRATIONS: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("calibrations")
SPEC_PATH = Path(__file__).with_name("openapi.yaml")
MAX_QUERY_CHARS = 1000
MAX_PREFERRED_DOCS = 10
# A search request is a short query and a few filters; nothing legitimate comes near this.
MAX_SEARCH_BODY = 64 * 1024
MAX_FILTER_VALUES = 20
DocId = Annotated[str, Field(pattern=ID_PATTERN.pattern, max_length=128)]
FilterValue = Annotated[str, Field(max_length=100)]
FilterValues = Annotated[list[FilterValue], Field(max_length=MAX_FILTER_VALUES)]


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: FilterValue | FilterValues | None = None
    category: FilterValue | FilterValues | None = None
    language: str | None = Field(default=None, max_length=16)
    in_stock: bool | None = None
    ships_to: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")

    def to_filters(self) -> SearchFilters:
        def many(value: str | list[str] | None) -> tuple[str, ...] | None:
            if value is None:
                return None
            return (value,) if isinstance(value, str) else tuple(value)

        return SearchFilters(
            type=many(self.type),
            category=many(self.category),
            language=self.language,
            in_stock=self.in_stock,
            ships_to=self.ships_to.upper() if self.ships_to else None,
        )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(max_length=MAX_QUERY_CHARS)
    top_k: int = Field(default=5, ge=1, le=50)
    filters: Filters = Field(default_factory=Filters)
    language: str | None = Field(default=None, max_length=16)
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    # When the best hit is a policy document not named here, passages of these documents among the results
    # move to the front (KnowledgeBase.search; `confident` still judges the search's own best hit).
    prefer_doc_ids: list[DocId] = Field(default_factory=list, max_length=MAX_PREFERRED_DOCS)

    @field_validator("query")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be empty")
        return value.strip()


class AnswerRequest(SearchRequest):
    """The search's fields; the answer is always composed from a hybrid search."""

    mode: Literal["hybrid"] = "hybrid"
    # The shopper's language when `query` was translated for the search: facts are written in it.
    reply_language: str | None = Field(default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class DocumentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["policy", "faq", "product", "text"]
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=200_000)
    url: str = Field(default="", max_length=2000)
    language: str = Field(default="en", max_length=16)
    metadata: dict[str, Any] = Field(default_factory=dict)


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[dict[str, Any]] | None = Field(default=None, max_length=100_000)
    format: Literal["jsonl", "csv", "markdown", "text"] | None = None
    content: str | None = None
    id: str | None = None
    type: Literal["policy", "faq"] | None = None
    source: str = Field(default="api", max_length=200)


def _doc_id(request: web.Request) -> str:
    doc_id = request.match_info["doc_id"]
    if not ID_PATTERN.match(doc_id):
        raise ApiError(422, "invalid_id", "document ids use letters, digits and . _ : - (max 128)")
    return doc_id


def _bad_document(exc: DocumentError) -> ApiError:
    return ApiError(422, "invalid_document", str(exc))


async def search(request: web.Request) -> web.Response:
    body = await read_model(request, SearchRequest, max_bytes=MAX_SEARCH_BODY)
    kb = request.config_dict[KB]
    result = await asyncio.to_thread(
        kb.search, body.query, body.top_k, body.filters.to_filters(), body.language, body.mode, body.prefer_doc_ids
    )
    return web.json_response({"results": result.results, "version": result.version, "confident": result.confident})


async def answer(request: web.Request) -> web.Response:
    body = await read_model(request, AnswerRequest, max_bytes=MAX_SEARCH_BODY)
    kb = request.config_dict[KB]
    result = await asyncio.to_thread(
        kb.answer,
        body.query,
        body.top_k,
        body.filters.to_filters(),
        body.language,
        body.prefer_doc_ids,
        body.reply_language,
    )
    return web.json_response(result.to_dict())


async def get_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    doc = await asyncio.to_thread(request.config_dict[KB].store.get, doc_id)
    if doc is None:
        raise ApiError(404, "not_found", f"no document {doc_id}")
    return web.json_response(doc.to_dict())


async def _change(request: web.Request, work: Any, *args: Any) -> Any:
    """Runs one admin change at a time in a worker thread, then announces the served version."""
    async with request.config_dict[ADMIN_LOCK]:
        result = await asyncio.to_thread(work, *args)
    kb = request.config_dict[KB]
    settings = request.config_dict[SETTINGS]
    await announce(request.config_dict[REDIS], settings.redis_channel, kb.version)
    return result


async def put_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    body = await read_model(request, DocumentBody)
    try:
        if body.type == "product":
            doc = product_document(
                {
                    **body.metadata,
                    "id": doc_id,
                    "title": body.title,
                    "description": body.body,
                    "url": body.url,
                    "language": body.language,
                },
                source="api",
            )
        else:
            doc = Document(id=doc_id, source="api", **body.model_dump()).validate()
    except DocumentError as exc:
        raise _bad_document(exc) from exc
    kb = request.config_dict[KB]
    changed, version = await _change(request, kb.put, [doc], f"put {doc_id}")
    return web.json_response({"id": doc_id, "changed": bool(changed), "version": version})


async def delete_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    kb = request.config_dict[KB]
    if await asyncio.to_thread(kb.store.get, doc_id) is None:
        raise ApiError(404, "not_found", f"no document {doc_id}")
    removed, version = await _change(request, kb.delete, doc_id)
    return web.json_response({"id": doc_id, "deleted": removed, "version": version})


def _documents_from(body: ImportRequest) -> list[Document]:
    if (body.documents is None) == (body.content is None):
        raise ApiError(422, "invalid_request", "send either 'documents' or 'format' with 'content'")
    try:
        if body.documents is not None:
            docs = []
            for n, item in enumerate(body.documents):
                if not isinstance(item, dict):
                    raise DocumentError(f"documents[{n}] must be an object")
                if item.get("type") == "product":
                    record = {**(item.get("metadata") or {}), **item}
                    record.setdefault("description", item.get("body", ""))
                    docs.append(product_document(record, source=body.source, where=f"documents[{n}]"))
                else:
                    allowed = {"id", "type", "title", "body", "url", "language", "metadata"}
                    unknown = set(item) - allowed
                    if unknown:
                        raise DocumentError(f"documents[{n}]: unknown fields {sorted(unknown)}")
                    docs.append(
                        Document(
                            id=str(item.get("id", "")),
                            type=str(item.get("type", "")),
                            title=str(item.get("title", "")),
                            body=str(item.get("body", "")),
                            url=str(item.get("url", "")),
                            language=str(item.get("language", "en")),
                            metadata=dict(item.get("metadata") or {}),
                            source=body.source,
                        ).validate()
                    )
            ids = [d.id for d in docs]
            if len(ids) != len(set(ids)):
                raise DocumentError("duplicate ids in documents")
            return docs
        content = body.content or ""
        if body.format == "jsonl":
            return parse_jsonl_catalog(content, source=body.source)
        if body.format == "csv":
            return parse_csv_catalog(content, source=body.source)
        if not body.id:
            raise DocumentError(f"format {body.format} needs an 'id'")
        if body.format == "markdown":
            return [parse_markdown(content, doc_type=body.type or "policy", fallback_id=body.id, source=body.source)]
        if body.format == "text":
            return [parse_text(content, doc_id=body.id, source=body.source)]
        raise DocumentError("'format' is required with 'content'")
    except DocumentError as exc:
        raise _bad_document(exc) from exc


async def import_documents(request: web.Request) -> web.Response:
    body = await read_model(request, ImportRequest)
    docs = _documents_from(body)  # everything is validated before anything is written
    if not docs:
        raise ApiError(422, "invalid_document", "nothing to import")
    kb = request.config_dict[KB]
    changed, version = await _change(request, kb.put, docs, f"import {len(docs)} documents")
    if changed:
        calibrate_soon(request)
    return web.json_response({"imported": len(docs), "changed": changed, "version": version})


def calibrate_soon(request: web.Request) -> None:
    """After an import or reindex: fits the thresholds of the new version in the background (GET
    /v1/admin/versions reports them as `calibration` once done)."""
    settings = request.config_dict[SETTINGS]
    if not settings.auto_calibrate:
        return
    kb = request.config_dict[KB]
    tasks = request.config_dict[CALIBRATIONS]

    async def run() -> None:
        # No admin lock: calibration only reads the version it started on and writes into that version's folder,
        # so admin changes need not wait for it.
        result = await asyncio.to_thread(kb.calibrate, models_translator(default_url("models")))
        log.info("%s", summary(result))

    task = asyncio.create_task(run())
    tasks.add(task)  # a reference, so the task is not collected before it ends
    task.add_done_callback(tasks.discard)


async def reindex(request: web.Request) -> web.Response:
    kb = request.config_dict[KB]
    version = await _change(request, kb.reindex, "reindex via API")
    calibrate_soon(request)
    return web.json_response({"version": version})


async def list_versions(request: web.Request) -> web.Response:
    kb = request.config_dict[KB]
    versions = await asyncio.to_thread(kb.store.versions)
    calibration = await asyncio.to_thread(lambda: kb.calibration)
    return web.json_response(
        {"current": kb.version, "versions": versions, "calibration": calibration, "thresholds": kb.thresholds}
    )


async def rollback(request: web.Request) -> web.Response:
    raw = request.match_info["version"]
    if not raw.isdigit():
        raise ApiError(422, "invalid_version", "version must be a positive integer")
    kb = request.config_dict[KB]
    try:
        version = await _change(request, kb.rollback, int(raw))
    except VersionNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return web.json_response({"version": version})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(yaml.safe_load(SPEC_PATH.read_text()))


def create_app(settings: KnowledgeSettings | None = None, embedder: Embedder | None = None) -> web.Application:
    settings = settings or KnowledgeSettings.from_env()

    async def health(app: web.Application) -> dict[str, Any]:
        kb = app[KB]
        return {"version": kb.version, "embedder": kb.embedder.name}

    app = base_app("knowledge", health=health, max_body=settings.max_body)
    app[SETTINGS] = settings
    app[ADMIN_LOCK] = asyncio.Lock()
    app[CALIBRATIONS] = set()
    app[REDIS] = None

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        kb = await asyncio.to_thread(KnowledgeBase, settings, embedder)
        app[KB] = kb
        await asyncio.to_thread(kb.store.fail_stale_builds)
        await asyncio.to_thread(kb.ensure_loaded)
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(watch_disk(kb, settings.watch_interval))]
        searcher = kb.searcher
        warming = threading.Event()  # set at shutdown: the warm-up stops between batches
        if searcher is not None:
            # The answer's sentences and rows are embedded ahead of the first questions, off the event loop.
            chunks = searcher.snapshot.chunks
            tasks.append(asyncio.create_task(asyncio.to_thread(kb.answerer.composer.warm, chunks, warming)))
        if settings.redis_url:
            app[REDIS] = aioredis.Redis.from_url(settings.redis_url)
            tasks.append(asyncio.create_task(watch_redis(kb, settings.redis_url, settings.redis_channel)))
        log.info("knowledge service ready: version %s, embedder %s", kb.version, kb.embedder.name)
        yield
        warming.set()
        calibrations: set[asyncio.Task[None]] = app[CALIBRATIONS]
        tasks.extend(calibrations)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        redis = app[REDIS]
        if redis is not None:
            await redis.aclose()
        kb.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/v1/search", search)
    app.router.add_post("/v1/answer", answer)
    app.router.add_get("/openapi.json", openapi)
    app.add_subapp("/v1/admin", admin_app(settings))
    return app


def admin_app(settings: KnowledgeSettings) -> web.Application:
    """Mounted at /v1/admin; every route needs `Authorization: Bearer <KNOWLEDGE_ADMIN_TOKEN>`."""
    admin_auth = bearer_middleware(lambda _request: settings.admin_token, "knowledge admin API")
    app = web.Application(middlewares=[admin_auth], client_max_size=settings.max_body)
    app.router.add_post("/documents/import", import_documents)
    app.router.add_get("/documents/{doc_id}", get_document)
    app.router.add_put("/documents/{doc_id}", put_document)
    app.router.add_delete("/documents/{doc_id}", delete_document)
    app.router.add_post("/reindex", reindex)
    app.router.add_get("/versions", list_versions)
    app.router.add_post("/versions/{version}/rollback", rollback)
    return app
