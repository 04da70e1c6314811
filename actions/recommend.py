"""Product recommendations with follow-ups ("cheaper", "in blue", "under 50 euros").

The recommender service does the ranking; this action turns the conversation into a request (query,
budget, colour, destination country) and remembers what it showed so follow-ups refine it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, product_card, product_line
from actions.localize import localized
from actions.replies import say, shop_values
from clients import ServiceError, ServiceUnavailable

CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|too expensive|budget)\b", re.IGNORECASE)
AMOUNT = re.compile(r"(\d+(?:[.,]\d{1,2})?)")


def parse_budget(value: str | None) -> float | None:
    if not value:
        return None
    match = AMOUNT.search(value)
    return float(match.group(1).replace(",", ".")) if match else None


def build_request(tracker: Tracker) -> tuple[str | None, dict[str, Any]]:
    """The query and filters for this turn, refining the previous recommendation when it is a follow-up."""
    text = tracker.latest_message.get("text") or ""
    entities = {e["entity"]: e.get("value") for e in tracker.latest_message.get("entities", [])}
    previous_query = tracker.get_slot("reco_query")
    previous_products = tracker.get_slot("last_products") or []
    new_subject = entities.get("product") or entities.get("category")
    query = new_subject or previous_query or text
    filters: dict[str, Any] = {"in_stock": True}
    budget = parse_budget(entities.get("budget"))
    if budget is not None:
        filters["max_price"] = budget
    elif CHEAPER.search(text) and previous_products:
        # "cheaper" means below the cheapest thing already shown.
        filters["max_price"] = min(float(p["price"]) for p in previous_products if p.get("price") is not None)
    elif not new_subject and tracker.get_slot("reco_max_price") is not None:
        filters["max_price"] = float(tracker.get_slot("reco_max_price"))
    if entities.get("color"):
        filters["color"] = str(entities["color"]).lower()
    if entities.get("category"):
        filters["category"] = str(entities["category"]).lower()
    if tracker.get_slot("country"):
        filters["ships_to"] = tracker.get_slot("country")
    return query, filters


@localized
class ActionRecommend(Action):
    """Shows a few product cards for what the shopper is looking for."""

    recommender = services.uses(services.recommender)

    def name(self) -> str:
        return "action_recommend"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        query, filters = build_request(tracker)
        try:
            result = await self.recommender.recommend(mode="query", query=query, filters=filters, limit=3)
        except ServiceUnavailable:
            say(dispatcher, "utter_recommend_unavailable", [HANDOFF_BUTTON])
            return []
        except ServiceError as exc:
            say(dispatcher, "utter_recommend_failed", reason=exc.message)
            return []
        products = result.products
        if not products:
            say(dispatcher, "utter_recommend_nothing")
            return [SlotSet("reco_query", query)]
        cards = [product_card(p) for p in products]
        lines = "\n".join(product_line(p) for p in products)
        # The product lines carry titles and prices, which are not translated: the response frames them.
        dispatcher.utter_message(
            response="utter_recommend_ideas",
            json_message={"type": "product_cards", "products": cards},
            **shop_values(),
            products=lines,
        )
        return [
            SlotSet("reco_query", query),
            SlotSet("reco_max_price", filters.get("max_price")),
            SlotSet("last_products", cards),
        ]
