"""Landed-cost quotes: "how much will this tent cost delivered to Germany?".

Owns the small form that collects a product and a destination country, and the answer: the product
text is resolved to one catalog product through the recommender's search (mode "query"), then the
orders service's quote gives the price in the shopper's currency with shipping, duties, VAT/GST and the
delivery window. Both calls share one time budget, so a slow backend costs one apology within 3 s.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, day, money
from actions.localize import localized
from actions.order_changes import within_budget
from actions.order_forms import country_code, country_name, entity_value, ships_to
from actions.replies import Reply, say, send
from clients import ServiceError, ServiceUnavailable
from clients.orders import InvalidRequest, NotShippable, OrdersClient, ProductNotFound
from clients.recommender import RecommenderClient

PRODUCT_ID = re.compile(r"\bP\d{4,}\b")
MAX_PRODUCT_TEXT = 120


# No retries: the form and the quote share the turn's budget, and a quote is cheap to ask again.
def _orders() -> OrdersClient:
    return services.orders(retries=0)


def _recommender() -> RecommenderClient:
    return services.recommender(retries=0)


# Candidates the product search returns for the shopper's words; the title match picks among them.
SEARCH_LIMIT = 20
# A product counts as named in a sentence when the sentence holds at least this share of its title's words.
NAMED_SHARE = 0.6


STOPWORDS = {"the", "a", "an", "my", "your", "for", "of", "with", "and", "to", "in", "on", "one", "that", "this"}


def _words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    # "boots" and "boot", "tents" and "tent" are the same thing to a shopper.
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOPWORDS}


def _typed_text(tracker: Tracker) -> str:
    """The latest message as typed (a button payload carries no words)."""
    text = str((tracker.latest_message or {}).get("text") or "").strip()
    return "" if text.startswith("/") else text


def title_match(request: str, title: str) -> tuple[float, int]:
    """How well a product title matches what the shopper typed: the share of the title's words in the request,
    then how many. "Cairnfield Skylark 3-Person Tent" matches its own name fully; "Cairnfield Cityhike 18 L
    Daypack" shares one word of five with it."""
    title_words = _words(title)
    shared = _words(request) & title_words
    return (len(shared) / len(title_words) if title_words else 0.0, len(shared))


async def resolve_product(
    text: str, orders: OrdersClient, recommender: RecommenderClient, min_share: float = 0.0
) -> dict[str, Any] | None:
    """The catalogue product `text` names: by id, else the search hit whose title the text names most completely
    (the search's order breaks ties); None when no hit shares a word, or names less than `min_share` of its title."""
    if match := PRODUCT_ID.search(text):
        try:
            return await orders.product(match.group(0))
        except ProductNotFound:
            pass
    result = await recommender.search(text, limit=SEARCH_LIMIT)
    # A search always returns something: only a title sharing a word with the request counts.
    scored = [(title_match(text, str(p.get("title", ""))), -rank, p) for rank, p in enumerate(result.products)]
    best = max(scored, key=lambda item: (item[0], item[1]), default=None)
    if best is None or best[0][1] == 0 or best[0][0] < min_share:
        return None
    return best[2]


@localized
class ValidateLandedCostForm(FormValidationAction):
    """A product described in a few words, and one of the shop's destination countries."""

    orders = services.uses(_orders)
    recommender = services.uses(_recommender)

    def name(self) -> str:
        return "validate_landed_cost_form"

    async def extract_quote_product(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The message that started the form names the product ("what does the Skylark tent cost to Norway?"):
        its words are the product description the search resolves, when no entity named the product."""
        if tracker.get_slot("quote_product") or tracker.get_slot("requested_slot"):
            return {}
        text = _typed_text(tracker)[:MAX_PRODUCT_TEXT]
        if not text:
            return {}
        try:
            # Only a clearly named product: "what would it cost to Norway?" names none, so the form asks.
            named = await resolve_product(text, self.orders, self.recommender, min_share=NAMED_SHARE)
        except (ServiceError, ServiceUnavailable):
            return {}
        return {"quote_product": text} if named is not None else {}

    async def extract_quote_country(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A destination named anywhere in the message, in any language ("envío a suiza", "naar noorwegen"):
        the NLU's country entity is learnt from English examples."""
        if tracker.get_slot("quote_country"):
            return {}
        code = country_code(_typed_text(tracker))
        return {"quote_country": code} if code else {}

    def validate_quote_product(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = re.sub(r"\s+", " ", str(slot_value or "")).strip(" ?.!")
        if not 2 <= len(text) <= MAX_PRODUCT_TEXT:
            dispatcher.utter_message(response="utter_ask_quote_product")
            return {"quote_product": None}
        return {"quote_product": text}

    def validate_quote_country(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = country_code(str(slot_value or "")) or country_code(entity_value(tracker, "country"))
        if code is None:
            say(dispatcher, "utter_invalid_quote_country")
            return {"quote_country": None}
        return {"quote_country": code}


def describe_quote(product_title: str, quote: dict[str, Any]) -> list[Reply]:
    """Price, shipping, duties, VAT/GST, total and delivery window of one quote, in its currency.

    The orders service's `notes` are its own free text: they follow as they are (localize translates them).
    """
    cur = quote["currency"]
    variables: dict[str, Any] = {
        "product": product_title,
        "country": country_name(quote["country"]),
        "price": money(float(quote["goods"]), cur),
        "shipping": money(float(quote["shipping"]), cur),
        "carrier": f" ({quote['carrier']})" if quote.get("carrier") else "",
        "total": money(float(quote["total"]), cur),
    }
    if quote.get("prices_include_vat"):
        replies = [Reply("utter_quote_vat_included", variables)]
    else:
        rate = float(quote.get("vat_rate") or 0)
        vat = float(quote["vat"])
        variables["duties"] = money(float(quote["duties"]), cur)
        variables["vat"] = money(vat, cur) + (f" ({rate * 100:g}%)" if vat else "")
        variables["tax"] = "GST" if quote["country"] in {"AU", "CA", "SG", "IN"} else "VAT"
        replies = [Reply("utter_quote_import", variables)]
    delivery = quote.get("delivery") or {}
    if delivery:
        replies.append(
            Reply(
                "utter_quote_delivery",
                {
                    "min_days": delivery["min_business_days"],
                    "max_days": delivery["max_business_days"],
                    "earliest": day(delivery.get("earliest")),
                    "latest": day(delivery.get("latest")),
                },
            )
        )
    return replies


# The quote notes the orders service codes (its OpenAPI `note_codes`), each a response written per language.
NOTE_CODES = frozenset({"vat_included", "duties_at_checkout", "duties_on_delivery", "free_shipping", "out_of_stock"})


def say_notes(dispatcher: CollectingDispatcher, quote: dict[str, Any]) -> None:
    """The quote's notes: a coded one as its response (`utter_quote_note_<code>`), any other (a shop's own
    orders service may word notes we have no code for) as the service's text, which localize translates."""
    codes = list(quote.get("note_codes") or [])
    for index, note in enumerate(quote.get("notes") or []):
        code = codes[index] if index < len(codes) else None
        if code in NOTE_CODES:
            say(dispatcher, f"utter_quote_note_{code}", zone=quote.get("zone") or "")
        else:
            dispatcher.utter_message(text=str(note))


@localized
class ActionLandedCost(Action):
    """Finds the product the shopper means and quotes its delivered price to their country."""

    orders = services.uses(_orders)
    recommender = services.uses(_recommender)

    def name(self) -> str:
        return "action_landed_cost"

    async def _quote(self, text: str, country: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        product = await resolve_product(text, self.orders, self.recommender)
        if product is None:
            return None, None
        return product, await self.orders.landed_cost([{"product_id": product["id"], "quantity": 1}], country)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.get_slot("quote_product")
        country = tracker.get_slot("quote_country")
        if not text or not ships_to(country):
            dispatcher.utter_message(response="utter_ask_quote_product" if not text else "utter_ask_quote_country")
            return [SlotSet("quote_product", None)]
        done = [SlotSet("quote_product", None)]
        try:
            product, quote = await within_budget(self._quote(text, country))
        except NotShippable:
            say(dispatcher, "utter_quote_not_shippable", country=country_name(country))
            return done
        except InvalidRequest as exc:
            say(dispatcher, "utter_quote_failed", reason=exc.message or exc.code)
            return done
        except ServiceUnavailable:
            say(dispatcher, "utter_quote_unavailable", [HANDOFF_BUTTON])
            return done
        except ServiceError as exc:
            say(dispatcher, "utter_quote_failed", reason=exc.message or exc.code)
            return done
        if product is None or quote is None:
            say(dispatcher, "utter_quote_product_not_found", product=text)
            return done
        send(dispatcher, describe_quote(str(product.get("title") or product["id"]), quote))
        say_notes(dispatcher, quote)
        return done
