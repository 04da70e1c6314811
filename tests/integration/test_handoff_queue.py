"""The handoff queue on each backend it supports: SQLite (default), PostgreSQL (DATABASE_URL) and Redis
(REDIS_URL). Same behaviour everywhere: sentiment-and-wait ordering, one open ticket per conversation,
claims that exactly one agent wins, takeover only when asked for, and finishing only by the holder."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.db import create_schema, make_engine, sessionmaker
from channels.queue import HandoffRequest, HeldByAnother, NoOpenTicket, QueueError, RedisQueue, SqlQueue
from tests.support import POSTGRES_URL, REDIS_URL, require_server


@asynccontextmanager
async def sql_database(kind: str, tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, str | None]]:
    """A console database with its schema made: a SQLite file, or a fresh schema in PostgreSQL (dropped after).

    Only an unreachable PostgreSQL skips (or fails under CI=true); any other error fails the test."""
    schema = None
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    else:
        schema = f"handoff_{uuid.uuid4().hex[:10]}"
        engine = make_engine(require_server(POSTGRES_URL, "PostgreSQL"), schema)
    try:
        await create_schema(engine, schema)
    except BaseException:
        await engine.dispose()
        raise
    try:
        yield engine, schema
    finally:
        if schema:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "redis"])
async def queue(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[object]:  # noqa: ANN001
    kind = request.param
    if kind == "redis":
        q = RedisQueue(require_server(REDIS_URL, "Redis"), f"test:handoff:{uuid.uuid4().hex}:")
        yield q
        keys = [k async for k in q.r.scan_iter(f"{q.p}*")]
        if keys:
            await q.r.delete(*keys)
        await q.close()
        return
    async with sql_database(kind, tmp_path) as (engine, _):
        yield SqlQueue(sessionmaker(engine))


def req(cid: str, label: str = "neutral", score: float | None = None, **kw: object) -> HandoffRequest:
    return HandoffRequest(conversation_id=cid, channel="rest", sentiment_label=label, sentiment_score=score, **kw)  # type: ignore[arg-type]


async def test_a_frustrated_shopper_is_served_before_calmer_ones_who_waited_a_little_longer(queue) -> None:  # noqa: ANN001
    await queue.enqueue(req("calm-1"))
    await queue.enqueue(req("calm-2", "positive", 0.8))
    await queue.enqueue(req("angry-3", "negative", -0.9))
    order = [t.conversation_id for t in await queue.waiting()]
    assert order == ["angry-3", "calm-1", "calm-2"]
    assert [await queue.position(c) for c in order] == [1, 2, 3]
    assert await queue.position("never-queued") is None


async def test_asking_twice_keeps_one_ticket_and_its_place(queue) -> None:  # noqa: ANN001
    first = await queue.enqueue(req("conv-a", last_message="hello?"))
    await queue.enqueue(req("conv-b"))
    again = await queue.enqueue(req("conv-a", last_message="still there?", customer_token="bl1.x.y"))
    assert again.id == first.id
    assert again.enqueued_at == first.enqueued_at
    assert again.last_message == "still there?"
    assert again.customer_token == "bl1.x.y"
    assert [t.conversation_id for t in await queue.waiting()] == ["conv-a", "conv-b"]


async def test_claims_need_an_explicit_takeover_and_only_the_holder_finishes(queue) -> None:  # noqa: ANN001
    await queue.enqueue(req("conv-1"))
    claimed = await queue.claim("conv-1", "ana")
    assert (claimed.status, claimed.agent) == ("active", "ana")
    assert await queue.waiting() == []
    assert [t.conversation_id for t in await queue.active()] == ["conv-1"]
    with pytest.raises(HeldByAnother) as held:
        await queue.claim("conv-1", "ben")
    assert held.value.details["holder"] == "ana"
    with pytest.raises(HeldByAnother):
        await queue.finish("conv-1", "ben")
    taken = await queue.claim("conv-1", "ben", takeover=True)
    assert taken.agent == "ben"
    with pytest.raises(HeldByAnother):
        await queue.finish("conv-1", "ana")
    done = await queue.finish("conv-1", "ben")
    assert done.status == "closed"
    assert await queue.get_open("conv-1") is None
    with pytest.raises(NoOpenTicket):
        await queue.claim("conv-1", "ana")
    # A later handoff of the same conversation is a new ticket at the back of the queue.
    await queue.enqueue(req("conv-2"))
    again = await queue.enqueue(req("conv-1"))
    assert again.id != taken.id and again.status == "waiting"
    assert [t.conversation_id for t in await queue.waiting()] == ["conv-2", "conv-1"]


async def test_finishing_needs_a_claim(queue) -> None:  # noqa: ANN001
    await queue.enqueue(req("conv-x"))
    with pytest.raises(QueueError) as err:
        await queue.finish("conv-x", "ana")
    assert err.value.code == "not_claimed"


async def test_of_many_agents_claiming_at_once_exactly_one_wins(queue) -> None:  # noqa: ANN001
    await queue.enqueue(req("contested"))
    agents = [f"agent-{i}" for i in range(8)]
    results = await asyncio.gather(*(queue.claim("contested", a) for a in agents), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(e, QueueError) for e in losers)
    assert (await queue.get_open("contested")).agent == winners[0].agent


async def test_the_ticket_keeps_the_sentiment_history_the_handoff_carried(queue) -> None:  # noqa: ANN001
    history = [
        {"label": "neutral", "score": -0.02, "at": 1.0},
        {"label": "negative", "score": -0.55, "at": 2.0},
        {"label": "negative", "score": -0.81, "at": 3.0},
    ]
    await queue.enqueue(req("moody", "negative", -0.81, sentiment_history=history))
    ticket = await queue.get_open("moody")
    assert ticket.sentiment_history == history
    assert ticket.public()["sentiment_history"] == history
    # Asking again without a history (a retry, a second tap) keeps the one already there.
    again = await queue.enqueue(req("moody", "negative", -0.81))
    assert again.sentiment_history == history


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_a_console_database_from_before_the_history_column_gets_it_and_keeps_its_tickets(
    kind: str,
    tmp_path,  # noqa: ANN001
) -> None:
    async with sql_database(kind, tmp_path) as (engine, schema):
        queue = SqlQueue(sessionmaker(engine))
        await queue.enqueue(req("old-ticket", "negative", -0.5))
        table = f'"{schema}".handoff_tickets' if schema else "handoff_tickets"
        async with engine.begin() as conn:
            await conn.execute(text(f"ALTER TABLE {table} DROP COLUMN sentiment_history"))
        await create_schema(engine, schema)  # what the console does at start-up
        assert (await queue.get_open("old-ticket")).sentiment_label == "negative"
        await queue.enqueue(req("new-ticket", sentiment_history=[{"label": "negative", "score": -0.9, "at": None}]))
        assert (await queue.get_open("new-ticket")).sentiment_history[0]["score"] == -0.9
