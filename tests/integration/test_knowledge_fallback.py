"""The knowledge base before "I didn't get that", through the real stack: the signed widget channel, the Rasa
server with the trained model, the action server, and the real knowledge and models services.

The questions are written from the demo shop's articles (shops/lumen-goods/content/*) on topics that have no intent
of their own. The trained NLU either cannot place them (nlu_fallback, or out_of_scope), and then the knowledge
base is searched before "Sorry, I didn't quite get that" (action_knowledge_fallback), or it places them under a
near intent ("do you price match?" as a shipping question), and then the search's own ranking, not the intent's
article, picks the answer (knowledge/base.py, KnowledgeBase.answer). Either way the shopper gets the answer.
"""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import Assistant

pytestmark = pytest.mark.e2e

FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}

# question, a fact of the answer (from the article), the article's address
KB_QUESTIONS = [
    pytest.param(
        "How long is a gift card valid?",
        "two years",
        "/help/gift-cards",
        # Known miss (issue 13 note): the NLU reads it as a gift recommendation (`recommend`), and the
        # recommendation action does not consult the knowledge base.
        marks=pytest.mark.xfail(strict=False, reason="NLU places it under recommend"),
    ),
    ("do you price match?", "do not match prices", "/help/prices"),
    ("How do I get my personal data deleted?", "personal data within one month", "/help/account"),
    ("Will the recipient see the price?", "packing slip shows no prices", "/help/gifts"),
    ("Do I need an account to order?", "as a guest", "/help/account"),
    ("Can I combine two orders into one?", "cannot merge two orders", "/policies/order-changes"),
    ("Do you have a newsletter discount?", "welcome code", "/help/promo-codes"),
    ("What does the eco label mean?", "recycled, organic", "/help/sustainability"),
]


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def new_sender() -> str:
    return f"fallback-{uuid.uuid4().hex[:12]}"


def last_turn(assistant: Assistant, sender: str) -> tuple[str, list[str], dict]:
    """The intent of the shopper's latest message, the actions that followed it, and the slots now."""
    tracker = assistant.tracker(sender)
    events = tracker["events"]
    start = max(i for i, e in enumerate(events) if e["event"] == "user")
    intent = events[start]["parse_data"]["intent"]["name"]
    actions = [e["name"] for e in events[start + 1 :] if e["event"] == "action" and e["name"] != "action_listen"]
    return intent, actions, tracker["slots"]


@pytest.mark.parametrize(("question", "fact", "source"), KB_QUESTIONS)
def test_a_shop_question_without_an_intent_of_its_own_is_answered_from_the_knowledge_base(
    assistant: Assistant, question: str, fact: str, source: str
) -> None:
    sender = new_sender()
    reply = texts(assistant.say(sender, question))
    intent, actions, slots = last_turn(assistant, sender)
    assert fact in reply, (intent, reply)
    assert "Source:" in reply and source in reply, reply
    assert "didn't quite get that" not in reply and "outside what I can help with" not in reply
    if intent in FALLBACK_INTENTS:  # unplaced: the knowledge base was asked before giving up
        assert "action_knowledge_fallback" in actions
        assert slots["fallback_answered"] is True


@pytest.mark.parametrize("question", ["what's the weather like tomorrow?", "tell me a joke", "asdf qwerty zxcv"])
def test_off_topic_messages_are_still_declined(assistant: Assistant, question: str) -> None:
    sender = new_sender()
    reply = texts(assistant.say(sender, question))
    intent, actions, slots = last_turn(assistant, sender)
    assert intent in FALLBACK_INTENTS and "action_knowledge_fallback" in actions
    # Declined as off-topic, or (gibberish) asked to rephrase; never answered from an article.
    assert "outside what I can help with" in reply or "didn't quite get that" in reply, reply
    assert "Source:" not in reply
    assert slots["fallback_answered"] is False


def test_repeated_misunderstandings_still_offer_a_person_but_answered_ones_do_not_count(
    assistant: Assistant,
) -> None:
    vague = "asdf qwerty zxcv"  # a message no NLU can place
    sender = new_sender()
    # Two shop questions the NLU could not place but the knowledge base answered: no misunderstanding.
    assert "Source:" in texts(assistant.say(sender, "do you price match?"))
    assert "Source:" in texts(assistant.say(sender, "Will the recipient see the price?"))
    first = texts(assistant.say(sender, vague))
    intent, actions, _ = last_turn(assistant, sender)
    assert intent == "nlu_fallback", f"the NLU placed {vague!r} as {intent}: the test needs a misunderstanding"
    assert "action_knowledge_fallback" in actions
    assert "didn't quite get that" in first and "Source:" not in first
    # The second unanswerable one in a row is: a person is offered, as before.
    second = assistant.say(sender, vague)
    assert "bring in a person" in texts(second)
    assert [b["payload"] for b in second[0].get("buttons", [])] == ["/human_handoff", "/deny"]


def test_a_portuguese_question_is_searched_through_the_english_pivot_and_answered(assistant: Assistant) -> None:
    sender = new_sender()
    replies = assistant.say(sender, "O destinatário vê o preço?", metadata={"language": "pt"})
    intent, actions, slots = last_turn(assistant, sender)
    assert intent in FALLBACK_INTENTS and "action_knowledge_fallback" in actions
    assert slots["fallback_answered"] is True
    assert "/help/gifts" in texts(replies), texts(replies)
