"""Order changes for verified shoppers: cancellation, shipping-address change and returns.

Owns the change forms' validation, the confirmation step and the change itself, one flow for every
operation; what differs between operations (their rules, their call to the orders service and their
words) is each operation's object in actions/order_operations.py, which the actions dispatch to:
1. a form collects the order number and proof (email, or nothing when the website sent a signed
   customer token), plus the new address for an address change;
2. `action_prepare_<change>` looks the order up, explains plainly when the shop's rules forbid the
   change, and otherwise asks "Cancel order #1001 (€84.90): 2 × Trail Mug? Yes or no?", minting a random id for
   that one question (`order_change_id`);
3. on "yes", `action_execute_order_change` sends the change once, under an idempotency key made from
   the question's id (a retried "yes" is answered from the first try; a new change, even back to an
   earlier address, is a new question and a new key), and says exactly whether it happened; on "no",
   `action_abort_order_change` confirms nothing changed.
The proof each step presents is actions/proof.py's: the email is used once, then only the short-lived
verified state of that one order stands in for it; past it, the form asks for the email again.
Every backend call of a turn runs under one time budget, so a slow or dead order system costs the
shopper one apology and an offer of a person within 3 seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from typing import Any, ClassVar, TypeVar

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON
from actions.localize import localized
from actions.order_forms import OrderProofFormValidation, country_code
from actions.order_operations import (
    ADDRESS,
    CANCEL,
    INPUT_SLOTS,
    OPERATIONS,
    RETURN,
    Missing,
    OrderChange,
    Refusal,
    Verdict,
    change_for,
    refusal_text,
)
from actions.proof import Proof, customer_token, forget_proof, proof_for
from actions.replies import Reply, say, send
from actions.settings import ActionSettings
from clients import CircuitOpen, OrdersClient, ServiceError, ServiceUnavailable
from clients.orders import (
    IdempotencyConflict,
    InvalidCustomerToken,
    InvalidRequest,
    OrderNotFound,
    PolicyRefused,
    TooManyAttempts,
)

T = TypeVar("T")

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def turn_budget_s() -> float:
    """Seconds all backend calls of one turn may take together before the shopper hears an apology."""
    return ActionSettings.from_env().turn_budget_s


async def within_budget(call: Awaitable[T], budget_s: float | None = None) -> T:
    """Awaits `call`, turning an overrun of the turn's budget into ServiceUnavailable."""
    try:
        return await asyncio.wait_for(call, timeout=turn_budget_s() if budget_s is None else budget_s)
    except asyncio.TimeoutError as exc:
        raise ServiceUnavailable("backend did not answer within the turn's time budget") from exc


def orders_client() -> OrdersClient:
    """The process's orders client (one pool and breaker for every action), bounded by BACKEND_TIMEOUT_S."""
    return services.orders()


def new_confirmation_id() -> str:
    """A random id for one confirmation question; the change it confirms is sent under it."""
    return uuid.uuid4().hex


def idempotency_key(confirmation_id: str, operation: str, order_number: str) -> str:
    """The key of the change one confirmation question asked for.

    The same "yes" sent again (a retried webhook, a double click, "yes" after a timeout) reuses it and
    gets the first answer; a new question, even for an address the order had before, has a new id. A key
    made from the request's content instead replays a days-old answer for A → B → A.
    """
    key = f"{confirmation_id}:{operation}:{order_number}"
    if len(key) > 200 or not key.isprintable():
        # The service accepts printable keys up to 200 characters.
        key = hashlib.sha256(key.encode()).hexdigest()
    return key


def never_reached_service(exc: BaseException) -> bool:
    """True when the request certainly did not reach the service (refused connection, open breaker)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (aiohttp.ClientConnectorError, CircuitOpen)):
            return True
        seen = seen.__cause__
    return False


# ---------------------------------------------------------------- addresses

POSTCODES = [
    re.compile(r"\b\d{4} ?[A-Z]{2}\b", re.IGNORECASE),  # NL
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE),  # GB
    re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b", re.IGNORECASE),  # CA
    re.compile(r"\b\d{2,5}-\d{3,4}\b"),  # PT, BR, PL, JP
    re.compile(r"\b\d{3,6}\b"),  # most others
]


def _find_postcode(part: str) -> tuple[str, str] | None:
    """(postcode, the rest of the part) when `part` holds a postcode."""
    for pattern in POSTCODES:
        if match := pattern.search(part):
            rest = (part[: match.start()] + " " + part[match.end() :]).strip(" ,")
            return match.group(0).upper(), re.sub(r"\s+", " ", rest)
    return None


def parse_address(text: str | None) -> dict[str, str] | None:
    """`Name, street and number, postcode city, country` (commas or new lines) → address fields.

    The country must come last and be one the shop ships to; the name is optional. None when any
    required part cannot be told apart, so the form asks again instead of guessing.
    """
    parts = [p.strip() for p in re.split(r"[,\n;]+", text or "") if p.strip()]
    if len(parts) < 3:
        return None
    country = country_code(parts[-1], exact=True)
    if country is None:
        return None
    rest = parts[:-1]
    # The postcode sits after the street, so search from the end (a house number is not a postcode).
    for index in range(len(rest) - 1, 0, -1):
        found = _find_postcode(rest[index])
        if found is None:
            continue
        postcode, city = found
        before = rest[:index]
        if not city:
            # "10115, Berlin": the city is its own part, right after the postcode.
            if index + 1 >= len(rest):
                return None
            city = rest[index + 1]
        elif index + 1 < len(rest):
            return None  # something unexplained between the city and the country
        line1 = before[-1]
        name = ", ".join(before[:-1])
        address = {"name": name, "line1": line1, "city": city, "postcode": postcode, "country": country}
        if len(name) > 200 or len(line1) > 200 or len(city) > 100 or len(postcode) > 32:
            return None
        return address
    return None


# ---------------------------------------------------------------- forms


class ValidateCancelOrderForm(OrderProofFormValidation):
    def name(self) -> str:
        return "validate_cancel_order_form"


class ValidateStartReturnForm(OrderProofFormValidation):
    def name(self) -> str:
        return "validate_start_return_form"


class ValidateChangeAddressForm(OrderProofFormValidation):
    """Proof of ownership, then the new address in one message, read into its fields."""

    def name(self) -> str:
        return "validate_change_address_form"

    def validate_new_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(slot_value, dict) and {"line1", "city", "postcode", "country"} <= set(slot_value):
            return {"new_address": slot_value}
        address = parse_address(str(slot_value or ""))
        if address is None:
            dispatcher.utter_message(response="utter_invalid_new_address")
            return {"new_address": None}
        return {"new_address": address}


# ---------------------------------------------------------------- shared failure replies


def _forget_proof() -> list[EventType]:
    return [*forget_proof(), *_clear_pending()]


def _clear_question() -> list[EventType]:
    return [SlotSet("order_change_pending", None), SlotSet("order_change", None), SlotSet("order_change_id", None)]


def _clear_pending() -> list[EventType]:
    return [*_clear_question(), *(SlotSet(slot, None) for slot in INPUT_SLOTS)]


def refused(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    """A refusal's explanation, then that nothing was changed, with the offer of a person."""
    send(dispatcher, [*replies, Reply("utter_nothing_changed")], [HANDOFF_BUTTON])


def ask_for_proof_again(change: OrderChange, dispatcher: CollectingDispatcher) -> list[EventType]:
    """No proof stands for the order any more (its verified state expired): the form asks for the email.

    The question is closed, so a later "yes" acts on nothing; the order number and new address stay.
    """
    dispatcher.utter_message(response="utter_proof_expired")
    return [SlotSet("email", None), *_clear_question(), FollowupAction(change.form)]


def reply_to_lookup_failure(
    exc: Exception, change: OrderChange, number: str, tracker: Tracker, dispatcher: CollectingDispatcher
) -> list[EventType]:
    """What the shopper hears when their proof or the order system fails; nothing was changed."""
    if isinstance(exc, OrderNotFound):
        response = (
            "utter_change_order_not_found_account" if customer_token(tracker) else "utter_change_order_not_found_email"
        )
        say(
            dispatcher,
            response,
            [{"title": "Try again", "payload": change.retry_payload}, HANDOFF_BUTTON],
            order_number=number,
        )
        return _forget_proof()
    if isinstance(exc, TooManyAttempts):
        say(dispatcher, "utter_change_too_many_lookups", [HANDOFF_BUTTON])
        return _forget_proof()
    if isinstance(exc, InvalidCustomerToken):
        say(dispatcher, "utter_change_login_expired", [HANDOFF_BUTTON])
        return _forget_proof()
    if isinstance(exc, ServiceError):
        say(dispatcher, "utter_change_order_system_error", [HANDOFF_BUTTON], reason=exc.message or exc.code)
        return [SlotSet("email", None), *_clear_pending()]
    say(dispatcher, "utter_change_order_system_down", [HANDOFF_BUTTON])
    # The email is used once, checked or not: trying again asks for it anew.
    return [SlotSet("email", None), *_clear_pending()]


# ---------------------------------------------------------------- step 2: look up and ask


@localized
class ActionPrepareOrderChange(Action, ABC):
    """Looks the order up with the shopper's proof, checks the shop's rules, asks for a yes or no.

    Abstract (rasa_sdk registers only concrete actions); one subclass per registered operation.
    """

    operation: ClassVar[str]

    orders = services.uses(orders_client)

    @property
    def change(self) -> OrderChange:
        return OPERATIONS[self.operation]

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await prepare(self.orders, self.change, dispatcher, tracker)


class ActionPrepareCancel(ActionPrepareOrderChange):
    operation = CANCEL

    def name(self) -> str:
        return self.change.prepare_action


class ActionPrepareAddressChange(ActionPrepareOrderChange):
    operation = ADDRESS

    def name(self) -> str:
        return self.change.prepare_action


class ActionPrepareReturn(ActionPrepareOrderChange):
    operation = RETURN

    def name(self) -> str:
        return self.change.prepare_action


def given_for(change: OrderChange, tracker: Tracker) -> Any:
    """What the shopper gave for the change besides the order (its input slot), if it takes anything."""
    return tracker.get_slot(change.input_slot) if change.input_slot else None


async def _lookup_and_check(
    orders: OrdersClient, number: str, proof: Proof, change: OrderChange, given: Any
) -> tuple[dict[str, Any], Verdict]:
    order = await orders.lookup(number, **proof.kwargs())
    return order, await change.check(orders, order, given)


async def prepare(
    orders: OrdersClient, change: OrderChange, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    number = tracker.get_slot("order_number")
    if not number:
        dispatcher.utter_message(response="utter_ask_order_number")
        return _clear_pending()
    proof = proof_for(tracker, number)
    if not proof:
        return ask_for_proof_again(change, dispatcher)
    given = given_for(change, tracker)
    try:
        order, verdict = await within_budget(_lookup_and_check(orders, number, proof, change, given))
    except (ServiceError, ServiceUnavailable) as exc:
        return reply_to_lookup_failure(exc, change, number, tracker, dispatcher)
    proven = proof.accepted(order["number"])

    if isinstance(verdict, Missing):
        dispatcher.utter_message(response=verdict.response)
        return [*proven, *_clear_pending()]
    if isinstance(verdict, Refusal):
        refused(dispatcher, refusal_text(change.operation, verdict.code, order, verdict.details))
        return [SlotSet("order_number", order["number"]), *proven, *_clear_pending()]

    send(dispatcher, [change.confirmation_question(order, given)], YES_NO)
    return [
        SlotSet("order_number", order["number"]),
        *proven,
        SlotSet("order_change", change.operation),
        SlotSet("order_change_id", new_confirmation_id()),
        SlotSet("order_change_pending", True),
    ]


# ---------------------------------------------------------------- step 3: do it (or not)


def _last_bot_action(tracker: Tracker) -> str | None:
    """The last action before the latest user message (the question the shopper is answering)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in {"action_listen", None}:
            return str(event["name"])
    return None


PREPARE_ACTIONS = frozenset(change.prepare_action for change in OPERATIONS.values())


@localized
class ActionExecuteOrderChange(Action):
    """Sends the confirmed change once and tells the shopper exactly whether it happened."""

    orders = services.uses(orders_client)

    def name(self) -> str:
        return "action_execute_order_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        change = change_for(tracker.get_slot("order_change"))
        number = tracker.get_slot("order_number")
        if change is None or not number or not tracker.get_slot("order_change_pending"):
            dispatcher.utter_message(response="utter_affirm_ack")
            return _clear_pending()
        last = _last_bot_action(tracker)
        confirmation_id = tracker.get_slot("order_change_id")
        if (last is not None and last not in PREPARE_ACTIONS | {self.name()}) or not confirmation_id:
            # The "yes" answers something else (or a question without an id): ask again rather than act.
            return await prepare(self.orders, change, dispatcher, tracker)
        proof = proof_for(tracker, number)
        if not proof:
            # The shopper waited past the verified window (or someone else is answering): prove again.
            return ask_for_proof_again(change, dispatcher)
        key = idempotency_key(str(confirmation_id), change.operation, number)
        try:
            pending = change.send(
                self.orders, number, given_for(change, tracker), idempotency_key=key, proof=proof.kwargs()
            )
            result = await within_budget(pending)
        except PolicyRefused as exc:
            details = ((exc.body or {}).get("error") or {}).get("details") or {}
            refused(dispatcher, refusal_text(change.operation, exc.code, None, {"order_number": number, **details}))
            return _clear_pending()
        except IdempotencyConflict:
            say(dispatcher, "utter_change_conflict", [HANDOFF_BUTTON], order_number=number)
            return _clear_pending()
        except InvalidRequest as exc:
            say(dispatcher, "utter_change_rejected", [HANDOFF_BUTTON], reason=exc.message or exc.code)
            return _clear_pending()
        except ServiceUnavailable as exc:
            response = "utter_change_not_sent" if never_reached_service(exc) else "utter_change_unconfirmed"
            # The confirmation stays open: "yes" retries under the same key, which tells us what happened.
            say(
                dispatcher,
                response,
                [{"title": "Yes, try again", "payload": "/affirm"}, HANDOFF_BUTTON],
                order_number=number,
            )
            return []
        except ServiceError as exc:
            return reply_to_lookup_failure(exc, change, number, tracker, dispatcher)
        send(dispatcher, change.success_text(result))
        return [*proof.accepted(number), *_clear_pending()]


@localized
class ActionAbortOrderChange(Action):
    """The shopper said no: nothing is sent, and they hear so."""

    def name(self) -> str:
        return "action_abort_order_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        number = tracker.get_slot("order_number")
        if change_for(tracker.get_slot("order_change")) is not None and number:
            say(dispatcher, "utter_change_aborted", order_number=number)
        else:
            dispatcher.utter_message(response="utter_deny_ack")
        return _clear_pending()
