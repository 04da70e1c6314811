"""Product recommendations with follow-ups ("cheaper", "in green?", "under 80 euros", "size M", "more like the
first one").

The conversation's state lives in two slots: `reco_constraints` (what the shopper asked for so far: product
types, the request's words, budget, colour, size, persons, currency) and `last_products` (what they were shown,
with each product's price and type). Each turn:

1. The message is translated into English where the models service has a route (audience "products"), and
   its refinements are read from both texts (actions/reco_words.py).
2. The recommender says which of the catalogue's product types the words name (POST /v1/types/match). A
   type different from the one being refined starts a new request; on a follow-up only a type's own words
   count, so "in size M" never turns a rain jacket into a T-shirt by an embedding's near guess.
3. The earlier constraints are kept and the new ones applied: a budget replaces the budget, "cheaper" means
   below the cheapest product shown, "like the first one" means that product's type, ranked by similarity to
   it.
4. The recommender filters the catalogue by every constraint (a product that fails one is never returned)
   and ranks what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, product_card, product_line
from actions.localize import localized
from actions.pivot import in_english
from actions.reco_words import Refinement, parse_refinement
from actions.replies import say, shop_values
from clients import ServiceError, ServiceUnavailable

CONSTRAINTS_SLOT = "reco_constraints"
SHOWN_SLOT = "last_products"
MAX_CARDS = 3
# Below the cheapest shown by at least a cent, in the currency it was shown in.
CENT = 0.01

# The most words of a message that only asks for more of the same ("show me more options").
FOLLOW_UP_WORDS = 4
# Kept when a new kind of product is asked for: they are about the shopper, not the product.
SHOPPER_KEYS = ("currency",)


@dataclass
class Plan:
    """One turn's request to the recommender, and the state to remember after it."""

    constraints: dict[str, Any]
    mode: str = "query"  # "query", or "similar" to the anchor product
    anchor: str | None = None
    new_request: bool = False
    filters: dict[str, Any] = field(default_factory=dict)


def _entities(tracker: Tracker) -> dict[str, Any]:
    return {e["entity"]: e.get("value") for e in tracker.latest_message.get("entities", []) if "entity" in e}


def _shown(tracker: Tracker) -> list[dict[str, Any]]:
    return [p for p in tracker.get_slot(SHOWN_SLOT) or [] if isinstance(p, dict) and p.get("id")]


def plan_turn(
    text: str,
    english: str | None,
    refinement: Refinement,
    types: list[str],
    previous: dict[str, Any],
    shown: list[dict[str, Any]],
    country: str | None = None,
) -> Plan:
    """The constraints after this turn: the earlier ones (unless the shopper named another kind of product),
    with this turn's refinements applied, and the recommender request that meets them."""
    previous_types = set(previous.get("type") or [])
    # Another kind of product starts over; naming one of the kinds already asked for ("boots", then
    # "hiking boots") narrows the request instead.
    new_request = not previous or bool(types and not set(types) <= previous_types)
    # A message that neither refines nor names a kind is a follow-up when short ("more options", "others?"),
    # and a request of its own when it says more ("I need a present for my mum who loves cooking").
    if not types and refinement.empty and len(text.split()) > FOLLOW_UP_WORDS:
        new_request = True
    if new_request:
        constraints: dict[str, Any] = {k: previous[k] for k in SHOPPER_KEYS if k in previous}
        constraints["query"] = english or text
        if types:
            constraints["type"] = types
    else:
        constraints = dict(previous)
        if types:
            constraints["type"] = types
    plan = Plan(constraints, new_request=new_request)
    if refinement.like is not None and shown and not types:
        index = refinement.like if -len(shown) <= refinement.like < len(shown) else 0
        anchor = shown[index]
        plan.mode, plan.anchor = "similar", str(anchor["id"])
        if anchor.get("type"):
            constraints["type"] = [anchor["type"]]
    if refinement.max_price is not None:
        constraints["max_price"] = refinement.max_price
        if refinement.currency:
            constraints["currency"] = refinement.currency
    if refinement.cheaper and shown:
        prices = [float(p["price"]) for p in shown if p.get("price") is not None]
        if prices:
            below = round(min(prices) - CENT, 2)
            constraints["max_price"] = min(below, float(constraints.get("max_price", below)))
            # The prices shown were in this currency: the new bound is too.
            if shown[0].get("currency"):
                constraints["currency"] = shown[0]["currency"]
    for key in ("color", "size", "persons"):
        value = getattr(refinement, key)
        if value is not None:
            constraints[key] = value
    filters: dict[str, Any] = {"in_stock": True}
    for key in ("type", "max_price", "currency", "color", "size", "persons"):
        if constraints.get(key) is not None:
            filters[key] = constraints[key]
    if country:
        filters["ships_to"] = country
    plan.filters = filters
    return plan


def remembered(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the next turn needs of the products shown: the card plus the product's type."""
    return [{**product_card(p), "type": p.get("type")} for p in products]


@localized
class ActionRecommend(Action):
    """Shows a few product cards for what the shopper is looking for, refined by each follow-up."""

    recommender = services.uses(services.recommender)
    models = services.uses(services.models)

    def name(self) -> str:
        return "action_recommend"

    async def plan(self, tracker: Tracker) -> Plan:
        text = str(tracker.latest_message.get("text") or "").strip()
        entities = _entities(tracker)
        english = await in_english(self.models, text, tracker.get_slot("language"), "products")
        refinement = parse_refinement(text, english, entities)
        previous = tracker.get_slot(CONSTRAINTS_SLOT)
        previous = previous if isinstance(previous, dict) else {}
        # On a follow-up a near guess must not change the kind of product: only a type's own words count.
        guess_allowed = not previous or refinement.empty
        texts = [str(v) for v in (entities.get("product"), english, text) if v]
        try:
            found = await self.recommender.match_types(texts, embedding=guess_allowed)
            types = found.types
        except ServiceError:
            types = []  # an older recommender without type matching: rank by the words alone
        return plan_turn(text, english, refinement, types, previous, _shown(tracker), tracker.get_slot("country"))

    async def fetch(self, plan: Plan) -> list[dict[str, Any]]:
        query = str(plan.constraints.get("query") or "")
        try:
            if plan.mode == "similar" and plan.anchor:
                return (await self.recommender.similar(plan.anchor, filters=plan.filters, limit=MAX_CARDS)).products
            return (await self.recommender.search(query or "popular", filters=plan.filters, limit=MAX_CARDS)).products
        except ServiceError as exc:
            if exc.code == "unsupported_currency" and "currency" in plan.filters:
                # A currency the shop has no rate for: the budget is taken in the shop's own currency.
                plan.filters.pop("currency")
                plan.constraints.pop("currency", None)
                return await self.fetch(plan)
            raise

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await self.respond(dispatcher, tracker) or []

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, *, only_named_type: bool = False
    ) -> list[EventType] | None:
        """The recommendation turn. With `only_named_type` (a question the knowledge base could not answer)
        nothing is said, and None returned, unless the words name a product type the catalogue has."""
        try:
            plan = await self.plan(tracker)
            if only_named_type and not (plan.new_request and plan.constraints.get("type")):
                return None
            products = await self.fetch(plan)
        except ServiceUnavailable:
            if only_named_type:
                return None
            say(dispatcher, "utter_recommend_unavailable", [HANDOFF_BUTTON])
            return []
        except ServiceError as exc:
            if only_named_type:
                return None
            say(dispatcher, "utter_recommend_failed", reason=exc.message)
            return []
        if not products:
            if only_named_type:
                return None
            say(dispatcher, "utter_recommend_nothing")
            # A new request is remembered (its refinements may find something); a refinement that found
            # nothing is not, so the next one refines what the shopper last saw.
            return [SlotSet(CONSTRAINTS_SLOT, plan.constraints), SlotSet(SHOWN_SLOT, [])] if plan.new_request else []
        cards = [product_card(p) for p in products]
        lines = "\n".join(product_line(p) for p in products)
        # The product lines carry titles and prices, which are not translated: the response frames them.
        dispatcher.utter_message(
            response="utter_recommend_ideas",
            json_message={"type": "product_cards", "products": cards},
            **shop_values(),
            products=lines,
        )
        return [SlotSet(CONSTRAINTS_SLOT, plan.constraints), SlotSet(SHOWN_SLOT, remembered(products))]


def refines_recommendation(tracker: Tracker) -> bool:
    """Whether a message the NLU placed elsewhere ("do they come in size 42?", "tamanho L") refines the
    products just shown: products are on screen and the message states a refinement in its own words."""
    if not _shown(tracker) or not isinstance(tracker.get_slot(CONSTRAINTS_SLOT), dict):
        return False
    text = str(tracker.latest_message.get("text") or "")
    return not parse_refinement(text, None, _entities(tracker)).empty
