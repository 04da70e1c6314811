"""The order-tracking form's validation and the status message, without any service."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import REPLY_LANGUAGE, day
from actions.order_status import ValidateOrderStatusForm, describe_order, find_email, find_order_number
from tests.support import reply_text


def tracker_with(
    text: str, entities: list[dict[str, Any]] | None = None, slots: dict[str, Any] | None = None
) -> Tracker:
    return Tracker(
        sender_id="unit",
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": "inform"}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "order_status_form"},
        latest_action_name="action_listen",
    )


def test_order_numbers_are_normalised_from_common_spellings() -> None:
    assert find_order_number("bl 100245") == "BL-100245"
    assert find_order_number("my order is BL100245, thanks") == "BL-100245"
    assert find_order_number("Bl-100245") == "BL-100245"


def test_things_that_are_not_order_numbers_are_rejected() -> None:
    for text in ("12345", "BL-12345", "BL-1234567", "XL-100245", "order please", ""):
        assert find_order_number(text) is None, text


def test_emails_are_trimmed_and_lower_cased() -> None:
    assert find_email("  it's Anna.K@Example.COM ") == "anna.k@example.com"
    assert find_email("anna at example dot com") is None


def test_form_keeps_a_valid_number_and_picks_up_an_email_in_the_same_message() -> None:
    dispatcher = CollectingDispatcher()
    text = "BL-100245 and my email is a@example.com"
    result = ValidateOrderStatusForm().validate_order_number(text, dispatcher, tracker_with(text), {})
    assert result == {"order_number": "BL-100245", "email": "a@example.com"}
    assert dispatcher.messages == []


def test_form_rejects_a_bad_number_with_a_hint() -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_order_number("12345", dispatcher, tracker_with("12345"), {})
    assert result == {"order_number": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_order_number"


def test_form_rejects_a_bad_email() -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_email("nope", dispatcher, tracker_with("nope"), {})
    assert result == {"email": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_email"


def test_status_message_names_the_carrier_tracking_and_estimate() -> None:
    order = {
        "number": "BL-100245",
        "status": "in_transit",
        "status_label": "On its way",
        "placed_at": "2026-11-18T10:00:00+00:00",
        "total": 64.9,
        "currency": "EUR",
        "items": [{"title": "Trail Mug", "quantity": 2}],
        "estimated_delivery": "2026-11-25",
        "shipments": [
            {
                "carrier": "DHL Express",
                "tracking_number": "JD0001",
                "tracking_url": None,
                "delivered_at": None,
                "latest_event": {"at": "2026-11-20T08:00:00+00:00", "location": "Leipzig", "description": "At hub"},
            }
        ],
    }
    replies = describe_order(order)
    assert [r.response for r in replies] == [
        "utter_order_status",
        "utter_order_items",
        "utter_order_shipped",
        "utter_order_latest_update",
        "utter_estimated_delivery",
    ]
    text = reply_text(replies)
    assert "BL-100245" in text and "€64.90" in text and "On its way" in text
    assert "DHL Express, tracking number JD0001" in text
    assert "Leipzig" in text and "At hub" in text
    assert "Estimated delivery: Wed 25 Nov 2026" in text
    # One line per item: titles are names, set apart from the reply's words.
    assert "Items:\n• 2 × Trail Mug" in text


def test_dates_and_statuses_are_written_in_the_reply_language() -> None:
    order = {
        "number": "BL-1",
        "status": "packed",
        "status_label": "Packed, waiting for the carrier",
        "total": 5,
        "currency": "EUR",
        "estimated_delivery": "2026-11-25",
    }
    token = REPLY_LANGUAGE.set("de")
    try:
        german = reply_text(describe_order(order), "de")
    finally:
        REPLY_LANGUAGE.reset(token)
    assert "Mi., 25. Nov. 2026" in german
    # The status in the shop's own German words (its rule tables' status_labels).
    assert "Verpackt, wartet auf den Zusteller" in german and "Packed" not in german
    assert day("2026-11-25", "fr") == "mer. 25 nov. 2026" and day("2026-11-25", "en") == "Wed 25 Nov 2026"
    # A language the responses are not written in gets the English date its English response needs.
    assert day("2026-11-25", "it") == "Wed 25 Nov 2026" and day("not a date", "de") == ""


def test_delivered_orders_do_not_promise_an_estimate() -> None:
    order = {
        "number": "BL-100246",
        "status": "delivered",
        "total": 10,
        "currency": "GBP",
        "estimated_delivery": "2026-11-01",
        "shipments": [{"carrier": "DHL", "tracking_number": "X", "delivered_at": "2026-10-30T12:00:00Z"}],
    }
    text = reply_text(describe_order(order))
    assert "Delivered on Fri 30 Oct 2026" in text
    assert "Estimated delivery" not in text
    assert "£10.00" in text
