"""The website widget's endpoints (`/widget/...`): public in the CORS sense, but every call except getting a
session carries a signed widget session (`Authorization: Bearer ws1...`) and acts only on its conversation.

- POST /widget/session  issue a session, or renew one whose token is still valid (same conversation)
- POST /widget/logout   forget the conversation in Rasa (restart) and get a fresh session for a new one
- GET  /widget/status   with the bot, waiting (place, expected wait) or with an agent
- GET  /widget/messages agent and system messages for the widget (outbox), after an id
- POST /widget/feedback a thumbs up/down on an answer, or a CSAT score
Sessions are rate-limited per source address, feedback per conversation and per source address.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from sqlalchemy import select

from channels import sessions
from channels.console.handoff_api import status_body
from channels.console.middlewares import widget_conversation, widget_cors, widget_session
from channels.console.models import EmptyBody, FeedbackBody, SessionBody, read_body
from channels.console.state import Console, client_address, json_response, state
from channels.console.throttle import limit
from channels.db import Feedback, OutboxMessage
from clients import ServiceFailure
from svc.auth import public
from svc.errors import ApiError


def _session_json(s: sessions.WidgetSession, renewed: bool) -> dict[str, Any]:
    return {"conversation_id": s.conversation_id, "token": s.token, "expires_at": s.expires_at, "renewed": renewed}


async def _new_session(request: web.Request, console: Console, conversation: str | None) -> sessions.WidgetSession:
    settings = console.settings
    if not settings.widget_session_key:
        raise ApiError(503, "auth_not_configured", "widget sessions are not configured (WIDGET_SESSION_SECRET)")
    await limit(
        console.counters,
        f"widget:session:{client_address(request)}",
        settings.widget_sessions_per_source,
        settings.widget_sessions_window_s,
        "widget sessions from this address",
    )
    return sessions.issue(settings.widget_session_key, conversation, settings.widget_session_ttl_s)


@public  # how a shopper gets a signed session in the first place; rate-limited per source address
async def session_handler(request: web.Request) -> web.Response:
    console = state(request)
    body = await read_body(request, SessionBody, optional=True)
    conversation = None
    if body.token:
        try:
            conversation = sessions.verify(console.settings.widget_session_key, body.token)
        except sessions.InvalidSession:
            conversation = None  # expired or foreign: the shopper starts a new conversation
    issued = await _new_session(request, console, conversation)
    return json_response(_session_json(issued, renewed=conversation is not None))


async def logout_handler(request: web.Request) -> web.Response:
    console = state(request)
    cid = widget_conversation(request)
    await read_body(request, EmptyBody, optional=True)
    try:
        # A restart drops every slot (email, verified proof...) and the conversation's memory in Rasa.
        await console.rasa.append_events(cid, [{"event": "restart", "timestamp": time.time()}], deliver=False)
    except ServiceFailure as exc:
        raise ApiError(502, "rasa_unavailable", f"the conversation could not be reset: {exc}") from exc
    issued = await _new_session(request, console, None)
    return json_response(_session_json(issued, renewed=False))


async def status_handler(request: web.Request) -> web.Response:
    body = await status_body(state(request), widget_conversation(request))
    body.pop("ticket_id", None)
    return json_response(body)


async def messages_handler(request: web.Request) -> web.Response:
    cid = widget_conversation(request)
    try:
        after = int(request.query.get("after", "0"))
    except ValueError as exc:
        raise ApiError(422, "invalid_after", "`after` must be an integer") from exc
    async with state(request).sm() as db:
        rows = (
            await db.execute(
                select(OutboxMessage)
                .where(OutboxMessage.conversation_id == cid, OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
                .limit(50)
            )
        ).scalars()
        messages = [{"id": r.id, **r.payload} for r in rows]
    return json_response({"messages": messages, "last_id": messages[-1]["id"] if messages else after})


async def feedback_handler(request: web.Request) -> web.Response:
    console = state(request)
    settings = console.settings
    cid = widget_conversation(request)
    body = await read_body(request, FeedbackBody)
    allowed = {-1, 1} if body.kind == "answer" else {1, 2, 3, 4, 5}
    if body.value not in allowed:
        raise ApiError(422, "invalid_value", f"value must be one of {sorted(allowed)} for {body.kind}")
    window = settings.feedback_window_s
    await limit(console.counters, f"feedback:conv:{cid}", settings.feedback_per_conversation, window, "ratings")
    await limit(
        console.counters,
        f"feedback:src:{client_address(request)}",
        settings.feedback_per_source,
        window,
        "ratings from this address",
    )
    async with console.sm() as db, db.begin():
        db.add(
            Feedback(
                conversation_id=cid,
                kind=body.kind,
                message_ref=body.message_ref,
                value=body.value,
                comment=body.comment,
                answer_text=body.answer_text,
                created_at=time.time(),
            )
        )
    return json_response({"ok": True}, status=201)


async def preflight_handler(request: web.Request) -> web.Response:
    return web.Response(status=204)  # answered by widget_cors; kept so the route exists for OPTIONS


def widget_app() -> web.Application:
    """Mounted at /widget."""
    app = web.Application(middlewares=[widget_cors, widget_session])
    r = app.router
    r.add_post("/session", session_handler)
    r.add_post("/logout", logout_handler)
    r.add_get("/status", status_handler)
    r.add_get("/messages", messages_handler)
    r.add_post("/feedback", feedback_handler)
    r.add_route("OPTIONS", "/{tail:.*}", preflight_handler)
    return app
