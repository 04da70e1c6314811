"""The conversation's language, kept in the `language` slot.

Two ways it changes:
- `action_track_language` (the `language` slot's custom mapping, run by action_extract_slots on every
  user turn) follows the language the NLU pipeline detected, when the detection is confident and the
  message has at least two words (a lone "ok" or an order number says nothing about the language), and
  not while a form waits for a value: an address, an e-mail or a product name is in the language of the
  street, the mailbox or the catalogue ("Oudegracht 150, 3511 AZ Utrecht" from an English shopper);
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

from actions.replies import say
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
    "ru": "Russian",
}
NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
# What shoppers call these languages in the languages the shop serves ("espanhol", "Spanisch", "anglais"),
# endonyms included, so a request to switch is understood in any of them. Accents are optional.
_NAMES_IN_OTHER_LANGUAGES = {
    "en": "inglés ingles inglês englisch anglais engels inglese angielski angielsku 英語 английский",
    "es": "español espanol castellano espanhol spanisch espagnol spaans spagnolo hiszpański hiszpanski hiszpańsku "
    "スペイン語 испанский",
    "de": "deutsch alemán aleman alemão alemao allemand duits tedesco niemiecki niemiecku ドイツ語 немецкий",
    "pt": "português portugues portugués portugiesisch portugais portugees portoghese portugalski portugalsku "
    "ポルトガル語 португальский",
    "fr": "français francais francés frances francês französisch franzosisch frans francese francuski francusku "
    "フランス語 французский",
    "nl": "nederlands neerlandés holandés holandês neerlandês niederländisch holländisch néerlandais neerlandais "
    "olandese niderlandzki オランダ語 нидерландский голландский",
    "it": "italiano italienisch italien italiaans włoski wloski włosku イタリア語 итальянский",
    "pl": "polski polsku polaco polonês polnisch polonais pools polacco ポーランド語 польский",
    "ja": "日本語 japonés japones japonês japanisch japonais japans giapponese japoński japonski японский",
    "ru": "русский russo ruso russisch russe rosyjski rosyjsku ロシア語",
}
for _code, _names in _NAMES_IN_OTHER_LANGUAGES.items():
    NAME_TO_CODE.update({name: _code for name in _names.split()})
# Russian names decline ("на испанском", "по-английски"): their stems name the language in any case.
_RUSSIAN_STEMS = {
    "английск": "en",
    "испанск": "es",
    "немецк": "de",
    "португальск": "pt",
    "французск": "fr",
    "нидерландск": "nl",
    "голландск": "nl",
    "итальянск": "it",
    "польск": "pl",
    "японск": "ja",
    "русск": "ru",
}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")

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
    "ru": "Конечно, дальше я отвечаю по-русски.",
}

MIN_WORDS = 2
# Scripts written without spaces (Japanese kana, CJK ideographs): two characters count as one word.
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Only real words count: an order number or an email address says nothing about the language.
_NOT_A_WORD = re.compile(r"[\d@/]")


def language_code(value: str | None) -> str | None:
    """An ISO 639-1 code for an entity value that is a code, an English name or the language's own name."""
    if not value:
        return None
    value = value.strip().lower()
    if value in LANGUAGE_NAMES:
        return value
    return NAME_TO_CODE.get(value)


def language_named_in(text: str) -> str | None:
    """The one supported language a message names ("podemos falar em espanhol?"), or None for none or several."""
    lowered = text.lower()
    found = {code for name, code in NAME_TO_CODE.items() if _NO_SPACE_SCRIPT.search(name) and name in lowered}
    for word in _WORD.findall(lowered):
        word = word.removeprefix("по-")
        code = NAME_TO_CODE.get(word) or next((c for stem, c in _RUSSIAN_STEMS.items() if word.startswith(stem)), None)
        if code:
            found.add(code)
    return found.pop() if len(found) == 1 else None


def min_confidence() -> float:
    """How sure language detection must be before the replies switch language."""
    return ActionSettings.from_env().language_switch_confidence


def word_count(text: str) -> int:
    """Real words in a message; a run of Japanese or Chinese counts one word per two characters."""
    count = 0
    for token in text.split():
        no_space = len(_NO_SPACE_SCRIPT.findall(token))
        if no_space:
            # "注文#100512はもう発送されましたか" is Japanese around an order number: count the Japanese.
            count += max(1, no_space // 2)
        elif not _NOT_A_WORD.search(token):
            count += 1
    return count


def detected_language(message: dict[str, Any], threshold: float, min_words: int = MIN_WORDS) -> str | None:
    """The supported language the parse data names for the message, when it can be trusted."""
    code = language_code(str(message.get("language") or ""))
    try:
        confidence = float(message.get("language_confidence") or 0.0)
    except (TypeError, ValueError):
        return None
    if code is None or confidence < threshold:
        return None
    if word_count(str(message.get("text") or "")) < min_words:
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
        if tracker.active_loop_name and tracker.get_slot("requested_slot"):
            return []  # the value a form asked for: names and addresses say nothing about the language
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
            # NLU entities are learnt from English examples; "espanhol" or "Spanisch" may come without one.
            code = language_named_in(str((tracker.latest_message or {}).get("text") or ""))
        if code is None:
            supported = ", ".join(LANGUAGE_NAMES.values())
            say(dispatcher, "utter_ask_which_language", languages=supported)
            return []
        dispatcher.utter_message(text=CONFIRMATIONS[code])
        return [SlotSet("language", code), SlotSet("language_locked", True)]
