"""Shared proof-of-ownership for every order form: order number, email or a logged-in customer token.

Owns the one validation every order form uses (tracking, cancellation, address change, returns):
order numbers and emails are read from any reasonable spelling, and the email is not asked for when
this message carries a signed `customer_token` or the same order was verified a moment ago (what
counts as proof, and for how long, is actions/proof.py). Also owns the small country table the forms
use to read a destination typed as a name or code.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.proof import (
    VERIFIED_SLOT,
    customer_token,
    fresh_email,
    proof_kwargs,
    verified_email,
    verified_state_expired,
)
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

# The shop's destinations (shops/lumen-goods/README.md) by display name; the NLU maps names to these codes
# with synonyms, and the forms read typed names with NAMES below.
COUNTRY_NAMES: dict[str, str] = {
    "NL": "the Netherlands",
    "BE": "Belgium",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "PT": "Portugal",
    "IT": "Italy",
    "AT": "Austria",
    "IE": "Ireland",
    "PL": "Poland",
    "SE": "Sweden",
    "DK": "Denmark",
    "FI": "Finland",
    "GB": "the United Kingdom",
    "CH": "Switzerland",
    "NO": "Norway",
    "US": "the United States",
    "CA": "Canada",
    "MX": "Mexico",
    "BR": "Brazil",
    "JP": "Japan",
    "AU": "Australia",
    "KR": "South Korea",
    "SG": "Singapore",
    "AE": "the United Arab Emirates",
    "IN": "India",
    "ZA": "South Africa",
}

_ALIASES: dict[str, str] = {
    "netherlands": "NL", "holland": "NL", "nederland": "NL", "belgique": "BE", "belgie": "BE", "belgië": "BE",
    "deutschland": "DE", "allemagne": "DE", "frankreich": "FR", "españa": "ES", "espana": "ES",
    "italia": "IT", "österreich": "AT", "osterreich": "AT", "eire": "IE", "polska": "PL", "sverige": "SE",
    "danmark": "DK", "suomi": "FI", "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "britain": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "norge": "NO", "usa": "US", "u.s.": "US",
    "u.s.a.": "US", "united states": "US", "united states of america": "US", "america": "US",
    "the states": "US", "méxico": "MX", "brasil": "BR", "korea": "KR", "uae": "AE", "emirates": "AE",
    "united arab emirates": "AE",
}  # fmt: skip
NAMES: dict[str, str] = {
    **{name.removeprefix("the ").casefold(): code for code, name in COUNTRY_NAMES.items()},
    **_ALIASES,
}


def country_code(text: str | None, *, exact: bool = False) -> str | None:
    """ISO code of one of the shop's countries named or coded in `text` ("Germany", "de", "the UK").

    With `exact`, `text` must be the country and nothing else (used for the last line of an address).
    """
    if not text:
        return None
    cleaned = re.sub(r"[\s.!?]+$", "", text.strip()).casefold()
    cleaned = cleaned.removeprefix("the ").strip()
    if len(cleaned) == 2 and cleaned.upper() in COUNTRY_NAMES:
        return cleaned.upper()
    if cleaned in NAMES:
        return NAMES[cleaned]
    if exact:
        return None
    # A longer sentence ("deliver it to germany please"): the longest known name inside it.
    for name in sorted(NAMES, key=len, reverse=True):
        if len(name) > 2 and re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", cleaned):
            return NAMES[name]
    return None


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code.upper())


def entity_value(tracker: Tracker, entity: str) -> str | None:
    for ent in tracker.latest_message.get("entities") or []:
        if ent.get("entity") == entity and ent.get("value"):
            return str(ent["value"])
    return None
