"""Tables and the async engine of the order store.

Table names carry a `shop_` prefix because the store may share one PostgreSQL database with the
assistant's tracker store and knowledge base. Order lines, shipments and address history are JSON
columns: they are always read and written together with their order, and the shapes are the
documented import formats. Timestamps are stored as naive UTC (SQLite keeps no zone).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Customer(Base):
    __tablename__ = "shop_customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    email_norm: Mapped[str] = mapped_column(String(320), index=True)
    postcode: Mapped[str] = mapped_column(String(32), default="")
    postcode_norm: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Product(Base):
    __tablename__ = "shop_products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(100), default="", index=True)
    brand: Mapped[str] = mapped_column(String(100), default="")
    price: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    ships_to: Mapped[list[Any]] = mapped_column(default=list)
    image_url: Mapped[str] = mapped_column(String(500), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    weight_kg: Mapped[float] = mapped_column(Float, default=0.0)
    tags: Mapped[list[Any]] = mapped_column(default=list)


class Order(Base):
    __tablename__ = "shop_orders"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(320))
    email_norm: Mapped[str] = mapped_column(String(320))
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(32), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    items: Mapped[list[Any]] = mapped_column(default=list)
    subtotal: Mapped[float] = mapped_column(Float, default=0.0)
    shipping_cost: Mapped[float] = mapped_column(Float, default=0.0)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    postcode_norm: Mapped[str] = mapped_column(String(32), default="")
    shipments: Mapped[list[Any]] = mapped_column(default=list)
    # What changed after import (cancellation, address changes, returns), newest last.
    history: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ReturnRequest(Base):
    __tablename__ = "shop_returns"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"), index=True)
    items: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), default="requested")
    free_label: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IdempotencyRecord(Base):
    """The stored answer to one change request, keyed by (operation, Idempotency-Key)."""

    __tablename__ = "shop_idempotency"

    operation: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AttemptCounter(Base):
    """Attempts to prove ownership, per scope ("src:<hmac>", "email:<hmac>" or "global"); see limits.py.

    `count` attempts since the counter was last idle for a whole window; `last_at` is the latest attempt and
    `prev_at` the one before it (the back-off is measured between them).
    """

    __tablename__ = "shop_attempt_counters"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    prev_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def utcnaive(value: datetime) -> datetime:
    """UTC without tzinfo, the form every timestamp column holds."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def async_url(url: str) -> str:
    """Maps plain `sqlite:///` and `postgresql://` URLs to their asyncio drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, schema: str | None = None) -> AsyncEngine:
    aurl = async_url(url)
    if aurl.startswith("sqlite"):
        db_path = make_url(aurl).database
        if db_path and db_path != ":memory:":
            from pathlib import Path

            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(aurl, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:  # WAL lets readers run beside the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(aurl, pool_size=10, max_overflow=10, pool_pre_ping=True, connect_args=connect_args)


async def create_schema(engine: AsyncEngine, schema: str | None = None) -> None:
    async with engine.begin() as conn:
        if schema and engine.dialect.name == "postgresql":
            from sqlalchemy import text

            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(Base.metadata.create_all)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def count_orders(engine: AsyncEngine) -> int:
    async with sessionmaker(engine)() as session:
        return int((await session.execute(select(func.count()).select_from(Order))).scalar_one())
