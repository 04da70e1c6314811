"""`action_handoff` and `action_offer_handoff` (actions/handoff.py) against the real console app: the
shopper is queued with their context and told their place, or that nobody is online, and the bot pauses;
with the console down they get the other routes to a person and the bot stays on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff, ActionOfferHandoff
from channels import auth
from channels.console import QUEUE, SM, create_app
from channels.settings import ConsoleSettings
from tests.security.console_support import offline_settings
from tests.support import free_port, run_action
from tests.support import texts as rendered_texts

# As long as svc/secrets.py requires of every token (the action server reads it from HANDOFF_API_TOKEN there).
TOKEN = "action-test-token-0123456789abcdef"


def settings(tmp: Path) -> ConsoleSettings:
    return offline_settings(tmp, rasa_token=None, handoff_token=TOKEN)


@pytest.fixture
async def console(aiohttp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:  # noqa: ANN001
    app = create_app(settings(tmp_path))
    server = await aiohttp_server(app)
    monkeypatch.setenv("CONSOLE_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("HANDOFF_API_TOKEN", TOKEN)
    yield app


def tracker(
    sender: str,
    *,
    intents: list[str],
    sentiment: dict | None = None,
    metadata: dict | None = None,
    moods: list[dict] | None = None,
    texts: list[str] | None = None,
) -> Tracker:
    """`sentiment` is the latest message's; `moods` gives one per message (as SentimentAnnotator sets it)."""
    moods = moods or [{"label": "neutral", "score": 0.0}] * (len(intents) - 1) + [sentiment]
    texts = texts or [f"message {i}" for i in range(len(intents))]
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for i, intent in enumerate(intents):
        parse: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}}
        if moods[i]:
            parse["sentiment"] = moods[i]
        events.append(
            {
                "event": "user",
                "text": texts[i],
                "timestamp": 1000.0 + i,
                "parse_data": parse,
                "input_channel": "rest",
                "metadata": metadata or {},
            }
        )
    latest = {**events[-1]["parse_data"], "text": texts[-1]}
    return Tracker(sender, {"language": "en"}, latest, events, False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> tuple[list[dict], str]:
    dispatcher = CollectingDispatcher()
    events = await run_action(action, dispatcher, t)
    return events, rendered_texts(dispatcher.messages)


async def test_with_nobody_online_the_shopper_may_leave_a_message_and_the_bot_pauses(console) -> None:  # noqa: ANN001
    meta = {"customer_token": "bl1.abc.def", "page": {"url": "https://shop.example/checkout"}}
    events, text = await run(
        ActionHandoff(), tracker("web-shopper-1", intents=["greet", "human_handoff"], metadata=meta)
    )
    assert [e["event"] for e in events] == ["pause"]
    assert "No one from our support team is online" in text
    ticket = await console[QUEUE].get_open("web-shopper-1")
    assert ticket.customer_token == "bl1.abc.def"
    assert ticket.page_url == "https://shop.example/checkout"
    assert (ticket.reason, ticket.channel, ticket.offline) == ("asked", "rest", True)


async def test_with_an_agent_online_the_shopper_hears_their_place_and_wait(console) -> None:  # noqa: ANN001
    await auth.add_user(console[SM], "ana", "ana-password-1", "agent")
    await auth.login(console[SM], "ana", "ana-password-1", 3600)
    await run(ActionHandoff(), tracker("web-calm", intents=["human_handoff"]))
    frustrated = {"label": "negative", "score": -0.8}
    events, text = await run(ActionHandoff(), tracker("web-angry", intents=["human_handoff"], sentiment=frustrated))
    assert [e["event"] for e in events] == ["pause"]
    assert "Your place in the queue: 1." in text
    assert "about 4 min." in text
    assert (await console[QUEUE].get_open("web-angry")).reason == "frustration"
    _, calm = await run(ActionHandoff(), tracker("web-calm", intents=["human_handoff"]))
    assert "queue: 2." in calm


async def test_tapping_the_offered_button_queues_a_frustrated_shopper_with_their_sentiment_history(console) -> None:  # noqa: ANN001
    moods = [
        {"label": "neutral", "score": 0.01},
        {"label": "negative", "score": -0.62},
        {"label": "negative", "score": -0.84},
        None,  # the tap on "Talk to a person" is a payload, not typed text
    ]
    t = tracker(
        "web-sour",
        intents=["order_status", "order_status", "order_status", "human_handoff"],
        moods=moods,
        texts=["where is my order", "it was due on monday", "this is ridiculous", "/human_handoff"],
    )
    await run(ActionHandoff(), t)
    ticket = await console[QUEUE].get_open("web-sour")
    assert ticket.reason == "frustration"
    assert [(h["label"], h["score"]) for h in ticket.sentiment_history] == [
        ("neutral", 0.01),
        ("negative", -0.62),
        ("negative", -0.84),
    ]
    # Ranked by the angriest recent message, not by the neutral tap.
    assert (ticket.sentiment_label, ticket.sentiment_score) == ("negative", -0.84)


async def test_with_the_console_down_the_shopper_gets_other_routes_and_the_bot_stays_on(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("CONSOLE_URL", f"http://127.0.0.1:{free_port()}")
    events, text = await run(ActionHandoff(), tracker("web-alone", intents=["human_handoff"]))
    assert events == []
    assert "support@lumengoods.example" in text


async def test_a_person_is_offered_after_repeated_misunderstandings_or_frustration() -> None:
    dispatcher = CollectingDispatcher()
    await ActionOfferHandoff().run(dispatcher, tracker("w1", intents=["greet", "nlu_fallback"]), {})
    assert dispatcher.messages[0]["response"] == "utter_default"
    dispatcher = CollectingDispatcher()
    await ActionOfferHandoff().run(dispatcher, tracker("w2", intents=["nlu_fallback", "nlu_fallback"]), {})
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/human_handoff", "/deny"]
    dispatcher = CollectingDispatcher()
    angry = {"label": "negative", "score": -0.9}
    events = await ActionOfferHandoff().run(dispatcher, tracker("w3", intents=["nlu_fallback"], sentiment=angry), {})
    assert "bring in a person" in rendered_texts(dispatcher.messages)
    # Marks the offer, so the per-turn frustration check does not offer again on the next message.
    assert [e["name"] for e in events] == ["frustration_offered_at"]
