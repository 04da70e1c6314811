"""Signed customer tokens: `bl1.<payload>.<signature>`, HMAC-SHA256 over the first two parts.

The payload is base64url JSON {"cid": customer id, "iat": issued, "exp": expiry} (Unix seconds).
The shop's website mints one for a logged-in shopper and hands it to the chat widget, so the
assistant can show that shopper's orders without asking for email or postcode.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

PREFIX = "bl1"


class InvalidToken(ValueError):
    """The token is malformed, tampered with or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def mint(secret: str, customer_id: str, ttl_s: int, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    payload = _b64(
        json.dumps({"cid": customer_id, "iat": issued, "exp": issued + ttl_s}, separators=(",", ":")).encode()
    )
    head = f"{PREFIX}.{payload}"
    return f"{head}.{_sign(secret, head)}"


def verify(secret: str, token: str, now: float | None = None) -> str:
    """The customer id inside a valid token; InvalidToken otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise InvalidToken("malformed token")
    head = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, head), parts[2]):
        raise InvalidToken("bad signature")
    try:
        payload = json.loads(_unb64(parts[1]))
        cid, exp = str(payload["cid"]), int(payload["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("malformed payload") from exc
    if (time.time() if now is None else now) >= exp:
        raise InvalidToken("expired")
    return cid
