"""Shared proof-of-ownership for every order form: order number, email or a logged-in customer token.

Owns the one validation every order form uses (tracking, cancellation, address change, returns):
order numbers and emails are read from any reasonable spelling, and the email is not asked for when
this message carries a signed `customer_token` or the same order was verified a moment ago (what
counts as proof, and for how long, is actions/proof.py). Also owns reading a destination typed as a name
or code: one of the shop's destinations (its rule tables), named in any language CLDR knows.
"""

from __future__ import annotations

import functools
import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.formatting import REPLY_LANGUAGE
from actions.proof import (
    VERIFIED_SLOT,
    customer_token,
    fresh_email,
    proof_kwargs,
    verified_email,
    verified_state_expired,
)
from actions.replies import REPLY_LANGUAGES, shop_rules
from borderless.countries import CountryNames
from borderless.profile import current_shop

__all__ = ["OrderProofFormValidation", "customer_token", "find_email", "find_order_number", "proof_kwargs"]

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def find_order_number(*texts: str | None) -> str | None:
    """The first of the shop's order numbers in the texts (its profile's formats), canonical; None when none."""
    return current_shop().order_numbers.find_all(text for text in texts if text)


def find_email(*texts: str | None) -> str | None:
    for text in texts:
        if text and (match := EMAIL.search(text)):
            return match.group(0).strip().lower()
    return None


class OrderProofFormValidation(FormValidationAction):
    """Base of every order form's validation: order number and email, the email skipped while proven.

    Subclasses only name themselves (`validate_<form>`); forms with more slots add `validate_<slot>`.
    Abstract, so rasa_sdk does not register the base itself as an action.
    """

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        expired = verified_state_expired(tracker)
        events = await super().run(dispatcher, tracker, domain)
        if expired:
            # It proves nothing any more; dropping it keeps the email it holds out of the tracker from now on.
            events.append(SlotSet(VERIFIED_SLOT, None))
        return events

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # This message proves who they are (logged in), or this order was verified a moment ago.
        if customer_token(tracker) or verified_email(tracker, tracker.get_slot("order_number")):
            return [slot for slot in domain_slots if slot != "email"]
        return domain_slots

    async def extract_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # An email given too long ago proves nothing now (someone else may be writing): ask again.
        if tracker.get_slot("email") and fresh_email(tracker) is None:
            return {"email": None}
        return {}

    def validate_order_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = find_order_number(str(slot_value or ""), tracker.latest_message.get("text"))
        if number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
            return {"order_number": None}
        # An email in the same message saves the shopper a turn.
        email = find_email(tracker.latest_message.get("text"))
        return {"order_number": number, **({"email": email} if email else {})}

    def validate_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {"email": None}  # a stale email dropped by extract_email: the form asks again
        email = find_email(str(slot_value or ""), tracker.latest_message.get("text"))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        return {"email": email}


# ---------------------------------------------------------------- countries

# The shop's destinations are the countries of its rule tables (shops/<name>/rules/shipping_zones.yaml), read by
# name in any of CLDR's languages (borderless/countries.py): "Deutschland", "suiza", "the UK", "DE".


@functools.lru_cache(maxsize=4)
def _destinations(ships_to: tuple[str, ...]) -> CountryNames:
    return CountryNames(codes=ships_to)


def destinations() -> CountryNames:
    """The served shop's destination countries, by name in many languages."""
    return _destinations(shop_rules().ships_to)


def ships_to(code: str | None) -> bool:
    return bool(code) and str(code).upper() in (destinations().wanted or ())


def country_code(text: str | None, *, exact: bool = False) -> str | None:
    """ISO code of one of the shop's countries named or coded in `text` ("Germany", "Schweiz", "de", "the UK").

    With `exact`, `text` must be the country and nothing else (used for the last line of an address).
    """
    if not text:
        return None
    names = destinations()
    cleaned = re.sub(r"[\s.!?]+$", "", text.strip())
    if len(cleaned) == 2 and ships_to(cleaned):
        return cleaned.upper()
    named = names.named(cleaned)
    if named is not None or exact:
        return named
    # A longer sentence ("deliver it to germany please", "envío a suiza"): the first country it names.
    return names.find(cleaned)


def country_name(code: str) -> str:
    """The country as a reply in the reply's language says it ("the Netherlands", "Niederlande")."""
    language = REPLY_LANGUAGE.get()
    return destinations().in_sentence(code, language if language in REPLY_LANGUAGES else "en")


def entity_value(tracker: Tracker, entity: str) -> str | None:
    for ent in tracker.latest_message.get("entities") or []:
        if ent.get("entity") == entity and ent.get("value"):
            return str(ent["value"])
    return None
