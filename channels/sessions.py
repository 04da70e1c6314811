"""Signed widget sessions: the only way a website shopper gets a conversation id.

The console issues a session (`POST /widget/session`): a random conversation id chosen by the server and a
token `ws1.<conversation id>.<expiry>.<signature>` (HMAC-SHA256 with the widget-session key). The shop's
public channels (`channels.widget_channel`, `channels.socketio_channel`) and the console's widget endpoints
accept a message only with a valid token, and only for the conversation id inside it, so a caller can neither
choose a conversation id nor write into another shopper's (or a messaging app's) conversation.

Pure standard library: it runs in the Rasa venv (channels) and in the app venv (console).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

PREFIX = "ws1"
# Server-issued widget conversation ids: "web-" and 24 URL-safe characters (144 random bits).
CONVERSATION_PREFIX = "web-"
CONVERSATION_ID_RE = re.compile(r"^web-[A-Za-z0-9_-]{24}$")
MAX_TOKEN_CHARS = 200
DEFAULT_TTL_S = 7 * 24 * 3600


class InvalidSession(ValueError):
    """The session token is missing, malformed, forged or expired."""


@dataclass(frozen=True)
class WidgetSession:
    conversation_id: str
    token: str
    expires_at: int


def _sign(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_conversation_id() -> str:
    return CONVERSATION_PREFIX + secrets.token_urlsafe(18)


def issue(
    key: str, conversation_id: str | None = None, ttl_s: int = DEFAULT_TTL_S, now: float | None = None
) -> WidgetSession:
    """A session for a new conversation, or a renewed one for `conversation_id` (whose old token was valid)."""
    cid = conversation_id or new_conversation_id()
    if not CONVERSATION_ID_RE.match(cid):
        raise InvalidSession("not a widget conversation id")
    expires = int(time.time() if now is None else now) + ttl_s
    head = f"{PREFIX}.{cid}.{expires}"
    return WidgetSession(cid, f"{head}.{_sign(key, head)}", expires)


def verify(key: str, token: str | None, now: float | None = None) -> str:
    """The conversation id of a valid, unexpired token; InvalidSession otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidSession("missing or oversized session token")
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise InvalidSession("malformed session token")
    _, cid, expires, signature = parts
    if not CONVERSATION_ID_RE.match(cid) or not expires.isdigit():
        raise InvalidSession("malformed session token")
    if not hmac.compare_digest(_sign(key, f"{PREFIX}.{cid}.{expires}"), signature):
        raise InvalidSession("bad session signature")
    if (time.time() if now is None else now) >= int(expires):
        raise InvalidSession("session expired")
    return cid
