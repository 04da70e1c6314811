"""The shopper's explicit language choice, kept in the `language` slot for the whole conversation."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

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


def language_code(value: str | None) -> str | None:
    """An ISO 639-1 code for an entity value that is a code or an English language name."""
    if not value:
        return None
    value = value.strip().lower()
    if value in LANGUAGE_NAMES:
        return value
    return NAME_TO_CODE.get(value)


class ActionChangeLanguage(Action):
    """Records the language the shopper asked for; replies say plainly what that changes."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = language_code(next(tracker.get_latest_entity_values("language"), None))
        if code is None:
            supported = ", ".join(LANGUAGE_NAMES.values())
            dispatcher.utter_message(text=f"Which language would you like? I know {supported}.")
            return []
        name = LANGUAGE_NAMES[code]
        if code == "en":
            dispatcher.utter_message(text="Sure, I'll continue in English.")
        else:
            dispatcher.utter_message(
                text=(
                    f"Noted: you prefer {name}. Translated replies are not switched on for this shop yet, "
                    f"so I'll keep answering in English. Our live-chat team can help in {name} where they speak it."
                )
            )
        return [SlotSet("language", code)]
