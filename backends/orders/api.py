"""HTTP API of the orders service: the app factory and its handlers (contract in openapi.yaml)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import yaml
from aiohttp import web
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backends.orders import tokens
from backends.orders.adapters import make_source
from backends.orders.adapters.source import OrderSource
from backends.orders.db import IdempotencyRecord, Product, create_schema, make_engine, sessionmaker, utcnaive
from backends.orders.identity import Proof, Verifier
from backends.orders.landed_cost import quote
from backends.orders.limits import Limiter
from backends.orders.normalize import normalize_order_number
from backends.orders.operations import Orders, PolicyRefusal
from backends.orders.schemas import (
    AddressBody,
    CancelBody,
    LookupBody,
    MyOrdersBody,
    ProofFields,
    QuoteBody,
    ReturnBody,
)
from backends.orders.settings import PACKAGE_DIR, Settings
from backends.orders.views import product_view
from borderless.rules import Rules, load_rules
from svc.app import base_app
from svc.client_address import is_trusted
from svc.errors import ApiError, error_body
from svc.requests import read_model
from svc.secrets import MIN_SECRET_LENGTH
from svc.settings import SettingsError

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY = 200


@dataclass
class State:
    settings: Settings
    rules: Rules
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    orders: Orders
    # Where orders live: the builtin SQL store or a shop platform (adapters/, chosen by the shop profile).
    source: OrderSource
    # SQLite allows one writer: changes in this process queue here instead of failing with "locked".
    write_lock: asyncio.Lock | None


STATE = web.AppKey("orders_state", State)


SOURCE_HEADER = "X-Shopper-Source"
MAX_SOURCE = 200


def shopper_source(request: web.Request) -> str:
    """Who is trying to prove ownership, for the limits: the X-Shopper-Source header when a trusted proxy
    (the action server) sends it, else the TCP peer address. A caller that is not trusted cannot pick its
    own source, so it cannot spread its guesses over made-up sources."""
    state = request.app[STATE]
    peer = request.remote or "unknown"
    header = request.headers.get(SOURCE_HEADER)
    if header is None:
        return f"peer:{peer}"
    header = header.strip()
    if not header or len(header) > MAX_SOURCE or not header.isprintable():
        raise ApiError(400, "invalid_source", f"{SOURCE_HEADER} must be 1 to {MAX_SOURCE} printable characters")
    if is_trusted(peer, state.settings.trusted_proxies):
        return header
    return f"peer:{peer}"


def _proof(request: web.Request, body: ProofFields) -> Proof:
    return Proof(
        order_number=body.order_number,
        email=body.email or None,
        postcode=body.postcode or None,
        customer_token=body.customer_token or None,
        phone=body.phone or None,
        source=shopper_source(request),
    )


def _hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _idempotency_key(request: web.Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(400, "idempotency_key_required", "changes need an Idempotency-Key header")
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ApiError(
            422, "invalid_idempotency_key", f"Idempotency-Key must be printable, at most {MAX_IDEMPOTENCY_KEY} chars"
        )
    return key


async def _replay(state: State, operation: str, key: str, digest: str) -> web.Response | None:
    async with state.sessions() as session:
        record = await session.get(IdempotencyRecord, (operation, key))
    if record is None:
        return None
    if record.request_hash != digest:
        raise ApiError(409, "idempotency_key_reused", "this Idempotency-Key was used with a different request")
    return web.json_response(record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"})


async def run_change(
    request: web.Request,
    operation: str,
    body: Any,
    change: Callable[[AsyncSession], Awaitable[dict[str, Any]]],
) -> web.Response:
    """Runs `change` once per Idempotency-Key: the change and its stored answer commit together.

    A repeat with the same body gets the stored answer; a different body under the same key gets
    409. Refusals by policy (409) are stored too; 4xx for bad input, wrong proof or rate limits are
    not, since nothing happened.
    """
    state = request.app[STATE]
    key = _idempotency_key(request)
    digest = _hash(body)
    lock = state.write_lock or contextlib.nullcontext()
    async with lock:
        replay = await _replay(state, operation, key, digest)
        if replay is not None:
            return replay
        try:
            async with state.sessions() as session, session.begin():
                try:
                    result, status = await change(session), 200
                except PolicyRefusal as exc:
                    result, status = error_body(exc.code, exc.message, **exc.details), 409
                session.add(
                    IdempotencyRecord(
                        operation=operation,
                        key=key,
                        request_hash=digest,
                        status_code=status,
                        response=result,
                        created_at=utcnaive(state.settings.now()),
                    )
                )
        except IntegrityError:
            # Another replica committed the same key first: answer as it did (or 409 if the body differs).
            replay = await _replay(state, operation, key, digest)
            if replay is None:
                raise
            return replay
    return web.json_response(result, status=status)


# ---------- handlers ----------


async def lookup(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_model(request, LookupBody)
    async with state.sessions() as session:
        result = await state.orders.lookup(session, _proof(request, body), state.settings.now())
    return web.json_response(result)


async def my_orders(request: web.Request) -> web.Response:
    """Recent orders of the customer a signed token names (for logged-in shoppers)."""
    state = request.app[STATE]
    body = await read_model(request, MyOrdersBody)
    now = state.settings.now()
    try:
        customer_id = tokens.verify(state.settings.token_secret, body.customer_token)
    except tokens.InvalidToken as exc:
        raise ApiError(401, "invalid_token", "the customer token is invalid or expired") from exc
    async with state.sessions() as session:
        views = await state.orders.recent(session, customer_id, body.limit, now)
    return web.json_response({"customer_id": customer_id, "orders": views})


Body = TypeVar("Body", bound=ProofFields)
Handler = Callable[[web.Request], Awaitable[web.Response]]


def change_handler(
    operation: str,
    model: type[Body],
    apply: Callable[[State, AsyncSession, Proof, Body], Awaitable[dict[str, Any]]],
) -> Handler:
    """The handler of one order change: reads `model`, takes the proof from it and runs `apply` through
    `run_change` as `operation` (so once per Idempotency-Key)."""

    async def handler(request: web.Request) -> web.Response:
        state = request.app[STATE]
        body = await read_model(request, model)
        proof = _proof(request, body)
        return await run_change(
            request, operation, body.model_dump(mode="json"), lambda s: apply(state, s, proof, body)
        )

    return handler


cancel = change_handler(
    "cancel",
    CancelBody,
    lambda state, s, proof, body: state.orders.cancel(s, proof, body.reason, state.settings.now()),
)
change_address = change_handler(
    "change_address",
    AddressBody,
    lambda state, s, proof, body: state.orders.change_address(
        s, proof, body.address.model_dump(), state.settings.now()
    ),
)
start_return = change_handler(
    "return",
    ReturnBody,
    lambda state, s, proof, body: state.orders.start_return(
        s,
        proof,
        [i.model_dump() for i in body.items] if body.items else None,
        body.reason,
        body.sealed,
        state.settings.now(),
    ),
)


def _currency_param(request: web.Request, rules: Rules) -> str | None:
    currency = request.query.get("currency", "").strip().upper() or None
    if currency is not None and currency not in rules.rates:
        raise ApiError(422, "unsupported_currency", f"no exchange rate for {currency}")
    return currency


async def get_product(request: web.Request) -> web.Response:
    state = request.app[STATE]
    pid = request.match_info["product_id"]
    currency = _currency_param(request, state.rules)
    async with state.sessions() as session:
        product = await session.get(Product, pid[:64])
    if product is None:
        raise ApiError(404, "product_not_found", f"no product {pid[:64]!r}")
    return web.json_response({"product": product_view(state.rules, product, currency)})


async def list_products(request: web.Request) -> web.Response:
    state = request.app[STATE]
    currency = _currency_param(request, state.rules)
    ids_raw = request.query.get("ids")
    async with state.sessions() as session:
        if ids_raw is not None:
            ids = [i.strip() for i in ids_raw.split(",") if i.strip()]
            if not ids or len(ids) > 200:
                raise ApiError(422, "invalid_ids", "ids must list 1 to 200 comma-separated product ids")
            found = {p.id: p for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()}
            return web.json_response(
                {
                    "products": [product_view(state.rules, found[i], currency) for i in ids if i in found],
                    "missing": [i for i in ids if i not in found],
                }
            )
        try:
            limit = min(max(int(request.query.get("limit", "50")), 1), 200)
            offset = max(int(request.query.get("offset", "0")), 0)
        except ValueError as exc:
            raise ApiError(422, "invalid_paging", "limit and offset must be integers") from exc
        stmt = select(Product).order_by(Product.id).limit(limit).offset(offset)
        if category := request.query.get("category"):
            stmt = stmt.where(Product.category == category)
        rows = list((await session.execute(stmt)).scalars())
    return web.json_response({"products": [product_view(state.rules, p, currency) for p in rows]})


async def landed_cost(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_model(request, QuoteBody)
    ids = {i.product_id for i in body.items}
    async with state.sessions() as session:
        found = {p.id: p for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()}
    missing = sorted(ids - set(found))
    if missing:
        raise ApiError(422, "unknown_product", "unknown product ids", products=missing)
    merged: dict[str, int] = {}
    for item in body.items:
        merged[item.product_id] = merged.get(item.product_id, 0) + item.quantity
    lines = [(found[pid], qty) for pid, qty in merged.items()]
    return web.json_response(quote(state.rules, lines, body.country, body.currency, body.express, state.settings.now()))


async def openapi_yaml(request: web.Request) -> web.Response:
    return web.Response(text=(PACKAGE_DIR / "openapi.yaml").read_text(), content_type="application/yaml")


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(yaml.safe_load((PACKAGE_DIR / "openapi.yaml").read_text()))


# ---------- factory ----------


async def _expire_idempotency_records(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Forgets stored answers older than ORDERS_IDEMPOTENCY_TTL_S (clients retry within minutes, not weeks)."""
    cutoff = utcnaive(settings.now() - timedelta(seconds=settings.idempotency_ttl_s))
    async with sessions() as session, session.begin():
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))


async def _expire_counters(limiter: Limiter, every_s: float) -> None:
    """Deletes idle attempt counters now and then, so the table stays as small as the current abuse."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await limiter.expire(datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001 - a failed clean-up is retried next time, never fatal
            log.exception("expiring attempt counters failed")


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    if len(settings.token_secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"the customer-token secret must be at least {MIN_SECRET_LENGTH} characters")
    rules = load_rules(settings.rules_dir, settings.currency_rates_path)

    async def health(app: web.Application) -> dict[str, Any]:
        state = app[STATE]
        async with state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"database": state.engine.dialect.name, "orders_backend": state.source.kind}

    app = base_app("orders", health=health, max_body=64 * 1024)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, settings.db_schema)
        await create_schema(engine, settings.db_schema)
        sessions = sessionmaker(engine)
        await _expire_idempotency_records(sessions, settings)
        # The counters get an engine (pool) of their own: see limits.py.
        limits_engine = make_engine(settings.database_url, settings.db_schema)
        limiter = Limiter(limits_engine, settings.token_secret.encode(), settings.limits)
        await limiter.expire(datetime.now(timezone.utc))
        expiry = asyncio.create_task(_expire_counters(limiter, max(settings.limits.window_s / 2, 1.0)))
        verifier = Verifier(settings.token_secret, limiter, settings.proofs)
        source = make_source(settings.orders_backend, normalize_order_number)
        app[STATE] = State(
            settings=settings,
            rules=rules,
            engine=engine,
            sessions=sessions,
            orders=Orders(rules, verifier, source),
            source=source,
            write_lock=asyncio.Lock() if engine.dialect.name == "sqlite" else None,
        )
        log.info("orders service on %s (%s, orders from %s)", settings.port, engine.dialect.name, source.kind)
        yield
        await source.aclose()
        expiry.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await expiry
        await limits_engine.dispose()
        await engine.dispose()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/v1/orders/lookup", lookup)
    app.router.add_post("/v1/orders/mine", my_orders)
    app.router.add_post("/v1/orders/cancel", cancel)
    app.router.add_post("/v1/orders/change-address", change_address)
    app.router.add_post("/v1/orders/returns", start_return)
    app.router.add_get("/v1/products/{product_id}", get_product)
    app.router.add_get("/v1/products", list_products)
    app.router.add_post("/v1/quotes/landed-cost", landed_cost)
    app.router.add_get("/openapi.yaml", openapi_yaml)
    app.router.add_get("/openapi.json", openapi_json)
    return app


__all__ = ["create_app"]
