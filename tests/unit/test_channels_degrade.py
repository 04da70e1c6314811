"""How rich replies degrade on messaging apps (channels/degrade.py)."""

from __future__ import annotations

from channels.degrade import custom_as_text, last_offered_buttons, numbered_options, product_lines, resolve_choice

BUTTONS = [
    {"title": "Track my order", "payload": "/order_status"},
    {"title": "Talk to a person", "payload": "/human_handoff"},
]


def test_buttons_become_numbered_options_without_exposing_payloads() -> None:
    text = numbered_options("What next?", BUTTONS)
    assert text == "What next?\n\n1. Track my order\n2. Talk to a person\n\nReply with a number."
    assert "/order_status" not in text


def test_a_number_or_a_title_selects_the_button() -> None:
    assert resolve_choice("2", BUTTONS) == "/human_handoff"
    assert resolve_choice(" 1. ", BUTTONS) == "/order_status"
    assert resolve_choice("1)", BUTTONS) == "/order_status"
    assert resolve_choice("talk to a PERSON", BUTTONS) == "/human_handoff"
    assert resolve_choice("3", BUTTONS) is None
    assert resolve_choice("2 tents please", BUTTONS) is None
    assert resolve_choice("2", []) is None


def test_only_buttons_the_shopper_has_not_answered_yet_count() -> None:
    events = [{"event": "user", "text": "hi"}, {"event": "bot", "text": "Pick", "data": {"buttons": BUTTONS}}]
    assert last_offered_buttons(events) == BUTTONS
    assert last_offered_buttons([*events, {"event": "user", "text": "1"}]) == []
    assert last_offered_buttons([*events, {"event": "bot", "text": "more", "data": {}}]) == BUTTONS


def test_product_cards_become_text_lines_with_links() -> None:
    products = [
        {"title": "Trail Tent 2", "price": 149, "currency": "EUR", "url": "https://shop.example/p/1"},
        {"title": "Mug", "price": 9.5, "currency": "EUR"},
    ]
    assert product_lines(products) == "1. Trail Tent 2 — 149.00 EUR\nhttps://shop.example/p/1\n2. Mug — 9.50 EUR"
    assert custom_as_text({"type": "product_cards", "products": products}).startswith("1. Trail Tent 2")
    assert custom_as_text({"type": "csat_request"}) == "Thanks for chatting with us!"
    assert custom_as_text({"type": "template", "template": {}}) is None


def test_a_knowledge_answer_payload_adds_nothing_to_its_text_on_messaging_apps() -> None:
    # The answer's text already carries the answer and its source; the payload is for the widget's chips.
    payload = {"type": "answer", "answer_id": "a1", "answer": "2–5 days", "sources": [], "more": "…"}
    assert custom_as_text(payload) == ""
    assert custom_as_text({"type": "something_for_the_platform"}) is None
