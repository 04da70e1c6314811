"""Order changes and landed-cost quotes without a running shop: proof rules, address reading, keys,
the words of refusals and quotes, and what the shopper hears when the order system is down.

The "down" cases point the actions at a loopback port nothing listens on (a real refused connection).
Calls against a running orders service are in tests/integration/test_actions_commerce.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import REPLY_LANGUAGE
from actions.landed_cost import ActionLandedCost, ValidateLandedCostForm, describe_quote, say_notes
from actions.order_changes import (
    ActionAbortOrderChange,
    ActionExecuteOrderChange,
    ActionPrepareCancel,
    ValidateChangeAddressForm,
    idempotency_key,
    parse_address,
)
from actions.order_forms import country_code, country_name
from actions.order_operations import CANCEL, OPERATIONS, refusal_text
from actions.order_status import ValidateOrderStatusForm
from tests.support import free_port, rendered, reply_text, texts
from tests.support import run_action as run

TOKEN = "bl1.eyJjaWQiOiJDMDAwMSJ9.c2lnbmF0dXJl"


def tracker(
    text: str = "",
    *,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    # As in a real tracker, each slot was set by an event (just now): the email's age decides whether it proves.
    now = time.time()
    slot_events = [{"event": "slot", "name": k, "value": v, "timestamp": now} for k, v in (slots or {}).items()]
    return Tracker(
        sender_id="unit-sender",
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": "inform"}, "entities": entities or [], "metadata": metadata},
        events=[*slot_events, *(events or [])],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


# ---------- proof of ownership ----------


async def test_logged_in_shoppers_are_not_asked_for_an_email() -> None:
    form = ValidateChangeAddressForm()
    slots = ["order_number", "email", "new_address"]
    logged_in = tracker("cancel BL-100001", metadata={"customer_token": TOKEN})
    assert await form.required_slots(slots, CollectingDispatcher(), logged_in, {}) == ["order_number", "new_address"]
    guest = tracker("cancel BL-100001")
    assert await form.required_slots(slots, CollectingDispatcher(), guest, {}) == slots


async def test_tracking_does_not_ask_a_logged_in_shopper_for_the_email() -> None:
    logged_in = tracker("where is BL-100001", metadata={"customer_token": TOKEN})
    slots = ["order_number", "email"]
    assert await ValidateOrderStatusForm().required_slots(slots, CollectingDispatcher(), logged_in, {}) == [
        "order_number"
    ]
    guest = tracker("where is BL-100001")
    assert await ValidateOrderStatusForm().required_slots(slots, CollectingDispatcher(), guest, {}) == slots


def test_the_change_forms_share_the_tracking_validation() -> None:
    dispatcher = CollectingDispatcher()
    text = "bl 100245, anna@example.com"
    result = ValidateChangeAddressForm().validate_order_number(text, dispatcher, tracker(text), {})
    assert result == {"order_number": "BL-100245", "email": "anna@example.com"}
    result = ValidateChangeAddressForm().validate_email("nope", dispatcher, tracker("nope"), {})
    assert result == {"email": None} and dispatcher.messages[0]["response"] == "utter_invalid_email"


# ---------- addresses and countries ----------


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Anna de Vries, Hauptstr. 5, 10115 Berlin, Germany",
            {"name": "Anna de Vries", "line1": "Hauptstr. 5", "city": "Berlin", "postcode": "10115", "country": "DE"},
        ),
        (
            "Keizersgracht 1234\n1015 CW Amsterdam\nthe Netherlands",
            {"name": "", "line1": "Keizersgracht 1234", "city": "Amsterdam", "postcode": "1015 CW", "country": "NL"},
        ),
        (
            "Ben Smith, 10 Downing Street, London SW1A 2AA, UK",
            {
                "name": "Ben Smith",
                "line1": "10 Downing Street",
                "city": "London",
                "postcode": "SW1A 2AA",
                "country": "GB",
            },
        ),
        (
            "Rua Augusta 100, 1100-053, Lisboa, Portugal",
            {"name": "", "line1": "Rua Augusta 100", "city": "Lisboa", "postcode": "1100-053", "country": "PT"},
        ),
    ],
)
def test_addresses_are_read_into_fields(text: str, expected: dict[str, str]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Berlin", "Hauptstr. 5, Berlin, Germany", "Hauptstr. 5, 10115 Berlin, Atlantis", "my new address", ""],
)
def test_incomplete_addresses_are_asked_again(text: str) -> None:
    assert parse_address(text) is None
    dispatcher = CollectingDispatcher()
    assert ValidateChangeAddressForm().validate_new_address(text, dispatcher, tracker(text), {}) == {
        "new_address": None
    }
    assert dispatcher.messages[0]["response"] == "utter_invalid_new_address"


def test_countries_are_read_from_names_codes_and_sentences() -> None:
    assert country_code("Germany") == "DE"
    assert country_code("de") == "DE"
    assert country_code("the UK") == "GB"
    assert country_code("please send it to south korea") == "KR"
    assert country_code("Atlantis") is None
    # In the shopper's language, anywhere in a sentence or as an address's last line.
    assert country_code("cuánto costaría con envío a suiza?") == "CH"
    assert country_code("wat kost het naar noorwegen inclusief verzending") == "NO"
    assert country_code("Deutschland", exact=True) == "DE" and country_code("nach Deutschland", exact=True) is None
    # Only the shop's destinations: the demo shop's rule tables do not ship to China.
    assert country_code("China") is None and country_code("cn") is None


def test_country_names_follow_the_reply_language() -> None:
    token = REPLY_LANGUAGE.set("de")
    try:
        assert country_name("CH") == "Schweiz"
    finally:
        REPLY_LANGUAGE.reset(token)
    assert country_name("NL") == "the Netherlands" and country_name("US") == "the United States"


def test_quote_form_rejects_countries_the_shop_does_not_ship_to() -> None:
    dispatcher = CollectingDispatcher()
    form = ValidateLandedCostForm()
    assert form.validate_quote_country("Japan", dispatcher, tracker("Japan"), {}) == {"quote_country": "JP"}
    assert form.validate_quote_country("Argentina", dispatcher, tracker("Argentina"), {}) == {"quote_country": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_quote_country"
    assert "isn't a country we deliver to" in texts(dispatcher.messages)


# ---------- keys and words ----------


def test_idempotency_keys_belong_to_one_confirmation_question() -> None:
    assert idempotency_key("q1", "cancel", "BL-100001") == idempotency_key("q1", "cancel", "BL-100001")
    assert idempotency_key("q1", "cancel", "BL-100001") != idempotency_key("q2", "cancel", "BL-100001")
    assert idempotency_key("q1", "cancel", "BL-100001") != idempotency_key("q1", "return", "BL-100001")
    long = idempotency_key("x" * 500, "cancel", "BL-100001")
    assert len(long) <= 200 and long.isprintable() and long == idempotency_key("x" * 500, "cancel", "BL-100001")


def test_the_confirmation_names_the_order_its_items_and_total() -> None:
    order = {
        "number": "BL-100245",
        "total": 84.9,
        "currency": "EUR",
        "items": [{"title": "Trail Mug", "quantity": 2}],
    }
    question = OPERATIONS[CANCEL].confirmation_question(order, None)
    assert question.response == "utter_confirm_cancel"
    assert question.variables == {"order_number": "BL-100245", "total": "€84.90", "items": "2 × Trail Mug"}
    text = reply_text(question)
    assert text.startswith("Cancel order BL-100245 (€84.90): 2 × Trail Mug?") and text.endswith("Yes or no?")
    assert reply_text(question, "de").startswith("Bestellung BL-100245 (€84.90) stornieren")


def test_refusals_state_the_rule_and_the_way_out() -> None:
    # The rule's numbers are the orders service's (the looked-up order's policy), never the bot's own.
    policy = {"return_window_days": 45, "refund_business_days": 7}
    shipped_order = {"number": "BL-1", "status": "in_transit", "policy": policy}
    shipped = refusal_text("cancel", "not_cancellable", shipped_order, {})
    assert [r.response for r in shipped] == ["utter_refuse_cancel_shipped", "utter_return_terms"]
    assert shipped[1].variables == {"return_window_days": 45, "refund_days": 7}
    text = reply_text(shipped)
    assert "already shipped" in text and "can't be cancelled" in text and "45 days of delivery" in text
    assert "7 business days" in text
    assert "45 Tagen" in reply_text(shipped, "de")
    late = refusal_text(
        "return", "return_window_closed", {"number": "BL-1", "return_deadline": "2026-02-07"}, {"policy": policy}
    )
    assert "45 days of delivery" in reply_text(late) and "Sat 07 Feb 2026" in reply_text(late)
    # Without the service's terms nothing about them is said (rather than a number of the bot's own).
    unknown = refusal_text("cancel", "not_cancellable", {"number": "BL-1", "status": "in_transit"}, {})
    assert [r.response for r in unknown] == ["utter_refuse_cancel_shipped"]
    blocked = refusal_text(
        "change_address",
        "country_not_allowed",
        {"number": "BL-1", "items": [{"product_id": "P3", "title": "Face Cream"}]},
        {"country": "GB", "products": ["P3"]},
    )
    assert "Face Cream" in reply_text(blocked) and "the United Kingdom" in reply_text(blocked)


def test_quotes_show_each_part_and_the_delivery_window() -> None:
    quote = {
        "country": "GB",
        "currency": "GBP",
        "prices_include_vat": False,
        "goods": 90.5,
        "shipping": 8.46,
        "duties": 0.0,
        "vat": 19.79,
        "vat_rate": 0.2,
        "total": 118.75,
        "carrier": "DHL Express",
        "delivery": {"min_business_days": 4, "max_business_days": 7, "earliest": "2026-03-19", "latest": "2026-03-24"},
        "notes": ["Duties and import taxes are collected at checkout; nothing to pay on delivery."],
    }
    replies = describe_quote("Trailhead 2 Tent", quote)
    assert [r.response for r in replies] == ["utter_quote_import", "utter_quote_delivery"]
    text = reply_text(replies)
    assert "Trailhead 2 Tent delivered to the United Kingdom" in text
    assert "£90.50" in text and "£8.46" in text and "£19.79 (20%)" in text and "Total: £118.75" in text
    assert "4–7 business days" in text
    assert "Gesamt: £118.75" in reply_text(replies, "de")


def test_coded_quote_notes_are_responses_and_others_stay_the_services_text() -> None:
    dispatcher = CollectingDispatcher()
    quote = {
        "zone": "EU",
        "notes": ["Prices include VAT; no duties within EU.", "Ask us about gift wrap."],
        "note_codes": ["vat_included", "gift_wrap"],
    }
    say_notes(dispatcher, quote)
    coded, other = dispatcher.messages
    assert coded["response"] == "utter_quote_note_vat_included" and coded["zone"] == "EU"
    assert other["text"] == "Ask us about gift wrap."
    assert "innerhalb von EU" in rendered(coded, "de")["text"]


# ---------- the order system is down ----------


@pytest.fixture
def nothing_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # bound and released: nothing listens there
    monkeypatch.setenv("ORDERS_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("RECOMMENDER_URL", f"http://127.0.0.1:{port}")


async def test_down_order_system_gets_an_apology_and_a_person(nothing_listening: None) -> None:
    dispatcher = CollectingDispatcher()
    events = await run(
        ActionPrepareCancel(),
        dispatcher,
        tracker("cancel", slots={"order_number": "BL-100001", "email": "a@example.com"}),
    )
    [message] = [rendered(m) for m in dispatcher.messages]
    assert message["response"] == "utter_change_order_system_down"
    assert "can't reach our order system" in message["text"] and "haven't changed anything" in message["text"]
    assert {"title": "Talk to a person", "payload": "/human_handoff"} in message["buttons"]
    assert {"event": "slot", "name": "order_change_pending", "value": None, "timestamp": None} in events


async def test_a_confirmed_change_that_cannot_be_sent_says_nothing_happened(nothing_listening: None) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(
        "yes",
        slots={
            "order_number": "BL-100001",
            "verified_proof": {"order_number": "BL-100001", "email": "a@example.com", "verified_at": time.time()},
            "order_change": "cancel",
            "order_change_id": "q-down",
            "order_change_pending": True,
        },
        events=[{"event": "action", "name": "action_prepare_cancel"}, {"event": "user", "text": "yes"}],
    )
    events = await run(ActionExecuteOrderChange(), dispatcher, t)
    [message] = [rendered(m) for m in dispatcher.messages]
    assert message["response"] == "utter_change_not_sent" and message["order_number"] == "BL-100001"
    assert "has not been made" in message["text"]
    assert {"title": "Talk to a person", "payload": "/human_handoff"} in message["buttons"]
    assert events == []  # the question stays open, so "yes" can retry under the same key


async def test_down_quote_services_get_an_apology_and_a_person(nothing_listening: None) -> None:
    dispatcher = CollectingDispatcher()
    await run(ActionLandedCost(), dispatcher, tracker("", slots={"quote_product": "tent", "quote_country": "DE"}))
    [message] = [rendered(m) for m in dispatcher.messages]
    assert "can't reach" in message["text"] and message["buttons"][0]["payload"] == "/human_handoff"


async def test_no_changes_nothing_sent() -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("no", slots={"order_number": "BL-100001", "order_change": "cancel", "order_change_pending": True})
    events = await run(ActionAbortOrderChange(), dispatcher, t)
    assert dispatcher.messages[0]["response"] == "utter_change_aborted"
    assert "haven't changed anything" in texts(dispatcher.messages)
    assert any(e["name"] == "order_change_pending" and e["value"] is None for e in events)


def test_the_action_server_registers_every_commerce_action() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    names = set(executor.actions)
    assert {
        "validate_order_status_form",
        "validate_cancel_order_form",
        "validate_change_address_form",
        "validate_start_return_form",
        "validate_landed_cost_form",
        "action_prepare_cancel",
        "action_prepare_address_change",
        "action_prepare_return",
        "action_execute_order_change",
        "action_abort_order_change",
        "action_landed_cost",
    } <= names


def test_the_title_the_request_names_most_completely_wins() -> None:
    from actions.landed_cost import title_match

    request = "how much will the Cairnfield Skylark 3-Person Tent cost delivered to norway?"
    assert title_match(request, "Cairnfield Skylark 3-Person Tent") == (1.0, 5)
    assert title_match(request, "Cairnfield Skylark 3-Person Tent") > title_match(request, "Cairnfield Cityhike 18 L")
    assert title_match("hiking boots", "Stridewell Ridgewalker Men's Mid Waterproof Hiking Boot")[1] == 2
    assert title_match("xyzzy", "Oakhaven Firelight Cedar & Amber Scented Candle")[1] == 0
    assert title_match("the", "The Candle")[1] == 0  # stopwords alone never match
