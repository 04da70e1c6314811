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
from actions.order_forms import COUNTRY_NAMES, country_code, country_name, entity_value
from actions.replies import Reply, say, send
from clients import ServiceError, ServiceUnavailable
from clients.orders import InvalidRequest, NotShippable, ProductNotFound

PRODUCT_ID = re.compile(r"\bP\d{4,}\b")
MAX_PRODUCT_TEXT = 120


STOPWORDS = {"the", "a", "an", "my", "your", "for", "of", "with", "and", "to", "in", "on", "one", "that", "this"}


def _words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    # "boots" and "boot", "tents" and "tent" are the same thing to a shopper.
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOPWORDS}


def shares_a_word(request: str, title: str) -> bool:
    return bool(_words(request) & _words(title))


@localized
class ValidateLandedCostForm(FormValidationAction):
    """A product described in a few words, and one of the shop's destination countries."""

    def name(self) -> str:
        return "validate_landed_cost_form"

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


@localized
class ActionLandedCost(Action):
    """Finds the product the shopper means and quotes its delivered price to their country."""

    # No retries: two services share the turn's budget, and a quote is cheap to ask again.
    orders = services.uses(lambda: services.orders(retries=0))
    recommender = services.uses(lambda: services.recommender(retries=0))

    def name(self) -> str:
        return "action_landed_cost"

    async def _resolve(self, text: str) -> dict[str, Any] | None:
        if match := PRODUCT_ID.search(text):
            try:
                return await self.orders.product(match.group(0))
            except ProductNotFound:
                pass
        result = await self.recommender.search(text, limit=5)
        # A search always returns something; only a product whose title shares a word with the request counts.
        return next((p for p in result.products if shares_a_word(text, str(p.get("title", "")))), None)

    async def _quote(self, text: str, country: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        product = await self._resolve(text)
        if product is None:
            return None, None
        return product, await self.orders.landed_cost([{"product_id": product["id"], "quantity": 1}], country)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.get_slot("quote_product")
        country = tracker.get_slot("quote_country")
        if not text or country not in COUNTRY_NAMES:
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
        for note in quote.get("notes") or []:
            dispatcher.utter_message(text=str(note))
        return done
