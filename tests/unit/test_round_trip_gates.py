"""bot/round_trips.py skips a per-message action-server call only when the action itself would return nothing:
every case a gate skips is run through the real action here (actions/language.py, actions/frustration.py)."""

from __future__ import annotations

import itertools
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.frustration import OFFER_SLOT, ActionCheckFrustration
from actions.language import ActionTrackLanguage
from actions.replies import shop_values
from bot.round_trips import frustration_check_may_act, language_may_change, shop_facts

MOODS: list[dict[str, Any] | None] = [
    {"label": "negative", "score": -0.9},
    {"label": "negative", "score": -0.5},
    {"label": "negative", "score": -0.1},
    {"label": "neutral", "score": 0.0},
    {"label": "positive", "score": 0.8},
    {"label": "unknown", "score": None, "source": "unavailable"},
    None,
]


def user(text: str, sentiment: dict[str, Any] | None, intent: str = "order_status", **parse: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"intent": {"name": intent}, **parse}
    if sentiment is not None:
        data["sentiment"] = sentiment
    return {"event": "user", "text": text, "timestamp": 1.0, "parse_data": data}


def tracker(events: list[dict[str, Any]], slots: dict[str, Any]) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker("shopper", slots, {**latest["parse_data"], "text": latest["text"]}, events, False, None, {}, "")


async def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return events, dispatcher.messages


def test_the_gate_reads_the_same_shop_facts_as_the_actions() -> None:
    assert shop_facts() == shop_values()


async def test_every_skipped_language_check_would_have_changed_nothing() -> None:
    skipped = asked_and_acted = 0
    for detected, slot, locked, text, confidence in itertools.product(
        ["en", "pt", "EN", "zz", None], ["en", "pt", None], [False, True],
        ["where is my parcel please", "/greet", "ok", "BL-100001 x@y.z"], [0.2, 0.99],
    ):  # fmt: skip
        parse = {"language": detected, "language_confidence": confidence} if detected else {}
        events = [user(text, None, **parse)]
        slots = {"language": slot, "language_locked": locked}
        message = {**events[0]["parse_data"], "text": text}
        result = await run(ActionTrackLanguage(), tracker(events, slots))
        if not language_may_change(message, slots):
            skipped += 1
            assert result == ([], []), (detected, slot, locked, text, confidence)
        elif result[0]:
            asked_and_acted += 1
    assert skipped > 100 and asked_and_acted > 5  # both branches are exercised


async def test_every_skipped_frustration_check_would_have_offered_and_set_nothing() -> None:
    facts = shop_values()
    stale = {**facts, "shop_name": "Another shop"}
    offer = {"event": "slot", "name": OFFER_SLOT, "value": 1.0, "timestamp": 0.5}
    skipped = asked_and_acted = 0
    for before, latest, text, intent, slots, offered in itertools.product(
        MOODS, MOODS, ["this is taking forever", "/deny"], ["order_status", "human_handoff"],
        [facts, stale], [False, True],
    ):  # fmt: skip
        history = [user("my parcel is late again", before)] + ([offer] if offered else [])
        events = [*history, user(text, latest, intent)]
        message = {**events[-1]["parse_data"], "text": text}
        state = {"language": "en", **slots}
        result = await run(ActionCheckFrustration(), tracker(events, state))
        if not frustration_check_may_act(message, state, facts):
            skipped += 1
            assert result == ([], []), (before, latest, text, intent, offered)
        elif result != ([], []):
            asked_and_acted += 1
    assert skipped > 50 and asked_and_acted > 20
