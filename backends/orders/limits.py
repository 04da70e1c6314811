"""Limits on failed proofs of ownership: per source, per email and shop-wide, counted atomically in SQL.

Owns the counters table's use, the back-off rule and the decision "may this proof be checked now?".

Why these keys. The caller cannot choose its source (the action server sends the shopper's address as
`X-Shopper-Source`, or the TCP peer is used), so rotating conversation ids buys nothing. An order number
is deliberately NOT a key: strangers' guesses on an order would then lock its owner out. Instead:
- **source**: after `source_attempts` failures, each further attempt must wait `backoff_s`, doubling with
  every further attempt in the window (refused attempts count too, so hammering only lengthens the wait),
  capped at the window; the counter is forgotten after `window_s` without attempts.
- **email** (normalised, keyed by HMAC so no address is stored) and **global**: they never refuse a
  source on their own, because that would let strangers lock the owner out. While one of them is over its
  limit ("hot": someone is sweeping order numbers with one email, or guessing shop-wide), every source's
  allowance drops from `source_attempts` to `hot_source_attempts`, so a sweep costs the attacker a new
  source every `hot_source_attempts` guesses, while an owner who proves ownership from a source of their
  own is still checked (and succeeds).

Atomic: every attempt first increments its counters with one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
per key (SQLite ≥ 3.35 and PostgreSQL), in a fixed key order, and decides from the returned values; a
success (or a refusal, for email/global) gives its increment back. So N parallel guesses get N distinct
counts and at most the allowance of them is ever checked. Counters use their own engine (pool), so an
attempt never waits for a second connection from the pool its request already holds one of.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backends.orders.db import AttemptCounter, utcnaive
from svc.sql import insert_on_conflict

SOURCE, EMAIL, GLOBAL = "src", "email", "global"


@dataclass(frozen=True)
class LimitSettings:
    source_attempts: int = 5
    email_attempts: int = 10
    global_attempts: int = 500
    hot_source_attempts: int = 2
    window_s: float = 900.0
    backoff_s: float = 30.0


@dataclass(frozen=True)
class Reservation:
    """The counters one attempt incremented, and whether it may be checked."""

    scopes: tuple[str, ...]
    allowed: bool
    retry_after_s: int = 0


def backoff(count: int, allowance: int, settings: LimitSettings) -> float:
    """Seconds the `count`-th attempt (1-based) must follow the previous one; 0 within the allowance."""
    if count <= allowance:
        return 0.0
    # 2**k grows fast: clamp the exponent before it can overflow a float.
    return min(settings.backoff_s * 2 ** min(count - 1 - allowance, 40), settings.window_s)


@dataclass
class Limiter:
    engine: AsyncEngine
    key: bytes
    settings: LimitSettings
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def _scope(self, kind: str, value: str) -> str:
        # Keyed hashes: the table never holds a shopper's address or email in clear.
        return f"{kind}:{hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:40]}"

    def _upsert(self, scope: str, now: datetime, cutoff: datetime) -> Any:
        insert = insert_on_conflict(self.engine.dialect.name)
        stale = AttemptCounter.last_at < cutoff
        stmt = insert(AttemptCounter).values(scope=scope, count=1, last_at=now, prev_at=None)
        # In ON CONFLICT DO UPDATE the table's columns are the row's values before this update.
        return stmt.on_conflict_do_update(
            index_elements=[AttemptCounter.scope],
            set_={
                "count": case((stale, 1), else_=AttemptCounter.count + 1),
                "prev_at": case((stale, None), else_=AttemptCounter.last_at),
                "last_at": now,
            },
        ).returning(AttemptCounter.count, AttemptCounter.prev_at)

    async def reserve(self, source: str, email: str | None, now: datetime) -> Reservation:
        """Counts one attempt for `source` (and `email`); says whether its proof may be checked now."""
        now = utcnaive(now)
        cutoff = now - timedelta(seconds=self.settings.window_s)
        keyed = {GLOBAL: "global", SOURCE: self._scope(SOURCE, source)}
        if email:
            keyed[EMAIL] = self._scope(EMAIL, email)
        counts: dict[str, tuple[int, datetime | None]] = {}
        async with self.sessions() as session, session.begin():
            # One fixed order of keys in every transaction, so concurrent attempts cannot deadlock.
            for kind, scope in sorted(keyed.items(), key=lambda kv: kv[1]):
                row = (await session.execute(self._upsert(scope, now, cutoff))).one()
                counts[kind] = (int(row[0]), row[1])
        hot = counts[GLOBAL][0] > self.settings.global_attempts or (
            EMAIL in counts and counts[EMAIL][0] > self.settings.email_attempts
        )
        allowance = (
            min(self.settings.source_attempts, self.settings.hot_source_attempts)
            if hot
            else self.settings.source_attempts
        )
        count, prev_at = counts[SOURCE]
        wait = backoff(count, allowance, self.settings)
        waited = (now - prev_at).total_seconds() if prev_at is not None else wait
        scopes = tuple(keyed.values())
        if count <= allowance or (not hot and waited >= wait):
            return Reservation(scopes, True)
        # Email and global count checked failures only: a refused attempt gives those back (the source
        # keeps it, so hammering lengthens its own wait and nobody else's).
        await self.release(tuple(s for k, s in keyed.items() if k != SOURCE))
        retry = max(1, int(wait - waited + 0.999)) if not hot else int(self.settings.window_s)
        return Reservation(scopes, False, retry)

    async def release(self, scopes: tuple[str, ...]) -> None:
        """Gives back one attempt on each scope (a success is not a failure)."""
        if not scopes:
            return
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(AttemptCounter)
                .where(AttemptCounter.scope.in_(scopes))
                .values(count=case((AttemptCounter.count > 0, AttemptCounter.count - 1), else_=0))
            )

    async def expire(self, now: datetime) -> int:
        """Deletes counters idle for longer than the window; returns how many."""
        cutoff = utcnaive(now) - timedelta(seconds=self.settings.window_s)
        async with self.sessions() as session, session.begin():
            result = await session.execute(delete(AttemptCounter).where(AttemptCounter.last_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["Limiter", "LimitSettings", "Reservation", "backoff"]
