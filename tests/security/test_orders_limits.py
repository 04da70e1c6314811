"""The orders service's failed-proof counters (backends/orders/limits.py) on SQLite and PostgreSQL.

The clock is passed in, so the growing back-off is checked without sleeping and without timing: each
attempt says when it happens. The burst test fires 50 reservations at once on one source and checks that
the database hands out exactly the allowance (increment-and-read in one statement, not read-then-write).
PostgreSQL comes from DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), in a schema of the
test's own; without it the PostgreSQL cases are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from backends.orders.db import create_schema, make_engine
from backends.orders.limits import Limiter, LimitSettings
from tests.support import POSTGRES_URL, require_server

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
SETTINGS = LimitSettings(
    source_attempts=3, email_attempts=6, global_attempts=1000, hot_source_attempts=2, window_s=900, backoff_s=30
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def limiter(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Limiter]:
    schema: str | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'limits.db'}"
    else:
        url = require_server(POSTGRES_URL, "PostgreSQL")
        schema = f"limits_test_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url, schema)
    try:
        await create_schema(engine, schema)
        yield Limiter(engine, b"k" * 32, SETTINGS)
    finally:
        await engine.dispose()
        if schema:
            import psycopg2

            conn = psycopg2.connect(url)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.close()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_each_further_failure_lengthens_the_wait(limiter: Limiter) -> None:
    for _ in range(3):
        assert (await limiter.reserve("ip:a", None, at(0))).allowed
    # The allowance is spent: the 4th attempt must follow the 3rd by 30 s.
    refused = await limiter.reserve("ip:a", None, at(29))
    assert not refused.allowed and refused.retry_after_s == 1
    # That refused attempt counted: the 5th must follow it by 60 s (hammering only makes it worse).
    assert not (await limiter.reserve("ip:a", None, at(29 + 59))).allowed
    # Each further attempt, made exactly when allowed, finds the wait doubled again: 120 s, 240 s, 480 s.
    last = 29 + 59
    for wait in (120, 240, 480):
        assert (await limiter.reserve("ip:a", None, at(last + wait))).allowed
        last += wait
    # The next wait (960 s) is capped at the window (900 s): one second short is still refused.
    early = await limiter.reserve("ip:a", None, at(last + 899))
    assert not early.allowed and early.retry_after_s >= 1
    # Another source was never affected by any of this.
    assert (await limiter.reserve("ip:other", None, at(last))).allowed


async def test_a_quiet_window_forgets_the_failures(limiter: Limiter) -> None:
    for _ in range(3):
        assert (await limiter.reserve("ip:c", None, at(0))).allowed
    assert not (await limiter.reserve("ip:c", None, at(1))).allowed
    # 900 s without any attempt from that source: it starts afresh.
    for _ in range(3):
        assert (await limiter.reserve("ip:c", None, at(902))).allowed
    assert await limiter.expire(at(902 + 901)) >= 1


async def test_successes_are_given_back(limiter: Limiter) -> None:
    # An owner looking at many orders is not limited: each success returns its attempt.
    for n in range(10):
        reservation = await limiter.reserve("ip:owner", "anna@example.com", at(n))
        assert reservation.allowed
        await limiter.release(reservation.scopes)


async def test_a_parallel_burst_gets_exactly_the_allowance(limiter: Limiter) -> None:
    results = await asyncio.gather(*(limiter.reserve("ip:burst", None, at(0)) for _ in range(50)))
    assert sum(r.allowed for r in results) == SETTINGS.source_attempts


async def test_a_sweep_over_many_sources_drops_each_to_the_hot_allowance(limiter: Limiter) -> None:
    # Six failures naming one email make it "under attack"; from then on every source may fail only twice.
    for n in range(6):
        assert (await limiter.reserve(f"ip:s{n}", "ben@example.org", at(0))).allowed
    verdicts = [(await limiter.reserve("ip:fresh", "ben@example.org", at(1))).allowed for _ in range(4)]
    assert verdicts == [True, True, False, False]
    # A source that has not failed is still checked (the owner from their own device is never locked out).
    assert (await limiter.reserve("ip:owner", "ben@example.org", at(2))).allowed
