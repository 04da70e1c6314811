"""The conversation's language, kept in the `language` slot.

Two ways it changes:
- `action_track_language` (the `language` slot's custom mapping, run by action_extract_slots on every
  user turn) follows the language the NLU pipeline detected, when the detection is confident and the
  message has at least two words (a lone "ok" or an order number says nothing about the language);
- `action_change_language` records an explicit choice ("can we speak German?") and sets `language_locked`,
  so the choice sticks for the rest of the conversation whatever the shopper types next.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.settings import ActionSettings

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "pt": "Portuguese",
    "fr": "French",
    "nl": "Dutch",
    "it": "Italian",
    "pl": "Polish",
    "ja": "Japanese",
}
NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
# Endonyms, so "español" or "Deutsch" name a language as well as "Spanish" or "German".
NAME_TO_CODE.update(
    {
        "español": "es",
        "espanol": "es",
        "castellano": "es",
        "deutsch": "de",
        "português": "pt",
        "portugues": "pt",
        "français": "fr",
        "francais": "fr",
        "nederlands": "nl",
        "italiano": "it",
        "polski": "pl",
        "日本語": "ja",
    }
)

# Hand-written confirmations, each in the language chosen.
CONFIRMATIONS = {
    "en": "Sure, I'll continue in English.",
    "es": "¡Claro! A partir de ahora te respondo en español.",
    "de": "Gern, ab jetzt antworte ich auf Deutsch.",
    "pt": "Claro! A partir de agora respondo em português.",
    "fr": "Bien sûr, je continue en français.",
    "nl": "Natuurlijk, vanaf nu antwoord ik in het Nederlands.",
    "it": "Certo, da ora in poi ti rispondo in italiano.",
    "pl": "Oczywiście, od teraz odpowiadam po polsku.",
    "ja": "承知しました。これからは日本語でお答えします。",
}

MIN_WORDS = 2


def language_code(value: str | None) -> str | None:
    """An ISO 639-1 code for an entity value that is a code, an English name or the language's own name."""
    if not value:
        return None
    value = value.strip().lower()
    if value in LANGUAGE_NAMES:
        return value
    return NAME_TO_CODE.get(value)


def min_confidence() -> float:
    """How sure language detection must be before the replies switch language."""
    return ActionSettings.from_env().language_switch_confidence


def detected_language(message: dict[str, Any], threshold: float) -> str | None:
    """The supported language the parse data names for the message, when it can be trusted."""
    code = language_code(str(message.get("language") or ""))
    try:
        confidence = float(message.get("language_confidence") or 0.0)
    except (TypeError, ValueError):
        return None
    if code is None or confidence < threshold:
        return None
    # Only real words count: an order number or an email address says nothing about the language.
    words = [w for w in str(message.get("text") or "").split() if not re.search(r"[\d@/]", w)]
    if len(words) < MIN_WORDS:
        return None
    return code


class ActionTrackLanguage(Action):
    """Custom slot mapping of `language`: the replies follow the language the shopper writes in."""

    def name(self) -> str:
        return "action_track_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("language_locked"):
            return []
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        if text.startswith("/"):
            return []  # a button payload, not something the shopper typed
        code = detected_language(message, min_confidence())
        if code is None or code == tracker.get_slot("language"):
            return []
        return [SlotSet("language", code)]


class ActionChangeLanguage(Action):
    """Records the language the shopper asked for, locks it, and confirms in that language."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        code = language_code(next(tracker.get_latest_entity_values("language"), None))
        if code is None:
            supported = ", ".join(LANGUAGE_NAMES.values())
            dispatcher.utter_message(text=f"Which language would you like? I know {supported}.")
            return []
        dispatcher.utter_message(text=CONFIRMATIONS[code])
        return [SlotSet("language", code), SlotSet("language_locked", True)]
