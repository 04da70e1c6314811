"""Handing the shopper to a person: queueing the conversation for the agents' console and pausing the bot.

`action_handoff` runs when the shopper asks for a person (or accepts the bot's offer of one). It asks the
console's handoff API for a place in the queue, tells the shopper their place and expected wait (or, when
nobody is online, that they can leave a message here), and pauses the bot for this conversation
(ConversationPaused) until an agent hands it back. If the console cannot be reached, the shopper gets the
shop's other routes to a person instead, and the bot stays on.

`action_offer_handoff` replaces the plain "please rephrase" on low NLU confidence: after repeated
misunderstandings, or when the shopper sounds frustrated, it offers a person. Frustration on understood
turns is offered for in actions/frustration.py, which also owns how frustration is read.

The handoff carries the sentiment of the shopper's recent messages, so the console can show how the
conversation went and the queue can put a frustrated shopper first.
"""

from __future__ import annotations

import math
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.frustration import (
    frustrated_recently,
    frustrated_since_offer,
    offer_made,
    sentiment_history,
    strongest_negative,
)
from actions.localize import localized
from actions.replies import Reply, say, send
from clients import ServiceError, ServiceUnavailable

# This many misunderstood messages in the recent turns make the bot offer a person.
FALLBACKS_BEFORE_OFFER = 2
RECENT_USER_TURNS = 4
# Set by action_knowledge_fallback (actions/fallback.py) after each message it handles: true when the
# knowledge base answered it.
FALLBACK_ANSWERED_SLOT = "fallback_answered"
ANSWERED_FALLBACK = "nlu_fallback_answered"


def _last_user_event(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


def _recent_intents(tracker: Tracker, turns: int) -> list[str]:
    """The intents of the latest `turns` user messages since the bot was last resumed, newest first.

    A message the NLU could not place but the knowledge base answered (action_knowledge_fallback set
    FALLBACK_ANSWERED_SLOT after it) is no misunderstanding: it is listed as ANSWERED_FALLBACK, not nlu_fallback.
    """
    out: list[str] = []
    answered = False
    for event in reversed(tracker.events):
        if event.get("event") in ("resume", "session_started"):
            break
        if event.get("event") == "slot" and event.get("name") == FALLBACK_ANSWERED_SLOT:
            answered = answered or event.get("value") is True
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            out.append(ANSWERED_FALLBACK if answered and intent == "nlu_fallback" else intent)
            answered = False
            if len(out) >= turns:
                break
    return out


def _reason(tracker: Tracker) -> str:
    intents = _recent_intents(tracker, RECENT_USER_TURNS)
    if frustrated_recently(tracker):
        return "frustration"
    if intents.count("nlu_fallback") >= FALLBACKS_BEFORE_OFFER:
        return "repeated_fallback"
    if intents and intents[0] == "human_handoff":
        return "asked"
    return "offered"


def wait_minutes(expected_wait_s: float | None) -> int | None:
    """The expected wait in whole minutes (at least 1), None when the queue does not know it."""
    return None if expected_wait_s is None else max(1, math.ceil(expected_wait_s / 60))


@localized
class ActionHandoff(Action):
    """Queues the conversation for a person and pauses the bot."""

    client = services.uses(services.handoff)

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        user = _last_user_event(tracker)
        metadata = user.get("metadata") or {}
        raw_page = metadata.get("page")
        page: dict[str, Any] = raw_page if isinstance(raw_page, dict) else {}
        language = tracker.get_slot("language") or tracker.latest_message.get("language") or "en"
        history = sentiment_history(tracker)
        # The queue ranks by the strongest recent negative, not only the last message, which is often
        # the tap on "Talk to a person".
        sentiment = strongest_negative(history) or tracker.latest_message.get("sentiment")
        try:
            status = await self.client.request_agent(
                tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "",
                reason=_reason(tracker),
                language=str(language),
                sentiment=sentiment,
                sentiment_history=history,
                customer_token=metadata.get("customer_token")
                if isinstance(metadata.get("customer_token"), str)
                else None,
                page_url=page.get("url") if isinstance(page.get("url"), str) else None,
                last_message=str(user.get("text") or ""),
            )
        except (ServiceUnavailable, ServiceError):
            # No queue to join: the shop's contact routes (its profile) instead.
            say(dispatcher, "utter_handoff_contact_routes")
            return []
        if status.agents_online == 0:
            say(dispatcher, "utter_handoff_offline")
        elif status.status == "active":
            say(dispatcher, "utter_handoff_already_connected")
        else:
            replies = [Reply("utter_handoff_queued")]
            if status.position:
                replies.append(Reply("utter_handoff_position", {"position": status.position}))
            if (minutes := wait_minutes(status.expected_wait_s)) is not None:
                replies.append(Reply("utter_handoff_wait", {"minutes": minutes}))
            send(dispatcher, replies)
        return [ConversationPaused()]


@localized
class ActionOfferHandoff(Action):
    """On low NLU confidence: ask to rephrase, or offer a person after repeated misses or frustration."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        misses = _recent_intents(tracker, RECENT_USER_TURNS).count("nlu_fallback")
        frustrated = frustrated_since_offer(tracker)
        if misses >= FALLBACKS_BEFORE_OFFER or frustrated:
            say(
                dispatcher,
                "utter_offer_person",
                [
                    {"title": "Yes, a person please", "payload": "/human_handoff"},
                    {"title": "No, I'll rephrase", "payload": "/deny"},
                ],
            )
            return [offer_made()] if frustrated else []
        dispatcher.utter_message(response="utter_default")
        return []
