"""App-factory helpers: a base application with the error middleware and `/health`, and the runner every
service's `serve` command uses (see `run` for the one factory shape)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from svc.auth import public
from svc.errors import error_middleware

HealthCheck = Callable[[web.Application], Awaitable[dict[str, Any]]]

MAX_BODY_BYTES = 1024 * 1024


def base_app(
    service: str,
    health: HealthCheck | None = None,
    max_body: int = MAX_BODY_BYTES,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """A new aiohttp app named `service` with structured errors and `GET /health`.

    `health` returns extra fields for the health body; if it raises, the service reports 503.
    `max_body` caps every request body (svc.requests.read_json answers 413 beyond it; a route may read
    with a smaller cap). `middlewares` run inside the error middleware, e.g. svc.auth's; `/health` is public.
    """
    app = web.Application(middlewares=[error_middleware, *middlewares], client_max_size=max_body)

    @public  # liveness for load balancers and process managers; says nothing private
    async def health_handler(request: web.Request) -> web.Response:
        body: dict[str, Any] = {"service": service, "status": "ok"}
        if health is not None:
            try:
                body.update(await health(request.app))
            except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
                return web.json_response({"service": service, "status": "unavailable", "reason": str(exc)}, status=503)
        return web.json_response(body)

    app.router.add_get("/health", health_handler)
    return app


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run(app_factory: Callable[[], web.Application], host: str, port: int) -> None:
    """What every service's `serve` command calls: `run(lambda: create_app(settings), settings.host, settings.port)`.

    Every factory has one shape: `create_app(settings: Settings | None = None, ...) -> web.Application`,
    synchronous (it builds the app and reads configuration, no I/O), with everything that must be opened and
    closed (database engines, HTTP sessions, caches, background tasks) in one `app.cleanup_ctx` context, so
    tests can build an app without a running loop and aiohttp opens and closes it with the server.
    """
    configure_logging()
    web.run_app(app_factory(), host=host, port=port, access_log=None)
