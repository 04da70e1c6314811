"""Replies in the shopper's language: language tracking, explicit choice, and the reply post-processing
when no translation path exists (the models service is not running)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import CONFIRMATIONS, ActionChangeLanguage, ActionTrackLanguage
from actions.localize import (
    BUTTON_TITLES,
    NOTICES,
    Localizer,
    localized,
    protected_tokens,
    should_translate,
    split_link_tail,
    written_in,
)
from clients import ModelsClient
from tests.support import free_port, rendered, service_clients

SOURCE = "Source: Shipping (https://shop.lumengoods.example/policies/shipping)"
REPLY = (
    "Order BL-100245 has shipped with DHL tracking JD014600006789.\n"
    "\n"
    "Source: Shipping (https://shop.lumengoods.example/policies/shipping)\n"
    "https://shop.lumengoods.example/track/JD014600006789"
)


def tracker(
    text: str, slots: dict[str, Any] | None = None, *, language: str = "en", confidence: float = 0.99
) -> Tracker:
    message = {"text": text, "intent": {"name": "inform"}, "entities": [], "language": language}
    message["language_confidence"] = confidence
    return Tracker("u1", {"language": "en", **(slots or {})}, message, [], False, None, {}, "action_listen")


@pytest.fixture
async def down_models() -> AsyncIterator[ModelsClient]:
    # Nothing listens on a fresh free port: the connection is refused at once.
    async with service_clients(models=f"http://127.0.0.1:{free_port()}") as holder:
        yield holder.models().using(timeout_s=1.0)


@pytest.fixture
def models_down(monkeypatch: pytest.MonkeyPatch, process_clients: Any) -> None:
    """The process's models client (what decorated actions use) points where nothing listens."""
    monkeypatch.setenv("MODELS_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TRANSLATE_TIMEOUT_S", "1.0")


def test_links_product_lines_and_blank_lines_are_not_sent_for_translation() -> None:
    assert should_translate("Source: Shipping (https://shop.lumengoods.example/policies/shipping)")
    assert not should_translate("https://shop.lumengoods.example/track/JD014600006789")
    assert not should_translate("• Trailhead 2 tent — €189.00 https://shop.lumengoods.example/products/p0001")
    assert not should_translate("   ")
    assert not should_translate("BL-100245")


def test_a_trailing_link_is_split_off_the_prose() -> None:
    assert split_link_tail(SOURCE) == ("Source: Shipping", " (https://shop.lumengoods.example/policies/shipping)")
    assert split_link_tail("No link here.") == ("No link here.", "")


def test_protected_tokens_cover_links_order_and_tracking_numbers_and_titles() -> None:
    tokens = protected_tokens(
        "Order BL-100245 (Trailhead 2 tent) ships with tracking JD014600006789, see https://x.example/t/1.",
        ["Trailhead 2 tent"],
    )
    assert {"BL-100245", "JD014600006789", "https://x.example/t/1.", "Trailhead 2 tent"} <= set(tokens)


@pytest.mark.parametrize("language", ["es", "pt", "de", "fr", "nl", "it", "pl", "ja"])
async def test_service_down_means_english_with_a_notice_in_the_shoppers_language(
    language: str, down_models: ModelsClient
) -> None:
    localizer = Localizer(down_models)
    messages = [{"text": REPLY, "buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}]}]
    await localizer.localize(messages, language)
    assert messages[0]["text"] == f"{NOTICES[language]}\n{REPLY}"
    # The fixed button titles are written per language, so they follow the shopper without a translator.
    title = BUTTON_TITLES["Talk to a person"].get(language, "Talk to a person")
    assert messages[0]["buttons"] == [{"title": title, "payload": "/human_handoff"}]


async def test_an_answer_already_in_the_shoppers_language_is_sent_as_it_is(down_models: ModelsClient) -> None:
    """A rule-table fact the knowledge service wrote in German: no translation needed, so no notice, although
    the passage behind it ("More") could not be translated."""
    text = "Deutschland liegt in unserer Versandzone **EU**: Standardversand dauert **2–5 Werktage**."
    custom = {"type": "answer", "answer": text, "more": "**Delivery times**\n\nWe ship ...", "language": "de"}
    messages = [{"text": f"{text}\n\nQuelle: Shipping (https://x.example/shipping)", "custom": custom}]
    before = repr(messages)
    await Localizer(down_models).localize(messages, "de")
    assert repr(messages) == before
    # The same answer in English for a Spanish shopper, with nothing to translate it: the notice says so.
    english = {"type": "answer", "answer": "Germany is in our EU zone.", "more": "We ship ...", "language": "en"}
    messages = [{"text": "Germany is in our EU zone.", "custom": english}]
    await Localizer(down_models).localize(messages, "es")
    assert messages[0]["text"].startswith(NOTICES["es"])


async def test_text_an_action_wrote_in_the_language_is_marked_and_not_translated(down_models: ModelsClient) -> None:
    offer = {"text": "Es tut mir leid, dass das so ärgerlich ist.", **written_in("de")}
    answer = {"text": "Chat is the fastest way to reach us."}
    messages = [offer, answer]
    await Localizer(down_models).localize(messages, "de")
    # The German offer is left as it is, the notice goes above the English answer, the mark never reaches Rasa.
    assert messages[0] == {"text": "Es tut mir leid, dass das so ärgerlich ist."}
    assert messages[1]["text"] == f"{NOTICES['de']}\nChat is the fastest way to reach us."


async def test_english_and_template_replies_are_left_alone(down_models: ModelsClient) -> None:
    localizer = Localizer(down_models)
    messages = [{"text": REPLY}, {"response": "utter_greet"}]
    await localizer.localize(messages, "en")
    await localizer.localize([messages[1]], "es")
    assert messages == [{"text": REPLY}, {"response": "utter_greet"}]


@localized
class _Speaker(Action):
    def name(self) -> str:
        return "action_test_speaker"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        dispatcher.utter_message(text="Your parcel is on its way.")
        return []


@localized
class _LoudSpeaker(_Speaker):
    """Calls a localized parent's run: the reply is still post-processed exactly once."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        return await super().run(dispatcher, tracker, domain)


@pytest.mark.parametrize("action_class", [_Speaker, _LoudSpeaker])
async def test_decorated_actions_post_process_only_their_own_messages_once(
    action_class: type[Action], models_down: None
) -> None:
    action = action_class()
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(text="Earlier message.")
    await action.run(dispatcher, tracker("hola", {"language": "es"}), {})
    assert [m["text"] for m in dispatcher.messages] == [
        "Earlier message.",
        f"{NOTICES['es']}\nYour parcel is on its way.",
    ]


async def test_language_follows_a_confident_message_of_two_words_or_more() -> None:
    action = ActionTrackLanguage()
    assert await action.run(CollectingDispatcher(), tracker("¿dónde está mi pedido?", language="es"), {}) == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "es"}
    ]
    # Japanese has no spaces: two characters count as a word, so a question switches and "はい" does not.
    japanese = tracker("注文BL-100512はもう発送されましたか", language="ja")
    assert await action.run(CollectingDispatcher(), japanese, {}) == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "ja"}
    ]
    # One word, an order number, low confidence, an unsupported language, a button: no change.
    for text, language, confidence in [
        ("gracias", "es", 0.99),
        ("はい", "ja", 0.99),
        ("BL-100245 a@b.example", "es", 0.99),
        ("dónde está mi pedido", "es", 0.3),
        ("nerede benim siparişim", "tr", 0.99),
        ("/order_status now", "es", 0.99),
    ]:
        assert (
            await action.run(CollectingDispatcher(), tracker(text, language=language, confidence=confidence), {}) == []
        )


async def test_a_value_a_form_asked_for_does_not_change_the_language() -> None:
    address = tracker("Oudegracht 150, 3511 AZ Utrecht, Netherlands", {"requested_slot": "new_address"}, language="nl")
    address.active_loop = {"name": "change_address_form"}
    assert await ActionTrackLanguage().run(CollectingDispatcher(), address, {}) == []


async def test_an_explicit_choice_sticks() -> None:
    track = ActionTrackLanguage()
    locked = tracker("where is my order?", {"language": "de", "language_locked": True})
    assert await track.run(CollectingDispatcher(), locked, {}) == []


async def test_change_language_sets_and_locks_and_confirms_in_that_language() -> None:
    dispatcher = CollectingDispatcher()
    chosen = tracker("can we speak Spanish?")
    chosen.latest_message["entities"] = [{"entity": "language", "value": "Spanish"}]
    events = await ActionChangeLanguage().run(dispatcher, chosen, {})
    assert {(e["name"], e["value"]) for e in events} == {("language", "es"), ("language_locked", True)}
    assert dispatcher.messages[0]["text"] == CONFIRMATIONS["es"]
    assert "not switched on" not in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("podemos falar em espanhol?", "es"),
        ("Können wir auf Englisch weitermachen?", "en"),
        ("on peut parler en allemand ?", "de"),
        ("давайте на испанском", "es"),
        ("можно по-английски?", "en"),
        ("日本語でお願いします", "ja"),
        ("mówisz po polsku?", "pl"),
        ("in het Nederlands graag", "nl"),
    ],
)
async def test_a_language_named_in_the_shoppers_own_words_is_understood_without_an_entity(text: str, code: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionChangeLanguage().run(dispatcher, tracker(text), {})
    assert ("language", code) in {(e["name"], e["value"]) for e in events}
    assert dispatcher.messages[0]["text"] == CONFIRMATIONS[code]


async def test_naming_no_language_or_two_asks_which_one_and_changes_nothing() -> None:
    for text in ("can we switch language?", "hablas inglés o alemán?"):
        dispatcher = CollectingDispatcher()
        assert await ActionChangeLanguage().run(dispatcher, tracker(text), {}) == []
        assert dispatcher.messages[0]["response"] == "utter_ask_which_language"
        assert rendered(dispatcher.messages[0])["text"].startswith("Which language would you like?")
