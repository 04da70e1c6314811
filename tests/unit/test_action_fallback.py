"""The knowledge base before "I didn't get that": action_knowledge_fallback against an in-process HTTP server
speaking the knowledge service's /v1/search and the models service's /v1/translate contracts."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionKnowledgeFallback, ActionUnplacedInform
from clients.registry import close_process_clients
from tests.support import free_port, rendered
from tests.unit.fake_knowledge import serve_fake_knowledge

GIFT_CARDS = {
    "doc_id": "gift-cards",
    "chunk_id": "gift-cards#what-gift-cards-do-you-sell",
    "type": "faq",
    "title": "Gift cards",
    "url": "https://shop.lumengoods.example/help/gift-cards",
    "text": "Gift cards are valid for two years from the date of purchase.",
    "score": 0.04,
    "metadata": {"section": "What gift cards do you sell?", "dense_score": 0.905, "lexical_score": 7.7},
}
PRICES = {
    "doc_id": "prices",
    "chunk_id": "prices#do-you-price-match",
    "type": "faq",
    "title": "Prices and price matching",
    "url": "https://shop.lumengoods.example/help/prices",
    "text": "No, we do not match prices from other shops.",
    "score": 0.03,
    "metadata": {"section": "Do you price match?", "dense_score": 0.89, "lexical_score": 3.4},
}


def user(text: str, intent: str, sentiment: float = 0.0) -> dict[str, Any]:
    mood = {"label": "negative" if sentiment < 0 else "neutral", "score": sentiment}
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "text": text, "sentiment": mood}}


def answered(value: bool) -> dict[str, Any]:
    return {"event": "slot", "name": "fallback_answered", "value": value}


def tracker(
    text: str,
    intent: str = "nlu_fallback",
    language: str = "en",
    history: list[dict[str, Any]] | None = None,
    sentiment: float = 0.0,
) -> Tracker:
    latest = user(text, intent, sentiment)
    events = [*(history or []), latest]
    return Tracker(
        "u1",
        {"language": language},
        {**latest["parse_data"], "entities": []},
        events,
        False,
        None,
        {},
        "action_listen",
    )


@pytest.fixture
async def fallback(aiohttp_server, monkeypatch: pytest.MonkeyPatch, process_clients):
    state = await serve_fake_knowledge(aiohttp_server, monkeypatch)
    action = ActionKnowledgeFallback()

    async def run(
        text: str, intent: str = "nlu_fallback", language: str = "en", history: Any = None, sentiment: float = 0.0
    ) -> Any:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker(text, intent, language, history, sentiment), {})
        return dispatcher.messages, events

    state["run"] = run
    state["action"] = action
    yield state


def slot(events: list[dict[str, Any]]) -> Any:
    (value,) = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "fallback_answered"]
    return value


async def test_a_confident_search_answers_a_message_the_nlu_could_not_place(fallback) -> None:
    fallback["reply"] = {"results": [GIFT_CARDS, PRICES], "version": 3, "confident": True}
    messages, events = await fallback["run"]("How long is a gift card valid?")
    (message,) = messages
    assert message["text"].startswith("Gift cards are valid for two years")
    assert (
        "Source: Gift cards — What gift cards do you sell? (https://shop.lumengoods.example/help/gift-cards)"
        in (message["text"])
    )
    assert slot(events) is True
    # No intent to go by: the whole knowledge base is searched, no article preferred.
    (searched,) = fallback["requests"]
    assert searched["query"] == "How long is a gift card valid?"
    assert "filters" not in searched and "prefer_doc_ids" not in searched
    assert searched["language"] == "en"


async def test_an_out_of_scope_message_about_the_shop_is_answered_too(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": True}
    (message,), events = await fallback["run"]("do you price match?", "out_of_scope")
    assert message["text"].startswith("No, we do not match prices")
    assert "Source: Prices and price matching" in message["text"] and slot(events) is True


async def test_an_unsure_search_asks_to_rephrase_as_before(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": False}
    (message,), events = await fallback["run"]("blorp the frobnicator")
    assert message["response"] == "utter_default" and slot(events) is False
    fallback["reply"] = {"results": [], "version": 3, "confident": True}
    (message,), events = await fallback["run"]("blorp the frobnicator")
    assert message["response"] == "utter_default" and slot(events) is False


async def test_an_unsure_search_on_an_out_of_scope_message_declines_as_before(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": False}
    (message,), events = await fallback["run"]("what's the weather like tomorrow?", "out_of_scope")
    assert message["response"] == "utter_out_of_scope" and slot(events) is False


async def test_an_unreachable_knowledge_service_falls_back_as_before(fallback) -> None:
    fallback["status"], fallback["reply"] = 503, {"error": {"code": "down", "message": "x"}}
    (message,), events = await fallback["run"]("How long is a gift card valid?")
    assert message["response"] == "utter_default" and slot(events) is False
    # Nothing listens there at all: a fresh process holder with the knowledge service's URL pointing nowhere.
    fallback["monkeypatch"].setenv("KNOWLEDGE_URL", f"http://127.0.0.1:{free_port()}")
    await close_process_clients()
    (message,), _ = await fallback["run"]("do you price match?", "out_of_scope")
    assert message["response"] == "utter_out_of_scope"


async def test_button_payloads_are_not_searched(fallback) -> None:
    fallback["reply"] = {"results": [GIFT_CARDS], "version": 3, "confident": True}
    (message,), _ = await fallback["run"]("/nonsense")
    assert fallback["requests"] == [] and message["response"] == "utter_default"


async def test_repeated_misunderstandings_still_offer_a_person(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": False}
    missed = [user("zzz qqq", "nlu_fallback"), answered(False)]
    (message,), _ = await fallback["run"]("blorp the frobnicator", history=missed)
    assert message["response"] == "utter_offer_person" and "bring in a person" in rendered(message)["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/human_handoff", "/deny"]


async def test_a_fallback_the_knowledge_base_answered_is_no_misunderstanding(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": False}
    understood = [user("do you price match?", "nlu_fallback"), {"event": "action", "name": "x"}, answered(True)]
    (message,), _ = await fallback["run"]("blorp the frobnicator", history=understood)
    assert message["response"] == "utter_default"


async def test_the_search_pivots_to_english_like_the_answer_action(fallback) -> None:
    fallback["reply"] = {"results": [GIFT_CARDS], "version": 3, "confident": True}
    fallback["english"]["quanto tempo vale um cartão-presente?"] = "how long is a gift card valid?"
    await fallback["run"]("quanto tempo vale um cartão-presente?", language="pt")
    searched = fallback["requests"][-1]
    assert (searched["query"], searched["language"]) == ("how long is a gift card valid?", "en")
    # No route (German here): the shopper's own words, in their language.
    await fallback["run"]("wie lange ist ein Gutschein gültig?", language="de")
    searched = fallback["requests"][-1]
    assert (searched["query"], searched["language"]) == ("wie lange ist ein Gutschein gültig?", "de")


async def test_gibberish_the_embedder_rates_close_to_a_passage_is_not_answered(fallback) -> None:
    # The service's verdict alone would answer it: a high cosine, but not one word in common.
    privacy = {**PRICES, "doc_id": "privacy", "text": "We update this policy when our practices change."}
    privacy["metadata"] = {"section": "Changes", "dense_score": 0.8587, "lexical_score": 0.0}
    fallback["reply"] = {"results": [privacy], "version": 3, "confident": True}
    (message,), events = await fallback["run"]("blorp frobnicate zzkx", "out_of_scope")
    assert message["response"] == "utter_out_of_scope" and slot(events) is False
    (message,), _ = await fallback["run"]("blorp frobnicate zzkx")
    assert message["response"] == "utter_default"
    # A search in another language shares no words with English articles: the service's verdict stands.
    prices = {**PRICES, "metadata": {**PRICES["metadata"], "lexical_score": 0.0}}
    fallback["reply"] = {"results": [prices], "version": 3, "confident": True}
    (message,), events = await fallback["run"]("Machen Sie einen Preisabgleich?", language="de")
    assert "match prices" in message["text"] and slot(events) is True


async def test_a_frustrated_shopper_is_offered_a_person_above_the_answer(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 3, "confident": True}
    offer, answer = (await fallback["run"]("do you even price match??", sentiment=-0.9))[0]
    assert "talk to a person" in offer["text"] and offer["buttons"][0]["payload"] == "/human_handoff"
    assert answer["text"].startswith("No, we do not match prices")
    # out_of_scope turns get the offer from action_validate_slot_mappings, not twice.
    messages, _ = await fallback["run"]("do you even price match??", "out_of_scope", sentiment=-0.9)
    assert len(messages) == 1 and messages[0]["text"].startswith("No, we do not match prices")


SHOWN_TEES = {
    "reco_constraints": {"query": "a t-shirt", "type": ["t_shirt"], "max_price": 35.0},
    "last_products": [
        {"id": "P0150", "title": "Heavyweight T-Shirt", "price": 33.95, "currency": "EUR", "type": "t_shirt"}
    ],
}


def inform(text: str, intent: str, **slots: Any) -> Tracker:
    latest = user(text, intent)
    return Tracker(
        "u1",
        {"language": "pt", **slots},
        {**latest["parse_data"], "entities": []},
        [latest],
        False,
        None,
        {},
        "action_listen",
    )


@pytest.mark.parametrize("intent", ["inform", "nlu_fallback"])
async def test_a_size_given_right_after_product_cards_refines_them(
    aiohttp_server, monkeypatch: pytest.MonkeyPatch, process_clients, intent: str
) -> None:
    state = await serve_fake_knowledge(aiohttp_server, monkeypatch)
    state["products"] = SHOWN_TEES["last_products"]
    action = ActionUnplacedInform() if intent == "inform" else ActionKnowledgeFallback()
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, inform("tamanho L", intent, **SHOWN_TEES), {})
    assert dispatcher.messages[0]["response"] == "utter_recommend_ideas"
    filters = state["recommend_requests"][0]["filters"]
    assert (filters["type"], filters["max_price"], filters["size"]) == (["t_shirt"], 35.0, "L")


async def test_information_out_of_the_blue_without_product_cards_asks_to_rephrase(
    aiohttp_server, monkeypatch: pytest.MonkeyPatch, process_clients
) -> None:
    state = await serve_fake_knowledge(aiohttp_server, monkeypatch)
    dispatcher = CollectingDispatcher()
    assert await ActionUnplacedInform().run(dispatcher, inform("tamanho L", "inform"), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_default"
    assert "recommend_requests" not in state


def torn(text: str, runner_up: str) -> Tracker:
    """An nlu_fallback message whose best real intent was `runner_up`."""
    latest = user(text, "nlu_fallback")
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": runner_up, "confidence": 0.44}]
    parse = {**latest["parse_data"], "entities": [], "intent_ranking": ranking}
    return Tracker("u1", {"language": "nl"}, parse, [latest], False, None, {}, "action_listen")


async def test_a_fallback_torn_towards_shopping_shows_the_products_its_words_name(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 1, "confident": False}
    fallback["types"], fallback["products"] = ["rain_jacket"], SHOWN_TEES["last_products"]
    dispatcher = CollectingDispatcher()
    events = await fallback["action"].run(dispatcher, torn("kun je een regenjas aanraden?", "product_question"), {})
    assert dispatcher.messages[0]["response"] == "utter_recommend_ideas"
    assert fallback["recommend_requests"][0]["filters"]["type"] == ["rain_jacket"]
    assert slot(events) is True  # answered: not a misunderstanding


async def test_a_fallback_naming_no_product_type_or_torn_elsewhere_asks_to_rephrase(fallback) -> None:
    fallback["reply"] = {"results": [PRICES], "version": 1, "confident": False}
    dispatcher = CollectingDispatcher()
    await fallback["action"].run(dispatcher, torn("kun je dat herhalen?", "recommend"), {})
    assert dispatcher.messages[0]["response"] == "utter_default"
    fallback["types"] = ["rain_jacket"]
    dispatcher = CollectingDispatcher()
    await fallback["action"].run(dispatcher, torn("hebben jullie een spaarprogramma?", "greet"), {})
    assert dispatcher.messages[0]["response"] == "utter_default"
    assert "recommend_requests" not in fallback
