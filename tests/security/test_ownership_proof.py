"""Attacks on proof of ownership, through the real assistant (Rasa, action server, orders service).

Issue 10, items 3 and 5: a shopper's proof (their email, once the orders service accepted it) must not
be inherited by a new session, a logout, a closed handoff, another conversation or another order, and
must not outlive its short verified window; an address changed A -> B -> A must end at A. Each test
fails if the attack works again. Replies are driven by the tracker's state (which slot the form asks
for, whether a confirmation is pending), not by the wording of the replies.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import pytest

from actions.order_forms import country_name
from tests.integration.conftest import ASSISTANT_PROOF_TTL_S, DEMO_DATA, Assistant
from tests.support import TEST_RASA_TOKEN, wait_until

pytestmark = pytest.mark.e2e

CHANGEABLE = ("paid", "packed", "pending")


# ---------- demo orders and the services' own view of them ----------


def _demo_orders() -> list[dict[str, Any]]:
    with open(DEMO_DATA / "orders.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def tracked_orders() -> list[dict[str, Any]]:
    """Orders with a tracking number to reveal (never changed by these tests)."""
    return [o for o in _demo_orders() if o["status"] == "in_transit" and o.get("shipments")]


def changeable_orders() -> list[dict[str, Any]]:
    """Orders whose address can still change, with a plain address the form can read back."""
    return [
        o
        for o in _demo_orders()
        if o["status"] in CHANGEABLE
        and all("," not in str(v) for v in o["shipping_address"].values())
        and o["shipping_address"].get("country") in {"DE", "FR", "IT", "ES", "AT", "BE", "NL", "PT"}
    ]


def customer_with_two_tracked_orders() -> tuple[dict[str, Any], dict[str, Any]]:
    by_email: dict[str, list[dict[str, Any]]] = {}
    for order in tracked_orders():
        by_email.setdefault(order["email"], []).append(order)
    for orders in by_email.values():
        if len(orders) >= 2:
            return orders[0], orders[1]
    raise AssertionError("the demo data has no customer with two orders in transit")


def orders_view(assistant: Assistant, number: str, email: str) -> dict[str, Any]:
    """The order as the orders service shows it to its owner (HTTP API, not through the assistant)."""
    body = json.dumps({"order_number": number, "email": email}).encode()
    request = urllib.request.Request(
        f"{assistant.orders_url}/v1/orders/lookup", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())["order"]


# ---------- talking to the assistant ----------


def new_sender() -> str:
    return f"sec-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def slots(assistant: Assistant, sender: str) -> dict[str, Any]:
    return assistant.tracker(sender)["slots"]


def append_events(assistant: Assistant, sender: str, events: list[dict[str, Any]]) -> None:
    """What the agents' console does at logout (`restart`) and handoff close (slot resets)."""
    request = urllib.request.Request(
        f"{assistant.rasa_url}/conversations/{assistant.conversation_id(sender)}/tracker/events?token={TEST_RASA_TOKEN}",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 200


def prove_and_track(assistant: Assistant, sender: str, order: dict[str, Any]) -> str:
    """Tracks `order` with its number and email, as its owner does; returns the answer."""
    assistant.say(sender, f"where is my order {order['number']}?")
    if slots(assistant, sender).get("requested_slot") == "order_number":
        assistant.say(sender, order["number"])
    reply = texts(assistant.say(sender, order["email"]))
    assert order["shipments"][0]["tracking_number"] in reply, reply
    return reply


def ask_about(assistant: Assistant, sender: str, order: dict[str, Any]) -> str:
    """Asks for `order` by its number alone, as a stranger who knows only the number would."""
    return texts(assistant.say(sender, f"where is my order {order['number']}?"))


def refused_without_proof(assistant: Assistant, sender: str, order: dict[str, Any], reply: str) -> None:
    """The assistant asks for the email and reveals nothing of the order."""
    assert order["shipments"][0]["tracking_number"] not in reply, reply
    assert "Estimated delivery" not in reply and "Items:" not in reply, reply
    state = slots(assistant, sender)
    assert state.get("requested_slot") == "email", state
    assert (state.get("verified_proof") or {}).get("order_number") != order["number"], state


def address_text(order: dict[str, Any], city: str) -> str:
    address = order["shipping_address"]
    return f"{address['name']}, Harbour Road 1, {address['postcode']} {city}, {country_name(address['country'])}"


def ask_for_change(assistant: Assistant, sender: str, request: str, order: dict[str, Any], city: str = "") -> str:
    """Sends `request`, answers whatever the form asks as the owner would, and stops at the confirmation."""
    reply = texts(assistant.say(sender, request))
    for _ in range(8):
        state = slots(assistant, sender)
        if state.get("order_change_pending"):
            return reply
        answer = {
            "order_number": order["number"],
            "email": order["email"],
            "new_address": address_text(order, city),
        }.get(state.get("requested_slot") or "")
        if answer is None:
            break
        reply = texts(assistant.say(sender, answer))
    raise AssertionError(f"the change did not reach its confirmation: {reply}\n{state}")


# ---------- proof is not inherited ----------


def test_a_proven_order_is_answered_again_only_within_the_same_session(assistant: Assistant) -> None:
    order = tracked_orders()[0]
    sender = new_sender()
    prove_and_track(assistant, sender, order)
    # Within the verified window the owner is not asked again for the same order...
    assert order["shipments"][0]["tracking_number"] in ask_about(assistant, sender, order)
    assistant.say(sender, "can you speak Spanish?")
    # ...but a new session (the next person at the computer) starts with no proof; the language stays.
    assistant.say(sender, "/session_start")
    state = slots(assistant, sender)
    assert state["language"] == "es"
    assert state["email"] is None and state["verified_proof"] is None and state["order_number"] is None
    refused_without_proof(assistant, sender, order, ask_about(assistant, sender, order))


def test_another_conversation_cannot_read_a_proven_order_with_its_number(assistant: Assistant) -> None:
    order = tracked_orders()[1]
    owner, stranger = new_sender(), new_sender()
    prove_and_track(assistant, owner, order)
    refused_without_proof(assistant, stranger, order, ask_about(assistant, stranger, order))
    wrong = texts(assistant.say(stranger, "stranger@example.com"))
    assert "couldn't find" in wrong and order["shipments"][0]["tracking_number"] not in wrong


def test_the_owners_email_does_not_prove_their_other_orders(assistant: Assistant) -> None:
    first, second = customer_with_two_tracked_orders()
    sender = new_sender()
    prove_and_track(assistant, sender, first)
    refused_without_proof(assistant, sender, second, ask_about(assistant, sender, second))


def test_logout_drops_the_proof(assistant: Assistant) -> None:
    order = tracked_orders()[2]
    sender = new_sender()
    prove_and_track(assistant, sender, order)
    append_events(assistant, sender, [{"event": "restart"}])  # BorderlessWidget.reset() via the console
    refused_without_proof(assistant, sender, order, ask_about(assistant, sender, order))


def test_closing_a_handoff_drops_the_proof_and_the_pending_change(assistant: Assistant) -> None:
    tracked, pending = tracked_orders()[3], changeable_orders()[0]
    sender = new_sender()
    prove_and_track(assistant, sender, tracked)
    # A cancellation asked and waiting for its "yes" when the agent closes the handoff.
    ask_for_change(assistant, sender, f"please cancel order {pending['number']}", pending)
    resets = [{"event": "slot", "name": name, "value": None} for name in ("email", "order_number", "verified_proof")]
    append_events(assistant, sender, resets)
    # The next person says "yes": nothing is cancelled.
    assistant.say(sender, "yes")
    assert orders_view(assistant, pending["number"], pending["email"])["status"] == pending["status"]
    refused_without_proof(assistant, sender, tracked, ask_about(assistant, sender, tracked))


def test_a_verified_order_needs_proof_again_after_the_window(assistant: Assistant) -> None:
    order = tracked_orders()[4]
    sender = new_sender()
    prove_and_track(assistant, sender, order)
    verified_at = slots(assistant, sender)["verified_proof"]["verified_at"]
    replies: list[str] = []

    def asks_for_proof() -> bool:
        replies.append(ask_about(assistant, sender, order))
        return slots(assistant, sender).get("requested_slot") == "email"

    # Polls through real turns: answered while the window is open, asked for the email once it closed.
    wait_until(asks_for_proof, deadline_s=ASSISTANT_PROOF_TTL_S * 4, what="the verified window to close", interval=1)
    assert time.time() >= verified_at + ASSISTANT_PROOF_TTL_S
    refused_without_proof(assistant, sender, order, replies[-1])


# ---------- a repeated address change ----------


def test_an_address_changed_back_and_forth_ends_where_it_was_asked_last(assistant: Assistant) -> None:
    order = changeable_orders()[1]
    sender = new_sender()
    for city in ("Alphaville", "Betatown", "Alphaville"):
        ask_for_change(
            assistant, sender, f"I want to change the delivery address of order {order['number']}", order, city
        )
        done = texts(assistant.say(sender, "yes"))
        assert "Done:" in done and city in done, done
        assert orders_view(assistant, order["number"], order["email"])["shipping_address"]["city"] == city


def test_a_yes_after_the_window_changes_nothing_until_the_email_is_given_again(assistant: Assistant) -> None:
    order = changeable_orders()[2]
    sender = new_sender()
    ask_for_change(assistant, sender, f"please cancel order {order['number']}", order)
    verified_at = slots(assistant, sender)["verified_proof"]["verified_at"]
    # The shopper walks away; whoever answers the question after the window must prove ownership again.
    wait_until(
        lambda: time.time() > verified_at + ASSISTANT_PROOF_TTL_S + 1,
        deadline_s=ASSISTANT_PROOF_TTL_S * 3,
        what="the verified window to close",
        interval=0.5,
    )
    assistant.say(sender, "yes")
    state = slots(assistant, sender)
    assert state.get("requested_slot") == "email" and not state.get("order_change_pending"), state
    assert orders_view(assistant, order["number"], order["email"])["status"] == order["status"]
    # With the email given again, the question is asked anew and the "yes" to it cancels.
    assistant.say(sender, order["email"])
    assert slots(assistant, sender)["order_change_pending"] is True
    assert "Done:" in texts(assistant.say(sender, "yes"))
    assert orders_view(assistant, order["number"], order["email"])["status"] == "cancelled"
