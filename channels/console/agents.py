"""The agents' and admins' API (`/api/...`): login, the queue, conversations, and the nested admin API.

Mounted as its own sub-application with `agent_session` (cookie + CSRF) as middleware, so every route needs a
logged-in user unless it is marked `@public` (only `/api/login`). `/api/admin/...` is a nested application
that adds `admin_only`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from sqlalchemy import select

from channels import auth, transcript
from channels.console import audit
from channels.console.delivery import (
    back_to_bot,
    deliver,
    resolve_language,
    shopper_language,
    system_message,
    to_shopper_language,
)
from channels.console.middlewares import COOKIE, admin_only, agent_session, principal
from channels.console.models import ClaimBody, EmptyBody, LoginBody, NewUserBody, TextBody, read_body
from channels.console.state import Console, client_address, conversation_id, json_response, state
from channels.console.throttle import LoginThrottle
from channels.db import AuditEntry, Note, User
from channels.queue import QueueError, TicketView
from clients import ServiceFailure
from svc.auth import public
from svc.errors import ApiError

log = logging.getLogger(__name__)
THROTTLE = web.AppKey("login_throttle", LoginThrottle)
# What the agent sees of a verified customer's recent orders.
ORDER_FIELDS = ("number", "status", "status_label", "placed_at", "total", "currency", "items", "shipments")
SUGGESTIONS = 3


async def _suggestions(console: Console, query: str) -> list[dict[str, Any]]:
    """The knowledge base's best passages for the shopper's last message, as suggested answers."""
    answer = await console.knowledge.search(query, top_k=SUGGESTIONS)
    return [
        {"title": p.title, "url": p.url or None, "text": p.text, "score": p.score} for p in answer.results[:SUGGESTIONS]
    ]


def _queue_error(exc: QueueError) -> ApiError:
    status = {"no_open_handoff": 404, "held_by_another_agent": 409, "not_claimed": 409, "conflict": 409}.get(
        exc.code, 400
    )
    return ApiError(status, exc.code, exc.message, **exc.details)


def _me(who: auth.Principal) -> dict[str, Any]:
    return {"username": who.username, "role": who.role, "language": who.language, "display_name": who.display_name}


async def _agents_online(console: Console) -> int:
    return await auth.agents_online(console.sm, console.settings.online_window_s)


async def _add_note(console: Console, cid: str, author: str, text: str) -> None:
    async with console.sm() as db, db.begin():
        db.add(Note(conversation_id=cid, author=author, text=text, created_at=time.time()))


# --- login ------------------------------------------------------------------------------------------------------
@public  # the way in: throttled per source and user name, one scrypt in a thread whatever the name
async def login_handler(request: web.Request) -> web.Response:
    console = state(request)
    body = await read_body(request, LoginBody)
    source = client_address(request)
    throttle = request.app[THROTTLE]
    await throttle.admit(source, body.username)
    settings = console.settings
    done = await auth.login(console.sm, body.username, body.password, settings.session_ttl_s, console.passwords)
    if done is None:
        await throttle.failed(source, body.username)
        raise ApiError(401, "bad_credentials", "wrong username or password")
    await throttle.succeeded(source, body.username)
    token, csrf = done
    who = await auth.resolve(console.sm, token, settings.session_idle_s)
    assert who is not None
    resp = json_response({"user": _me(who), "csrf": csrf})
    resp.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", secure=settings.cookie_secure, max_age=settings.session_ttl_s
    )
    return resp


async def logout_handler(request: web.Request) -> web.Response:
    await read_body(request, EmptyBody, optional=True)
    await auth.logout(state(request).sm, request.cookies.get(COOKIE, ""))
    resp = json_response({"ok": True})
    resp.del_cookie(COOKIE, path="/")
    return resp


async def me_handler(request: web.Request) -> web.Response:
    who = principal(request)
    return json_response({"user": _me(who), "csrf": who.csrf})


# --- queue and conversations ------------------------------------------------------------------------------------
# What the queue shows of a conversation another agent holds: that it exists and who has it, not what the
# shopper wrote or where they were (that is the conversation's content, visible after an explicit takeover).
PRIVATE_WHEN_HELD = ("last_message", "page_url", "sentiment_history")


def _active_entry(ticket: TicketView, who: auth.Principal) -> dict[str, Any]:
    entry = {**ticket.public(), "mine": ticket.agent == who.username}
    if not entry["mine"]:
        for name in PRIVATE_WHEN_HELD:
            entry[name] = "" if name == "last_message" else None
    return entry


async def queue_handler(request: web.Request) -> web.Response:
    who = principal(request)
    console = state(request)
    waiting = [{**t.public(), "position": i} for i, t in enumerate(await console.queue.waiting(), start=1)]
    active = [_active_entry(t, who) for t in await console.queue.active()]
    return json_response({"waiting": waiting, "active": active, "agents_online": await _agents_online(console)})


async def conversation_handler(request: web.Request) -> web.Response:
    who = principal(request)
    cid = conversation_id(request)
    console = state(request)
    source = client_address(request)
    ticket = await audit.viewable_ticket(console, who, cid, source)
    notes_out: list[str] = []
    try:
        tracker = await console.rasa.tracker(cid)
    except ServiceFailure as exc:
        raise ApiError(502, "rasa_unavailable", f"the conversation could not be loaded: {exc}") from exc
    messages = transcript.build(tracker)
    # Shopper messages in another language than the agent's get a translation beside the original.
    to_translate = [
        m
        for m in messages
        if m["role"] == "shopper" and m.get("language") != who.language and not m["text"].startswith("/")
    ]
    if to_translate:
        try:
            results = await console.translations.translate(
                console.models, [m["text"] for m in to_translate], who.language
            )
            for m, r in zip(to_translate, results, strict=True):
                if r.translated and r.text != m["text"]:
                    m["translation"] = r.text
                if r.source and not m.get("language"):
                    m["language"] = r.source
        except ServiceFailure as exc:
            log.info("transcript translation unavailable: %s", exc)
            notes_out.append("Translation is unavailable right now: messages are shown as the shopper wrote them.")
    async with console.sm() as db:
        notes = [
            {"author": n.author, "text": n.text, "at": n.created_at}
            for n in (await db.execute(select(Note).where(Note.conversation_id == cid).order_by(Note.id))).scalars()
        ]
    customer: dict[str, Any] = {"verified": False}
    if ticket.customer_token:
        try:
            mine = await console.orders.my_orders(ticket.customer_token)
            orders = [{k: o.get(k) for k in ORDER_FIELDS if k in o} for o in mine.orders]
            customer = {"verified": True, "customer_id": mine.customer_id, "orders": orders}
        except ServiceFailure as exc:
            customer = {"verified": False, "note": f"order context unavailable: {str(exc)[:200]}"}
    suggestions: list[dict[str, Any]] = []
    last = next((m for m in reversed(messages) if m["role"] == "shopper" and not m["text"].startswith("/")), None)
    if last is not None:
        try:
            suggestions = await _suggestions(console, last.get("translation") or last["text"])
        except ServiceFailure as exc:
            notes_out.append(f"Suggested answers unavailable: {str(exc)[:160]}")
    # Written before the data leaves: a view that cannot be logged is not shown.
    await audit.record(
        console,
        who,
        "view_conversation",
        cid,
        source,
        {"transcript": True, "orders": bool(customer.get("verified")), "ticket_id": ticket.id},
    )
    return json_response(
        {
            "conversation_id": cid,
            "ticket": ticket.public(),
            "mine": ticket.agent == who.username and ticket.status == "active",
            "shopper_language": await shopper_language(console, tracker, ticket),
            "channel": tracker.get("latest_input_channel") or ticket.channel,
            "paused": bool(tracker.get("paused")),
            "messages": messages,
            "notes": notes,
            "customer": customer,
            "suggestions": suggestions,
            "system_notes": notes_out,
        }
    )


async def _held_ticket(request: web.Request, who: auth.Principal) -> TicketView:
    cid = conversation_id(request)
    ticket = await state(request).queue.get_open(cid)
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
    who = principal(request)
    cid = conversation_id(request)
    console = state(request)
    body = await read_body(request, ClaimBody, optional=True)
    before = await console.queue.get_open(cid)
    try:
        ticket = await console.queue.claim(cid, who.username, takeover=body.takeover)
    except QueueError as exc:
        raise _queue_error(exc) from exc
    took_over = before is not None and before.agent and before.agent != who.username and before.status == "active"
    await audit.record(
        console,
        who,
        "takeover" if took_over else "claim",
        cid,
        client_address(request),
        {"from": before.agent} if took_over and before is not None else None,
    )
    if took_over and before is not None:
        await _add_note(console, cid, "system", f"{who.username} took over from {before.agent}")
    note = None
    if before is None or before.agent != who.username:
        name = who.display_name or who.username
        try:
            await deliver(
                console,
                ticket,
                [await system_message(console, ticket, f"{name} from our support team has joined the chat.")],
            )
        except ApiError as exc:
            # The claim stands; the agent sees that the shopper was not told yet.
            note = exc.message
    return json_response({"ticket": ticket.public(), "note": note})


async def reply_handler(request: web.Request) -> web.Response:
    who = principal(request)
    console = state(request)
    body = await read_body(request, TextBody)
    ticket = await _held_ticket(request, who)
    text = body.text.strip()
    if not text:
        raise ApiError(422, "empty_text", "the reply is empty")
    target = await resolve_language(console, ticket)
    sent, note = await to_shopper_language(console, text, who.language, target)
    metadata = {"agent": who.username, "agent_name": who.display_name or who.username, "original_text": text}
    await deliver(console, ticket, [{"text": sent, "metadata": metadata}])
    return json_response(
        {"sent": sent, "original": text, "translated": sent != text, "note": note, "target_language": target}
    )


async def note_handler(request: web.Request) -> web.Response:
    who = principal(request)
    body = await read_body(request, TextBody)
    await _held_ticket(request, who)
    await _add_note(state(request), conversation_id(request), who.username, body.text.strip())
    return json_response({"ok": True})


async def _finish(request: web.Request, closing: bool) -> web.Response:
    who = principal(request)
    console = state(request)
    await read_body(request, EmptyBody, optional=True)
    ticket = await _held_ticket(request, who)
    await back_to_bot(console, ticket, closing)
    try:
        done = await console.queue.finish(ticket.conversation_id, who.username)
    except QueueError as exc:
        raise _queue_error(exc) from exc
    what = "closed the chat" if closing else "handed back to the bot"
    await _add_note(console, ticket.conversation_id, "system", f"{who.username} {what}")
    await audit.record(
        console, who, "close" if closing else "handback", ticket.conversation_id, client_address(request)
    )
    return json_response({"ticket": done.public()})


async def handback_handler(request: web.Request) -> web.Response:
    return await _finish(request, closing=False)


async def close_handler(request: web.Request) -> web.Response:
    return await _finish(request, closing=True)


# --- admin (nested app: admin_only on top of agent_session) ---------------------------------------------------
async def users_handler(request: web.Request) -> web.Response:
    async with state(request).sm() as db:
        users = (await db.execute(select(User).order_by(User.username))).scalars()
        listed = [
            {"username": u.username, "role": u.role, "language": u.language, "disabled": u.disabled} for u in users
        ]
    return json_response({"users": listed})


async def add_user_handler(request: web.Request) -> web.Response:
    body = await read_body(request, NewUserBody)
    try:
        await auth.add_user(
            state(request).sm,
            body.username,
            body.password,
            body.role,
            language=body.language,
            display_name=body.display_name,
        )
    except auth.AuthError as exc:
        raise ApiError(422, "invalid_user", str(exc)) from exc
    return json_response({"ok": True}, status=201)


async def audit_handler(request: web.Request) -> web.Response:
    """Newest first; filters: conversation_id, actor; paging: before_id; limit 1-500 (default 100)."""
    q = request.query
    try:
        limit = max(1, min(500, int(q.get("limit", "100"))))
        before = int(q["before_id"]) if q.get("before_id") else None
    except ValueError as exc:
        raise ApiError(422, "invalid_query", "limit and before_id must be integers") from exc
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if q.get("conversation_id"):
        stmt = stmt.where(AuditEntry.conversation_id == q["conversation_id"][:255])
    if q.get("actor"):
        stmt = stmt.where(AuditEntry.actor == q["actor"][:64].lower())
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    async with state(request).sm() as db:
        entries = [audit.entry_json(e) for e in (await db.execute(stmt)).scalars()]
    return json_response({"entries": entries})


def admin_app() -> web.Application:
    app = web.Application(middlewares=[admin_only])
    app.router.add_get("/users", users_handler)
    app.router.add_post("/users", add_user_handler)
    app.router.add_get("/audit", audit_handler)
    return app


def agents_app(console: Console) -> web.Application:
    """Mounted at /api."""
    app = web.Application(middlewares=[agent_session])
    app[THROTTLE] = LoginThrottle(console.counters, console.settings)
    r = app.router
    r.add_post("/login", login_handler)
    r.add_post("/logout", logout_handler)
    r.add_get("/me", me_handler)
    r.add_get("/queue", queue_handler)
    r.add_get("/conversations/{cid}", conversation_handler)
    r.add_post("/conversations/{cid}/claim", claim_handler)
    r.add_post("/conversations/{cid}/reply", reply_handler)
    r.add_post("/conversations/{cid}/notes", note_handler)
    r.add_post("/conversations/{cid}/handback", handback_handler)
    r.add_post("/conversations/{cid}/close", close_handler)
    app.add_subapp("/admin", admin_app())
    return app
