"""Delivery to the shopper through Rasa: agent and system messages appended to the tracker (sent out on the
shopper's own channel, and for the website widget also written to its outbox), the shopper's language, and the
events that give a conversation back to the bot."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from borderless.profile import current_shop
from channels import transcript
from channels.console.state import Console
from channels.db import OutboxMessage
from channels.queue import TicketView
from clients import ServiceFailure
from svc.errors import ApiError

log = logging.getLogger(__name__)

# Channels whose shoppers read agent replies from the widget outbox (Rasa has no push for REST).
WIDGET_CHANNELS = {"rest", "widget", ""}
# Slots that prove who the shopper is: dropped when an agent ends a handoff, so nobody who writes into the
# conversation afterwards inherits the proof (the actions keep `verified_proof` short-lived on their side too).
PROOF_SLOTS = ("email", "order_number", "verified_proof")


def forget_proof_events(now: float | None = None) -> list[dict[str, Any]]:
    at = time.time() if now is None else now
    return [{"event": "slot", "name": name, "value": None, "timestamp": at} for name in PROOF_SLOTS]


async def to_shopper_language(console: Console, text: str, source: str, target: str) -> tuple[str, str | None]:
    """(text to send, note) — translated where a path exists, else the original with a note for the agent."""
    if source == target:
        return text, None
    try:
        [result] = await console.translations.translate(console.models, [text], target, source, audience="shopper")
    except ServiceFailure as exc:
        log.info("reply not translated %s->%s: %s", source, target, exc)
        return text, f"sent untranslated: no translation from {source} to {target} is available"
    if not result.translated:
        return text, f"sent untranslated: no translation from {source} to {target} is available"
    return result.text, None


async def shopper_language(console: Console, tracker: dict[str, Any] | None, ticket: TicketView) -> str:
    """The language to write to the shopper in: what the conversation says (explicit choice or NLU's detection),
    else the language the models service detects in their latest message, else the ticket's."""
    if tracker is not None:
        known = transcript.shopper_language(tracker)
        if known:
            return known
        last = transcript.latest_user_text(tracker)
        if last:
            with contextlib.suppress(ServiceFailure):
                [result] = await console.translations.translate(console.models, [last], "en", source=None)
                if result.source:
                    return result.source
    return ticket.language or "en"


async def resolve_language(console: Console, ticket: TicketView) -> str:
    tracker = None
    with contextlib.suppress(ServiceFailure):
        tracker = await console.rasa.tracker(ticket.conversation_id)
    return await shopper_language(console, tracker, ticket)


async def deliver(console: Console, ticket: TicketView, messages: list[dict[str, Any]]) -> None:
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
        await console.rasa.append_events(ticket.conversation_id, events, deliver=not widget)
    except ServiceFailure as exc:
        raise ApiError(502, "rasa_unavailable", f"the message could not be delivered: {exc}") from exc
    if widget:
        async with console.sm() as db, db.begin():
            for m in messages:
                payload: dict[str, Any] = {"recipient_id": ticket.conversation_id}
                if m.get("text"):
                    payload["text"] = m["text"]
                if m.get("custom"):
                    payload["custom"] = m["custom"]
                if (m.get("metadata") or {}).get("agent"):
                    payload["agent"] = m["metadata"]["agent_name"]
                db.add(OutboxMessage(conversation_id=ticket.conversation_id, payload=payload, created_at=now))


async def system_message(console: Console, ticket: TicketView, text: str, **extra: Any) -> dict[str, Any]:
    sent, _ = await to_shopper_language(console, text, "en", await resolve_language(console, ticket))
    return {"text": sent, "metadata": {"system": True}, **extra}


async def back_to_bot(console: Console, ticket: TicketView, closing: bool) -> None:
    """Resumes the bot, forgets the shopper's proof of ownership, and tells the shopper (CSAT on close)."""
    if closing:
        goodbye = await system_message(console, ticket, "This chat with our support team has ended. How did we do?")
        messages = [goodbye, {"text": None, "custom": {"type": "csat_request"}, "metadata": {"system": True}}]
    else:
        messages = [
            await system_message(
                console, ticket, f"You're back with {current_shop().assistant_name}. Ask me anything else."
            )
        ]
    now = time.time()
    # Resume first, so the bot is listening again by the time the shopper reads the message.
    try:
        await console.rasa.append_events(
            ticket.conversation_id, [*forget_proof_events(now), {"event": "resume", "timestamp": now}], deliver=False
        )
    except ServiceFailure as exc:
        raise ApiError(502, "rasa_unavailable", f"the bot could not be resumed: {exc}") from exc
    await deliver(console, ticket, messages)
    # The bot paused inside action_handoff, so no action_listen was ever logged after it; without one the
    # policies see the next message as following action_handoff and rules such as "greet" do not match.
    try:
        await console.rasa.append_events(
            ticket.conversation_id,
            [{"event": "action", "name": "action_listen", "timestamp": time.time()}],
            deliver=False,
        )
    except ServiceFailure as exc:
        raise ApiError(502, "rasa_unavailable", f"the bot could not be resumed: {exc}") from exc
