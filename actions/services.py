"""How the actions reach the services: the process's clients (clients/registry.py) with the actions' timeouts.

rasa-sdk builds every action itself, once, so actions do not hold clients: they declare which they use
(`orders = uses(services.orders)`) and get the process's client on each use, so all of them share one
connection pool and one circuit breaker per service for the life of the action server. (An instance may be
given its own client instead: tests put stand-ins there.) Importing this module registers a rasa-sdk plugin
that closes the process's clients when the server stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import pluggy

from actions.settings import ActionSettings
from clients import HandoffClient, KnowledgeClient, ModelsClient, OrdersClient, RecommenderClient
from clients.registry import close_process_clients, process_clients

log = logging.getLogger(__name__)

C = TypeVar("C")


class uses(Generic[C]):  # lower case: used like a field declaration, `orders = uses(services.orders)`
    """Class attribute that reads as `get()` (the process's client), unless the instance was given its own."""

    def __init__(self, get: Callable[[], C]) -> None:
        self.get = get
        self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_client"

    @overload
    def __get__(self, obj: None, owner: type) -> uses[C]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> C: ...
    def __get__(self, obj: object | None, owner: type) -> uses[C] | C:
        if obj is None:
            return self
        own: C | None = obj.__dict__.get(self.slot)
        return own if own is not None else self.get()

    def __set__(self, obj: object, value: C) -> None:
        obj.__dict__[self.slot] = value


def orders(*, retries: int | None = None) -> OrdersClient:
    """The orders service, each attempt bounded by BACKEND_TIMEOUT_S."""
    return process_clients().orders().using(timeout_s=ActionSettings.from_env().backend_timeout_s, retries=retries)


def recommender(*, retries: int | None = None) -> RecommenderClient:
    """The recommender, each attempt bounded by BACKEND_TIMEOUT_S."""
    return process_clients().recommender().using(timeout_s=ActionSettings.from_env().backend_timeout_s, retries=retries)


def knowledge() -> KnowledgeClient:
    """The knowledge service, each attempt bounded by BACKEND_TIMEOUT_S."""
    return process_clients().knowledge().using(timeout_s=ActionSettings.from_env().backend_timeout_s)


def models() -> ModelsClient:
    """The models service (translation), bounded by TRANSLATE_TIMEOUT_S, never retried."""
    return process_clients().models().using(timeout_s=ActionSettings.from_env().translate_timeout_s)


def handoff() -> HandoffClient:
    """The console's handoff API (its own default policy: 2 s, one retry; enqueueing twice keeps one ticket)."""
    return process_clients().handoff()


# ---------------------------------------------------------------- closing them when the action server stops

_hookimpl = pluggy.HookimplMarker("rasa_sdk")


class _CloseClientsAtShutdown:
    """rasa-sdk plugin: closes the process's clients after the Sanic server stops."""

    @_hookimpl
    def attach_sanic_app_extensions(self, app: Any) -> None:
        async def close(*_: Any) -> None:
            await close_process_clients()

        app.register_listener(close, "after_server_stop")


def _register_shutdown_hook() -> None:
    try:
        from rasa_sdk.plugin import plugin_manager
    except ImportError:  # pragma: no cover - rasa-sdk is always installed in the actions' venv
        return
    manager = plugin_manager()
    if not any(isinstance(p, _CloseClientsAtShutdown) for p in manager.get_plugins()):
        manager.register(_CloseClientsAtShutdown())


_register_shutdown_hook()
