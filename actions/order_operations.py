"""The order changes a verified shopper can make, one object per operation: cancel, address change, return.

Each operation (an `OrderChange`) holds everything that differs between them, so the Rasa actions in
actions/order_changes.py run one flow for all of them and a new operation is one new class and one
registry entry:
- its names: the operation (the `order_change` slot and part of the idempotency key), the word for it
  in sentences, the action that prepares it, the form that asks for its proof, the intent that starts
  it over, and the slot holding what it needs besides the order (the new address);
- how it checks the order against the shop's rules before the shopper is asked (a `Refusal`, a
  `Missing` input, or nothing against it);
- its call to the orders service;
- its confirmation question, its success text and the refusals it can meet, in plain words.

`OPERATIONS` is the registry, keyed by operation. The service enforces the shop's rules; the texts
here only explain them (shops/lumen-goods/README.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from actions.formatting import day, money
from actions.order_forms import country_name
from clients import OrdersClient

CANCEL, ADDRESS, RETURN = "cancel", "change_address", "return"

RETURN_RULE = (
    "Returns are accepted within 30 days of delivery, unused and in the original packaging; "
    "we refund you within 5 business days of the parcel reaching us."
)
SEAL_RULE = "beauty products, underwear and swimwear only unopened, with the hygiene seal intact; gift cards never"


@dataclass(frozen=True)
class Refusal:
    """The shop's rules forbid the change: the rule's code (the orders service's) and its particulars."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """The change needs something the shopper has not given yet: the domain response that asks for it."""

    response: str


Verdict = Refusal | Missing | None


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


def address_line(address: dict[str, str]) -> str:
    name = f"{address['name']}, " if address.get("name") else ""
    return f"{name}{address['line1']}, {address['postcode']} {address['city']}, {country_name(address['country'])}"


@dataclass(frozen=True)
class Refused:
    """What a refusal text may name: the order (when it was looked up) and the service's details."""

    order: dict[str, Any]
    details: dict[str, Any]

    @property
    def number(self) -> str:
        return self.order.get("number") or self.details.get("order_number") or "this order"

    @property
    def status(self) -> Any:
        return self.order.get("status") or self.details.get("order_status")


# ---------------------------------------------------------------- the operations


@dataclass(frozen=True)
class OrderChange(ABC):
    """One kind of change to an order. Every field and method is required, so none can be forgotten."""

    operation: str  # the `order_change` slot's value and the idempotency key's middle part
    what: str  # the change in a sentence: "the {what} of order BL-…"
    prepare_action: str  # the action that looks the order up and asks for a yes or no
    form: str  # the form that collects the order number and proof (asked again when the proof expired)
    retry_payload: str  # the intent that starts this change over
    input_slot: str | None  # the slot holding what the change needs besides the order, if anything
    refusal_codes: tuple[str, ...]  # the rules this change can meet, each explained by `explain`

    @abstractmethod
    async def check(self, orders: OrdersClient, order: dict[str, Any], given: Any) -> Verdict:
        """What the shop's rules say about this change to the looked-up `order` (None: ask the shopper).

        `given` is the input slot's value; `orders` may be asked for what the rules need (products).
        """

    @abstractmethod
    async def send(
        self, orders: OrdersClient, order_number: str, given: Any, *, idempotency_key: str, proof: dict[str, Any]
    ) -> dict[str, Any]:
        """Makes the change; `proof` is the proof's keyword arguments (actions.proof.Proof.kwargs)."""

    @abstractmethod
    def confirmation_question(self, order: dict[str, Any], given: Any) -> str:
        """The yes/no question that names exactly what will change."""

    @abstractmethod
    def success_text(self, result: dict[str, Any]) -> str:
        """What happened, from the service's answer to `send`."""

    @abstractmethod
    def explain(self, code: str, refused: Refused) -> str | None:
        """The rule behind `code` in plain words, with what the shopper can do instead; None if not ours."""


@dataclass(frozen=True)
class CancelOrder(OrderChange):
    async def check(self, orders: OrdersClient, order: dict[str, Any], given: Any) -> Verdict:
        return None if order.get("can_cancel") else Refusal("not_cancellable")

    async def send(
        self, orders: OrdersClient, order_number: str, given: Any, *, idempotency_key: str, proof: dict[str, Any]
    ) -> dict[str, Any]:
        return await orders.cancel(order_number, idempotency_key=idempotency_key, **proof)

    def confirmation_question(self, order: dict[str, Any], given: Any) -> str:
        return (
            f"Cancel order {order_summary(order)}: {item_list(order.get('items') or [])}? We'd refund "
            f"{money(float(order['total']), order['currency'])} to your original payment method within 5 business "
            "days. Yes or no?"
        )

    def success_text(self, result: dict[str, Any]) -> str:
        order = result.get("order") or {}
        number = order.get("number", "")
        refund = (result.get("cancellation") or {}).get("refund") or {}
        amount = money(float(refund.get("amount", order.get("total", 0))), refund.get("currency", order["currency"]))
        by = f" (by {day(refund['expected_by'])})" if refund.get("expected_by") else ""
        return (
            f"Done: order {number} is cancelled. We'll refund {amount} to your "
            f"{refund.get('method', 'original payment method')} within "
            f"{refund.get('within_business_days', 5)} business days{by}."
        )

    def explain(self, code: str, refused: Refused) -> str | None:
        if code != "not_cancellable":
            return None
        number, status = refused.number, refused.status
        if status == "cancelled":
            return f"Order {number} is already cancelled, so there is nothing left to cancel."
        if status in {"delivered", "returned"}:
            return f"Order {number} has already been delivered, so it can't be cancelled. {RETURN_RULE}"
        return (
            f"Order {number} has already shipped, so it can't be cancelled any more: orders can only be "
            f"cancelled before they leave our warehouse. Once it arrives you can return it. {RETURN_RULE}"
        )


@dataclass(frozen=True)
class ChangeAddress(OrderChange):
    async def check(self, orders: OrdersClient, order: dict[str, Any], given: Any) -> Verdict:
        if not order.get("can_change_address"):
            return Refusal("address_change_not_allowed")
        # Checked before asking, so the shopper is not asked to confirm a move the rules forbid.
        products = await orders.products([i["product_id"] for i in order.get("items") or []])
        if not isinstance(given, dict):
            return Missing("utter_ask_new_address")
        country = given["country"]
        blocked = [p["id"] for p in products if country not in (p.get("ships_to") or [])]
        if blocked:
            return Refusal("country_not_allowed", {"country": country, "products": blocked})
        return None

    async def send(
        self, orders: OrdersClient, order_number: str, given: Any, *, idempotency_key: str, proof: dict[str, Any]
    ) -> dict[str, Any]:
        return await orders.change_address(order_number, given, idempotency_key=idempotency_key, **proof)

    def confirmation_question(self, order: dict[str, Any], given: Any) -> str:
        summary = order_summary(order)
        return f"Change the delivery address of order {summary} to: {address_line(given or {})}? Yes or no?"

    def success_text(self, result: dict[str, Any]) -> str:
        order = result.get("order") or {}
        number = order.get("number", "")
        where = order.get("shipping_address") or {}
        estimate = (
            f" Estimated delivery: {day(order['estimated_delivery'])}." if order.get("estimated_delivery") else ""
        )
        return (
            f"Done: order {number} will now be delivered to {where.get('postcode', '')} {where.get('city', '')}, "
            f"{country_name(where.get('country', ''))}.{estimate}"
        )

    def explain(self, code: str, refused: Refused) -> str | None:
        number, status, order, details = refused.number, refused.status, refused.order, refused.details
        if code == "address_change_not_allowed":
            if status in {"shipped", "in_transit", "out_for_delivery"}:
                return (
                    f"Order {number} has already shipped, so I can't change its address: addresses can only be "
                    "changed before an order leaves our warehouse. The carrier may let you redirect the parcel "
                    "from its tracking page, or a person from our team can help."
                )
            return (
                f"Order {number} is {status_words(order) or status or 'closed'}, so its address can't be "
                "changed: addresses can only be changed before an order ships."
            )
        if code == "country_not_allowed":
            country = details.get("country")
            where = country_name(country) if country else "that country"
            products = details.get("products") or []
            items = order.get("items") or []
            titles = [i.get("title") or i["product_id"] for i in items if i["product_id"] in products]
            if titles:
                return (
                    f"Some items in order {number} ({', '.join(titles)}) can't be shipped to {where}, so I can't "
                    "move the delivery there. Every item in an order has to ship to the new address."
                )
            return f"Lumen Goods doesn't ship to {where}, so I can't move order {number} there."
        return None


def _has_open_items(order: dict[str, Any]) -> bool:
    """Whether some item is not yet in a return (then a false can_return means the window has closed)."""
    returned: dict[str, int] = {}
    for ret in order.get("returns") or []:
        for item in ret.get("items") or []:
            returned[item["product_id"]] = returned.get(item["product_id"], 0) + int(item["quantity"])
    return any(int(i["quantity"]) > returned.get(i["product_id"], 0) for i in order.get("items") or [])


@dataclass(frozen=True)
class StartReturn(OrderChange):
    async def check(self, orders: OrdersClient, order: dict[str, Any], given: Any) -> Verdict:
        if order.get("can_return"):
            return None
        code = "return_not_allowed"
        if order.get("status") == "delivered":
            code = "return_window_closed" if _has_open_items(order) else "nothing_to_return"
        return Refusal(code)

    async def send(
        self, orders: OrdersClient, order_number: str, given: Any, *, idempotency_key: str, proof: dict[str, Any]
    ) -> dict[str, Any]:
        return await orders.start_return(order_number, sealed=True, idempotency_key=idempotency_key, **proof)

    def confirmation_question(self, order: dict[str, Any], given: Any) -> str:
        return (
            f"Start a return for order {order_summary(order)}: {item_list(order.get('items') or [])}? Please confirm "
            f"the items are unused and in their original packaging ({SEAL_RULE}). Yes or no?"
        )

    def success_text(self, result: dict[str, Any]) -> str:
        order = result.get("order") or {}
        number = order.get("number", "")
        ret = result.get("return") or {}
        titles = {i["product_id"]: i.get("title") for i in order.get("items") or []}
        items = [{**i, "title": titles.get(i["product_id"])} for i in ret.get("items") or []]
        return (
            f"Done: return {ret.get('id')} is open for order {number} ({item_list(items)}). "
            f"{ret.get('label_note', '')} Please send the items back by {day(ret.get('return_by'))}, unused and in "
            f"their original packaging; we refund you within {ret.get('refund_within_business_days', 5)} business "
            "days of the parcel reaching us."
        )

    def explain(self, code: str, refused: Refused) -> str | None:
        number, status, order, details = refused.number, refused.status, refused.order, refused.details
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
            deadline = details.get("return_deadline") or order.get("return_deadline")
            closed = f" The return window for order {number} closed on {day(deadline)}." if deadline else ""
            return (
                f"Returns are accepted within 30 days of delivery.{closed} If something is faulty, our 2-year "
                "guarantee still covers it: a person from our team can help with a claim."
            )
        if code == "item_not_returnable":
            return f"Gift cards can't be returned, so I can't include them in a return for order {number}."
        if code == "item_requires_sealed":
            return (
                "Beauty products, underwear and swimwear can only be returned unopened, with the hygiene seal intact."
            )
        if code in {"nothing_to_return", "quantity_exceeds_returnable"}:
            return (
                f"Everything in order {number} that can be returned is already in a return (gift cards can't be "
                "returned at all), so there is nothing more to send back."
            )
        return None


# ---------------------------------------------------------------- the registry


def _registry(*changes: OrderChange) -> Mapping[str, OrderChange]:
    """The operations keyed by name (read-only); names and prepare actions must be unique."""
    table = {change.operation: change for change in changes}
    if len(table) != len(changes) or len({c.prepare_action for c in changes}) != len(changes):
        raise ValueError("two order changes share an operation or a prepare action")
    return MappingProxyType(table)


OPERATIONS: Mapping[str, OrderChange] = _registry(
    CancelOrder(
        operation=CANCEL,
        what="cancellation",
        prepare_action="action_prepare_cancel",
        form="cancel_order_form",
        retry_payload="/cancel_order",
        input_slot=None,
        refusal_codes=("not_cancellable",),
    ),
    ChangeAddress(
        operation=ADDRESS,
        what="address change",
        prepare_action="action_prepare_address_change",
        form="change_address_form",
        retry_payload="/change_address",
        input_slot="new_address",
        refusal_codes=("address_change_not_allowed", "country_not_allowed"),
    ),
    StartReturn(
        operation=RETURN,
        what="return",
        prepare_action="action_prepare_return",
        form="start_return_form",
        retry_payload="/start_return",
        input_slot=None,
        refusal_codes=(
            "return_not_allowed",
            "return_window_closed",
            "item_not_returnable",
            "item_requires_sealed",
            "nothing_to_return",
            "quantity_exceeds_returnable",
        ),
    ),
)
# The slots every operation's input lives in: cleared whenever a change is finished or dropped.
INPUT_SLOTS = tuple(dict.fromkeys(c.input_slot for c in OPERATIONS.values() if c.input_slot))


def change_for(operation: Any) -> OrderChange | None:
    """The registered change named `operation` (the `order_change` slot), or None."""
    return OPERATIONS.get(operation) if isinstance(operation, str) else None


def refusal_text(operation: str, code: str, order: dict[str, Any] | None, details: dict[str, Any]) -> str:
    """The rule that stops the change, in plain words, with what the shopper can do instead.

    The operation asked for explains its own codes; a code is the service's name for one rule, so one
    that another operation knows reads the same here; an unknown code names the change and the order.
    """
    refused = Refused(order or {}, details)
    asked = change_for(operation)
    others = [change for change in OPERATIONS.values() if change is not asked]
    for change in [asked, *others] if asked else others:
        if (text := change.explain(code, refused)) is not None:
            return text
    return f"The shop's rules don't allow this {asked.what if asked else 'change'} for order {refused.number}."
