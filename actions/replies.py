"""What the actions say: domain.yml responses filled with the served shop's facts and the reply's particulars.

Every text an action sends is a response in domain.yml (`utter_*`), written per language there; an action
names the response and passes the variables that differ per reply (order number, amounts, the shop's
rule numbers from the orders service's answer). The shop's own facts (`{shop_name}`,
`{order_number_example}` …, borderless.profile.Shop.reply_values) are slots as well, set when a session
starts and, for a conversation that began before a restart, on the next user message
(`missing_shop_slots`); `say` passes them along with every response too, so a reply an action sends
never depends on those slots being set yet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from borderless.profile import current_shop
from borderless.rules import Rules, load_rules

# The languages domain.yml's responses are written in (a response falls back to English for any other).
REPLY_LANGUAGES = ("en", "es", "de", "pt", "fr", "nl")

# The slots holding the shop's facts (domain.yml declares each, with a custom mapping).
SHOP_SLOTS = (
    "shop_name",
    "assistant_name",
    "shop_website",
    "shop_email",
    "shop_phone",
    "support_hours",
    "order_number_example",
)


@dataclass(frozen=True)
class Reply:
    """One response to send: its name in domain.yml and the variables its text names."""

    response: str
    variables: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _rules(rules_dir: str) -> Rules:
    return load_rules(Path(rules_dir))


def shop_rules() -> Rules:
    """The served shop's rule tables (its destinations, status labels), read once per process."""
    return _rules(str(current_shop().rules_dir))


def status_text(order: dict[str, Any], language: str) -> str:
    """An order's status as the shop words it in `language` (its rule tables' labels, when written in that
    language), else as the orders service labelled it."""
    status = str(order.get("status") or "")
    rules = shop_rules()
    if status and language != "en" and language in rules.status_label_languages():
        return rules.status_label(status, language)
    return str(order.get("status_label") or status)


def shop_values() -> dict[str, str]:
    """The served shop's facts for reply templates, keyed by slot name."""
    values = current_shop().reply_values()
    return {slot: str(values.get(slot) or "") for slot in SHOP_SLOTS}


def shop_slot_events() -> list[SlotSet]:
    """SlotSet for every shop fact (a new session)."""
    return [SlotSet(slot, value) for slot, value in shop_values().items()]


def missing_shop_slots(tracker: Tracker) -> list[SlotSet]:
    """SlotSet for the shop facts this conversation lacks (it started before they existed, or before a restart)."""
    values = shop_values()
    return [SlotSet(slot, value) for slot, value in values.items() if tracker.get_slot(slot) != value]


def say(
    dispatcher: CollectingDispatcher, response: str, buttons: list[dict[str, Any]] | None = None, **variables: Any
) -> None:
    """Sends domain response `response`, its `{…}` filled from `variables` and the shop's facts."""
    filled = {**shop_values(), **{key: "" if value is None else value for key, value in variables.items()}}
    if buttons:
        dispatcher.utter_message(response=response, buttons=buttons, **filled)
    else:
        dispatcher.utter_message(response=response, **filled)


def send(dispatcher: CollectingDispatcher, replies: list[Reply], buttons: list[dict[str, Any]] | None = None) -> None:
    """Sends `replies` in order; `buttons` go with the last one."""
    for index, reply in enumerate(replies):
        say(dispatcher, reply.response, buttons if index == len(replies) - 1 else None, **reply.variables)
