"""The answer action against a real knowledge service process, and with the service down."""

from __future__ import annotations

import asyncio
import os
from unittest import mock

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_answer import ActionAnswerQuestion
from clients.registry import close_process_clients
from tests.integration.conftest import sample_knowledge_service
from tests.support import free_port


def tracker(text: str, intent: str, language: str = "en") -> Tracker:
    return Tracker(
        sender_id="test-user",
        slots={"language": language},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(url: str, text: str, intent: str, language: str = "en", models_url: str | None = None) -> list[dict]:
    """Runs the action; without `models_url` the models service is down (nothing listens on a fresh port)."""

    async def go() -> list[dict]:
        action = ActionAnswerQuestion()
        dispatcher = CollectingDispatcher()
        try:
            events = await action.run(dispatcher, tracker(text, intent, language), {})
        finally:
            await close_process_clients()
        assert events == []
        return dispatcher.messages

    # The action's clients are the process's: they take the services' URLs from the environment.
    env = {
        "KNOWLEDGE_URL": url,
        "MODELS_URL": models_url or f"http://127.0.0.1:{free_port()}",
        "BACKEND_TIMEOUT_S": "5.0",
        "TRANSLATE_TIMEOUT_S": "5.0",
    }
    with mock.patch.dict(os.environ, env):
        return asyncio.run(go())


@pytest.fixture(scope="module")
def knowledge_url(tmp_path_factory):
    with sample_knowledge_service(tmp_path_factory.mktemp("answer")) as started:
        yield started["base"]


def test_policy_answer_cites_its_source(knowledge_url) -> None:
    (message,) = run_action(knowledge_url, "how long does it take to get my refund?", "ask_returns")
    assert message["text"] == (
        "We refund the original payment method within 5 business days after the parcel reaches us.\n\n"
        "Source: Returns and refunds (https://shop.lumengoods.example/help/returns#refunds)"
    )
    custom = message["custom"]
    assert custom["type"] == "answer" and custom["language"] == "en" and custom["answer_id"]
    assert custom["sources"] == [
        {"title": "Returns and refunds", "url": "https://shop.lumengoods.example/help/returns#refunds"}
    ]
    assert custom["more"].startswith("**Refunds**")


def test_the_topic_intent_decides_an_ambiguous_question(knowledge_url) -> None:
    # The search alone ranks shipping's delivery times first for "how long does it take?"; the shopper's
    # intent makes the service prefer the article of that topic.
    (message,) = run_action(knowledge_url, "how long does it take?", "ask_returns")
    assert message["text"].startswith("We refund the original payment method within 5 business days")
    assert "Source: Returns and refunds (" in message["text"]
    (message,) = run_action(knowledge_url, "how long does it take?", "ask_shipping")
    assert message["text"].startswith("EU deliveries take 2–5 business days")


def test_cross_lingual_question(knowledge_url) -> None:
    (message,) = run_action(knowledge_url, "Wie hoch sind die Versandkosten in der EU?", "ask_shipping", language="de")
    assert "€4.95" in message["text"] and "Source: Shipping" in message["text"]


def test_a_portuguese_question_is_searched_in_english_and_answered_in_portuguese(
    knowledge_url: str,
    models_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELS_URL", models_url)  # the reply's own translation into Portuguese
    # In its own words the search is not confident of "o frete é grátis?" (the shopper would hear "I'm not
    # sure"); as "is the shipping free?" it is, and finds the shipping costs.
    (message,) = run_action(knowledge_url, "o frete é grátis?", "ask_shipping", language="pt", models_url=models_url)
    assert "€60" in message["text"]
    assert "https://shop.lumengoods.example/help/shipping#shipping-costs" in message["text"]


def test_product_question_shows_cards_and_a_text_fallback(knowledge_url) -> None:
    (message,) = run_action(knowledge_url, "is the trailblazer rain jacket waterproof?", "product_question")
    cards = message["custom"]
    assert cards["type"] == "product_cards"
    first = cards["products"][0]
    assert first == {
        "id": "P9001",
        "title": "Trailblazer Rain Jacket",
        "price": 89.0,
        "currency": "EUR",
        "image_url": "https://shop.lumengoods.example/img/P9001.jpg",
        "url": "https://shop.lumengoods.example/p/P9001",
    }
    assert "waterproof: yes" in message["text"] and "€89.00" in message["text"]


def test_low_confidence_offers_rephrase_or_a_person(knowledge_url) -> None:
    (message,) = run_action(knowledge_url, "what is the airspeed velocity of an unladen swallow", "ask_shipping")
    assert message["response"] == "utter_knowledge_not_sure"
    assert {b["payload"] for b in message["buttons"]} == {"/rephrase", "/human_handoff"}


def test_service_down_apologises_and_offers_a_person() -> None:
    (message,) = run_action(f"http://127.0.0.1:{free_port()}", "what does shipping cost", "ask_shipping")
    assert message["response"] == "utter_knowledge_unavailable"
    assert message["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]
