"""Authentication and CORS as middleware, one per audience; every route is protected unless marked `@public`.

- `agent_session`: the agents' and admins' API — a live login session cookie, plus the session's CSRF token in
  `X-CSRF-Token` on every request that is not GET/HEAD; the principal is put on the request.
- `admin_only`: the admin API, nested inside the agents' — the principal must be an admin.
- `widget_session`: the widget's endpoints — `Authorization: Bearer <ws1 token>` signed with the widget-session
  key; the conversation id inside the token is put on the request (callers never name one).
- `widget_cors`: CORS for the widget (it runs on the shop's own origin); bearer tokens, no cookies.
- `deny_unmarked`: on the root application, where pages live: a route that is not marked public is refused,
  so a route added there without thought is closed, not open.
The handoff API uses `svc.auth.bearer_middleware` with the handoff token.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from channels import auth, sessions
from channels.console.state import state
from svc.auth import Handler, bearer_token, is_public, public
from svc.errors import ApiError, error_body

COOKIE = "bl_console"
PRINCIPAL = "console.principal"
WIDGET_CID = "console.widget_conversation"
SAFE_METHODS = ("GET", "HEAD")


def principal(request: web.Request) -> auth.Principal:
    """The logged-in user the agent-session middleware resolved for this request."""
    who = request.get(PRINCIPAL)
    if who is None:  # only reachable from a handler marked public: a programming error, not a client error
        raise RuntimeError("principal() called on a route without agent authentication")
    return who


def widget_conversation(request: web.Request) -> str:
    """The conversation id inside the request's verified widget session token."""
    cid = request.get(WIDGET_CID)
    if cid is None:
        raise RuntimeError("widget_conversation() called on a route without widget authentication")
    return cid


@web.middleware
async def agent_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_public(request, handler):
        return await handler(request)
    console = state(request)
    who = await auth.resolve(console.sm, request.cookies.get(COOKIE, ""), console.settings.session_idle_s)
    if who is None:
        raise ApiError(401, "login_required", "log in to the console first")
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        request.headers.get("X-CSRF-Token", "").encode(), who.csrf.encode()
    ):
        raise ApiError(403, "csrf_failed", "missing or wrong X-CSRF-Token header")
    request[PRINCIPAL] = who
    return await handler(request)


@web.middleware
async def admin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_public(request, handler):
        return await handler(request)
    if not principal(request).is_admin:
        raise ApiError(403, "admin_only", "only admins may do this")
    return await handler(request)


@web.middleware
async def widget_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_public(request, handler):
        return await handler(request)
    key = state(request).settings.widget_session_key
    if not key:
        raise ApiError(503, "auth_not_configured", "widget sessions are not configured (WIDGET_SESSION_SECRET)")
    try:
        request[WIDGET_CID] = sessions.verify(key, bearer_token(request))
    except sessions.InvalidSession as exc:
        raise ApiError(401, "invalid_session", f"a valid widget session is required: {exc}") from exc
    return await handler(request)


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
    "Access-Control-Max-Age": "600",
}


@web.middleware
async def widget_cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Any origin may call the widget endpoints: they take a bearer token, never cookies, so CORS adds no risk."""
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    try:
        resp = await handler(request)
    except ApiError as exc:
        # Errors must carry the CORS headers too, or the widget cannot read why it was refused.
        resp = web.json_response(
            error_body(exc.code, exc.message, **exc.details), status=exc.status, headers=exc.headers or None
        )
    resp.headers.update(CORS_HEADERS)
    return resp


@web.middleware
async def deny_unmarked(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Root-level routes (pages, assets, health) must be marked public; sub-applications bring their own auth."""
    if len(request.match_info.apps) > 1 or is_public(request, handler):
        return await handler(request)
    raise ApiError(401, "unauthorized", "this route has no authentication configured")


def mark_public(app: web.Application, path: str) -> None:
    """Marks the handler of an already-registered route public (for routes a shared helper adds, like /health)."""
    for route in app.router.routes():
        if route.resource is not None and route.resource.canonical == path:
            public(route.handler)
