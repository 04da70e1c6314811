"""The handoff API the action server calls (`/v1/handoff/...`), behind the handoff bearer token.

A conversation has at most one open ticket (the queue updates it in place); on top of that, handoff requests
are rate-limited per conversation and the number of waiting tickets is capped, so nobody can flood the agents'
queue through the bot.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from channels import auth
from channels.console.models import HandoffBody, read_body
from channels.console.state import CONVERSATION_ID_RE, Console, conversation_id, json_response, state
from channels.console.throttle import limit
from channels.queue import HandoffRequest, expected_wait_s
from svc.auth import bearer_middleware
from svc.errors import ApiError


async def status_body(console: Console, cid: str) -> dict[str, Any]:
    """Where a conversation stands: with the bot, waiting (place, expected wait) or with an agent."""
    ticket = await console.queue.get_open(cid)
    online = await auth.agents_online(console.sm, console.settings.online_window_s)
    if ticket is None:
        return {"status": "bot", "agents_online": online}
    position = await console.queue.position(cid) if ticket.status == "waiting" else None
    return {
        "status": ticket.status,
        "ticket_id": ticket.id,
        "position": position,
        "agents_online": online,
        "expected_wait_s": expected_wait_s(position, online, console.settings.avg_handle_s),
        "offline": ticket.offline,
    }


async def handoff_request_handler(request: web.Request) -> web.Response:
    console = state(request)
    settings = console.settings
    body = await read_body(request, HandoffBody)
    cid = body.conversation_id
    if not CONVERSATION_ID_RE.match(cid):
        raise ApiError(422, "invalid_conversation_id", "not a conversation id")
    await limit(
        console.counters,
        f"handoff:conv:{cid}",
        settings.handoff_per_conversation,
        settings.handoff_window_s,
        "handoff requests for this conversation",
    )
    if await console.queue.get_open(cid) is None and len(await console.queue.waiting()) >= settings.handoff_max_waiting:
        raise ApiError(429, "queue_full", "the agents' queue is full; offer the other ways to reach the shop")
    online = await auth.agents_online(console.sm, settings.online_window_s)
    await console.queue.enqueue(
        HandoffRequest(
            conversation_id=cid,
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
    return json_response(await status_body(console, cid), status=201)


async def handoff_status_handler(request: web.Request) -> web.Response:
    return json_response(await status_body(state(request), conversation_id(request)))


def handoff_app(console: Console) -> web.Application:
    """Mounted at /v1/handoff; every route needs `Authorization: Bearer <handoff token>`."""
    token = console.settings.handoff_token
    app = web.Application(middlewares=[bearer_middleware(lambda _request: token, "handoff API")])
    app.router.add_post("/requests", handoff_request_handler)
    app.router.add_get("/requests/{cid}", handoff_status_handler)
    return app
