"""The agents' console and the handoff API: an aiohttp service (CONSOLE_PORT, default 8100).

Three audiences, three kinds of authentication:
- agents and admins (console pages, `/api/...`): a login session cookie plus a CSRF token header on every POST;
- the action server (`/api/handoff/...`): a bearer token shared through HANDOFF_API_TOKEN / var/handoff_api_token;
- the website widget (`/widget/...`): public, but scoped by the shopper's unguessable session id.

Agent replies reach the shopper on their own channel: appended to the Rasa tracker as bot events with
`output_channel=latest` (Telegram, WhatsApp, Messenger...), and for the website widget (REST channel) also
written to an outbox the widget polls.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import json
import logging
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import select

from channels import auth, transcript
from channels.db import Feedback, Note, OutboxMessage, User, create_schema, make_engine, sessionmaker
from channels.queue import HandoffQueue, HandoffRequest, QueueError, TicketView, expected_wait_s, make_queue
from channels.settings import ConsoleSettings
from channels.upstream import UpstreamError, Upstreams
from svc.app import base_app
from svc.errors import ApiError
from svc.requests import parse_model, read_json, read_model
from svc.settings import var_dir

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "bl_console"
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_.:+@-]{6,128}$")
# Conversation ids come from every channel (Telegram chat ids, "whatsapp:+31...", widget session ids).
CONVERSATION_ID_RE = re.compile(r"^-?[A-Za-z0-9_.:+@-]{1,255}$")
# Channels whose shoppers read agent replies from the widget outbox (Rasa has no push for REST).
WIDGET_CHANNELS = {"rest", "widget", ""}
MAX_TEXT = 4000

SETTINGS = web.AppKey("settings", ConsoleSettings)
SM = web.AppKey("sessionmaker", object)
QUEUE = web.AppKey("queue", object)
UP = web.AppKey("upstreams", Upstreams)
TCACHE = web.AppKey("translation_cache", OrderedDict)
LOGIN_FAILS = web.AppKey("login_fails", dict)

BOT_NAME = "the Lumen Goods assistant"


# --- request bodies ------------------------------------------------------------
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
    session_id: str = Field(min_length=6, max_length=128)
    kind: str = Field(pattern="^(answer|csat)$")
    value: int
    message_ref: str | None = Field(default=None, max_length=255)
    comment: str = Field(default="", max_length=2000)
    answer_text: str = Field(default="", max_length=2000)


# --- helpers ------------------------------------------------------------
def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})


def _queue(request: web.Request) -> HandoffQueue:
    return request.app[QUEUE]  # type: ignore[return-value]


def _queue_error(exc: QueueError) -> ApiError:
    status = {"no_open_handoff": 404, "held_by_another_agent": 409, "not_claimed": 409, "conflict": 409}.get(
        exc.code, 400
    )
    return ApiError(status, exc.code, exc.message, **exc.details)


async def principal(request: web.Request) -> auth.Principal:
    """The logged-in user; 401 without a live session, 403 on a POST without the session's CSRF token."""
    settings = request.app[SETTINGS]
    who = await auth.resolve(request.app[SM], request.cookies.get(COOKIE, ""), settings.session_idle_s)
    if who is None:
        raise ApiError(401, "login_required", "log in to the console first")
    if request.method not in ("GET", "HEAD") and not hmac.compare_digest(
        request.headers.get("X-CSRF-Token", ""), who.csrf
    ):
        raise ApiError(403, "csrf_failed", "missing or wrong X-CSRF-Token header")
    return who


def _check_service_token(request: web.Request) -> None:
    expected = request.app[SETTINGS].handoff_token
    given = request.headers.get("Authorization", "")
    if not expected or not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise ApiError(401, "unauthorized", "a valid handoff API bearer token is required")


def _session_id(value: str | None) -> str:
    if not value or not SESSION_ID_RE.match(value):
        raise ApiError(422, "invalid_session_id", "session_id must be 6-128 characters of letters, digits and -_.:+@")
    return value


def _cid(request: web.Request) -> str:
    cid = request.match_info["cid"]
    if not CONVERSATION_ID_RE.match(cid):
        raise ApiError(422, "invalid_conversation_id", "not a conversation id")
    return cid


async def _agents_online(app: web.Application) -> int:
    return await auth.agents_online(app[SM], app[SETTINGS].online_window_s)


async def _translate_cached(
    app: web.Application, texts: list[str], target: str, source: str | None = None
) -> list[dict[str, Any]]:
    """Translations through the models service, remembered per (text, source, target) in a small LRU."""
    cache: OrderedDict = app[TCACHE]
    todo = [t for t in dict.fromkeys(texts) if (t, source, target) not in cache]
    if todo:
        results = await app[UP].translate(todo, target, source)
        for t, r in zip(todo, results, strict=True):
            cache[(t, source, target)] = r
            while len(cache) > 4000:
                cache.popitem(last=False)
    return [cache[(t, source, target)] for t in texts]


async def _to_shopper_language(app: web.Application, text: str, source: str, target: str) -> tuple[str, str | None]:
    """(text to send, note) — translated where a path exists, else the original with a note for the agent."""
    if source == target:
        return text, None
    try:
        [result] = await _translate_cached(app, [text], target, source)
    except UpstreamError as exc:
        log.info("reply not translated %s->%s: %s", source, target, exc)
        return text, f"sent untranslated: no translation from {source} to {target} is available"
    if not result["translated"]:
        return text, f"sent untranslated: no translation from {source} to {target} is available"
    return result["text"], None


async def _shopper_language(app: web.Application, tracker: dict[str, Any] | None, ticket: TicketView) -> str:
    """The language to write to the shopper in: what the conversation says (explicit choice or NLU's detection),
    else the language the models service detects in their latest message, else the ticket's."""
    if tracker is not None:
        known = transcript.shopper_language(tracker)
        if known:
            return known
        last = transcript.latest_user_text(tracker)
        if last:
            with contextlib.suppress(UpstreamError):
                [result] = await _translate_cached(app, [last], "en")
                if result.get("source"):
                    return str(result["source"])
    return ticket.language or "en"


async def _resolve_language(app: web.Application, ticket: TicketView) -> str:
    tracker = None
    with contextlib.suppress(UpstreamError):
        tracker = await app[UP].tracker(ticket.conversation_id)
    return await _shopper_language(app, tracker, ticket)


async def _deliver(app: web.Application, ticket: TicketView, messages: list[dict[str, Any]]) -> None:
    """Sends bot-side messages to the shopper's own channel and records them in the Rasa tracker."""
    now = time.time()
    events = []
    for m in messages:
        event: dict[str, Any] = {
            "event": "bot",
            "timestamp": now,
            "text": m.get("text"),
            "metadata": m.get("metadata", {}),
        }
        if m.get("custom"):
            event["data"] = {"custom": m["custom"]}
        events.append(event)
    widget = ticket.channel in WIDGET_CHANNELS
    try:
        await app[UP].append_events(ticket.conversation_id, events, deliver=not widget)
    except UpstreamError as exc:
        raise ApiError(502, "rasa_unavailable", f"the message could not be delivered: {exc}") from exc
    if widget:
        async with app[SM]() as db, db.begin():
            for m in messages:
                payload: dict[str, Any] = {"recipient_id": ticket.conversation_id}
                if m.get("text"):
                    payload["text"] = m["text"]
                if m.get("custom"):
                    payload["custom"] = m["custom"]
                if (m.get("metadata") or {}).get("agent"):
                    payload["agent"] = m["metadata"]["agent_name"]
                db.add(OutboxMessage(conversation_id=ticket.conversation_id, payload=payload, created_at=now))


async def _system_message(app: web.Application, ticket: TicketView, text: str, **extra: Any) -> dict[str, Any]:
    sent, _ = await _to_shopper_language(app, text, "en", await _resolve_language(app, ticket))
    return {"text": sent, "metadata": {"system": True}, **extra}


async def _add_note(app: web.Application, cid: str, author: str, text: str) -> None:
    async with app[SM]() as db, db.begin():
        db.add(Note(conversation_id=cid, author=author, text=text, created_at=time.time()))


def _static(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _csp(connect: str = "") -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
        f"connect-src 'self' {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


# --- console: auth --------------------------------------------------------------------------------------------------
async def login_handler(request: web.Request) -> web.Response:
    body = await read_model(request, LoginBody)
    fails: dict[str, list[float]] = request.app[LOGIN_FAILS]
    key = body.username.strip().lower()
    now = time.time()
    recent = [t for t in fails.get(key, []) if t > now - 300]
    if len(recent) >= 5:
        raise ApiError(429, "too_many_attempts", "too many failed logins; wait five minutes")
    settings = request.app[SETTINGS]
    done = await auth.login(request.app[SM], body.username, body.password, settings.session_ttl_s)
    if done is None:
        fails[key] = [*recent, now]
        raise ApiError(401, "bad_credentials", "wrong username or password")
    fails.pop(key, None)
    token, csrf = done
    who = await auth.resolve(request.app[SM], token, settings.session_idle_s)
    assert who is not None
    resp = _json({"user": _me(who), "csrf": csrf})
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=settings.cookie_secure,
        max_age=settings.session_ttl_s,
        path="/",
    )
    return resp


def _me(who: auth.Principal) -> dict[str, Any]:
    return {"username": who.username, "role": who.role, "language": who.language, "display_name": who.display_name}


async def logout_handler(request: web.Request) -> web.Response:
    await principal(request)
    await auth.logout(request.app[SM], request.cookies.get(COOKIE, ""))
    resp = _json({"ok": True})
    resp.del_cookie(COOKIE, path="/")
    return resp


async def me_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    return _json({"user": _me(who), "csrf": who.csrf})


# --- console: queue and conversations -------------------------------------------------------------------------------
async def queue_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    q = _queue(request)
    waiting = [{**t.public(), "position": i} for i, t in enumerate(await q.waiting(), start=1)]
    active = [{**t.public(), "mine": t.agent == who.username} for t in await q.active()]
    return _json({"waiting": waiting, "active": active, "agents_online": await _agents_online(request.app)})


async def conversation_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    cid = _cid(request)
    app = request.app
    ticket = await _queue(request).get_open(cid)
    notes_out: list[str] = []
    try:
        tracker = await app[UP].tracker(cid)
    except UpstreamError as exc:
        raise ApiError(502, "rasa_unavailable", f"the conversation could not be loaded: {exc}") from exc
    messages = transcript.build(tracker)
    if not messages and ticket is None:
        raise ApiError(404, "unknown_conversation", "no such conversation")
    # Shopper messages in another language than the agent's get a translation beside the original.
    to_translate = [
        m
        for m in messages
        if m["role"] == "shopper" and m.get("language") != who.language and not m["text"].startswith("/")
    ]
    if to_translate:
        try:
            results = await _translate_cached(app, [m["text"] for m in to_translate], who.language)
            for m, r in zip(to_translate, results, strict=True):
                if r["translated"] and r["text"] != m["text"]:
                    m["translation"] = r["text"]
                if r.get("source") and not m.get("language"):
                    m["language"] = r["source"]
        except UpstreamError as exc:
            log.info("transcript translation unavailable: %s", exc)
            notes_out.append("Translation is unavailable right now: messages are shown as the shopper wrote them.")
    async with app[SM]() as db:
        notes = [
            {"author": n.author, "text": n.text, "at": n.created_at}
            for n in (await db.execute(select(Note).where(Note.conversation_id == cid).order_by(Note.id))).scalars()
        ]
    customer: dict[str, Any] = {"verified": False}
    if ticket is not None and ticket.customer_token:
        try:
            customer_id, orders = await app[UP].customer_orders(ticket.customer_token)
            customer = {"verified": True, "customer_id": customer_id, "orders": orders}
        except UpstreamError as exc:
            customer = {"verified": False, "note": f"order context unavailable: {str(exc)[:200]}"}
    suggestions: list[dict[str, Any]] = []
    last = next((m for m in reversed(messages) if m["role"] == "shopper" and not m["text"].startswith("/")), None)
    if last is not None:
        try:
            suggestions = await app[UP].suggestions(last.get("translation") or last["text"])
        except UpstreamError as exc:
            notes_out.append(f"Suggested answers unavailable: {str(exc)[:160]}")
    return _json(
        {
            "conversation_id": cid,
            "ticket": ticket.public() if ticket else None,
            "mine": bool(ticket and ticket.agent == who.username and ticket.status == "active"),
            "shopper_language": await _shopper_language(app, tracker, ticket)
            if ticket
            else (transcript.shopper_language(tracker) or "en"),
            "channel": tracker.get("latest_input_channel") or (ticket.channel if ticket else ""),
            "paused": bool(tracker.get("paused")),
            "messages": messages,
            "notes": notes,
            "customer": customer,
            "suggestions": suggestions,
            "system_notes": notes_out,
        }
    )


async def _held_ticket(request: web.Request, who: auth.Principal) -> TicketView:
    cid = _cid(request)
    ticket = await _queue(request).get_open(cid)
    if ticket is None:
        raise ApiError(404, "no_open_handoff", "this conversation is not with an agent")
    if ticket.status != "active" or not ticket.agent:
        raise ApiError(409, "not_claimed", "claim the conversation first")
    if ticket.agent != who.username:
        raise ApiError(
            409,
            "held_by_another_agent",
            f"agent {ticket.agent!r} holds this conversation; take it over explicitly",
            holder=ticket.agent,
        )
    return ticket


async def claim_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    cid = _cid(request)
    body = parse_model(ClaimBody, await read_json(request) if request.can_read_body else {})
    q = _queue(request)
    before = await q.get_open(cid)
    try:
        ticket = await q.claim(cid, who.username, takeover=body.takeover)
    except QueueError as exc:
        raise _queue_error(exc) from exc
    if before is not None and before.agent and before.agent != who.username and before.status == "active":
        await _add_note(request.app, cid, "system", f"{who.username} took over from {before.agent}")
    note = None
    if before is None or before.agent != who.username:
        name = who.display_name or who.username
        try:
            await _deliver(
                request.app,
                ticket,
                [await _system_message(request.app, ticket, f"{name} from our support team has joined the chat.")],
            )
        except ApiError as exc:
            # The claim stands; the agent sees that the shopper was not told yet.
            note = exc.message
    return _json({"ticket": ticket.public(), "note": note})


async def reply_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    body = await read_model(request, TextBody)
    ticket = await _held_ticket(request, who)
    text = body.text.strip()
    if not text:
        raise ApiError(422, "empty_text", "the reply is empty")
    target = await _resolve_language(request.app, ticket)
    sent, note = await _to_shopper_language(request.app, text, who.language, target)
    await _deliver(
        request.app,
        ticket,
        [
            {
                "text": sent,
                "metadata": {
                    "agent": who.username,
                    "agent_name": who.display_name or who.username,
                    "original_text": text,
                },
            }
        ],
    )
    return _json({"sent": sent, "original": text, "translated": sent != text, "note": note, "target_language": target})


async def note_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    body = await read_model(request, TextBody)
    await _held_ticket(request, who)
    await _add_note(request.app, _cid(request), who.username, body.text.strip())
    return _json({"ok": True})


async def _finish(request: web.Request, closing: bool) -> web.Response:
    who = await principal(request)
    ticket = await _held_ticket(request, who)
    app = request.app
    if closing:
        goodbye = await _system_message(app, ticket, "This chat with our support team has ended. How did we do?")
        messages = [goodbye, {"text": None, "custom": {"type": "csat_request"}, "metadata": {"system": True}}]
    else:
        messages = [await _system_message(app, ticket, f"You're back with {BOT_NAME}. Ask me anything else.")]
    # Resume first, so the bot is listening again by the time the shopper reads the message.
    try:
        await app[UP].append_events(
            ticket.conversation_id, [{"event": "resume", "timestamp": time.time()}], deliver=False
        )
    except UpstreamError as exc:
        raise ApiError(502, "rasa_unavailable", f"the bot could not be resumed: {exc}") from exc
    await _deliver(app, ticket, messages)
    # The bot paused inside action_handoff, so no action_listen was ever logged after it; without one the
    # policies see the next message as following action_handoff and rules such as "greet" do not match.
    try:
        await app[UP].append_events(
            ticket.conversation_id,
            [{"event": "action", "name": "action_listen", "timestamp": time.time()}],
            deliver=False,
        )
    except UpstreamError as exc:
        raise ApiError(502, "rasa_unavailable", f"the bot could not be resumed: {exc}") from exc
    try:
        done = await _queue(request).finish(ticket.conversation_id, who.username)
    except QueueError as exc:
        raise _queue_error(exc) from exc
    await _add_note(
        app,
        ticket.conversation_id,
        "system",
        f"{who.username} {'closed the chat' if closing else 'handed back to the bot'}",
    )
    return _json({"ticket": done.public()})


async def handback_handler(request: web.Request) -> web.Response:
    return await _finish(request, closing=False)


async def close_handler(request: web.Request) -> web.Response:
    return await _finish(request, closing=True)


# --- admin ------------------------------------------------------------
async def users_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    if not who.is_admin:
        raise ApiError(403, "admin_only", "only admins manage users")
    async with request.app[SM]() as db:
        users = (await db.execute(select(User).order_by(User.username))).scalars()
        return _json(
            {
                "users": [
                    {"username": u.username, "role": u.role, "language": u.language, "disabled": u.disabled}
                    for u in users
                ]
            }
        )


async def add_user_handler(request: web.Request) -> web.Response:
    who = await principal(request)
    if not who.is_admin:
        raise ApiError(403, "admin_only", "only admins manage users")
    body = await read_model(request, NewUserBody)
    try:
        await auth.add_user(
            request.app[SM],
            body.username,
            body.password,
            body.role,
            language=body.language,
            display_name=body.display_name,
        )
    except auth.AuthError as exc:
        raise ApiError(422, "invalid_user", str(exc)) from exc
    return _json({"ok": True}, status=201)


# --- handoff API (action server) ------------------------------------------------------------------------------------
async def _status_body(app: web.Application, q: HandoffQueue, cid: str) -> dict[str, Any]:
    ticket = await q.get_open(cid)
    online = await _agents_online(app)
    if ticket is None:
        return {"status": "bot", "agents_online": online}
    position = await q.position(cid) if ticket.status == "waiting" else None
    return {
        "status": ticket.status,
        "ticket_id": ticket.id,
        "position": position,
        "agents_online": online,
        "expected_wait_s": expected_wait_s(position, online, app[SETTINGS].avg_handle_s),
        "offline": ticket.offline,
    }


async def handoff_request_handler(request: web.Request) -> web.Response:
    _check_service_token(request)
    body = await read_model(request, HandoffBody)
    if not CONVERSATION_ID_RE.match(body.conversation_id):
        raise ApiError(422, "invalid_conversation_id", "not a conversation id")
    online = await _agents_online(request.app)
    q = _queue(request)
    await q.enqueue(
        HandoffRequest(
            conversation_id=body.conversation_id,
            channel=body.channel,
            reason=body.reason,
            language=(body.language or "en").lower()[:8],
            sentiment_label=body.sentiment.label,
            sentiment_score=body.sentiment.score,
            sentiment_history=[p.model_dump() for p in body.sentiment_history],
            customer_token=body.customer_token,
            page_url=body.page_url,
            last_message=body.last_message,
            offline=online == 0,
        )
    )
    return _json(await _status_body(request.app, q, body.conversation_id), status=201)


async def handoff_status_handler(request: web.Request) -> web.Response:
    _check_service_token(request)
    return _json(await _status_body(request.app, _queue(request), _cid(request)))


# --- widget (public, CORS) ------------------------------------------------------------------------------------------
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


@web.middleware
async def widget_cors(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/widget/"):
        return await handler(request)
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    resp = await handler(request)
    resp.headers.update(CORS_HEADERS)
    return resp


async def widget_status_handler(request: web.Request) -> web.Response:
    cid = _session_id(request.query.get("session_id"))
    body = await _status_body(request.app, _queue(request), cid)
    body.pop("ticket_id", None)
    return _json(body)


async def widget_messages_handler(request: web.Request) -> web.Response:
    cid = _session_id(request.query.get("session_id"))
    try:
        after = int(request.query.get("after", "0"))
    except ValueError as exc:
        raise ApiError(422, "invalid_after", "`after` must be an integer") from exc
    async with request.app[SM]() as db:
        rows = (
            await db.execute(
                select(OutboxMessage)
                .where(OutboxMessage.conversation_id == cid, OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
                .limit(50)
            )
        ).scalars()
        messages = [{"id": r.id, **r.payload} for r in rows]
    return _json({"messages": messages, "last_id": messages[-1]["id"] if messages else after})


async def widget_feedback_handler(request: web.Request) -> web.Response:
    body = await read_model(request, FeedbackBody)
    _session_id(body.session_id)
    allowed = {-1, 1} if body.kind == "answer" else {1, 2, 3, 4, 5}
    if body.value not in allowed:
        raise ApiError(422, "invalid_value", f"value must be one of {sorted(allowed)} for {body.kind}")
    async with request.app[SM]() as db, db.begin():
        db.add(
            Feedback(
                conversation_id=body.session_id,
                kind=body.kind,
                message_ref=body.message_ref,
                value=body.value,
                comment=body.comment,
                answer_text=body.answer_text,
                created_at=time.time(),
            )
        )
    return _json({"ok": True}, status=201)


# --- pages ------------------------------------------------------------
async def console_page(request: web.Request) -> web.Response:
    resp = _static("console.html", "text/html")
    resp.headers["Content-Security-Policy"] = _csp()
    return resp


def _demo_products(limit: int = 6) -> list[dict[str, Any]]:
    path = var_dir() / "demo_shop" / "products.jsonl"
    products: list[dict[str, Any]] = []
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if len(products) >= limit:
                    break
                try:
                    products.append(json.loads(line))
                except ValueError:
                    continue
    return products


async def demo_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    token = request.query.get("customer_token", "")
    lang = request.query.get("lang", "")
    cards = "".join(
        f'<article class="shop-card"><h3>{html.escape(str(p.get("title", "")))}</h3>'
        f"<p>{html.escape(str(p.get('description', ''))[:140])}</p>"
        f'<p class="price">{html.escape(str(p.get("price", "")))} '
        f"{html.escape(str(p.get('currency', '')))}</p></article>"
        for p in _demo_products()
    )
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    page = (
        page.replace("{{PRODUCTS}}", cards or "<p>Run <code>make data</code> to fill the demo catalogue.</p>")
        .replace("{{RASA_URL}}", html.escape(settings.rasa_public_url, quote=True))
        .replace("{{CUSTOMER_TOKEN}}", html.escape(token, quote=True))
        .replace("{{LANG}}", html.escape(lang, quote=True))
    )
    return web.Response(
        text=page, content_type="text/html", headers={"Content-Security-Policy": _csp(settings.rasa_public_url)}
    )


def _asset(name: str, content_type: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return _static(name, content_type)

    return handler


async def index_handler(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console")


async def preflight_handler(request: web.Request) -> web.Response:
    return web.Response(status=204)


# --- app factory ------------------------------------------------------------
async def create_app(settings: ConsoleSettings | None = None) -> web.Application:
    settings = settings or ConsoleSettings.from_env()
    engine = make_engine(settings.database_url, settings.db_schema)
    await create_schema(engine, settings.db_schema)
    sm = sessionmaker(engine)

    async def health(app: web.Application) -> dict[str, Any]:
        q = app[QUEUE]
        return {"queue": type(q).__name__, "waiting": len(await q.waiting())}  # type: ignore[attr-defined]

    app = base_app("console", health)
    app.middlewares.append(widget_cors)
    app[SETTINGS] = settings
    app[SM] = sm
    app[QUEUE] = make_queue(settings.redis_url, settings.redis_prefix, sm)
    app[TCACHE] = OrderedDict()
    app[LOGIN_FAILS] = {}

    async def on_startup(app: web.Application) -> None:
        app[UP] = Upstreams(
            aiohttp.ClientSession(),
            settings.rasa_url,
            settings.rasa_token,
            settings.models_url,
            settings.knowledge_url,
            settings.orders_url,
            settings.upstream_timeout_s,
        )

    async def on_cleanup(app: web.Application) -> None:
        await app[UP].session.close()
        await app[QUEUE].close()  # type: ignore[attr-defined]
        await engine.dispose()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    r = app.router
    r.add_get("/", index_handler)
    r.add_get("/console", console_page)
    r.add_get("/demo", demo_page)
    r.add_get("/widget.js", _asset("widget.js", "application/javascript"))
    r.add_get("/widget.css", _asset("widget.css", "text/css"))
    r.add_get("/static/console.js", _asset("console.js", "application/javascript"))
    r.add_get("/static/console.css", _asset("console.css", "text/css"))
    r.add_get("/static/demo.css", _asset("demo.css", "text/css"))
    r.add_post("/api/login", login_handler)
    r.add_post("/api/logout", logout_handler)
    r.add_get("/api/me", me_handler)
    r.add_get("/api/queue", queue_handler)
    r.add_get("/api/conversations/{cid}", conversation_handler)
    r.add_post("/api/conversations/{cid}/claim", claim_handler)
    r.add_post("/api/conversations/{cid}/reply", reply_handler)
    r.add_post("/api/conversations/{cid}/notes", note_handler)
    r.add_post("/api/conversations/{cid}/handback", handback_handler)
    r.add_post("/api/conversations/{cid}/close", close_handler)
    r.add_get("/api/admin/users", users_handler)
    r.add_post("/api/admin/users", add_user_handler)
    r.add_post("/api/handoff/requests", handoff_request_handler)
    r.add_get("/api/handoff/requests/{cid}", handoff_status_handler)
    r.add_get("/widget/status", widget_status_handler)
    r.add_get("/widget/messages", widget_messages_handler)
    r.add_post("/widget/feedback", widget_feedback_handler)
    r.add_route("OPTIONS", "/widget/{tail:.*}", preflight_handler)
    return app
