"""The errors every client raises, so callers handle one family whatever the service.

    ServiceFailure            the call gave no usable answer (catch this to degrade gracefully)
    ├── ServiceError          the service answered 4xx: the request itself was refused (`status`, `code`)
    └── ServiceUnavailable    down, timed out, 5xx, or an answer of the wrong shape
        └── CircuitOpen       not even tried: the service's breaker is open (or its one trial is in flight)

Typed clients subclass ServiceError for the refusals their callers tell apart (e.g. OrderNotFound).
"""

from __future__ import annotations

from typing import Any


class ServiceFailure(Exception):
    """A call to a service gave no usable answer."""


class ServiceUnavailable(ServiceFailure):
    """The service did not answer usefully (down, timed out, 5xx, unexpected shape, or the breaker is open)."""


class CircuitOpen(ServiceUnavailable):
    """The call was not sent: the service's circuit breaker is open, or half-open with its trial call in flight.

    The request certainly never reached the service, so a change may be retried safely.
    """

    def __init__(self, service: str, retry_after_s: float) -> None:
        super().__init__(f"{service}: circuit open after repeated failures (retry in {retry_after_s:.1f}s)")
        self.service = service
        self.retry_after_s = retry_after_s


class ServiceError(ServiceFailure):
    """The service answered with a 4xx: the request itself was refused."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}

    @property
    def details(self) -> dict[str, Any]:
        """The `error.details` object of the service's error body (empty when there is none)."""
        error = self.body.get("error")
        details = error.get("details") if isinstance(error, dict) else None
        return details if isinstance(details, dict) else {}
