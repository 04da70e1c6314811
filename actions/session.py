"""A new conversation session starts clean: only the shopper's language choice carries over.

Rasa runs `action_session_start` when a conversation begins, when it was idle longer than the domain's
session_expiration_time, and on `/session_start`. Rasa's own version carries every slot over when
`carry_over_slots_to_new_session` is set, including the email and the verified state of an order, so
the next person at a shared computer could read or change the previous shopper's orders. This one
carries over an explicit allow-list of preferences, never anything that proves ownership or a pending
order change.
It also sets the served shop's facts (shop name, order-number example …, actions/replies.py), which the
domain's responses name.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import shop_slot_events

# Preferences of whoever uses this conversation, harmless to the next person. Never add proof slots
# (email, order_number, verified_proof) or the order-change slots here.
CARRIED_OVER = ("language", "language_locked")


def _initial_value(domain: DomainDict, slot: str) -> Any:
    return ((domain.get("slots") or {}).get(slot) or {}).get("initial_value")


class ActionSessionStart(Action):
    """Starts the session, carrying over only the slots in CARRIED_OVER that differ from their default."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SessionStarted(), *shop_slot_events()]
        for slot in CARRIED_OVER:
            value = tracker.get_slot(slot)
            if value is not None and value != _initial_value(domain, slot):
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
