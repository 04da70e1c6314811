"""One HTTP path to a shop platform's API: timeouts, rate-limit waits and errors the shopper can be told.

Owns how a platform's failures become the orders service's answers: unreachable, timing out, 5xx, or
refusing our credentials → 503 `order_system_unavailable`; rate-limited (HTTP 429 with Retry-After, or a
throttled GraphQL answer) → wait and retry when the platform asks for at most `max_retry_wait_s`, else 503
`order_system_busy` with the platform's Retry-After. Nothing a platform answers ever becomes a 500.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from backends.orders.adapters.source import busy, unavailable

log = logging.getLogger(__name__)

# Answers of a platform we pass back to the adapter to interpret (not found, validation errors).
MAX_TRIES = 3


def retry_after_s(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); `default` when absent or bad."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime, timezone

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return default


class PlatformHttp:
    """A pooled JSON client of one platform API (one per orders-service process)."""

    def __init__(
        self,
        system: str,
        *,
        timeout_s: float,
        max_retry_wait_s: float,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.system = system
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_retry_wait_s = max_retry_wait_s
        self.headers = {"Accept": "application/json", **(headers or {})}
        self.auth = auth
        self.params = dict(params or {})
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, headers=self.headers, auth=self.auth)
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        throttled: Callable[[Any], float | None] | None = None,
    ) -> tuple[int, Any]:
        """(status, decoded JSON) of a 2xx or 4xx answer other than 401/403/429; raises the 503s above.

        `throttled(body)` lets an API that signals rate limits inside a 200 (Shopify GraphQL) say how long to
        wait (None: not throttled).
        """
        query = {**self.params, **(params or {})}
        for attempt in range(1, MAX_TRIES + 1):
            try:
                async with self._client().request(method, url, json=json, params=query or None) as resp:
                    status = resp.status
                    wait_header = resp.headers.get("Retry-After")
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                # Never log the URL with its query: it may carry WooCommerce keys (loopback tests only).
                log.warning("%s unreachable: %s", self.system, type(exc).__name__)
                raise unavailable(self.system, "unreachable") from exc
            wait: float | None = None
            if status == 429:
                wait = retry_after_s(wait_header)
            elif 200 <= status < 300 and throttled is not None:
                wait = throttled(body)
            if wait is not None:
                if wait > self.max_retry_wait_s or attempt == MAX_TRIES:
                    log.warning("%s rate-limits us for %.1f s", self.system, wait)
                    raise busy(self.system, math.ceil(wait))
                # The platform asked us to wait this long; waiting is cheaper than failing the shopper.
                await asyncio.sleep(wait)
                continue
            if status in (401, 403):
                log.error("%s refused our credentials (%s): check the profile's secret variables", self.system, status)
                raise unavailable(self.system, "credentials refused")
            if status >= 500 or body is None and status != 204:
                log.warning("%s answered %s", self.system, status)
                raise unavailable(self.system, f"status {status}")
            return status, body
        raise unavailable(self.system, "no answer")  # pragma: no cover - the loop always returns or raises

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
