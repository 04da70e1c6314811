"""Landed-cost quotes: "how much will the Trailhead tent cost delivered to Germany?".

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
            dispatcher.utter_message(
                text=(
                    "Sorry, that isn't a country we deliver to. We ship to the EU, the UK, Switzerland, Norway, "
                    "the US, Canada, Mexico, Brazil, Japan, Australia, South Korea, Singapore, the UAE, India and "
                    "South Africa. Which one should it go to?"
                )
            )
            return {"quote_country": None}
        return {"quote_country": code}


def describe_quote(product_title: str, quote: dict[str, Any]) -> str:
    """Price, shipping, duties, VAT/GST, total and delivery window of one quote, in its currency."""
    cur = quote["currency"]
    where = country_name(quote["country"])
    lines = [f"{product_title} delivered to {where}:"]
    goods_note = " (VAT included)" if quote.get("prices_include_vat") else " (without Dutch VAT)"
    lines.append(f"• Price: {money(float(quote['goods']), cur)}{goods_note}")
    shipping = float(quote["shipping"])
    carrier = f", {quote['carrier']}" if quote.get("carrier") else ""
    lines.append(f"• Shipping: {'free' if shipping == 0 else money(shipping, cur)} (standard{carrier})")
    if quote.get("prices_include_vat"):
        lines.append("• Duties and import VAT: none inside the EU")
    else:
        duties = float(quote["duties"])
        lines.append(f"• Duties: {money(duties, cur) if duties else 'none'}")
        rate = float(quote.get("vat_rate") or 0)
        vat = float(quote["vat"])
        label = "GST" if quote["country"] in {"AU", "CA", "SG", "IN"} else "VAT"
        lines.append(f"• Import {label}: {money(vat, cur) + f' ({rate * 100:g}%)' if vat else 'none'}")
    lines.append(f"Total: {money(float(quote['total']), cur)}.")
    delivery = quote.get("delivery") or {}
    if delivery:
        lines.append(
            f"Delivery in {delivery['min_business_days']}–{delivery['max_business_days']} business days "
            f"(between {day(delivery.get('earliest'))} and {day(delivery.get('latest'))} if ordered today)."
        )
    lines.extend(quote.get("notes") or [])
    return "\n".join(lines)


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
            dispatcher.utter_message(
                text=(
                    f"Sorry, that product can't be shipped to {country_name(country)} (some goods, like power banks, "
                    "batteries, knives, fragrances or bulky items, only ship to some countries). "
                    "Want me to suggest something similar that does ship there?"
                )
            )
            return done
        except InvalidRequest as exc:
            dispatcher.utter_message(text=f"I couldn't get a quote for that: {exc.message or exc.code}.")
            return done
        except ServiceUnavailable:
            dispatcher.utter_message(
                text=(
                    "Sorry, I can't reach our price calculator right now, so I can't quote a delivered price. "
                    "Would you like me to connect you with a person?"
                ),
                buttons=[HANDOFF_BUTTON],
            )
            return done
        except ServiceError as exc:
            dispatcher.utter_message(text=f"I couldn't get a quote for that: {exc.message or exc.code}.")
            return done
        if product is None or quote is None:
            dispatcher.utter_message(
                text=f"I couldn't find “{text}” in our shop. Could you give me the product's name as on the website?"
            )
            return done
        dispatcher.utter_message(text=describe_quote(str(product.get("title") or product["id"]), quote))
        return done
