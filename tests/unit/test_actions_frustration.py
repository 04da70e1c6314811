"""Frustration (actions/frustration.py): when the shopper is offered a person on an understood turn, in
which language, how often, and what sentiment history a handoff carries."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.frustration import (
    OFFER_SLOT,
    ActionCheckFrustration,
    sentiment_history,
    strongest_negative,
)
from actions.replies import SHOP_SLOTS, shop_values

CALM = ("neutral", 0.0)
UPSET = ("negative", -0.5)
ANGRY = ("negative", -0.9)
HAPPY = ("positive", 0.8)


def user(text: str, mood: tuple[str, float], intent: str = "order_status", at: float = 0.0) -> dict[str, Any]:
    label, score = mood
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent}, "sentiment": {"label": label, "score": score}},
    }


def tracker(events: list[dict[str, Any]], language: str = "en") -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    latest_message = {**latest["parse_data"], "text": latest["text"]}
    # The shop's facts are set (a session started by action_session_start): only the offer is at stake here.
    slots = {"language": language, **shop_values()}
    return Tracker("shopper", slots, latest_message, events, False, None, {}, "action_listen")


async def check(t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionCheckFrustration().run(dispatcher, t, {})
    return events, dispatcher.messages


async def test_two_negative_messages_in_a_row_bring_the_offer_of_a_person() -> None:
    events, messages = await check(
        tracker([user("where is my parcel", UPSET, at=1), user("it was due last week!", UPSET, at=2)])
    )
    assert [e["name"] for e in events] == [OFFER_SLOT]
    assert "frustrating" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]


async def test_one_mildly_negative_message_alone_does_not() -> None:
    events, messages = await check(tracker([user("hi", CALM), user("my parcel is late", UPSET)]))
    assert (events, messages) == ([], [])


async def test_one_angry_message_is_enough() -> None:
    events, _ = await check(tracker([user("hello", HAPPY), user("this is absolutely unacceptable", ANGRY)]))
    assert [e["name"] for e in events] == [OFFER_SLOT]


async def test_one_upset_message_said_loudly_is_enough() -> None:
    for text in ("my parcel is late AGAIN and nobody answers", "my parcel is late and nobody answers!!!"):
        events, _ = await check(tracker([user("hello", HAPPY), user(text, UPSET)]))
        assert [e["name"] for e in events] == [OFFER_SLOT], text
    # Capitals or exclamation marks alone are no mood: a happy or neutral shout, an acronym in a mild complaint.
    for text, mood in (("THANK YOU SO MUCH!!", HAPPY), ("WHERE IS MY ORDER", CALM), ("DHL is late", UPSET)):
        events, _ = await check(tracker([user("hello", HAPPY), user(text, mood)]))
        assert events == [], text


async def test_a_shopper_who_calmed_down_is_not_offered_a_person() -> None:
    events, _ = await check(tracker([user("late again", UPSET), user("no!", UPSET), user("ok thanks", CALM)]))
    assert events == []


async def test_one_offer_per_bout_then_again_only_when_it_sours_again() -> None:
    offered = {"event": "slot", "name": OFFER_SLOT, "value": 100.0}
    history = [user("late", UPSET), user("still late", UPSET), offered, user("and now?", UPSET)]
    assert (await check(tracker(history)))[0] == []
    history.append(user("useless", UPSET))
    assert [e["name"] for e in (await check(tracker(history)))[0]] == [OFFER_SLOT]


async def test_right_after_an_offer_one_angry_message_is_not_enough_again() -> None:
    offered = {"event": "slot", "name": OFFER_SLOT, "value": 100.0}
    history = [user("this is absurd", ANGRY), offered, user("honestly so annoying", ANGRY)]
    assert (await check(tracker(history)))[0] == []
    history.append(user("still nothing!!", ANGRY))
    assert [e["name"] for e in (await check(tracker(history)))[0]] == [OFFER_SLOT]


async def test_a_hand_back_from_an_agent_starts_afresh() -> None:
    events, _ = await check(tracker([user("late", UPSET), {"event": "resume"}, user("one more thing", UPSET)]))
    assert events == []


async def test_button_taps_carry_no_mood_and_asking_for_a_person_needs_no_offer() -> None:
    tap = user("/deny", ("negative", -0.6), intent="deny")
    assert (await check(tracker([user("late", UPSET), tap])))[0] == []
    asking = user("get me a human now", ANGRY, intent="human_handoff")
    assert (await check(tracker([user("late", UPSET), asking])))[0] == []
    missed = user("what?? nonsense", ANGRY, intent="nlu_fallback")
    assert (await check(tracker([user("late", UPSET), missed])))[0] == []


async def test_the_offer_is_in_the_conversation_language() -> None:
    _, messages = await check(tracker([user("esto es un desastre total", ANGRY)], language="es"))
    assert messages[0]["text"].startswith("Siento mucho")
    assert messages[0]["buttons"][0]["title"] == "Hablar con una persona"
    _, messages = await check(tracker([user("ugh", ANGRY)], language="xx"))
    assert messages[0]["buttons"][0]["title"] == "Talk to a person"


def test_the_history_for_a_handoff_is_oldest_first_typed_messages_only_and_bounded() -> None:
    events = [user(f"message {i}", UPSET if i % 2 else CALM, at=float(i)) for i in range(14)]
    events.insert(5, user("/affirm", CALM, intent="affirm", at=4.5))
    history = sentiment_history(tracker(events))
    assert [h["at"] for h in history] == [float(i) for i in range(4, 14)]
    assert history[-1] == {"label": "negative", "score": -0.5, "at": 13.0}
    assert strongest_negative(history + [{"label": "negative", "score": -0.95, "at": None}])["score"] == -0.95
    assert strongest_negative([{"label": "neutral", "score": 0.0}]) is None


def test_messages_without_sentiment_leave_the_history_empty() -> None:
    event = {"event": "user", "text": "hello", "parse_data": {"intent": {"name": "greet"}}}
    assert sentiment_history(tracker([event])) == []


async def test_a_conversation_without_the_shops_facts_gets_them_on_its_next_message() -> None:
    # Begun before the facts were slots (or before a restart): the hook that runs on every turn sets them.
    t = tracker([user("hi", CALM)])
    t.slots = {"language": "en"}
    events, messages = await check(t)
    assert messages == []
    assert {e["name"]: e["value"] for e in events} == shop_values()
    assert set(shop_values()) == set(SHOP_SLOTS) and shop_values()["shop_name"]
