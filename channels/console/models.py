"""Request bodies of the console's APIs (pydantic), and the one reader every handler uses for them."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from channels import auth
from svc.requests import parse_json, parse_model
from svc.requests import read_body as read_raw

MAX_TEXT = 4000
# No console request needs more than a few KiB (the largest is a handoff with a 4000-character message).
MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)


async def read_body(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    """The body as `model` under svc/requests.py's rules (400 malformed or hostile JSON, 413 over
    MAX_BODY_BYTES, 422 invalid). `optional`: an empty body means the model's defaults."""
    raw = await read_raw(request, MAX_BODY_BYTES)
    if optional and not raw.strip():
        return parse_model(model, {})
    return parse_model(model, parse_json(raw))


class EmptyBody(BaseModel):
    """Endpoints that take no parameters still read their body (a JSON object or nothing), so oversized or
    malformed bodies get the same 4xx everywhere instead of being silently ignored."""


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TextBody(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class ClaimBody(BaseModel):
    takeover: bool = False


class NewUserBody(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=256)
    role: str = "agent"
    language: str = "en"
    display_name: str = Field(default="", max_length=128)


class Sentiment(BaseModel):
    label: str = Field(default="unknown", max_length=16)
    score: float | None = None


class SentimentPoint(Sentiment):
    """The sentiment of one earlier shopper message (`at`: its Unix time, when known)."""

    score: float | None = Field(default=None, ge=-1.0, le=1.0)
    at: float | None = None


class HandoffBody(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=255)
    channel: str = Field(default="", max_length=64)
    reason: str = Field(default="asked", max_length=32)
    language: str = Field(default="en", max_length=8)
    sentiment: Sentiment = Sentiment()
    # Oldest first; the action sends the last ten typed messages.
    sentiment_history: list[SentimentPoint] = Field(default_factory=list, max_length=20)
    customer_token: str | None = Field(default=None, max_length=2048)
    page_url: str | None = Field(default=None, max_length=2048)
    last_message: str = Field(default="", max_length=MAX_TEXT)


class FeedbackBody(BaseModel):
    """Shopper feedback; the conversation is the one of the widget session, never a field of the body."""

    kind: str = Field(pattern="^(answer|csat)$")
    value: int
    message_ref: str | None = Field(default=None, max_length=255)
    comment: str = Field(default="", max_length=2000)
    answer_text: str = Field(default="", max_length=2000)


class SessionBody(BaseModel):
    """`POST /widget/session`: a still-valid token renews its conversation; none (or an invalid one) starts anew."""

    token: str | None = Field(default=None, max_length=512)
