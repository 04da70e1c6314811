"""Console storage in SQL (SQLAlchemy 2, async): users, sessions, handoff tickets, notes, the widget outbox,
shopper feedback, throttling counters and the audit log of who viewed which customer's data.
SQLite under var/ by default; PostgreSQL via DATABASE_URL (optionally in a schema)."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Float, ForeignKey, Index, Integer, String, Text, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "console_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # agent | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float, default=time.time)
    last_seen: Mapped[float] = mapped_column(Float, default=0.0)


class Session(Base):
    __tablename__ = "console_sessions"
    # Only a hash of the cookie value is stored, so a leaked table does not log anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    last_used: Mapped[float] = mapped_column(Float)


class Ticket(Base):
    """One handoff of one conversation; the SQL queue backend orders waiting tickets by `rank_at`."""

    __tablename__ = "handoff_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # waiting | active | closed
    reason: Mapped[str] = mapped_column(String(32), default="asked")
    language: Mapped[str] = mapped_column(String(8), default="en")
    sentiment_label: Mapped[str] = mapped_column(String(16), default="unknown")
    sentiment_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # [{label, score, at}] of the shopper's recent messages, oldest first, as the handoff sent them.
    sentiment_history: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    customer_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_message: Mapped[str] = mapped_column(Text, default="")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    enqueued_at: Mapped[float] = mapped_column(Float)
    rank_at: Mapped[float] = mapped_column(Float)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_handoff_open", Ticket.status, Ticket.rank_at)


class Note(Base):
    __tablename__ = "handoff_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class OutboxMessage(Base):
    """Messages for shoppers on the website widget (REST channel), which collects them by polling."""

    __tablename__ = "widget_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)


class Feedback(Base):
    __tablename__ = "widget_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # answer | csat
    message_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    answer_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)


class Counter(Base):
    """One throttling counter (failed logins per source or user name, requests per conversation...).

    The SQL backend of `channels.console.counters`; with REDIS_URL the counters live in Redis instead.
    """

    __tablename__ = "console_counters"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[float] = mapped_column(Float)
    last_at: Mapped[float] = mapped_column(Float, index=True)
    # The hit before the latest one (growing delays are measured from it), None for a first hit.
    prev_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AuditEntry(Base):
    """Who saw or did what to which conversation, from where: every view of customer data is recorded.

    Repeated views of one conversation by one user from one source within a short window are folded into
    one row (`count`, `last_at`) so the console's live refresh does not bury the log.
    """

    __tablename__ = "console_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    last_at: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    source: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def async_url(url: str) -> str:
    """The async driver's URL for a sqlite or postgresql URL, whichever driver it names (psycopg2, pysqlite...)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if dialect in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    return url


def make_engine(url: str, schema: str | None = None) -> AsyncEngine:
    full = async_url(url)
    if full.startswith("sqlite+aiosqlite:///"):
        from pathlib import Path

        path = Path(full[len("sqlite+aiosqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Password hashes, session hashes and the audit log: private to the service's user from creation.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    engine = create_async_engine(full, pool_pre_ping=not full.startswith("sqlite"))
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _add_missing_columns(conn: Connection, schema: str | None) -> list[str]:
    """Adds columns that later releases added to existing tables (nullable, so no backfill is needed).

    create_all makes missing tables but leaves existing ones alone; a console database made by an
    earlier release would otherwise fail on the first query that names a new column.
    """
    inspector = inspect(conn)
    added: list[str] = []
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name, schema=schema):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} is new and NOT NULL: it needs a real migration")
            preparer = conn.dialect.identifier_preparer
            name = ".".join(preparer.quote(part) for part in [*([schema] if schema else []), table.name])
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {preparer.quote(column.name)} {kind}"))
            added.append(f"{table.name}.{column.name}")
    return added


async def create_schema(engine: AsyncEngine, schema: str | None = None) -> None:
    async with engine.begin() as conn:
        if schema:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(Base.metadata.create_all)
        await conn.run_sync(_add_missing_columns, schema)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
