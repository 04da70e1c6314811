"""The answer action's reply shapes, against an in-process HTTP server speaking the /v1/search contract."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_answer import ActionAnswerQuestion, _clip, plain_text
from clients.registry import close_process_clients
from tests.support import free_port
from tests.unit.fake_knowledge import serve_fake_knowledge

PRODUCT = {
    "doc_id": "P0055",
    "chunk_id": "P0055",
    "type": "product",
    "title": "Nordvik Kite 65 L Waterproof Trekking Backpack",
    "url": "https://shop.lumengoods.example/products/p0055",
    "text": "A trekking pack. waterproof: yes.",
    "score": 0.03,
    "metadata": {"price": 134.95, "currency": "EUR", "image_url": "https://shop.lumengoods.example/i/p0055.jpg"},
}
POLICY = {
    "doc_id": "returns",
    "chunk_id": "returns#refunds",
    "type": "policy",
    "title": "Returns and refunds",
    "url": "https://shop.lumengoods.example/policies/returns#refunds",
    "text": "We refund within 5 business days.",
    "score": 0.03,
    "metadata": {"section": "Refunds"},
}


def composed_answer(
    answer_id: str, markdown: str, source: dict[str, str], chunk_id: str, more: str = "The whole passage."
) -> dict[str, Any]:
    """A composed answer as the knowledge service's /v1/answer returns it (one source, a passage)."""
    return {
        "id": answer_id,
        "kind": "passage",
        "answer": markdown,
        "sources": [source],
        "more": more,
        "doc_id": chunk_id.split("#")[0],
        "chunk_id": chunk_id,
    }


def tracker(text: str, intent: str = "ask_returns", language: str = "en", **slots: Any) -> Tracker:
    return Tracker(
        "u1",
        {"language": language, **slots},
        {"text": text, "intent": {"name": intent}, "entities": []},
        [],
        False,
        None,
        {},
        "action_listen",
    )


@pytest.fixture
async def answer(aiohttp_server, monkeypatch: pytest.MonkeyPatch, process_clients):
    state = await serve_fake_knowledge(aiohttp_server, monkeypatch)
    action = ActionAnswerQuestion()

    async def run(text: str, intent: str = "ask_returns", language: str = "en", **slots: Any) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        state["events"] = await action.run(dispatcher, tracker(text, intent, language, **slots), {})
        if not state.get("events_expected"):
            assert state["events"] == []
        return dispatcher.messages

    state["run"] = run
    state["action"] = action
    yield state


async def test_policy_intents_search_articles_and_cite(answer) -> None:
    answer["reply"] = {"results": [POLICY], "version": 3, "confident": True}
    (message,) = await answer["run"]("when do I get my money back")
    assert answer["requests"][0]["filters"] == {"type": ["policy", "faq"]}
    assert answer["requests"][0]["language"] == "en"
    assert message["text"].startswith("We refund within 5 business days.")
    assert (
        "Source: Returns and refunds — Refunds (https://shop.lumengoods.example/policies/returns#refunds)"
        in (message["text"])
    )


async def test_product_hits_become_cards(answer) -> None:
    answer["reply"] = {"results": [PRODUCT, POLICY], "version": 3, "confident": True}
    (message,) = await answer["run"]("is the kite backpack waterproof", "product_question")
    assert "filters" not in answer["requests"][0]
    assert message["custom"] == {
        "type": "product_cards",
        "products": [
            {
                "id": "P0055",
                "title": "Nordvik Kite 65 L Waterproof Trekking Backpack",
                "price": 134.95,
                "currency": "EUR",
                "image_url": "https://shop.lumengoods.example/i/p0055.jpg",
                "url": "https://shop.lumengoods.example/products/p0055",
            }
        ],
    }
    assert "€134.95" in message["text"] and "waterproof: yes" in message["text"]


async def test_not_confident_means_no_guess(answer) -> None:
    answer["reply"] = {"results": [POLICY], "version": 3, "confident": False}
    (message,) = await answer["run"]("do you sell sofas")
    assert message["response"] == "utter_knowledge_not_sure" and not message.get("custom")
    assert [b["payload"] for b in message["buttons"]] == ["/rephrase", "/human_handoff"]


async def test_service_errors_end_in_an_apology(answer) -> None:
    answer["status"], answer["reply"] = 503, {"error": {"code": "down", "message": "x"}}
    (message,) = await answer["run"]("refund")
    assert message["response"] == "utter_knowledge_unavailable" and message["buttons"][0]["payload"] == "/human_handoff"


async def test_button_payloads_are_not_searched(answer) -> None:
    answer["reply"] = {"results": [], "version": 3, "confident": False}
    (message,) = await answer["run"]("/ask_returns")
    assert answer["requests"] == [] and message["response"] == "utter_ask_question_words"


def test_long_passages_are_clipped_on_a_sentence() -> None:
    text = "First sentence is here. " * 60
    clipped = _clip(text, 200)
    assert len(clipped) <= 200 and clipped.endswith(".")


async def test_a_composed_answer_is_one_message_with_the_widget_payload(answer) -> None:
    composed = composed_answer(
        "a1b2",
        "| Zone | Standard | Express |\n|---|---|---|\n| EU | **2–5** business days | 1–2 days |",
        {"title": "Shipping — Delivery times", "url": "https://shop.lumengoods.example/s#times"},
        "shipping#delivery-times",
        more="**Delivery times**\n\nThe whole passage.",
    )
    answer["reply"] = {"results": [POLICY], "version": 3, "confident": True, "answer": composed}
    (message,) = await answer["run"]("how long to the EU?", "ask_shipping")
    assert message["custom"] == {
        "type": "answer",
        "answer_id": "a1b2",
        "answer": composed["answer"],
        "sources": composed["sources"],
        "more": composed["more"],
        "language": "en",
    }
    # Text channels get the row as words, not pipes, and one citation line.
    assert message["text"] == (
        "• EU — Standard: 2–5 business days; Express: 1–2 days\n\n"
        "Source: Shipping — Delivery times (https://shop.lumengoods.example/s#times)"
    )


async def test_a_confident_search_without_a_composed_answer_is_no_answer(answer) -> None:
    answer["reply"] = {"results": [POLICY], "version": 3, "confident": True, "answer": None}
    (message,) = await answer["run"]("refund", "ask_returns")
    assert message["response"] == "utter_knowledge_not_sure" and not message.get("custom")


def test_plain_text_keeps_lists_and_links_readable() -> None:
    markdown = "You have **30 days**:\n- unused items;\n- see [warranty](https://x.example/w)."
    assert plain_text(markdown) == "You have 30 days:\n• unused items;\n• see warranty (https://x.example/w)."


async def test_a_topic_intent_asks_the_search_to_prefer_its_article(answer) -> None:
    privacy = {
        **POLICY,
        "doc_id": "privacy",
        "chunk_id": "privacy#changes",
        "title": "Privacy policy",
        "text": "We update this policy when our practices change.",
        "score": 0.05,
        "url": "https://shop.lumengoods.example/policies/privacy#changes",
        "metadata": {"section": "Changes"},
    }
    answer["reply"] = {"results": [POLICY, privacy], "version": 3, "confident": True}
    (message,) = await answer["run"]("what is your return policy?", "ask_returns")
    assert answer["requests"][-1]["prefer_doc_ids"] == ["returns"]
    assert message["text"].startswith("We refund within 5 business days.")
    (message,) = await answer["run"]("how long does delivery take?", "ask_shipping")
    assert answer["requests"][-1]["prefer_doc_ids"] == ["shipping"]
    # Without a topic intent nothing is preferred; the service's order is the answer's order either way.
    answer["reply"] = {"results": [privacy, POLICY], "version": 3, "confident": True}
    (message,) = await answer["run"]("what is your policy?", "product_question")
    assert "prefer_doc_ids" not in answer["requests"][-1]
    assert message["text"].startswith("We update this policy")


async def test_a_question_is_searched_in_english_where_a_translation_route_exists(answer) -> None:
    answer["reply"] = {"version": 1, "confident": True, "results": [POLICY]}
    answer["english"]["quanto tempo demora o reembolso?"] = "how long does the refund take?"
    await answer["run"]("quanto tempo demora o reembolso?", language="pt")
    (searched,) = answer["requests"]
    assert (searched["query"], searched.get("language")) == ("how long does the refund take?", "en")
    assert answer["translations"][0]["source"] == "pt"


async def test_without_a_route_or_a_models_service_the_shoppers_own_words_are_searched(answer) -> None:
    answer["reply"] = {"version": 1, "confident": True, "results": [POLICY]}
    await answer["run"]("wie lange dauert die Erstattung?", language="de")
    assert (answer["requests"][-1]["query"], answer["requests"][-1].get("language")) == (
        "wie lange dauert die Erstattung?",
        "de",
    )
    # The models service goes away (nothing listens on a fresh port); the clients reconnect on next use.
    answer["monkeypatch"].setenv("MODELS_URL", f"http://127.0.0.1:{free_port()}")
    answer["monkeypatch"].setenv("TRANSLATE_TIMEOUT_S", "1.0")
    await close_process_clients()
    await answer["run"]("quanto tempo demora o reembolso?", language="pt")
    assert answer["requests"][-1]["query"] == "quanto tempo demora o reembolso?"
    # English questions are never sent for translation.
    before = len(answer["translations"])
    await answer["run"]("how long does the refund take?")
    assert len(answer["translations"]) == before


HOODIE = {"id": "P0120", "title": "Merino Hoodie", "type": "hoodie", "price": 79.0, "currency": "EUR", "url": ""}


async def test_a_product_question_without_an_answer_shows_the_products_it_names(answer) -> None:
    answer["reply"] = {"results": [POLICY], "version": 1, "confident": False}
    answer["types"], answer["products"], answer["events_expected"] = ["hoodie"], [HOODIE], True
    (message,) = await answer["run"]("do you sell hoodies?", "product_question")
    assert message["response"] == "utter_recommend_ideas"
    assert [p["id"] for p in message["custom"]["products"]] == ["P0120"]
    (request,) = answer["recommend_requests"]
    assert request["filters"]["type"] == ["hoodie"] and request["filters"]["in_stock"] is True


async def test_a_product_question_naming_no_product_type_stays_unsure(answer) -> None:
    answer["reply"] = {"results": [POLICY], "version": 1, "confident": False}
    (message,) = await answer["run"]("is it any good?", "product_question")
    assert message["response"] == "utter_knowledge_not_sure"
    assert "recommend_requests" not in answer


async def test_a_size_question_right_after_product_cards_refines_them(answer) -> None:
    answer["products"], answer["events_expected"] = [HOODIE], True
    shown = {"reco_constraints": {"query": "hoodie", "type": ["hoodie"], "max_price": 80.0}, "last_products": [HOODIE]}
    (message,) = await answer["run"]("do they come in size M?", "product_question", **shown)
    assert message["response"] == "utter_recommend_ideas"
    assert answer["requests"] == []  # the knowledge base was not asked
    filters = answer["recommend_requests"][0]["filters"]
    assert (filters["type"], filters["max_price"], filters["size"]) == (["hoodie"], 80.0, "M")


async def test_a_question_about_a_process_is_answered_with_a_button_that_starts_it(answer) -> None:
    composed = composed_answer(
        "c1",
        "You can cancel an order until it ships.",
        {"title": "Order changes", "url": "https://shop.lumengoods.example/policies/order-changes"},
        "order-changes#cancel",
    )
    answer["reply"] = {"results": [POLICY], "version": 3, "confident": True, "answer": composed}
    (message,) = await answer["run"]("until when can I cancel an order?", "cancel_order")
    assert answer["requests"][-1]["filters"] == {"type": ["policy", "faq"]}
    assert answer["requests"][-1]["prefer_doc_ids"] == ["order-changes"]
    assert message["text"].startswith("You can cancel an order until it ships.")
    assert message["buttons"] == [{"title": "Cancel an order", "payload": "/cancel_order"}]
    # A plain policy question gets no such button.
    (message,) = await answer["run"]("what is your return policy?", "ask_returns")
    assert not message.get("buttons")
