"""Frustration: the shopper's sentiment across recent turns, and the offer of a person when it sours.

Every user message carries a sentiment from the NLU pipeline (bot/components/sentiment_annotator.py:
`label` negative | neutral | positive | unknown, `score` in [-1, 1]). A shopper counts as frustrated when
- the latest message is angry (score ≤ ANGRY_SCORE, or negative and shouted: a word in capitals or "!!",
  the emphasis cues VADER counts too: "my package is late AGAIN!!!" scores about -0.7 on words alone), or
- the latest message is negative (score ≤ NEGATIVE_SCORE) and so was at least one more of the last
  RECENT_TURNS messages they typed ("negative across recent turns").
Button payloads ("/deny") are not typed text and carry no mood. Only messages since the last hand-back
from an agent (`resume`) or the session start count, and after an offer only the messages since; within
three messages of an offer one angry message is not enough again, so one bout of frustration gets one
offer rather than one per message.

`ActionCheckFrustration` is Rasa's `action_validate_slot_mappings` hook: Rasa calls it after every user
message, before it predicts the reply, whatever the intent. That is the one place that sees every turn,
so the offer is made there and the answer to the shopper's question follows it in the same turn. Its
SlotSet of `frustration_offered_at` marks where the offer was made.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import missing_shop_slots

# Scores come from the e5 sentiment head: P(positive) - P(negative). On the labelled set in
# benchmarks/data/multilingual/sentiment.jsonl, 37 of 49 negative messages and 4 of 42 neutral ones
# score ≤ -0.4; 15 negative and no neutral or positive ones score ≤ -0.75 (see BENCHMARKS.md).
NEGATIVE_SCORE = -0.4
ANGRY_SCORE = -0.75
NEGATIVE_TURNS = 2
RECENT_TURNS = 3
# What a handoff carries to the agents' console.
HISTORY_TURNS = 10

# Shouting: a word of four or more capital letters ("AGAIN", "WIEDER"; shorter ones are mostly acronyms like
# DHL or UPS), or two exclamation marks in a row.
_WORD = re.compile(r"(?<![\w-])[^\W\d_]{4,}(?![\w-])")
_EXCLAMATIONS = re.compile(r"[!¡]{2,}")

OFFER_SLOT = "frustration_offered_at"
HANDOFF_PAYLOAD = "/human_handoff"
# Intents that already lead to a person (or to action_offer_handoff, which makes its own offer).
SKIP_INTENTS = frozenset({"human_handoff", "nlu_fallback"})

# Hand-written, like the language confirmations: the offer is short and fixed, and a machine
# translation notice above it would be longer than the offer itself.
OFFERS: dict[str, tuple[str, str]] = {
    "en": (
        "I'm sorry this has been frustrating. I'll do my best to help below, and if you'd rather talk to a "
        "person from our team, just tap the button.",
        "Talk to a person",
    ),
    "es": (
        "Siento mucho que esto esté siendo frustrante. Intentaré ayudarte a continuación y, si prefieres hablar "
        "con una persona de nuestro equipo, pulsa el botón.",
        "Hablar con una persona",
    ),
    "de": (
        "Es tut mir leid, dass das so ärgerlich ist. Ich helfe gern weiter, und wenn du lieber mit einer Person "
        "aus unserem Team sprechen möchtest, tippe einfach auf den Button.",
        "Mit einer Person sprechen",
    ),
    "pt": (
        "Lamento que isto esteja a ser frustrante. Vou tentar ajudar a seguir e, se preferir falar com uma "
        "pessoa da nossa equipa, basta tocar no botão.",
        "Falar com uma pessoa",
    ),
    "fr": (
        "Je suis désolé que ce soit si frustrant. Je fais de mon mieux pour vous aider ci-dessous, et si vous "
        "préférez parler à une personne de notre équipe, touchez simplement le bouton.",
        "Parler à une personne",
    ),
    "nl": (
        "Het spijt me dat dit zo frustrerend is. Ik help je hieronder zo goed mogelijk, en als je liever met "
        "iemand van ons team praat, tik dan op de knop.",
        "Met een persoon praten",
    ),
    "it": (
        "Mi dispiace che sia così frustrante. Cerco di aiutarti qui sotto e, se preferisci parlare con una "
        "persona del nostro team, tocca il pulsante.",
        "Parla con una persona",
    ),
    "pl": (
        "Przykro mi, że to takie frustrujące. Postaram się pomóc poniżej, a jeśli wolisz porozmawiać z osobą "
        "z naszego zespołu, kliknij przycisk.",
        "Porozmawiaj z konsultantem",
    ),
    "ja": (
        "ご不便をおかけして申し訳ありません。以下でできる限りお手伝いします。スタッフとの会話をご希望の場合は、"
        "ボタンを押してください。",
        "スタッフと話す",
    ),
    "ru": (
        "Мне очень жаль, что всё так неприятно вышло. Ниже я постараюсь помочь, а если вы предпочитаете "
        "поговорить с сотрудником нашей команды, просто нажмите кнопку.",
        "Поговорить с сотрудником",
    ),
}


@dataclass(frozen=True)
class Mood:
    """The sentiment of one typed user message."""

    label: str
    score: float | None
    at: float | None = None
    shouted: bool = False

    @property
    def negative(self) -> bool:
        return self.label == "negative" and (self.score is None or self.score <= NEGATIVE_SCORE)

    @property
    def angry(self) -> bool:
        if self.label != "negative" or self.score is None:
            return False
        return self.score <= ANGRY_SCORE or (self.shouted and self.score <= NEGATIVE_SCORE)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score, "at": self.at}


def shouted(text: str) -> bool:
    """Capitals or repeated exclamation marks: the message says it louder than its words."""
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return len(letters) >= 4  # a whole message in capitals
    return any(word.isupper() for word in _WORD.findall(text)) or bool(_EXCLAMATIONS.search(text))


def _mood(event: dict[str, Any]) -> Mood | None:
    """The mood of a user event, or None for a button payload or a message without sentiment."""
    text = str(event.get("text") or "")
    if text.startswith("/"):
        return None
    sentiment = (event.get("parse_data") or {}).get("sentiment")
    if not isinstance(sentiment, dict) or not isinstance(sentiment.get("label"), str):
        return None
    score = sentiment.get("score")
    try:
        value = None if score is None else float(score)
    except (TypeError, ValueError):
        value = None
    at = event.get("timestamp")
    return Mood(sentiment["label"], value, float(at) if isinstance(at, int | float) else None, shouted(text))


def _scan(tracker: Tracker, turns: int, *, since_offer: bool) -> tuple[list[Mood], bool]:
    """Moods of the latest `turns` typed messages since the last hand-back or session start (and, with
    `since_offer`, since the last frustration offer), newest first; and whether that offer was reached."""
    out: list[Mood] = []
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in ("resume", "session_started", "restart"):
            break
        if since_offer and kind == "slot" and event.get("name") == OFFER_SLOT and event.get("value"):
            return out, True
        if kind == "user":
            mood = _mood(event)
            if mood is not None:
                out.append(mood)
                if len(out) >= turns:
                    break
    return out, False


def recent_moods(tracker: Tracker, turns: int) -> list[Mood]:
    """Moods of the latest `turns` typed messages since the last hand-back or session start, newest first."""
    return _scan(tracker, turns, since_offer=False)[0]


def is_frustrated(moods: list[Mood]) -> bool:
    """`moods` newest first: angry now, or negative now and in at least one more recent message."""
    if not moods or not moods[0].negative:
        return False
    return moods[0].angry or sum(m.negative for m in moods[:RECENT_TURNS]) >= NEGATIVE_TURNS


def frustrated_since_offer(tracker: Tracker) -> bool:
    """Frustrated, counting only messages since the last offer; within RECENT_TURNS messages of an offer,
    one angry message is not enough again: it takes NEGATIVE_TURNS negative ones."""
    moods, after_offer = _scan(tracker, RECENT_TURNS, since_offer=True)
    if not after_offer:
        return is_frustrated(moods)
    return bool(moods) and moods[0].negative and sum(m.negative for m in moods) >= NEGATIVE_TURNS


def frustrated_recently(tracker: Tracker) -> bool:
    """Frustration in the recent typed messages, offer or not: tells why a handoff was asked for."""
    moods = recent_moods(tracker, RECENT_TURNS + 1)
    # The shopper may have tapped "Talk to a person" one message after the angry one.
    return is_frustrated(moods) or any(m.angry for m in moods)


def sentiment_history(tracker: Tracker) -> list[dict[str, Any]]:
    """The sentiment of the last HISTORY_TURNS typed messages, oldest first, for the handoff ticket."""
    return [m.as_dict() for m in reversed(recent_moods(tracker, HISTORY_TURNS))]


def strongest_negative(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most negative scored entry of a history, which ranks the ticket in the queue."""
    negatives = [h for h in history if h.get("label") == "negative" and h.get("score") is not None]
    return min(negatives, key=lambda h: h["score"]) if negatives else None


def offer_message(language: str | None) -> tuple[str, list[dict[str, str]]]:
    text, button = OFFERS.get(language or "en", OFFERS["en"])
    return text, [{"title": button, "payload": HANDOFF_PAYLOAD}]


def offer_made() -> SlotSet:
    return SlotSet(OFFER_SLOT, round(time.time(), 3))


class ActionCheckFrustration(Action):
    """After every user message: offers a person, once per bout, when the shopper sounds frustrated."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # The one hook that runs on every turn: a conversation begun before the shop's facts were slots (or
        # before a restart) gets them here, before any response naming them is predicted.
        shop = missing_shop_slots(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent in SKIP_INTENTS:
            return shop
        if not frustrated_since_offer(tracker):
            return shop
        text, buttons = offer_message(tracker.get_slot("language"))
        dispatcher.utter_message(text=text, buttons=buttons)
        return [*shop, offer_made()]
