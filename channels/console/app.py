"""The console's app factory: one root application (pages, assets, /health) and one sub-application per
audience, each with its authentication as middleware:

    /v1/handoff/...   the action server   svc.auth.bearer_middleware (handoff API token)
    /api/...          agents and admins   agent_session (cookie + CSRF); /api/admin/... adds admin_only
    /widget/...       the website widget  widget_session (signed ws1 token) + CORS
    / (root)          pages and assets    deny_unmarked: only routes marked @public

Only the handoff API is versioned (/v1, like every service API): it is a contract between two separately
deployed processes. /api/... is called only by the console's own page and /widget/... only by widget.js, and
the console serves both, so they change together with their one caller.

`create_app` has the shape of every service's factory: synchronous, resources opened and closed in one
`cleanup_ctx` context (database schema, the service clients, password-hashing threads, queue, counters).

`iter_routes` lists every route with its full path and whether it is public, so tests can prove that every
other route refuses a request without credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from aiohttp import web

from channels.auth import PasswordChecker
from channels.console.agents import agents_app
from channels.console.counters import make_counters
from channels.console.handoff_api import handoff_app
from channels.console.middlewares import deny_unmarked, mark_public
from channels.console.models import MAX_BODY_BYTES
from channels.console.pages import add_pages
from channels.console.state import QUEUE, SM, STATE, Console, console_clients
from channels.console.widget import widget_app
from channels.db import create_schema, make_engine, sessionmaker
from channels.queue import make_queue
from channels.settings import ConsoleSettings
from svc.app import base_app
from svc.auth import PUBLIC_ATTR


def create_app(settings: ConsoleSettings | None = None) -> web.Application:
    settings = settings or ConsoleSettings.from_env()
    engine = make_engine(settings.database_url, settings.db_schema)
    sm = sessionmaker(engine)
    console = Console(
        settings=settings,
        sm=sm,
        queue=make_queue(settings.redis_url, settings.redis_prefix, sm),
        counters=make_counters(settings.redis_url, settings.redis_prefix, sm),
        passwords=PasswordChecker(settings.login_threads),
    )

    async def health(app: web.Application) -> dict[str, Any]:
        return {"queue": type(console.queue).__name__, "waiting": len(await console.queue.waiting())}

    app = base_app("console", health, max_body=MAX_BODY_BYTES)
    app.middlewares.append(deny_unmarked)
    mark_public(app, "/health")
    app[STATE] = console
    app[SM] = sm
    app[QUEUE] = console.queue

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await create_schema(engine, settings.db_schema)
        clients = console._clients = console_clients(settings)
        await console.passwords.warm_up()
        yield
        await clients.aclose()
        await console.queue.close()
        await console.counters.close()
        console.passwords.close()
        await engine.dispose()

    app.cleanup_ctx.append(lifecycle)
    add_pages(app)
    app.add_subapp("/v1/handoff", handoff_app(console))
    app.add_subapp("/api", agents_app(console))
    app.add_subapp("/widget", widget_app())
    return app


def iter_routes(app: web.Application) -> Iterator[tuple[str, str, bool]]:
    """(method, full path template, marked public) for every route of `app` and its sub-applications.

    (Resources of a mounted sub-application already carry its prefix in their canonical path.)"""
    for resource in app.router.resources():
        info = resource.get_info()
        sub = info.get("app")
        if isinstance(sub, web.Application):
            yield from iter_routes(sub)
            continue
        for route in resource:
            yield route.method, resource.canonical, bool(getattr(route.handler, PUBLIC_ATTR, False))
