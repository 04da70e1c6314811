"""Proof of ownership is never inherited: the rules of actions/proof.py and how the actions apply them.

No service runs here: the order actions get a small recording double of the orders client, which also
stands in for a client that already takes the `source` keyword.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_changes import ActionExecuteOrderChange, ActionPrepareAddressChange, ActionPrepareCancel
from actions.order_status import ActionOrderStatus, ValidateOrderStatusForm
from actions.proof import customer_token, fresh_email, proof_for, proof_kwargs, shopper_source
from actions.replies import shop_values
from actions.session import ActionSessionStart
from tests.support import rendered

TOKEN = "bl1.eyJjaWQiOiJDMDAwMSJ9.c2lnbmF0dXJl"
ANNA = "anna@example.com"
TTL = 60.0
BERLIN = {"name": "A", "line1": "Hauptstr. 5", "city": "Berlin", "postcode": "10115", "country": "DE"}


@pytest.fixture(autouse=True)
def ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROOF_TTL_S", str(TTL))


def tracker(
    text: str = "yes",
    *,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    set_ago_s: float = 0.0,
    sender: str = "proof-sender",
) -> Tracker:
    """A tracker whose slots were set `set_ago_s` seconds ago, then `events`, then the latest message."""
    at = time.time() - set_ago_s
    slot_events = [{"event": "slot", "name": k, "value": v, "timestamp": at} for k, v in (slots or {}).items()]
    user = {"event": "user", "text": text, "metadata": metadata or {}, "timestamp": time.time()}
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": "affirm"}, "entities": [], "metadata": metadata or {}},
        events=[*slot_events, *(events or []), user],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def verified(order_number: str = "BL-100001", ago_s: float = 0.0, email: str = ANNA) -> dict[str, Any]:
    return {"order_number": order_number, "email": email, "verified_at": time.time() - ago_s}


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class RecordingOrders:
    """Stands in for OrdersClient (with the `source` keyword the orders branch adds): records every call."""

    def __init__(self, order_number: str = "BL-100001") -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.order = {
            "number": order_number,
            "status": "paid",
            "total": 10.0,
            "currency": "EUR",
            "items": [{"product_id": "P1", "title": "Mug", "quantity": 1}],
            "can_cancel": True,
            "can_change_address": True,
            "shipping_address": BERLIN,
        }

    async def lookup(
        self,
        order_number: str,
        *,
        email: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("lookup", {"email": email, "customer_token": customer_token, "source": source}))
        return self.order

    async def products(self, ids: list[str]) -> list[dict[str, Any]]:
        return [{"id": i, "ships_to": ["DE", "FR"]} for i in ids]

    async def change_address(
        self,
        order_number: str,
        address: dict[str, str],
        *,
        email: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        source: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("change_address", {"email": email, "source": source, "key": idempotency_key}))
        return {"order": {**self.order, "shipping_address": address}}

    async def cancel(
        self,
        order_number: str,
        *,
        email: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        source: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("cancel", {"email": email, "source": source, "key": idempotency_key}))
        return {"order": {**self.order, "status": "cancelled"}, "cancellation": {"refund": {"amount": 10.0}}}

    async def close(self) -> None:
        return None


def with_orders(action: Any, orders: RecordingOrders) -> Any:
    action.orders = orders
    return action


# ---------- what counts as proof ----------


def test_a_customer_token_counts_only_on_the_message_that_carries_it() -> None:
    earlier = [{"event": "user", "text": "cancel my order", "metadata": {"customer_token": TOKEN}}]
    assert customer_token(tracker("yes", events=earlier)) is None
    assert customer_token(tracker("yes", metadata={"customer_token": TOKEN})) == TOKEN
    kwargs = proof_kwargs(tracker("yes", metadata={"customer_token": TOKEN, "shopper_source": "ip:203.0.113.7"}))
    assert kwargs == {"customer_token": TOKEN, "conversation_id": "proof-sender", "source": "ip:203.0.113.7"}


def test_the_source_is_the_channels_view_of_the_shopper_else_the_conversation() -> None:
    assert shopper_source(tracker(metadata={"shopper_source": "telegram:12345"})) == "telegram:12345"
    assert shopper_source(tracker()) == "conversation:proof-sender"
    assert shopper_source(tracker(metadata={"shopper_source": ""})) == "conversation:proof-sender"
    assert shopper_source(tracker(metadata={"shopper_source": 42})) == "conversation:proof-sender"
    assert len(shopper_source(tracker(metadata={"shopper_source": "ip:" + "9" * 500}))) == 100
    long_sender = shopper_source(tracker(sender="x" * 500))
    assert long_sender.startswith("conversation:") and len(long_sender) <= 100


def test_an_email_proves_only_for_a_few_minutes_after_it_was_given() -> None:
    assert fresh_email(tracker(slots={"email": ANNA}, set_ago_s=5)) == ANNA
    assert fresh_email(tracker(slots={"email": ANNA}, set_ago_s=TTL + 5)) is None
    # A slot no event set (nothing says when it was given) proves nothing.
    bare = Tracker("s", {"email": ANNA}, {"text": "yes", "metadata": {}}, [], False, None, {}, "action_listen")
    assert fresh_email(bare) is None


def test_the_verified_state_stands_for_its_one_order_and_only_for_a_few_minutes() -> None:
    assert proof_for(tracker(slots={"verified_proof": verified()}), "BL-100001").kind == "verified"
    assert not proof_for(tracker(slots={"verified_proof": verified()}), "BL-100002")
    assert not proof_for(tracker(slots={"verified_proof": verified(ago_s=TTL + 1)}), "BL-100001")
    assert not proof_for(tracker(slots={"verified_proof": {"order_number": "BL-100001"}}), "BL-100001")
    assert not proof_for(tracker(slots={"verified_proof": None}), "BL-100001")


def test_an_accepted_email_becomes_the_verified_state_of_that_order_and_is_dropped() -> None:
    events = proof_for(tracker(slots={"email": ANNA}), "BL-100001").accepted("BL-100001")
    slots = slots_of(events)
    assert slots["email"] is None
    assert slots["verified_proof"]["order_number"] == "BL-100001" and slots["verified_proof"]["email"] == ANNA
    # Re-using the verified state never extends it.
    reused = proof_for(tracker(slots={"verified_proof": verified(ago_s=30)}), "BL-100001").accepted("BL-100001")
    assert slots_of(reused) == {"email": None}


# ---------- the forms ----------


async def test_the_form_asks_for_the_email_unless_this_order_was_just_verified() -> None:
    form = ValidateOrderStatusForm()
    slots = ["order_number", "email"]
    same = tracker(slots={"order_number": "BL-100001", "verified_proof": verified()})
    assert await form.required_slots(slots, CollectingDispatcher(), same, {}) == ["order_number"]
    other = tracker(slots={"order_number": "BL-100002", "verified_proof": verified()})
    assert await form.required_slots(slots, CollectingDispatcher(), other, {}) == slots
    expired = tracker(slots={"order_number": "BL-100001", "verified_proof": verified(ago_s=TTL + 1)})
    assert await form.required_slots(slots, CollectingDispatcher(), expired, {}) == slots


async def test_the_form_drops_a_stale_email_quietly_and_asks_again() -> None:
    form = ValidateOrderStatusForm()
    dispatcher = CollectingDispatcher()
    stale = tracker(slots={"email": ANNA}, set_ago_s=TTL + 5)
    assert await form.extract_email(dispatcher, stale, {}) == {"email": None}
    assert form.validate_email(None, dispatcher, stale, {}) == {"email": None}
    assert dispatcher.messages == []
    assert await form.extract_email(dispatcher, tracker(slots={"email": ANNA}), {}) == {}


async def test_the_form_drops_an_expired_verified_state() -> None:
    domain = {"forms": {"order_status_form": {"required_slots": ["order_number", "email"]}}, "slots": {}}
    expired = tracker(slots={"order_number": "BL-100001", "verified_proof": verified(ago_s=TTL + 1)})
    expired.active_loop = {"name": "order_status_form"}
    events = await ValidateOrderStatusForm().run(CollectingDispatcher(), expired, domain)
    assert {"event": "slot", "name": "verified_proof", "value": None, "timestamp": None} in events
    current = tracker(slots={"order_number": "BL-100001", "verified_proof": verified()})
    current.active_loop = {"name": "order_status_form"}
    assert "verified_proof" not in slots_of(
        await ValidateOrderStatusForm().run(CollectingDispatcher(), current, domain)
    )


# ---------- the actions ----------


async def test_a_lookup_uses_the_email_once_and_remembers_only_that_order() -> None:
    orders = RecordingOrders()
    action = with_orders(ActionOrderStatus(), orders)
    t = tracker(
        "anna@example.com", slots={"order_number": "BL-100001", "email": ANNA}, metadata={"shopper_source": "ip:1"}
    )
    events = await action.run(CollectingDispatcher(), t, {})
    assert orders.calls == [("lookup", {"email": ANNA, "customer_token": None, "source": "ip:1"})]
    slots = slots_of(events)
    assert slots["email"] is None and slots["verified_proof"]["order_number"] == "BL-100001"


async def test_an_order_without_any_proof_is_not_looked_up() -> None:
    orders = RecordingOrders()
    action = with_orders(ActionOrderStatus(), orders)
    dispatcher = CollectingDispatcher()
    # The previous shopper's proof of another order, and an email given long ago.
    t = tracker(slots={"order_number": "BL-100002", "email": ANNA, "verified_proof": verified()}, set_ago_s=TTL + 5)
    events = await action.run(dispatcher, t, {})
    assert orders.calls == []
    # The form asks for the email again.
    assert slots_of(events) == {"email": None}
    assert {"event": "followup", "name": "order_status_form", "timestamp": None} in events


async def test_each_confirmation_question_has_its_own_id_and_key() -> None:
    orders = RecordingOrders()
    keys = []
    for address in (BERLIN, {**BERLIN, "city": "Paris", "postcode": "75001", "country": "FR"}, BERLIN):
        asked = await with_orders(ActionPrepareAddressChange(), orders).run(
            CollectingDispatcher(),
            tracker("x", slots={"order_number": "BL-100001", "verified_proof": verified(), "new_address": address}),
            {},
        )
        pending = {
            "order_number": "BL-100001",
            "verified_proof": verified(),
            "new_address": address,
            **slots_of(asked),
        }
        assert pending["order_change_id"] and pending["order_change_pending"] is True
        yes = tracker("yes", slots=pending, events=[{"event": "action", "name": "action_prepare_address_change"}])
        execute = with_orders(ActionExecuteOrderChange(), orders)
        await execute.run(CollectingDispatcher(), yes, {})
        await execute.run(CollectingDispatcher(), yes, {})  # the same "yes" again: the same key
        sent = [c for c in orders.calls if c[0] == "change_address"]
        assert sent[-1][1]["key"] == sent[-2][1]["key"]
        keys.append(sent[-1][1]["key"])
    assert len(set(keys)) == 3, "A -> B -> A must be three changes, not a replay of the first"


async def test_a_yes_after_the_verified_window_sends_nothing_and_asks_for_proof_again() -> None:
    orders = RecordingOrders()
    pending = {
        "order_number": "BL-100001",
        "verified_proof": verified(ago_s=TTL + 1),
        "order_change": "cancel",
        "order_change_id": "q1",
        "order_change_pending": True,
    }
    dispatcher = CollectingDispatcher()
    events = await with_orders(ActionExecuteOrderChange(), orders).run(
        dispatcher, tracker("yes", slots=pending, events=[{"event": "action", "name": "action_prepare_cancel"}]), {}
    )
    assert orders.calls == []
    assert dispatcher.messages[0]["response"] == "utter_proof_expired"
    assert {"event": "followup", "name": "cancel_order_form", "timestamp": None} in events
    assert slots_of(events)["order_change_pending"] is None and slots_of(events)["order_change_id"] is None


async def test_a_yes_with_a_question_without_id_asks_again_instead_of_acting() -> None:
    orders = RecordingOrders()
    pending = {"order_number": "BL-100001", "verified_proof": verified(), "order_change": "cancel"}
    pending["order_change_pending"] = True
    dispatcher = CollectingDispatcher()
    events = await with_orders(ActionExecuteOrderChange(), orders).run(
        dispatcher, tracker("yes", slots=pending, events=[{"event": "action", "name": "action_prepare_cancel"}]), {}
    )
    assert [c[0] for c in orders.calls] == ["lookup"]
    assert slots_of(events)["order_change_id"]
    assert dispatcher.messages[0]["response"] == "utter_confirm_cancel"
    assert "Yes or no?" in rendered(dispatcher.messages[0])["text"]


async def test_a_logged_in_shoppers_change_carries_the_token_of_this_message_only() -> None:
    orders = RecordingOrders()
    asked = await with_orders(ActionPrepareCancel(), orders).run(
        CollectingDispatcher(),
        tracker("cancel", slots={"order_number": "BL-100001"}, metadata={"customer_token": TOKEN}),
        {},
    )
    assert "verified_proof" not in slots_of(asked)  # the token proves per message; nothing to remember
    pending = {"order_number": "BL-100001", **slots_of(asked)}
    # The "yes" comes without the token (logged out, or someone else): nothing is sent.
    dispatcher = CollectingDispatcher()
    events = await with_orders(ActionExecuteOrderChange(), orders).run(
        dispatcher, tracker("yes", slots=pending, events=[{"event": "action", "name": "action_prepare_cancel"}]), {}
    )
    assert [c[0] for c in orders.calls] == ["lookup"]
    assert dispatcher.messages[0]["response"] == "utter_proof_expired"
    assert {"event": "followup", "name": "cancel_order_form", "timestamp": None} in events


# ---------- sessions ----------


async def test_a_new_session_carries_over_the_language_and_never_a_proof() -> None:
    slots = {
        "language": "pt",
        "language_locked": True,
        "email": ANNA,
        "order_number": "BL-100001",
        "verified_proof": verified(),
        "order_change_pending": True,
        "order_change_id": "q1",
        "new_address": BERLIN,
    }
    domain = {"slots": {"language": {"initial_value": "en"}, "language_locked": {"initial_value": False}}}
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker(slots=slots), domain)
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    # Besides the shopper's language, only the served shop's facts (for the domain's responses) are set.
    assert slots_of(events) == {"language": "pt", "language_locked": True, **shop_values()}
    english = await ActionSessionStart().run(CollectingDispatcher(), tracker(slots={"language": "en"}), domain)
    assert slots_of(english) == shop_values()


def test_the_domain_declares_the_session_start_and_the_proof_slots() -> None:
    import yaml
    from rasa_sdk.executor import ActionExecutor

    from tests.support import REPO_ROOT

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert domain["session_config"]["carry_over_slots_to_new_session"] is False
    assert "action_session_start" in domain["actions"]
    assert {"verified_proof", "order_change_id"} <= set(domain["slots"])
    assert all(not domain["slots"][s]["influence_conversation"] for s in ("verified_proof", "order_change_id"))
    executor = ActionExecutor()
    executor.register_package("actions")
    assert "action_session_start" in executor.actions
