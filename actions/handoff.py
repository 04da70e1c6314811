"""Handing the shopper to a person: what happens when they ask for one."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionHandoff(Action):
    """Tells the shopper how to reach the support team and when it is staffed.

    The live agent queue and console come with the channels work; until then this gives the shopper
    the real routes to a person (chat hours, email, phone) from the shop's contact policy.
    """

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=(
                "Of course, a person can help. Our support team is on live chat Monday to Saturday, "
                "08:00–20:00 CET, by email at support@lumengoods.example (answered within one business day), "
                "and by phone on +31 30 555 0100 on weekdays 09:00–17:00 CET. "
                "Mention your order number and they'll pick it up from there."
            )
        )
        return []
