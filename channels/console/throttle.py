"""Login throttling and request rate limits, on the shared counters (SQL or Redis, never process memory).

Logins are counted per source address and per user name. Each attempt first reserves a place in its source's
count with one atomic increment (so a parallel burst cannot all read the same old count); a failure keeps it, a
success gives it back. A source past its free failures waits base x 2^(extra failures) after its previous
attempt, up to a cap; attempts made while it must wait count too. The per-user count slows only sources that
have themselves failed: strangers guessing `admin`'s password from many addresses cannot stop `admin` logging in
from an address that has not failed, yet every guessing address pays after its misses. All of this happens
before any scrypt, so a throttled flood costs one counter write per request.
"""

from __future__ import annotations

import math
import time

from channels.console.counters import Count, Counters
from channels.settings import ConsoleSettings
from svc.errors import ApiError


def _wait(failures: int, since: float, free: int, base_s: float, cap_s: float) -> float:
    """Seconds still to wait after `since` for a count of `failures` (0 while within the free failures)."""
    if failures < free:
        return 0.0
    wait = min(cap_s, base_s * 2 ** min(failures - free, 30))
    return max(0.0, since + wait - time.time())


class LoginThrottle:
    def __init__(self, counters: Counters, settings: ConsoleSettings) -> None:
        self.counters = counters
        self.s = settings

    @staticmethod
    def _keys(source: str, username: str) -> tuple[str, str]:
        return f"login:src:{source}", f"login:user:{username.strip().lower()[:64]}"

    async def admit(self, source: str, username: str) -> None:
        """Reserves one attempt for `source`; 429 `too_many_attempts` (details: retry_after_s) while it must wait."""
        src_key, user_key = self._keys(source, username)
        s = self.s
        src: Count = await self.counters.hit(src_key, s.login_window_s)
        before = src.hits - 1  # failed (or still running) attempts of this source before this one
        wait = _wait(before, src.prev_at, s.login_free_per_source, s.login_base_delay_s, s.login_max_delay_s)
        if before > 0:
            user = await self.counters.peek(user_key, s.login_window_s)
            wait = max(
                wait, _wait(user.hits, user.last_at, s.login_free_per_user, s.login_base_delay_s, s.login_max_delay_s)
            )
        if wait > 0:
            raise ApiError(
                429,
                "too_many_attempts",
                f"too many failed logins; try again in {math.ceil(wait)} s",
                retry_after_s=math.ceil(wait),
            )

    async def failed(self, source: str, username: str) -> None:
        """The reserved attempt failed: it stays counted for the source, and counts for the user name."""
        await self.counters.hit(self._keys(source, username)[1], self.s.login_window_s)

    async def succeeded(self, source: str, username: str) -> None:
        """The reserved attempt logged in: the source gets its place back."""
        await self.counters.release(self._keys(source, username)[0])


async def limit(counters: Counters, key: str, most: int, window_s: float, what: str) -> None:
    """Counts one request under `key`; 429 `rate_limited` once more than `most` came within the window."""
    count = await counters.hit(key, window_s)
    if count.hits > most:
        retry = max(1, math.ceil(count.first_at + window_s - time.time()))
        raise ApiError(429, "rate_limited", f"too many {what}; try again in {retry} s", retry_after_s=retry, limit=most)
