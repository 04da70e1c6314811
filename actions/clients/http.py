"""One HTTP client shape for every service the actions call.

Timeouts on every call, retries with exponential back-off for idempotent calls only, and a circuit
breaker per service so a dead backend costs the shopper one fast apology instead of a hang.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """The service did not answer usefully (down, timed out, 5xx, or the breaker is open)."""


class ServiceError(Exception):
    """The service answered with a 4xx: the request itself was refused."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures; lets one trial call through after `reset_after` s."""

    threshold: int = 3
    reset_after: float = 15.0
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return time.monotonic() - self.opened_at >= self.reset_after

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


@dataclass
class ServiceClient:
    """JSON-over-HTTP client for one base URL.

    `timeout` bounds each attempt; `retries` applies only to calls marked idempotent, so a
    cancellation is never sent twice by accident (changes carry idempotency keys as well).
    """

    name: str
    base_url: str
    timeout: float = 2.0
    retries: int = 1
    backoff: float = 0.1
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    headers: dict[str, str] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self.headers)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Sends one call; returns the decoded JSON body of a 2xx answer.

        Raises ServiceError for 4xx answers and ServiceUnavailable for everything that means
        "the service could not help right now".
        """
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        if not self.breaker.allow():
            raise ServiceUnavailable(f"{self.name}: circuit open after repeated failures")
        attempts = 1 + (self.retries if idempotent else 0)
        url = self.base_url.rstrip("/") + path
        last: Exception | None = None
        session = await self._get_session()
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                async with session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as resp:
                    body = await resp.json(content_type=None) if resp.content_length != 0 else {}
                    if resp.status >= 500:
                        last = ServiceUnavailable(f"{self.name}: {resp.status} from {path}")
                        continue
                    self.breaker.success()
                    if resp.status >= 400:
                        err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                        raise ServiceError(resp.status, err.get("code", "error"), err.get("message", ""), body)
                    return body if isinstance(body, dict) else {"data": body}
            except ServiceError:
                raise
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                last = exc
        self.breaker.failure()
        log.warning("%s unavailable: %s", self.name, last)
        raise ServiceUnavailable(f"{self.name}: {last}") from last
