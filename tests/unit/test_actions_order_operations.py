"""Every order change (actions/order_operations.py) is complete: a new operation cannot forget a part.

Each registered operation must name its prepare action, form, retry intent and input slot as the domain
has them, check an order, make its call to the orders service under the confirmation's idempotency key,
ask its question, say what happened, and explain every refusal it can meet. No service runs here.
"""

from __future__ import annotations

import time
from dataclasses import fields
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_changes import (
    PREPARE_ACTIONS,
    ActionAbortOrderChange,
    ActionExecuteOrderChange,
    ActionPrepareOrderChange,
)
from actions.order_operations import (
    INPUT_SLOTS,
    OPERATIONS,
    CancelOrder,
    Missing,
    OrderChange,
    Refusal,
    Refused,
    _registry,
    change_for,
    refusal_text,
)
from actions.replies import Reply
from tests.support import LANGUAGES, REPO_ROOT, rendered, reply_text

NUMBER = "BL-100001"
BERLIN = {"name": "Anna", "line1": "Hauptstr. 5", "city": "Berlin", "postcode": "10115", "country": "DE"}
PROOF = {"email": "anna@example.com", "conversation_id": "c1", "source": "ip:203.0.113.7"}
DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
CHANGES = list(OPERATIONS.values())


def order(**overrides: Any) -> dict[str, Any]:
    """An order every change is allowed for (overrides switch rules off)."""
    return {
        "number": NUMBER,
        "status": "paid",
        "total": 84.9,
        "currency": "EUR",
        "items": [{"product_id": "P1", "title": "Trail Mug", "quantity": 2}],
        "can_cancel": True,
        "can_change_address": True,
        "can_return": True,
        "shipping_address": BERLIN,
        "returns": [],
        **overrides,
    }


class Orders:
    """Stands in for the orders client: answers every change, records each call."""

    def __init__(self, ships_to: list[str] | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.ships_to = ["DE", "FR"] if ships_to is None else ships_to

    async def lookup(self, order_number: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("lookup", (order_number,), kwargs))
        return order()

    async def products(self, ids: list[str]) -> list[dict[str, Any]]:
        self.calls.append(("products", (ids,), {}))
        return [{"id": i, "ships_to": self.ships_to} for i in ids]

    async def _change(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, args, kwargs))
        return {
            "order": order(status="cancelled", estimated_delivery="2026-03-04"),
            "cancellation": {"refund": {"amount": 84.9, "currency": "EUR"}},
            "return": {"id": "R-1", "items": [{"product_id": "P1", "quantity": 2}], "return_by": "2026-03-10"},
        }

    async def cancel(self, order_number: str, **kwargs: Any) -> dict[str, Any]:
        return await self._change("cancel", (order_number,), kwargs)

    async def change_address(self, order_number: str, address: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        return await self._change("change_address", (order_number, address), kwargs)

    async def start_return(self, order_number: str, **kwargs: Any) -> dict[str, Any]:
        return await self._change("start_return", (order_number,), kwargs)

    async def close(self) -> None:
        return None


def given(change: OrderChange) -> Any:
    return BERLIN if change.input_slot else None


def ids(change: OrderChange) -> str:
    return change.operation


# ---------- the registry ----------


def test_the_registry_holds_cancel_address_change_and_return_keyed_by_operation() -> None:
    assert list(OPERATIONS) == ["cancel", "change_address", "return"]
    assert all(key == change.operation for key, change in OPERATIONS.items())
    assert change_for("cancel") is OPERATIONS["cancel"]
    assert change_for("bogus") is None and change_for(None) is None and change_for(["cancel"]) is None
    with pytest.raises(TypeError):
        OPERATIONS["refund"] = OPERATIONS["cancel"]  # type: ignore[index]


def test_two_operations_cannot_share_a_name_or_a_prepare_action() -> None:
    cancel = OPERATIONS["cancel"]
    with pytest.raises(ValueError, match="share"):
        _registry(cancel, cancel)
    twin = CancelOrder(**{f.name: getattr(cancel, f.name) for f in fields(cancel)} | {"operation": "cancel_again"})
    with pytest.raises(ValueError, match="share"):
        _registry(cancel, twin)


def test_an_operation_missing_a_part_cannot_be_made() -> None:
    class Halfway(OrderChange):
        async def check(self, orders: Any, order: dict[str, Any], given: Any) -> None:
            return None

    parts = {f.name: getattr(OPERATIONS["cancel"], f.name) for f in fields(OrderChange)}
    with pytest.raises(TypeError):
        Halfway(**parts)  # type: ignore[abstract]
    del parts["retry_payload"]
    with pytest.raises(TypeError):
        CancelOrder(**parts)  # type: ignore[call-arg]


# ---------- every operation provides every part ----------


@pytest.mark.parametrize("change", CHANGES, ids=ids)
def test_every_operation_names_what_the_domain_has(change: OrderChange) -> None:
    for part in fields(OrderChange):
        if part.name != "input_slot":
            assert getattr(change, part.name), f"{change.operation} has no {part.name}"
    assert change.prepare_action in DOMAIN["actions"]
    assert change.form in DOMAIN["forms"]
    assert change.retry_payload.startswith("/") and change.retry_payload[1:] in DOMAIN["intents"]
    assert change.input_slot is None or change.input_slot in DOMAIN["slots"]
    assert change.operation not in {other.operation for other in CHANGES if other is not change}


@pytest.mark.parametrize("change", CHANGES, ids=ids)
def test_every_operation_has_exactly_one_prepare_action(change: OrderChange) -> None:
    def concrete(cls: type) -> list[type]:
        found = [] if getattr(cls, "__abstractmethods__", None) else [cls]
        return found + [c for sub in cls.__subclasses__() for c in concrete(sub)]

    actions = [cls for cls in concrete(ActionPrepareOrderChange) if cls.operation == change.operation]
    assert len(actions) == 1
    assert actions[0]().name() == change.prepare_action
    assert change.prepare_action in PREPARE_ACTIONS


def test_every_prepare_action_belongs_to_a_registered_operation() -> None:
    subclasses = ActionPrepareOrderChange.__subclasses__()
    assert subclasses and all(cls.operation in OPERATIONS for cls in subclasses)
    assert len(PREPARE_ACTIONS) == len(OPERATIONS)


@pytest.mark.parametrize("change", CHANGES, ids=ids)
async def test_every_operation_checks_the_order_and_refuses_with_a_code_it_explains(change: OrderChange) -> None:
    assert await change.check(Orders(), order(), given(change)) is None
    forbidding = order(
        status="delivered", can_cancel=False, can_change_address=False, can_return=False, return_deadline="2026-02-07"
    )
    verdict = await change.check(Orders(), forbidding, given(change))
    assert isinstance(verdict, Refusal) and verdict.code in change.refusal_codes
    missing = await change.check(Orders(), order(), None)
    assert missing is None or (isinstance(missing, Missing) and missing.response in DOMAIN["responses"])
    assert (missing is not None) == (change.input_slot is not None)


@pytest.mark.parametrize("change", CHANGES, ids=ids)
def test_every_operation_explains_each_refusal_it_can_meet(change: OrderChange) -> None:
    assert change.refusal_codes
    looked_up = order(status="delivered", return_deadline="2026-02-07")
    details = {"country": "GB", "products": ["P1"]}
    for code in change.refusal_codes:
        replies = change.explain(code, Refused(looked_up, details))
        assert replies, f"{change.operation} cannot explain {code}"
        assert refusal_text(change.operation, code, looked_up, details) == replies
        for language in LANGUAGES:  # every variable each variant names is given
            assert reply_text(replies, language)
    assert change.explain("no_such_rule", Refused(order(), {})) is None
    fallback = refusal_text(change.operation, "no_such_rule", None, {"order_number": NUMBER})
    assert fallback == [Reply("utter_refuse_change", {"order_number": NUMBER})]
    assert reply_text(fallback) == f"The shop's rules don't allow this change for order {NUMBER}."


@pytest.mark.parametrize("change", CHANGES, ids=ids)
async def test_every_operation_sends_its_call_under_the_key_and_the_proof(change: OrderChange) -> None:
    orders = Orders()
    result = await change.send(orders, NUMBER, given(change), idempotency_key="q1:x:BL-100001", proof=PROOF)
    assert len(orders.calls) == 1
    name, args, kwargs = orders.calls[0]
    assert args[0] == NUMBER and (args[1:] == (BERLIN,)) == (change.input_slot is not None)
    assert kwargs["idempotency_key"] == "q1:x:BL-100001"
    assert {k: kwargs[k] for k in PROOF} == PROOF
    assert NUMBER in reply_text(change.success_text(result))


@pytest.mark.parametrize("change", CHANGES, ids=ids)
def test_every_operation_asks_a_yes_or_no_question_naming_the_order(change: OrderChange) -> None:
    question = reply_text(change.confirmation_question(order(), given(change)))
    assert NUMBER in question and "€84.90" in question and question.endswith("Yes or no?")


async def test_every_operations_input_slot_is_cleared_with_the_question() -> None:
    tracker = Tracker(
        sender_id="c1",
        slots={"order_number": NUMBER, "order_change": "cancel"},
        latest_message={"text": "no", "intent": {"name": "deny"}, "entities": [], "metadata": {}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    events = await ActionAbortOrderChange().run(CollectingDispatcher(), tracker, {})
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {c.input_slot for c in CHANGES if c.input_slot} <= cleared
    assert set(INPUT_SLOTS) == {"new_address"}


# ---------- the confirmed change goes out once per operation, under its own key ----------


@pytest.mark.parametrize("change", CHANGES, ids=ids)
async def test_a_yes_sends_each_operation_under_its_own_idempotency_key(change: OrderChange) -> None:
    now = time.time()
    slots = {
        "order_number": NUMBER,
        "email": "anna@example.com",
        "order_change": change.operation,
        "order_change_id": "q1",
        "order_change_pending": True,
        "new_address": BERLIN,
    }
    tracker = Tracker(
        sender_id="c1",
        slots=slots,
        latest_message={"text": "yes", "intent": {"name": "affirm"}, "entities": [], "metadata": {}},
        events=[
            *({"event": "slot", "name": k, "value": v, "timestamp": now} for k, v in slots.items()),
            {"event": "user", "text": "please"},
            {"event": "action", "name": change.prepare_action},
            {"event": "user", "text": "yes"},
        ],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    action = ActionExecuteOrderChange()
    orders = Orders()
    action.orders = orders  # type: ignore[assignment]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    assert [call[0] for call in orders.calls] == [{"return": "start_return"}.get(change.operation, change.operation)]
    assert orders.calls[0][2]["idempotency_key"] == f"q1:{change.operation}:{NUMBER}"
    assert rendered(dispatcher.messages[0])["text"].startswith("Done:")
    slots_set = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert "order_change_pending" in slots_set and slots_set["order_change_pending"] is None
