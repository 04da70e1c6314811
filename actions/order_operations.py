"""The order changes a verified shopper can make, one object per operation: cancel, address change, return.

Each operation (an `OrderChange`) holds everything that differs between them, so the Rasa actions in
actions/order_changes.py run one flow for all of them and a new operation is one new class and one
registry entry:
- its names: the operation (the `order_change` slot and part of the idempotency key), the action that
  prepares it, the form that asks for its proof, the intent that starts
  it over, and the slot holding what it needs besides the order (the new address);
- how it checks the order against the shop's rules before the shopper is asked (a `Refusal`, a
  `Missing` input, or nothing against it);
- its call to the orders service;
- its confirmation question, its success text and the refusals it can meet: domain.yml responses
  (`Reply`) with their variables, so every text exists in each of the shop's languages.

`OPERATIONS` is the registry, keyed by operation. The service enforces the shop's rules; the replies
here only explain them, with the rule's numbers (return window, refund days) as the orders service
states them (the order's or the refusal's `policy`), never a copy of its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from actions.formatting import REPLY_LANGUAGE, day, money
from actions.order_forms import country_name
from actions.replies import Reply, status_text
from clients import OrdersClient

CANCEL, ADDRESS, RETURN = "cancel", "change_address", "return"


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


def total(order: dict[str, Any]) -> str:
    """`€84.90`: the order's total in its currency."""
    return money(float(order.get("total") or 0), order.get("currency") or "")


def item_list(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i.get('quantity', 1)} × {i.get('title') or i.get('product_id')}" for i in items)


def status_words(order: dict[str, Any]) -> str:
    return status_text(order, REPLY_LANGUAGE.get()).lower()


def address_line(address: dict[str, str]) -> str:
    name = f"{address['name']}, " if address.get("name") else ""
    return f"{name}{address['line1']}, {address['postcode']} {address['city']}, {country_name(address['country'])}"


def terms(policy: dict[str, Any]) -> list[Reply]:
    """The shop's return terms as the orders service states them (nothing when it did not)."""
    window, refund = policy.get("return_window_days"), policy.get("refund_business_days")
    if window is None or refund is None:
        return []
    return [Reply("utter_return_terms", {"return_window_days": window, "refund_days": refund})]


@dataclass(frozen=True)
class Refused:
    """What a refusal text may name: the order (when it was looked up) and the service's details."""

    order: dict[str, Any]
    details: dict[str, Any]

    @property
    def number(self) -> str:
        return str(self.order.get("number") or self.details.get("order_number") or "")

    @property
    def status(self) -> Any:
        return self.order.get("status") or self.details.get("order_status")

    @property
    def policy(self) -> dict[str, Any]:
        """The shop's terms: from the refusal's details, else from the looked-up order (the service's both)."""
        return dict(self.details.get("policy") or self.order.get("policy") or {})

    def reply(self, response: str, **variables: Any) -> Reply:
        return Reply(response, {"order_number": self.number, **variables})


# ---------------------------------------------------------------- the operations


@dataclass(frozen=True)
class OrderChange(ABC):
    """One kind of change to an order. Every field and method is required, so none can be forgotten."""

    operation: str  # the `order_change` slot's value and the idempotency key's middle part
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
    def confirmation_question(self, order: dict[str, Any], given: Any) -> Reply:
        """The yes/no question that names exactly what will change."""

    @abstractmethod
    def success_text(self, result: dict[str, Any]) -> list[Reply]:
        """What happened, from the service's answer to `send`."""

    @abstractmethod
    def explain(self, code: str, refused: Refused) -> list[Reply] | None:
        """The rule behind `code` in plain words, with what the shopper can do instead; None if not ours."""


@dataclass(frozen=True)
class CancelOrder(OrderChange):
    async def check(self, orders: OrdersClient, order: dict[str, Any], given: Any) -> Verdict:
        return None if order.get("can_cancel") else Refusal("not_cancellable")

    async def send(
        self, orders: OrdersClient, order_number: str, given: Any, *, idempotency_key: str, proof: dict[str, Any]
    ) -> dict[str, Any]:
        return await orders.cancel(order_number, idempotency_key=idempotency_key, **proof)

    def confirmation_question(self, order: dict[str, Any], given: Any) -> Reply:
        return Reply(
            "utter_confirm_cancel",
            {"order_number": order["number"], "total": total(order), "items": item_list(order.get("items") or [])},
        )

    def success_text(self, result: dict[str, Any]) -> list[Reply]:
        order = result.get("order") or {}
        refund = (result.get("cancellation") or {}).get("refund") or {}
        amount = money(float(refund.get("amount", order.get("total", 0))), refund.get("currency", order["currency"]))
        variables = {"order_number": order.get("number", ""), "amount": amount}
        if refund.get("within_business_days") is None:
            return [Reply("utter_order_cancelled", variables)]
        variables["refund_days"] = refund["within_business_days"]
        if refund.get("expected_by"):
            return [Reply("utter_order_cancelled_refund_by", {**variables, "refund_by": day(refund["expected_by"])})]
        return [Reply("utter_order_cancelled_refund_days", variables)]

    def explain(self, code: str, refused: Refused) -> list[Reply] | None:
        if code != "not_cancellable":
            return None
        status = refused.status
        if status == "cancelled":
            return [refused.reply("utter_refuse_already_cancelled")]
        if status in {"delivered", "returned"}:
            return [refused.reply("utter_refuse_cancel_delivered"), *terms(refused.policy)]
        return [refused.reply("utter_refuse_cancel_shipped"), *terms(refused.policy)]


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

    def confirmation_question(self, order: dict[str, Any], given: Any) -> Reply:
        return Reply(
            "utter_confirm_address_change",
            {"order_number": order["number"], "total": total(order), "address": address_line(given or {})},
        )

    def success_text(self, result: dict[str, Any]) -> list[Reply]:
        order = result.get("order") or {}
        where = order.get("shipping_address") or {}
        replies = [
            Reply(
                "utter_address_changed",
                {
                    "order_number": order.get("number", ""),
                    "postcode": where.get("postcode", ""),
                    "city": where.get("city", ""),
                    "country": country_name(where.get("country", "")),
                },
            )
        ]
        if order.get("estimated_delivery"):
            replies.append(Reply("utter_estimated_delivery", {"date": day(order["estimated_delivery"])}))
        return replies

    def explain(self, code: str, refused: Refused) -> list[Reply] | None:
        status, order, details = refused.status, refused.order, refused.details
        if code == "address_change_not_allowed":
            if status in {"shipped", "in_transit", "out_for_delivery"}:
                return [refused.reply("utter_refuse_address_shipped")]
            if status in {"delivered", "returned"}:
                return [refused.reply("utter_refuse_address_delivered")]
            if status == "cancelled":
                return [refused.reply("utter_refuse_address_cancelled")]
            return [refused.reply("utter_refuse_address_closed", status=status_words(order) or status or "")]
        if code == "country_not_allowed":
            country = details.get("country")
            where = country_name(country) if country else ""
            products = details.get("products") or []
            items = order.get("items") or []
            titles = [i.get("title") or i["product_id"] for i in items if i["product_id"] in products]
            if titles:
                return [refused.reply("utter_refuse_items_country", items=", ".join(titles), country=where)]
            return [refused.reply("utter_refuse_country", country=where)]
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

    def confirmation_question(self, order: dict[str, Any], given: Any) -> Reply:
        policy = order.get("policy") or {}
        # The shop's own words for how items must come back (rules/orders.yaml, through the orders service).
        conditions = " ".join(str(p) for p in (policy.get("return_conditions"), policy.get("sealed_only_rule")) if p)
        variables = {
            "order_number": order["number"],
            "total": total(order),
            "items": item_list(order.get("items") or []),
        }
        if conditions:
            return Reply("utter_confirm_return", {**variables, "conditions": conditions})
        return Reply("utter_confirm_return_plain", variables)

    def success_text(self, result: dict[str, Any]) -> list[Reply]:
        order = result.get("order") or {}
        ret = result.get("return") or {}
        titles = {i["product_id"]: i.get("title") for i in order.get("items") or []}
        items = [{**i, "title": titles.get(i["product_id"])} for i in ret.get("items") or []]
        replies = [
            Reply(
                "utter_return_started",
                {
                    "return_id": ret.get("id") or "",
                    "order_number": order.get("number", ""),
                    "items": item_list(items),
                    "return_by": day(ret.get("return_by")),
                },
            ),
            Reply("utter_return_label_free" if ret.get("free_label") else "utter_return_label_paid"),
        ]
        if ret.get("refund_within_business_days") is not None:
            replies.append(Reply("utter_return_refund", {"refund_days": ret["refund_within_business_days"]}))
        return replies

    def explain(self, code: str, refused: Refused) -> list[Reply] | None:
        status, order, details = refused.status, refused.order, refused.details
        if code == "return_not_allowed":
            if status in {"pending", "paid", "packed"}:
                return [refused.reply("utter_refuse_return_not_shipped")]
            if status == "cancelled":
                return [refused.reply("utter_refuse_return_cancelled")]
            if status == "returned":
                return [refused.reply("utter_refuse_return_already_returned")]
            return [refused.reply("utter_refuse_return_not_delivered"), *terms(refused.policy)]
        if code == "return_window_closed":
            deadline = details.get("return_deadline") or order.get("return_deadline")
            closed = (
                refused.reply("utter_refuse_return_window_closed_on", deadline=day(deadline))
                if deadline
                else refused.reply("utter_refuse_return_window_passed")
            )
            return [*terms(refused.policy), closed]
        if code == "item_not_returnable":
            return [refused.reply("utter_refuse_item_not_returnable", item=_item_title(order, details))]
        if code == "item_requires_sealed":
            return [refused.reply("utter_refuse_item_requires_sealed", item=_item_title(order, details))]
        if code in {"nothing_to_return", "quantity_exceeds_returnable"}:
            return [refused.reply("utter_refuse_nothing_to_return")]
        return None


def _item_title(order: dict[str, Any], details: dict[str, Any]) -> str:
    """The title of the item a refusal names (its product id when the order was not looked up)."""
    pid = details.get("product_id")
    return next(
        (str(i.get("title")) for i in order.get("items") or [] if i.get("product_id") == pid and i.get("title")),
        str(pid or ""),
    )


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
        prepare_action="action_prepare_cancel",
        form="cancel_order_form",
        retry_payload="/cancel_order",
        input_slot=None,
        refusal_codes=("not_cancellable",),
    ),
    ChangeAddress(
        operation=ADDRESS,
        prepare_action="action_prepare_address_change",
        form="change_address_form",
        retry_payload="/change_address",
        input_slot="new_address",
        refusal_codes=("address_change_not_allowed", "country_not_allowed"),
    ),
    StartReturn(
        operation=RETURN,
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


def refusal_text(operation: str, code: str, order: dict[str, Any] | None, details: dict[str, Any]) -> list[Reply]:
    """The rule that stops the change, in plain words, with what the shopper can do instead.

    The operation asked for explains its own codes; a code is the service's name for one rule, so one
    that another operation knows reads the same here; an unknown code names the order.
    """
    refused = Refused(order or {}, details)
    asked = change_for(operation)
    others = [change for change in OPERATIONS.values() if change is not asked]
    for change in [asked, *others] if asked else others:
        if (replies := change.explain(code, refused)) is not None:
            return replies
    return [refused.reply("utter_refuse_change")]
