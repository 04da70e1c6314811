"""The HTTP core every typed client shares: one `ServiceHttp` per service per process.

A `ServiceHttp` owns the service's base URL, default headers, one aiohttp session (its connection pool,
opened lazily inside the running event loop) and the service's circuit breaker (clients/breaker.py). Each
call runs under a `CallPolicy`: a timeout per attempt, and retries with exponential back-off for idempotent
calls only, so a change without an idempotency key is never sent twice by accident. Typed clients are
light views over a `ServiceHttp` with a policy; `using(...)` gives another policy over the same pool and
breaker.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import aiohttp

from clients.breaker import CircuitBreaker
from clients.errors import ServiceError, ServiceUnavailable

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class CallPolicy:
    """How one call is made: `timeout_s` bounds each attempt; `retries` applies to idempotent calls only."""

    timeout_s: float = 2.0
    retries: int = 1
    backoff_s: float = 0.1

    def override(self, *, timeout_s: float | None = None, retries: int | None = None) -> CallPolicy:
        return replace(
            self,
            timeout_s=self.timeout_s if timeout_s is None else timeout_s,
            retries=self.retries if retries is None else retries,
        )


@dataclass
class ServiceHttp:
    """JSON over HTTP to one service: its pool, its breaker, its default headers."""

    name: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.breaker.service = self.name

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The open session (connection pool), or None before the first call and after `close`."""
        return self._session if self._session is not None and not self._session.closed else None

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # A session belongs to the loop it was opened in; a process runs one loop, tests one per test.
            self._session = aiohttp.ClientSession(headers=self.headers)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        policy: CallPolicy,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> JsonObject:
        """Sends one call; returns the decoded JSON object of a 2xx answer (a non-object as {"data": ...}).

        Raises ServiceError for 4xx answers, CircuitOpen when the breaker holds the call back, and
        ServiceUnavailable for everything else that means "the service could not help right now".
        """
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        trial = self.breaker.acquire()
        verdict = False
        try:
            attempts = 1 + (policy.retries if idempotent else 0)
            url = self.base_url + path
            last: Exception | None = None
            session = self._get_session()
            for attempt in range(attempts):
                if attempt:
                    await asyncio.sleep(policy.backoff_s * (2 ** (attempt - 1)))
                try:
                    async with session.request(
                        method,
                        url,
                        json=json,
                        params=params,
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=policy.timeout_s),
                    ) as resp:
                        body = await resp.json(content_type=None) if resp.content_length != 0 else {}
                        if resp.status >= 500:
                            last = ServiceUnavailable(f"{self.name}: {resp.status} from {path}")
                            continue
                        verdict = True
                        self.breaker.success(trial)
                        if resp.status >= 400:
                            raise _refusal(resp.status, body)
                        return body if isinstance(body, dict) else {"data": body}
                except ServiceError:
                    raise
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                    last = exc
            verdict = True
            self.breaker.failure(trial)
            log.warning("%s unavailable: %s", self.name, last)
            raise ServiceUnavailable(f"{self.name}: {last}") from last
        finally:
            if not verdict:
                self.breaker.release(trial)


def _refusal(status: int, body: Any) -> ServiceError:
    """A ServiceError from a 4xx body: `{"error": {"code", "message"}}`, or Rasa's `{"reason", "message"}`."""
    if not isinstance(body, dict):
        return ServiceError(status, "error", str(body)[:300])
    err = body.get("error")
    if isinstance(err, dict):
        return ServiceError(status, str(err.get("code", "error")), str(err.get("message", "")), body)
    return ServiceError(status, str(body.get("reason") or "error"), str(body.get("message") or ""), body)


_C = TypeVar("_C", bound="ServiceClient")


class ServiceClient:
    """Base of the typed clients: a view over one service's `ServiceHttp` with a call policy."""

    def __init__(self, http: ServiceHttp, policy: CallPolicy | None = None) -> None:
        self.http = http
        self.policy = policy or CallPolicy()

    def using(self: _C, *, timeout_s: float | None = None, retries: int | None = None) -> _C:
        """The same client (same pool, same breaker) with another timeout or retry count."""
        clone = copy.copy(self)
        clone.policy = self.policy.override(timeout_s=timeout_s, retries=retries)
        return clone

    async def _request(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        return await self.http.request(method, path, policy=self.policy, **kwargs)
