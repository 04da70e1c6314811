"""Structured errors: every non-2xx answer is `{"error": {"code": ..., "message": ...}}`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a handler raises on purpose; it becomes a JSON answer with its status."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        # Extra response headers, e.g. Retry-After on a 429.
        self.headers = headers or {}


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turns ApiError and aiohttp's HTTP errors into JSON; anything else is logged as a 500."""
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response(
            error_body(exc.code, exc.message, **exc.details), status=exc.status, headers=exc.headers or None
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_") if exc.reason else "http_error"
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return web.json_response(error_body(code, message or "request failed"), status=exc.status)
    except Exception:  # noqa: BLE001 - the last line of defence must catch everything
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response(error_body("internal_error", "internal server error"), status=500)
