"""The console's throttling counters (channels/console/counters.py) on SQLite, and on PostgreSQL and Redis
when they are reachable: windows, the previous hit, giving a hit back, and atomic increments under a burst."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from channels.console.counters import Counters, RedisCounters, SqlCounters
from channels.db import create_schema, make_engine, sessionmaker
from tests.support import POSTGRES_URL, REDIS_URL, require_server


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def counters(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Counters]:  # noqa: ANN001
    if request.param == "redis":
        store = RedisCounters(require_server(REDIS_URL, "Redis"), f"test:{uuid.uuid4().hex}:")
        yield store
        keys = [k async for k in store.r.scan_iter(f"{store.p}*")]
        if keys:
            await store.r.delete(*keys)
        await store.close()
        return
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'counters.db'}"
    else:
        url = require_server(POSTGRES_URL, "PostgreSQL")
        schema = f"counters_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url, schema)
    await create_schema(engine, schema)
    yield SqlCounters(sessionmaker(engine))
    if schema:
        from sqlalchemy import text

        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


async def test_hits_count_within_a_window_and_remember_the_previous_hit(counters: Counters) -> None:
    first = await counters.hit("k", 60)
    assert (first.hits, first.prev_at) == (1, 0.0)
    second = await counters.hit("k", 60)
    assert second.hits == 2 and second.prev_at == pytest.approx(first.last_at)
    assert (await counters.peek("k", 60)).hits == 2
    await counters.release("k")
    assert (await counters.peek("k", 60)).hits == 1
    # A window that has passed starts again at one.
    assert (await counters.hit("k", 0.0)).hits == 1
    await counters.clear("k")
    assert (await counters.peek("k", 60)).hits == 0
    assert (await counters.peek("never", 60)).hits == 0


async def test_a_burst_of_hits_is_counted_exactly(counters: Counters) -> None:
    counts = await asyncio.gather(*(counters.hit("burst", 60) for _ in range(30)))
    assert sorted(c.hits for c in counts) == list(range(1, 31))
