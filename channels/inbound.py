"""What every public Rasa input channel of Borderless does to an incoming shopper message.

Owns the limits on a shopper message (length, metadata size), the `shopper_source` metadata key that the
channel, never the client, sets (the orders service limits failed proofs by it), and the widget-session key
the signed channels verify against. Loaded inside the Rasa server (Python 3.10 venv); standard library plus
svc's standard-library modules only.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from svc import secrets
from svc.client_address import source_key

# A shopper's message is a chat line: the widget caps input at this length too. Anything longer is refused
# (signed channels: 413) or cut (messaging apps, whose providers cap messages themselves), so one message can
# never keep the NLU pipeline busy for everyone.
MAX_MESSAGE_CHARS = int(os.environ.get("BORDERLESS_MAX_MESSAGE_CHARS", "2000"))
MAX_METADATA_BYTES = 4096
# Keys a client may set in message metadata; everything else (including `shopper_source`) is dropped.
CLIENT_METADATA_KEYS = ("customer_token", "locale", "lang", "language")
PAGE_KEYS = ("url", "title", "referrer")
SOURCE_KEY = "shopper_source"


class MessageRejected(ValueError):
    """The message cannot be accepted; `status` and `code` say how to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@lru_cache(maxsize=1)
def widget_session_key() -> str:
    """The HMAC key of widget sessions (shared with the console, which issues them), read once."""
    return secrets.widget_session_key()


def checked_text(text: Any) -> str:
    """The message text of a signed channel, or MessageRejected for a missing, empty or oversized one."""
    if not isinstance(text, str) or not text.strip():
        raise MessageRejected(400, "message_required", "`message` must be a non-empty string")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageRejected(
            413, "message_too_long", f"a message may have at most {MAX_MESSAGE_CHARS} characters; please shorten it"
        )
    return text


def clipped_text(text: str) -> str:
    """A messaging app's message, cut to the limit (the provider already delivered it; refusing helps no one)."""
    return text[:MAX_MESSAGE_CHARS]


def client_metadata(raw: Any) -> dict[str, Any]:
    """The allowed, small part of the metadata a client sent."""
    if not isinstance(raw, dict):
        return {}
    kept: dict[str, Any] = {k: raw[k] for k in CLIENT_METADATA_KEYS if isinstance(raw.get(k), str)}
    page = raw.get("page")
    if isinstance(page, dict):
        kept["page"] = {k: page[k] for k in PAGE_KEYS if isinstance(page.get(k), str)}
    if len(json.dumps(kept)) > MAX_METADATA_BYTES:
        raise MessageRejected(413, "metadata_too_large", f"metadata may have at most {MAX_METADATA_BYTES} bytes")
    return kept


def with_source(metadata: dict[str, Any] | None, source: str) -> dict[str, Any]:
    return {**(metadata or {}), SOURCE_KEY: source[:120]}


def web_source(peer: str | None, forwarded_for: str | None) -> str:
    """`ip:<client address>` behind the trusted proxies (BORDERLESS_TRUSTED_PROXIES)."""
    return source_key(peer, forwarded_for)
