"""The console's transcript and language rules (channels/transcript.py) and queue arithmetic."""

from __future__ import annotations

from channels import transcript
from channels.queue import FRUSTRATION_BOOST_S, expected_wait_s, priority_boost

TRACKER = {
    "slots": {"language": "en"},
    "events": [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "Onde está a minha encomenda?",
            "timestamp": 1.0,
            "parse_data": {
                "intent": {"name": "order_status"},
                "language": "pt",
                "sentiment": {"label": "negative", "score": -0.7},
            },
            "metadata": {"customer_token": "bl1.secret.sig", "page": {"url": "https://shop.example/cart?t=bl1.q#x"}},
        },
        {"event": "bot", "text": "Choose", "data": {"buttons": [{"title": "Track", "payload": "/order_status"}]}},
        {"event": "pause"},
        {"event": "user", "text": "/human_handoff", "parse_data": {"intent": {"name": "human_handoff"}}},
        {"event": "bot", "text": "Olá!", "metadata": {"agent": "ana", "original_text": "Hello!"}},
        {
            "event": "bot",
            "data": {
                "custom": {
                    "type": "product_cards",
                    "products": [{"title": "Tent", "price": 10, "currency": "EUR", "url": "https://x"}],
                }
            },
        },
        {"event": "resume"},
    ],
}


def test_the_transcript_names_every_speaker_and_never_shows_the_customer_token() -> None:
    messages = transcript.build(TRACKER)
    assert [m["role"] for m in messages] == ["shopper", "bot", "system", "shopper", "agent", "bot", "system"]
    first = messages[0]
    assert first["language"] == "pt"
    assert first["sentiment"] == {"label": "negative", "score": -0.7}
    assert first["page"] == "https://shop.example/cart"
    assert "bl1." not in str(messages)
    assert messages[1]["buttons"] == ["Track"]
    assert messages[4]["agent"] == "ana" and messages[4]["original_text"] == "Hello!"
    assert messages[5]["products"][0]["title"] == "Tent"


def test_the_shoppers_language_is_their_choice_else_the_detected_one() -> None:
    assert transcript.shopper_language(TRACKER) == "pt"
    assert transcript.shopper_language({**TRACKER, "slots": {"language": "de"}}) == "de"
    assert transcript.shopper_language({"slots": {"language": "en"}, "events": []}) is None
    assert transcript.latest_user_text(TRACKER) == "Onde está a minha encomenda?"


def test_frustration_moves_a_shopper_up_and_the_wait_is_shared_by_the_agents_online() -> None:
    assert priority_boost("neutral", 0.0) == 0.0
    assert priority_boost("positive", 0.9) == 0.0
    assert 0 < priority_boost("negative", -0.2) < priority_boost("negative", -1.0) == FRUSTRATION_BOOST_S
    assert expected_wait_s(3, 2, 240.0) == 360.0
    assert expected_wait_s(1, 0, 240.0) is None
    assert expected_wait_s(None, 2, 240.0) is None
