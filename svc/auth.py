"""Authentication as middleware: every route of an app is protected unless its handler is marked public.

Services split their routes by audience into sub-applications; each sub-application gets one
authentication middleware, so a handler cannot forget the check. `bearer_middleware` is the shared check
for service-to-service APIs (knowledge admin, console handoff API): 401 `unauthorized` for a missing, malformed
or wrong token, and 503 `auth_not_configured` when the service has no token configured (the API is then off).
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


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_middleware(expected: Callable[[web.Request], str | None], realm: str) -> Any:
    """A middleware that lets a request through only with `Authorization: Bearer <expected(request)>`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_public(request, handler):
            return await handler(request)
        want = expected(request)
        if not want:
            raise ApiError(503, "auth_not_configured", f"the {realm} is disabled: no token is configured")
        given = bearer_token(request)
        if given is None or not hmac.compare_digest(given.encode(), want.encode()):
            raise ApiError(401, "unauthorized", f"the {realm} needs 'Authorization: Bearer <token>'")
        return await handler(request)

    return middleware
