"""Structured errors: every non-2xx answer is `{"error": {"code": ..., "message": ..., "details"?: ...}}`.

The status-code table every Borderless service follows (orders, recommender, knowledge, models, the console);
`code` says which case it is, so a client may branch on the status and log the code:

    status  when                                                              examples of `code`
    400     the request cannot be read: empty or malformed body, invalid     malformed_json, empty_body,
            UTF-8, JSON nested too deep, NUL/unpaired surrogates, a missing   invalid_utf8, json_too_deep,
            or unreadable required header                                    idempotency_key_required
    401     no credentials, or wrong/expired ones (bearer token, session      unauthorized, login_required,
            cookie, widget session, customer token)                           invalid_session, invalid_token
    403     the caller is known but may not do this (CSRF header, role,       csrf_failed, admin_only,
            a conversation held by someone else; a bad webhook signature)    not_in_queue
    404     the addressed thing does not exist (or, for orders, the proof     not_found, product_not_found,
            does not open it: both look the same on purpose)                  order_not_found
    409     the request conflicts with the current state                      idempotency_key_reused,
                                                                              not_claimed, policy refusals
    413     the body exceeds the route's limit                                body_too_large
    422     well-formed but invalid: the body fails validation, or an id,     invalid_request, invalid_id,
            version or number in the path or query is not a valid value       invalid_version, invalid_paging
    429     too many requests; `Retry-After` (seconds) and                    rate_limited, too_many_attempts,
            details.retry_after_s when a retry time is known                  queue_full (no retry time)
    500     a bug (never for any input)                                       internal_error
    502     a service this one needs failed or could not be reached           rasa_unavailable
    503     this service cannot serve the route now: a dependency of its      auth_not_configured,
            health check is down, or the API is off (no token configured)     (GET /health: unavailable)

Bearer-token APIs all use svc.auth.bearer_middleware, so they answer alike: 401 `unauthorized`, 503
`auth_not_configured`.
"""

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
        self.headers = dict(headers or {})
        if status == 429 and "retry_after_s" in details:
            self.headers.setdefault("Retry-After", str(details["retry_after_s"]))


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
