"""HTTP API of the recommender: POST /v1/recommendations (contract in README.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backends.recommender.content import make_embedder, product_text
from backends.recommender.model import Model
from backends.recommender.recommend import Filters, Pricing, Recommender, UnknownProduct
from backends.recommender.settings import Settings
from backends.recommender.vocabulary import TypeMatcher, make_label_embedder
from borderless.rules import load_rules
from svc.app import base_app
from svc.errors import ApiError
from svc.requests import read_model

log = logging.getLogger(__name__)

RECOMMENDER = web.AppKey("recommender", Recommender)


class FiltersBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    max_price: float | None = Field(default=None, ge=0)
    min_price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    category: str | None = Field(default=None, max_length=100)
    color: str | None = Field(default=None, max_length=50)
    ships_to: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    in_stock: bool | None = None
    # One product type or several ("tent", ["hiking_boots", "rain_boots"]).
    type: str | list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(default=None)
    size: str | None = Field(default=None, min_length=1, max_length=20)
    persons: int | None = Field(default=None, ge=1, le=100)
    exclude_ids: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=200)

    @field_validator("type")
    @classmethod
    def _types(cls, value: str | list[str] | None) -> list[str] | None:
        if value is None:
            return None
        values = [value] if isinstance(value, str) else value
        if not values or len(values) > 20:
            raise ValueError("type: one to 20 product types")
        return values

    def filters(self) -> Filters:
        data = self.model_dump()
        data["type"] = tuple(data["type"]) if data["type"] else None
        data["exclude_ids"] = tuple(data["exclude_ids"])
        return Filters(**data)

    @field_validator("currency", "ships_to")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class RecommendBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    mode: Literal["for_shopper", "similar", "goes_with", "query"]
    customer_id: str | None = Field(default=None, max_length=64)
    product_id: str | None = Field(default=None, max_length=64)
    query: str | None = Field(default=None, max_length=500)
    filters: FiltersBody = Field(default_factory=FiltersBody)
    limit: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _needs(self) -> RecommendBody:
        if self.mode in ("similar", "goes_with") and not self.product_id:
            raise ValueError(f"mode {self.mode} needs product_id")
        if self.mode == "query" and not self.query:
            raise ValueError("mode query needs a non-empty query")
        return self


class TypeMatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The shopper's words, in the order to trust them (e.g. the NLU's product entity, an English
    # translation, the message itself).
    texts: list[Annotated[str, Field(max_length=500)]] = Field(min_length=1, max_length=5)
    # False: only the type's own words count (a follow-up such as "in size M" must not change the type).
    embedding: bool = True


def load_pricing(settings: Settings) -> Pricing:
    """Currency rates and home-zone VAT from the shop's rule tables (borderless.rules, as the orders service)."""
    rules = load_rules(settings.rules_dir)
    return Pricing(
        rates=rules.rates,
        zero_decimal=rules.zero_decimal,
        base_currency=rules.base_currency,
        vat_countries=rules.home_countries,
        home_vat=rules.home_vat_rate,
    )


def load_recommender(settings: Settings) -> Recommender:
    model = Model.load(settings.artefacts_dir)
    embedder = make_embedder(settings.embedder, settings.embedder_path)
    embedder.fit([product_text(p) for p in model.products])
    rec = Recommender(model=model, pricing=load_pricing(settings), embedder=embedder)
    label_embedder = make_label_embedder(settings.type_embedder, embedder)
    rec.matcher = TypeMatcher(rec.types_known(), label_embedder, settings.type_margin)
    return rec


async def recommend(request: web.Request) -> web.Response:
    rec = request.app[RECOMMENDER]
    body = await read_model(request, RecommendBody)
    f = body.filters.filters()
    if f.currency and f.currency not in rec.pricing.rates:
        raise ApiError(422, "unsupported_currency", f"no exchange rate for {f.currency}")
    try:
        if body.mode == "for_shopper":
            products, strategy = rec.for_shopper(body.customer_id, f, body.limit)
        elif body.mode == "similar":
            products, strategy = rec.similar(str(body.product_id), f, body.limit)
        elif body.mode == "goes_with":
            products, strategy = rec.goes_with(str(body.product_id), f, body.limit)
        else:
            # Encoding a query runs the transformer: keep it off the event loop.
            loop = asyncio.get_running_loop()
            products, strategy = await loop.run_in_executor(None, rec.query, str(body.query), f, body.limit)
    except UnknownProduct as exc:
        raise ApiError(404, "product_not_found", f"no product {body.product_id!r}") from exc
    return web.json_response({"products": products, "strategy": strategy})


async def match_types(request: web.Request) -> web.Response:
    """POST /v1/types/match: the catalogue's product types the shopper's words ask for."""
    rec = request.app[RECOMMENDER]
    body = await read_model(request, TypeMatchBody)
    loop = asyncio.get_running_loop()
    # The embedding runs a transformer: keep it off the event loop.
    found = await loop.run_in_executor(None, lambda: rec.matcher.match(body.texts, embedding=body.embedding))
    return web.json_response({"types": found.types, "how": found.how, "margin": found.margin})


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> web.Application:
    settings = settings or Settings.from_env()

    async def health(app: web.Application) -> dict[str, Any]:
        meta = app[RECOMMENDER].model.meta
        return {
            "trained_at": meta.get("trained_at"),
            "products": meta.get("products"),
            "embedder": meta.get("embedder"),
        }

    app = base_app("recommender", health=health, max_body=64 * 1024)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if recommender is not None:
            app[RECOMMENDER] = recommender
        else:
            loop = asyncio.get_running_loop()
            app[RECOMMENDER] = await loop.run_in_executor(None, load_recommender, settings)
        log.info("recommender ready on %s (%s)", settings.port, app[RECOMMENDER].model.meta.get("embedder"))
        yield

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/v1/recommendations", recommend)
    app.router.add_post("/v1/types/match", match_types)
    return app
