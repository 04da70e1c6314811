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
from channels.upstream import Upstreams
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
    _up: Upstreams | None = None

    @property
    def up(self) -> Upstreams:
        if self._up is None:
            raise RuntimeError("the console's HTTP clients start with the application")
        return self._up


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
