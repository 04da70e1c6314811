"""Throttling counters shared by every console replica: SQL (the `console_counters` table) by default, Redis
when REDIS_URL is set.

A counter counts hits in a fixed window that starts at its first hit; once the window has passed, the next
hit starts a new one. Increments are single atomic statements (an SQL upsert, a Redis Lua script), so a
parallel burst cannot read a stale count. Old rows are pruned as the table is written, so the store stays
bounded by what was hit in the last window (no in-process dict that grows with every guessed name).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import case, delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from channels.db import Counter
from svc.sql import insert_on_conflict

# Rows unused for this long are deleted (longer than any window the console uses).
RETENTION_S = 24 * 3600.0
PRUNE_EVERY = 256


@dataclass(frozen=True)
class Count:
    hits: int
    first_at: float
    last_at: float
    prev_at: float = 0.0  # the hit before the latest (0 when none): what `hit` saw before it counted


NONE = Count(0, 0.0, 0.0)


class Counters(Protocol):
    async def hit(self, key: str, window_s: float) -> Count: ...
    async def peek(self, key: str, window_s: float) -> Count: ...
    async def release(self, key: str) -> None: ...
    async def clear(self, key: str) -> None: ...
    async def close(self) -> None: ...


class SqlCounters:
    def __init__(self, sm: async_sessionmaker) -> None:
        self.sm = sm
        self._writes = 0

    async def hit(self, key: str, window_s: float) -> Count:
        now = time.time()
        cut = now - window_s
        async with self.sm() as db, db.begin():
            insert = insert_on_conflict(db.bind.dialect.name)
            stale = Counter.first_at < cut
            stmt = (
                insert(Counter)
                .values(key=key, hits=1, first_at=now, last_at=now, prev_at=None)
                .on_conflict_do_update(
                    index_elements=[Counter.key],
                    # Every SET expression sees the row as it was, so prev_at gets the old last_at.
                    set_={
                        "hits": case((stale, 1), else_=Counter.hits + 1),
                        "first_at": case((stale, now), else_=Counter.first_at),
                        "prev_at": Counter.last_at,
                        "last_at": now,
                    },
                )
                .returning(Counter.hits, Counter.first_at, Counter.last_at, Counter.prev_at)
            )
            hits, first_at, last_at, prev_at = (await db.execute(stmt)).one()
            self._writes += 1
            if self._writes % PRUNE_EVERY == 0:
                await db.execute(delete(Counter).where(Counter.last_at < now - RETENTION_S))
        return Count(int(hits), float(first_at), float(last_at), float(prev_at or 0.0))

    async def peek(self, key: str, window_s: float) -> Count:
        async with self.sm() as db:
            row = (await db.execute(select(Counter).where(Counter.key == key))).scalar_one_or_none()
        if row is None or row.first_at < time.time() - window_s:
            return NONE
        return Count(row.hits, row.first_at, row.last_at, row.prev_at or 0.0)

    async def release(self, key: str) -> None:
        """Takes back one hit (a reserved attempt that turned out fine)."""
        async with self.sm() as db, db.begin():
            await db.execute(update(Counter).where(Counter.key == key, Counter.hits > 0).values(hits=Counter.hits - 1))

    async def clear(self, key: str) -> None:
        async with self.sm() as db, db.begin():
            await db.execute(delete(Counter).where(Counter.key == key))

    async def close(self) -> None:
        return None


_RELEASE_LUA = """
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n > 0 then redis.call('HSET', KEYS[1], 'n', n - 1) end
return n
"""

_HIT_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[1], 'n', 'first', 'last')
local n = tonumber(h[1]) or 0
local first = h[2]
local prev = h[3] or '0'
if n == 0 or tonumber(first) < now - window then n = 0; first = ARGV[1] end
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, 'first', first, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(window) + 60)
return {n, first, ARGV[1], prev}
"""


class RedisCounters:
    """Counters as Redis hashes `<prefix>c:<key>` that expire a minute after their window."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self.r: Any = aioredis.from_url(url, decode_responses=True)
        self.p = prefix
        self._script = self.r.register_script(_HIT_LUA)
        self._release = self.r.register_script(_RELEASE_LUA)

    async def hit(self, key: str, window_s: float) -> Count:
        now = repr(time.time())
        hits, first, last, prev = await self._script(keys=[f"{self.p}c:{key}"], args=[now, repr(window_s)])
        return Count(int(hits), float(first), float(last), float(prev))

    async def peek(self, key: str, window_s: float) -> Count:
        n, first, last = await self.r.hmget(f"{self.p}c:{key}", "n", "first", "last")
        if not n or float(first) < time.time() - window_s:
            return NONE
        return Count(int(n), float(first), float(last))

    async def release(self, key: str) -> None:
        await self._release(keys=[f"{self.p}c:{key}"])

    async def clear(self, key: str) -> None:
        await self.r.delete(f"{self.p}c:{key}")

    async def close(self) -> None:
        await self.r.aclose()


def make_counters(redis_url: str | None, redis_prefix: str, sm: async_sessionmaker) -> Counters:
    return RedisCounters(redis_url, redis_prefix) if redis_url else SqlCounters(sm)
