"""Order changes for verified shoppers: cancellation, shipping-address change and returns.

Owns the three change forms' validation, the confirmation step and the change itself:
1. a form collects the order number and proof (email, or nothing when the website sent a signed
   customer token), plus the new address for an address change;
2. `action_prepare_<change>` looks the order up, explains plainly when the shop's rules forbid the
   change, and otherwise asks "Cancel order BL-… (2 items, €84.90)? yes/no", minting a random id for
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
from typing import Any, TypeVar

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, day, money
from actions.localize import localized
from actions.order_forms import OrderProofFormValidation, country_code, country_name
from actions.proof import Proof, customer_token, forget_proof, proof_for
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

CANCEL, ADDRESS, RETURN = "cancel", "change_address", "return"
# The shop's rules in words (docs/demo-shop-facts.md); the service enforces them, these explain them.
RETURN_RULE = (
    "Returns are accepted within 30 days of delivery, unused and in the original packaging; "
    "we refund you within 5 business days of the parcel reaching us."
)
SEAL_RULE = "beauty products, underwear and swimwear only unopened, with the hygiene seal intact; gift cards never"
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
RETRY_PAYLOAD = {CANCEL: "/cancel_order", ADDRESS: "/change_address", RETURN: "/start_return"}
WHAT = {CANCEL: "cancellation", ADDRESS: "address change", RETURN: "return"}
FORMS = {CANCEL: "cancel_order_form", ADDRESS: "change_address_form", RETURN: "start_return_form"}


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


def address_line(address: dict[str, str]) -> str:
    name = f"{address['name']}, " if address.get("name") else ""
    return f"{name}{address['line1']}, {address['postcode']} {address['city']}, {country_name(address['country'])}"


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


# ---------------------------------------------------------------- words


def order_summary(order: dict[str, Any]) -> str:
    """`BL-100001 (2 items, €84.90)`."""
    count = sum(int(i.get("quantity", 1)) for i in order.get("items") or [])
    items = f"{count} item{'s' if count != 1 else ''}, " if count else ""
    return f"{order['number']} ({items}{money(float(order['total']), order['currency'])})"


def item_list(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i.get('quantity', 1)} × {i.get('title') or i.get('product_id')}" for i in items)


def status_words(order: dict[str, Any]) -> str:
    return str(order.get("status_label") or order.get("status") or "").lower()


def refusal_text(operation: str, code: str, order: dict[str, Any] | None, details: dict[str, Any]) -> str:
    """The rule that stops the change, in plain words, with what the shopper can do instead."""
    number = (order or {}).get("number") or details.get("order_number") or "this order"
    status = (order or {}).get("status") or details.get("order_status")
    shipped = status in {"shipped", "in_transit", "out_for_delivery"}
    if code == "not_cancellable":
        if status == "cancelled":
            return f"Order {number} is already cancelled, so there is nothing left to cancel."
        if status in {"delivered", "returned"}:
            return f"Order {number} has already been delivered, so it can't be cancelled. {RETURN_RULE}"
        return (
            f"Order {number} has already shipped, so it can't be cancelled any more: orders can only be "
            f"cancelled before they leave our warehouse. Once it arrives you can return it. {RETURN_RULE}"
        )
    if code == "address_change_not_allowed":
        if shipped:
            return (
                f"Order {number} has already shipped, so I can't change its address: addresses can only be "
                "changed before an order leaves our warehouse. The carrier may let you redirect the parcel "
                "from its tracking page, or a person from our team can help."
            )
        return (
            f"Order {number} is {status_words(order or {}) or status or 'closed'}, so its address can't be "
            "changed: addresses can only be changed before an order ships."
        )
    if code == "country_not_allowed":
        country = details.get("country")
        where = country_name(country) if country else "that country"
        products = details.get("products") or []
        titles = [
            i.get("title") or i["product_id"] for i in (order or {}).get("items") or [] if i["product_id"] in products
        ]
        if titles:
            return (
                f"Some items in order {number} ({', '.join(titles)}) can't be shipped to {where}, so I can't "
                "move the delivery there. Every item in an order has to ship to the new address."
            )
        return f"Lumen Goods doesn't ship to {where}, so I can't move order {number} there."
    if code == "return_not_allowed":
        if status in {"pending", "paid", "packed"}:
            return (
                f"Order {number} hasn't shipped yet, so there is nothing to return: only delivered orders can "
                "be returned. You can cancel it instead while it is still with us."
            )
        if status == "cancelled":
            return f"Order {number} was cancelled, so there is nothing to return."
        if status == "returned":
            return f"Order {number} has already been returned."
        return (
            f"Order {number} hasn't been delivered yet, so it can't be returned: returns start once the parcel "
            f"has arrived. {RETURN_RULE}"
        )
    if code == "return_window_closed":
        deadline = details.get("return_deadline") or (order or {}).get("return_deadline")
        closed = f" The return window for order {number} closed on {day(deadline)}." if deadline else ""
        return (
            f"Returns are accepted within 30 days of delivery.{closed} If something is faulty, our 2-year "
            "guarantee still covers it: a person from our team can help with a claim."
        )
    if code == "item_not_returnable":
        return f"Gift cards can't be returned, so I can't include them in a return for order {number}."
    if code == "item_requires_sealed":
        return "Beauty products, underwear and swimwear can only be returned unopened, with the hygiene seal intact."
    if code in {"nothing_to_return", "quantity_exceeds_returnable"}:
        return (
            f"Everything in order {number} that can be returned is already in a return (gift cards can't be "
            "returned at all), so there is nothing more to send back."
        )
    return f"The shop's rules don't allow this {WHAT.get(operation, 'change')} for order {number}."


# ---------------------------------------------------------------- shared failure replies


def _forget_proof() -> list[EventType]:
    return [*forget_proof(), *_clear_pending()]


def _clear_question() -> list[EventType]:
    return [SlotSet("order_change_pending", None), SlotSet("order_change", None), SlotSet("order_change_id", None)]


def _clear_pending() -> list[EventType]:
    return [*_clear_question(), SlotSet("new_address", None)]


def ask_for_proof_again(operation: str, dispatcher: CollectingDispatcher) -> list[EventType]:
    """No proof stands for the order any more (its verified state expired): the form asks for the email.

    The question is closed, so a later "yes" acts on nothing; the order number and new address stay.
    """
    dispatcher.utter_message(response="utter_proof_expired")
    return [SlotSet("email", None), *_clear_question(), FollowupAction(FORMS[operation])]


def reply_to_lookup_failure(
    exc: Exception, operation: str, number: str, tracker: Tracker, dispatcher: CollectingDispatcher
) -> list[EventType]:
    """What the shopper hears when their proof or the order system fails; nothing was changed."""
    if isinstance(exc, OrderNotFound):
        whose = "your account" if customer_token(tracker) else "that email address"
        dispatcher.utter_message(
            text=(
                f"I couldn't find an order {number} for {whose}, so I haven't changed anything. Please check the "
                "order number (and email) against your confirmation email and try again, or ask me for a person."
            ),
            buttons=[{"title": "Try again", "payload": RETRY_PAYLOAD[operation]}, HANDOFF_BUTTON],
        )
        return _forget_proof()
    if isinstance(exc, TooManyAttempts):
        dispatcher.utter_message(
            text=(
                "For your security I can't try more order look-ups in this conversation right now, so nothing was "
                "changed. Please wait 15 minutes, or ask for a person and our team will help."
            ),
            buttons=[HANDOFF_BUTTON],
        )
        return _forget_proof()
    if isinstance(exc, InvalidCustomerToken):
        dispatcher.utter_message(
            text=(
                "Your login on our website has expired, so I couldn't confirm the order is yours and nothing was "
                "changed. Please log in again and retry, or ask for a person."
            ),
            buttons=[HANDOFF_BUTTON],
        )
        return _forget_proof()
    if isinstance(exc, ServiceError):
        dispatcher.utter_message(
            text=f"Our order system couldn't process that request ({exc.message or exc.code}), so nothing was changed.",
            buttons=[HANDOFF_BUTTON],
        )
        return [SlotSet("email", None), *_clear_pending()]
    dispatcher.utter_message(
        text=(
            "Sorry, I can't reach our order system right now, so I haven't changed anything. "
            "Would you like me to connect you with a person?"
        ),
        buttons=[HANDOFF_BUTTON],
    )
    # The email is used once, checked or not: trying again asks for it anew.
    return [SlotSet("email", None), *_clear_pending()]


# ---------------------------------------------------------------- step 2: look up and ask


@localized
class ActionPrepareOrderChange(Action, ABC):
    """Looks the order up with the shopper's proof, checks the shop's rules, asks for a yes or no.

    Abstract (rasa_sdk registers only concrete actions); one subclass per kind of change.
    """

    operation = CANCEL

    orders = services.uses(orders_client)

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await prepare(self.orders, self.operation, dispatcher, tracker)


class ActionPrepareCancel(ActionPrepareOrderChange):
    operation = CANCEL

    def name(self) -> str:
        return "action_prepare_cancel"


class ActionPrepareAddressChange(ActionPrepareOrderChange):
    operation = ADDRESS

    def name(self) -> str:
        return "action_prepare_address_change"


class ActionPrepareReturn(ActionPrepareOrderChange):
    operation = RETURN

    def name(self) -> str:
        return "action_prepare_return"


async def _lookup_with_products(
    orders: OrdersClient, number: str, proof: Proof, operation: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order = await orders.lookup(number, **proof.kwargs())
    products: list[dict[str, Any]] = []
    if operation == ADDRESS and order.get("can_change_address"):
        # Checked before asking, so the shopper is not asked to confirm a move the rules forbid.
        products = await orders.products([i["product_id"] for i in order.get("items") or []])
    return order, products


async def prepare(
    orders: OrdersClient, operation: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    number = tracker.get_slot("order_number")
    if not number:
        dispatcher.utter_message(response="utter_ask_order_number")
        return _clear_pending()
    proof = proof_for(tracker, number)
    if not proof:
        return ask_for_proof_again(operation, dispatcher)
    try:
        order, products = await within_budget(_lookup_with_products(orders, number, proof, operation))
    except (ServiceError, ServiceUnavailable) as exc:
        return reply_to_lookup_failure(exc, operation, number, tracker, dispatcher)
    proven = proof.accepted(order["number"])

    refusal: tuple[str, dict[str, Any]] | None = None
    slot_address = tracker.get_slot("new_address") if operation == ADDRESS else None
    address: dict[str, Any] | None = slot_address if isinstance(slot_address, dict) else None
    if operation == CANCEL and not order.get("can_cancel"):
        refusal = ("not_cancellable", {})
    elif operation == ADDRESS and not order.get("can_change_address"):
        refusal = ("address_change_not_allowed", {})
    elif operation == ADDRESS and address is None:
        dispatcher.utter_message(response="utter_ask_new_address")
        return [*proven, *_clear_pending()]
    elif operation == ADDRESS and address is not None:
        country = address["country"]
        blocked = [p["id"] for p in products if country not in (p.get("ships_to") or [])]
        if blocked:
            refusal = ("country_not_allowed", {"country": country, "products": blocked})
    elif operation == RETURN and not order.get("can_return"):
        code = "return_not_allowed"
        if order.get("status") == "delivered":
            code = "return_window_closed" if _has_open_items(order) else "nothing_to_return"
        refusal = (code, {})
    if refusal is not None:
        dispatcher.utter_message(
            text=refusal_text(operation, refusal[0], order, refusal[1]) + " Nothing was changed.",
            buttons=[HANDOFF_BUTTON],
        )
        return [SlotSet("order_number", order["number"]), *proven, *_clear_pending()]

    dispatcher.utter_message(text=confirmation_question(operation, order, address), buttons=YES_NO)
    return [
        SlotSet("order_number", order["number"]),
        *proven,
        SlotSet("order_change", operation),
        SlotSet("order_change_id", new_confirmation_id()),
        SlotSet("order_change_pending", True),
    ]


def _has_open_items(order: dict[str, Any]) -> bool:
    """Whether some item is not yet in a return (then a false can_return means the window has closed)."""
    returned: dict[str, int] = {}
    for ret in order.get("returns") or []:
        for item in ret.get("items") or []:
            returned[item["product_id"]] = returned.get(item["product_id"], 0) + int(item["quantity"])
    return any(int(i["quantity"]) > returned.get(i["product_id"], 0) for i in order.get("items") or [])


def confirmation_question(operation: str, order: dict[str, Any], address: dict[str, str] | None = None) -> str:
    summary = order_summary(order)
    if operation == CANCEL:
        return (
            f"Cancel order {summary}: {item_list(order.get('items') or [])}? We'd refund "
            f"{money(float(order['total']), order['currency'])} to your original payment method within 5 business "
            "days. Yes or no?"
        )
    if operation == ADDRESS:
        return f"Change the delivery address of order {summary} to: {address_line(address or {})}? Yes or no?"
    return (
        f"Start a return for order {summary}: {item_list(order.get('items') or [])}? Please confirm the items are "
        f"unused and in their original packaging ({SEAL_RULE}). Yes or no?"
    )


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


PREPARE_ACTIONS = {"action_prepare_cancel", "action_prepare_address_change", "action_prepare_return"}


@localized
class ActionExecuteOrderChange(Action):
    """Sends the confirmed change once and tells the shopper exactly whether it happened."""

    orders = services.uses(orders_client)

    def name(self) -> str:
        return "action_execute_order_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        operation = tracker.get_slot("order_change")
        number = tracker.get_slot("order_number")
        if operation not in WHAT or not number or not tracker.get_slot("order_change_pending"):
            dispatcher.utter_message(response="utter_affirm_ack")
            return _clear_pending()
        last = _last_bot_action(tracker)
        confirmation_id = tracker.get_slot("order_change_id")
        if (last is not None and last not in PREPARE_ACTIONS | {self.name()}) or not confirmation_id:
            # The "yes" answers something else (or a question without an id): ask again rather than act.
            return await prepare(self.orders, operation, dispatcher, tracker)
        proof = proof_for(tracker, number)
        if not proof:
            # The shopper waited past the verified window (or someone else is answering): prove again.
            return ask_for_proof_again(operation, dispatcher)
        address = tracker.get_slot("new_address")
        key = idempotency_key(str(confirmation_id), operation, number)
        try:
            if operation == CANCEL:
                pending = self.orders.cancel(number, idempotency_key=key, **proof.kwargs())
            elif operation == ADDRESS:
                pending = self.orders.change_address(number, address, idempotency_key=key, **proof.kwargs())
            else:
                pending = self.orders.start_return(number, sealed=True, idempotency_key=key, **proof.kwargs())
            result = await within_budget(pending)
        except PolicyRefused as exc:
            details = ((exc.body or {}).get("error") or {}).get("details") or {}
            dispatcher.utter_message(
                text=refusal_text(operation, exc.code, None, {"order_number": number, **details})
                + " Nothing was changed.",
                buttons=[HANDOFF_BUTTON],
            )
            return _clear_pending()
        except IdempotencyConflict:
            dispatcher.utter_message(
                text=(
                    f"I already sent a different {WHAT[operation]} request for order {number} in this conversation, "
                    "so I haven't changed anything now. Ask me to track the order to see where it stands, or ask "
                    "for a person."
                ),
                buttons=[HANDOFF_BUTTON],
            )
            return _clear_pending()
        except InvalidRequest as exc:
            dispatcher.utter_message(
                text=f"Our order system didn't accept that ({exc.message or exc.code}), so nothing was changed.",
                buttons=[HANDOFF_BUTTON],
            )
            return _clear_pending()
        except ServiceUnavailable as exc:
            if never_reached_service(exc):
                text = (
                    f"Sorry, I can't reach our order system right now, so the {WHAT[operation]} of order {number} "
                    "has not been made. Say “yes” to try again in a moment, or talk to a person."
                )
            else:
                text = (
                    f"Sorry, our order system didn't answer in time, so I can't confirm whether the "
                    f"{WHAT[operation]} of order {number} went through. Say “yes” to check: it will never be done "
                    "twice. Or talk to a person."
                )
            # The confirmation stays open: "yes" retries under the same key, which tells us what happened.
            dispatcher.utter_message(
                text=text, buttons=[{"title": "Yes, try again", "payload": "/affirm"}, HANDOFF_BUTTON]
            )
            return []
        except ServiceError as exc:
            return reply_to_lookup_failure(exc, operation, number, tracker, dispatcher)
        dispatcher.utter_message(text=success_text(operation, result))
        return [*proof.accepted(number), *_clear_pending()]


def success_text(operation: str, result: dict[str, Any]) -> str:
    order = result.get("order") or {}
    number = order.get("number", "")
    if operation == CANCEL:
        refund = (result.get("cancellation") or {}).get("refund") or {}
        amount = money(float(refund.get("amount", order.get("total", 0))), refund.get("currency", order["currency"]))
        by = f" (by {day(refund['expected_by'])})" if refund.get("expected_by") else ""
        return (
            f"Done: order {number} is cancelled. We'll refund {amount} to your "
            f"{refund.get('method', 'original payment method')} within "
            f"{refund.get('within_business_days', 5)} business days{by}."
        )
    if operation == ADDRESS:
        where = order.get("shipping_address") or {}
        estimate = (
            f" Estimated delivery: {day(order['estimated_delivery'])}." if order.get("estimated_delivery") else ""
        )
        return (
            f"Done: order {number} will now be delivered to {where.get('postcode', '')} {where.get('city', '')}, "
            f"{country_name(where.get('country', ''))}.{estimate}"
        )
    ret = result.get("return") or {}
    titles = {i["product_id"]: i.get("title") for i in order.get("items") or []}
    items = [{**i, "title": titles.get(i["product_id"])} for i in ret.get("items") or []]
    return (
        f"Done: return {ret.get('id')} is open for order {number} ({item_list(items)}). "
        f"{ret.get('label_note', '')} Please send the items back by {day(ret.get('return_by'))}, unused and in "
        f"their original packaging; we refund you within {ret.get('refund_within_business_days', 5)} business "
        "days of the parcel reaching us."
    )


@localized
class ActionAbortOrderChange(Action):
    """The shopper said no: nothing is sent, and they hear so."""

    def name(self) -> str:
        return "action_abort_order_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        operation = tracker.get_slot("order_change")
        number = tracker.get_slot("order_number")
        if operation in WHAT and number:
            dispatcher.utter_message(
                text=f"OK, I haven't changed anything: order {number} stays as it is. Anything else I can do?"
            )
        else:
            dispatcher.utter_message(response="utter_deny_ack")
        return _clear_pending()
