"""The console's shared state (one `Console` per app, reached from every sub-application through
`request.config_dict`) and small request helpers: JSON answers, path ids, the client's source address."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker

from channels.auth import PasswordChecker
from channels.console.counters import Counters
from channels.console.translation import TranslationCache
from channels.queue import HandoffQueue
from channels.settings import ConsoleSettings
from clients import CallPolicy, ClientConfig, KnowledgeClient, ModelsClient, OrdersClient, RasaClient, ServiceClients
from svc.client_address import client_address as address_of
from svc.client_address import rate_key
from svc.errors import ApiError

# Conversation ids come from every channel (Telegram chat ids, "whatsapp:+31...", widget session ids).
CONVERSATION_ID_RE = re.compile(r"^-?[A-Za-z0-9_.:+@-]{1,255}$")


@dataclass
class Console:
    """Everything the console's handlers share; built by `create_app`, one per application."""

    settings: ConsoleSettings
    sm: async_sessionmaker
    queue: HandoffQueue
    counters: Counters
    passwords: PasswordChecker
    translations: TranslationCache = field(default_factory=TranslationCache)
    _clients: ServiceClients | None = None

    @property
    def clients(self) -> ServiceClients:
        """The console's clients (one pool and breaker per service), opened and closed by the app factory."""
        if self._clients is None:
            raise RuntimeError("the console's HTTP clients start with the application")
        return self._clients

    @property
    def rasa(self) -> RasaClient:
        return self.clients.rasa()

    @property
    def models(self) -> ModelsClient:
        return self.clients.models()

    @property
    def knowledge(self) -> KnowledgeClient:
        return self.clients.knowledge()

    @property
    def orders(self) -> OrdersClient:
        return self.clients.orders()


def console_clients(settings: ConsoleSettings) -> ServiceClients:
    """The console's clients: its configured URLs and Rasa token; every call bounded by the upstream timeout,
    idempotent ones (tracker reads, translations, searches, order lists) retried once."""
    policy = CallPolicy(timeout_s=settings.upstream_timeout_s, retries=1)
    services = {
        "rasa": settings.rasa_url,
        "models": settings.models_url,
        "knowledge": settings.knowledge_url,
        "orders": settings.orders_url,
    }
    return ServiceClients(
        ClientConfig(
            urls=services,
            policies=dict.fromkeys(services, policy),
            rasa_token=settings.rasa_token or "",
        )
    )


STATE = web.AppKey("console", Console)
# Kept for tests and tools that reach into the app: the queue and the database sessionmaker.
SM = web.AppKey("sessionmaker", object)
QUEUE = web.AppKey("queue", object)


def state(request: web.Request) -> Console:
    """The console state, from whichever sub-application handles the request."""
    return request.config_dict[STATE]


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})


def conversation_id(request: web.Request) -> str:
    cid = request.match_info["cid"]
    if not CONVERSATION_ID_RE.match(cid):
        raise ApiError(422, "invalid_conversation_id", "not a conversation id")
    return cid


def client_address(request: web.Request) -> str:
    """The client's address behind the trusted proxies, keyed for rate limits (IPv6 by /64)."""
    forwarded = request.headers.get("X-Forwarded-For")
    return rate_key(address_of(request.remote, forwarded, state(request).settings.trusted_proxies))
