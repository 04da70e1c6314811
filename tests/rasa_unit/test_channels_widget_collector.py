"""The widget channel's collector (channels/widget_channel.py) against Rasa's own output-channel dispatch: each
bot message reaches the widget whole — its Markdown text uncut, its custom payload in the same object.

Run in the Rasa venv: .venv-rasa/bin/python -m pytest tests/rasa_unit/test_channels_widget_collector.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from channels.widget_channel import WholeMessageCollector

ANSWER = {
    "text": "Orders to **Germany** take:\n\n- 2–5 business days\n- 1–2 express\n\nSource: [Shipping](https://s.example/)",
    "custom": {"type": "answer", "answer_id": "a1", "answer": "Orders to **Germany** take: ...", "sources": []},
}


def collect(collector: CollectingOutputChannel, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async def run() -> None:
        for message in messages:
            # Rasa's dispatch pops keys from the message it is given: each collector gets its own copy.
            await collector.send_response("shopper", dict(message))

    asyncio.run(run())
    return collector.messages


def test_a_message_with_paragraphs_and_a_payload_stays_one_message() -> None:
    assert collect(WholeMessageCollector(), [ANSWER]) == [{"recipient_id": "shopper", **ANSWER}]
    # What Rasa's own collector would have sent instead: the text in three pieces, the payload apart.
    stock = collect(CollectingOutputChannel(), [ANSWER])
    assert [sorted(m) for m in stock] == [["recipient_id", "text"]] * 3 + [["custom", "recipient_id"]]


def test_buttons_quick_replies_and_images_keep_the_shape_the_widget_reads() -> None:
    buttons = [{"title": "Track my order", "payload": "/order_status"}]
    got = collect(
        WholeMessageCollector(),
        [
            {"text": "What next?", "buttons": buttons},
            {"text": "Did that help?", "quick_replies": buttons},
            {"image": "https://s.example/i.png"},
            {"custom": {"type": "csat_request"}},
            {"text": "  "},
        ],
    )
    assert got == [
        {"recipient_id": "shopper", "text": "What next?", "buttons": buttons},
        {"recipient_id": "shopper", "text": "Did that help?", "buttons": buttons},
        {"recipient_id": "shopper", "image": "https://s.example/i.png"},
        {"recipient_id": "shopper", "custom": {"type": "csat_request"}},
    ]
