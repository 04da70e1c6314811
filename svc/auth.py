"""Authentication as middleware: every route of an app is protected unless its handler is marked public.

Services split their routes by audience into sub-applications; each sub-application gets one
authentication middleware, so a handler cannot forget the check. `bearer_middleware` is the shared check
for service-to-service APIs (knowledge admin, console handoff API): 401 `unauthorized` for a missing, malformed
or wrong token, and 503 `auth_not_configured` when the service has no token configured (the API is then off).
No service checks a bearer token by hand: aiohttp apps use `bearer_middleware`; the Rasa (Sanic) channels, which
cannot use aiohttp middleware, parse and compare with `bearer_from_header` and `token_matches`.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from svc.errors import ApiError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Any])
PUBLIC_ATTR = "__borderless_public__"


def public(handler: H) -> H:
    """Marks a handler as reachable without the app's authentication (say why where you use it)."""
    setattr(handler, PUBLIC_ATTR, True)
    return handler


def is_public(request: web.Request, handler: Handler) -> bool:
    """True for handlers marked public, CORS preflights and routes aiohttp answers itself (404/405)."""
    if getattr(handler, PUBLIC_ATTR, False) or request.method == "OPTIONS":
        return True
    route = request.match_info.route
    original = getattr(route, "handler", None)
    return bool(getattr(original, PUBLIC_ATTR, False)) or request.match_info.http_exception is not None


def bearer_from_header(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value; None when absent or another scheme.

    Framework-free, so the Rasa (Sanic) channels parse the header the same way as the aiohttp services."""
    scheme, _, token = (value or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a presented token with the configured one; False when either is empty."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given).encode(), str(expected).encode())


def bearer_token(request: web.Request) -> str | None:
    return bearer_from_header(request.headers.get("Authorization"))


def bearer_middleware(expected: Callable[[web.Request], str | None], realm: str) -> Any:
    """A middleware that lets a request through only with `Authorization: Bearer <expected(request)>`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_public(request, handler):
            return await handler(request)
        want = expected(request)
        if not want:
            raise ApiError(503, "auth_not_configured", f"the {realm} is disabled: no token is configured")
        if not token_matches(bearer_token(request), want):
            raise ApiError(401, "unauthorized", f"the {realm} needs 'Authorization: Bearer <token>'")
        return await handler(request)

    return middleware
