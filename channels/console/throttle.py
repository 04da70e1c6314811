"""Login throttling and request rate limits, on the shared counters (SQL or Redis, never process memory).

Failed logins are counted per source address and per user name. A source that has failed more than its free
failures waits base x 2^(extra failures) after its latest failure, up to a cap. The per-user count slows only
sources that have themselves failed: strangers guessing `admin`'s password from many addresses cannot stop
`admin` logging in from an address that has not failed, yet every guessing address pays after its first miss.
The check happens before any scrypt, so a throttled flood costs the server one counter read per request.
"""

from __future__ import annotations

import math
import time

from channels.console.counters import Count, Counters
from channels.settings import ConsoleSettings
from svc.errors import ApiError


def _delay(count: Count, free: int, base_s: float, cap_s: float) -> float:
    """Seconds still to wait after `count`'s latest failure (0 while within the free failures)."""
    if count.hits < free:
        return 0.0
    wait = min(cap_s, base_s * 2 ** min(count.hits - free, 30))
    return max(0.0, count.last_at + wait - time.time())


class LoginThrottle:
    def __init__(self, counters: Counters, settings: ConsoleSettings) -> None:
        self.counters = counters
        self.s = settings

    @staticmethod
    def _keys(source: str, username: str) -> tuple[str, str]:
        return f"login:src:{source}", f"login:user:{username.strip().lower()[:64]}"

    async def check(self, source: str, username: str) -> None:
        """429 `too_many_attempts` (details: retry_after_s) while this source must wait before trying again."""
        src_key, user_key = self._keys(source, username)
        s = self.s
        src = await self.counters.peek(src_key, s.login_window_s)
        wait = _delay(src, s.login_free_per_source, s.login_base_delay_s, s.login_max_delay_s)
        if src.hits:
            user = await self.counters.peek(user_key, s.login_window_s)
            wait = max(wait, _delay(user, s.login_free_per_user, s.login_base_delay_s, s.login_max_delay_s))
        if wait > 0:
            raise ApiError(
                429,
                "too_many_attempts",
                f"too many failed logins; try again in {math.ceil(wait)} s",
                retry_after_s=math.ceil(wait),
            )

    async def failed(self, source: str, username: str) -> None:
        for key in self._keys(source, username):
            await self.counters.hit(key, self.s.login_window_s)


async def limit(counters: Counters, key: str, most: int, window_s: float, what: str) -> None:
    """Counts one request under `key`; 429 `rate_limited` once more than `most` came within the window."""
    count = await counters.hit(key, window_s)
    if count.hits > most:
        retry = max(1, math.ceil(count.first_at + window_s - time.time()))
        raise ApiError(429, "rate_limited", f"too many {what}; try again in {retry} s", retry_after_s=retry, limit=most)
