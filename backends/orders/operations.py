"""Order operations with the shop's policy checks: look up, cancel, change address, start a return.

The policy lives here once for every order source (the builtin SQL store, Shopify, WooCommerce; see
adapters/): cancellable and address-changeable statuses, countries shipped to, the return window,
never-returnable and seal-only items, quantities already returned — all from the shop's rule tables. A
change the rules forbid is refused with a 409 whose code says which rule applies (not_cancellable,
address_change_not_allowed, country_not_allowed, return_not_allowed, ...) before the source is asked to do
anything. Idempotency (same key → same answer, no second effect) wraps these functions in api.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders.adapters.source import OrderRecord, OrderSource
from backends.orders.identity import Proof, Verifier
from backends.orders.views import (
    item_return_rule,
    money,
    order_view,
    policy_view,
    return_deadline,
    returnable_items,
)
from borderless.rules import Rules, add_business_days
from svc.errors import ApiError


class PolicyRefusal(ApiError):
    """A change the shop's rules do not allow (409); stored under its idempotency key like a success.

    Its details carry the shop's terms (`policy`: return window, refund days …) so whoever explains the
    refusal names this shop's numbers rather than a copy of its own.
    """

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(409, code, message, **details)


@dataclass
class Orders:
    rules: Rules
    verifier: Verifier
    source: OrderSource

    async def view(self, session: AsyncSession, order: OrderRecord, now: datetime) -> dict[str, Any]:
        details = await self.source.details(session, order)
        return order_view(self.rules, order, now, details.products, details.returns)

    def _refuse(self, code: str, message: str, **details: Any) -> PolicyRefusal:
        return PolicyRefusal(code, message, policy=policy_view(self.rules), **details)

    def _refund_days(self) -> int:
        return int(self.rules.orders["refund_business_days"])

    async def _verify(self, session: AsyncSession, proof: Proof, now: datetime, *, lock: bool = False) -> OrderRecord:
        return await self.verifier.verify(session, proof, now, self.source, lock=lock)

    async def lookup(self, session: AsyncSession, proof: Proof, now: datetime) -> dict[str, Any]:
        order = await self._verify(session, proof, now)
        return {"order": await self.view(session, order, now)}

    async def recent(self, session: AsyncSession, customer_id: str, limit: int, now: datetime) -> list[dict[str, Any]]:
        orders = await self.source.recent(session, customer_id, limit)
        return [await self.view(session, o, now) for o in orders]

    async def cancel(self, session: AsyncSession, proof: Proof, reason: str | None, now: datetime) -> dict[str, Any]:
        order = await self._verify(session, proof, now, lock=True)
        allowed = self.rules.orders.get("cancellable_statuses", [])
        if order.status not in allowed:
            raise self._refuse(
                "not_cancellable",
                f"An order that is {self.rules.status_label(order.status).lower()} can no longer be cancelled.",
                order_status=order.status,
                allowed_statuses=allowed,
            )
        previous = order.status
        order = await self.source.cancel(session, order, reason or "", now)
        days = self._refund_days()
        return {
            "order": await self.view(session, order, now),
            "cancellation": {
                "previous_status": previous,
                "refund": {
                    "amount": money(order.total),
                    "currency": order.currency,
                    "method": "original payment method",
                    "within_business_days": days,
                    "expected_by": add_business_days(now, days).isoformat(),
                },
            },
        }

    async def change_address(
        self, session: AsyncSession, proof: Proof, address: dict[str, str], now: datetime
    ) -> dict[str, Any]:
        order = await self._verify(session, proof, now, lock=True)
        allowed = self.rules.orders.get("address_changeable_statuses", [])
        if order.status not in allowed:
            raise self._refuse(
                "address_change_not_allowed",
                "The address can only be changed before the order ships.",
                order_status=order.status,
                allowed_statuses=allowed,
            )
        country = address["country"]
        if self.rules.zone_for(country) is None:
            raise self._refuse("country_not_allowed", f"We do not ship to {country}.", country=country)
        products = (await self.source.details(session, order)).products
        # A product the store does not know ships nowhere; a platform product without its own list of
        # countries (ships_to None) ships wherever the shop's zones reach.
        blocked = sorted(
            {
                i["product_id"]
                for i in order.items or []
                if (p := products.get(i["product_id"])) is None
                or (p.ships_to is not None and country not in p.ships_to)
            }
        )
        if blocked:
            raise self._refuse(
                "country_not_allowed",
                f"Some items in this order cannot be shipped to {country}.",
                country=country,
                products=blocked,
            )
        order = await self.source.change_address(session, order, address, now)
        return {"order": await self.view(session, order, now), "address_changed": True}

    async def start_return(
        self,
        session: AsyncSession,
        proof: Proof,
        items: list[dict[str, Any]] | None,
        reason: str,
        sealed: bool,
        now: datetime,
    ) -> dict[str, Any]:
        order = await self._verify(session, proof, now, lock=True)
        if order.status not in self.rules.orders.get("returnable_statuses", ["delivered"]):
            raise self._refuse(
                "return_not_allowed", "Only delivered orders can be returned.", order_status=order.status
            )
        deadline = return_deadline(self.rules, order)
        if deadline is None or now.date() > deadline:
            window = int(self.rules.orders["return_window_days"])
            raise self._refuse(
                "return_window_closed",
                f"Returns are accepted within {window} days of delivery.",
                return_deadline=deadline.isoformat() if deadline else None,
                return_window_days=window,
            )
        details = await self.source.details(session, order)
        products = details.products
        left = returnable_items(self.rules, order, products, details.returns)
        ordered = {i["product_id"] for i in order.items or []}
        wanted: list[dict[str, Any]] = items or [{"product_id": pid, "quantity": qty} for pid, qty in left.items()]
        if not wanted:
            raise self._refuse("nothing_to_return", "No items of this order can still be returned.")
        merged: dict[str, int] = {}
        for item in wanted:
            merged[item["product_id"]] = merged.get(item["product_id"], 0) + int(item["quantity"])
        for pid, qty in merged.items():
            if pid not in ordered:
                raise ApiError(422, "unknown_item", f"{pid} is not part of this order", product_id=pid)
            rule = item_return_rule(self.rules, products.get(pid))
            if rule == "never":
                raise self._refuse("item_not_returnable", f"{pid} cannot be returned.", product_id=pid)
            if rule == "sealed_only" and not sealed:
                raise self._refuse(
                    "item_requires_sealed",
                    f"{pid} can only be returned unopened with its hygiene seal intact; confirm with sealed=true.",
                    product_id=pid,
                )
            if qty > left.get(pid, 0):
                raise self._refuse(
                    "quantity_exceeds_returnable",
                    f"only {left.get(pid, 0)} of {pid} can still be returned",
                    product_id=pid,
                    returnable=left.get(pid, 0),
                )
        country = str((order.shipping_address or {}).get("country", "")).upper()
        free = self.rules.free_returns(country)
        lines = [{"product_id": pid, "quantity": qty} for pid, qty in merged.items()]
        ret = await self.source.create_return(session, order, lines, reason, free, now)
        days = self._refund_days()
        return {
            "order": await self.view(session, order, now),
            "return": {
                "id": ret.id,
                "items": ret.items,
                "free_label": free,
                "label_note": "Free return label." if free else "Return shipping is paid by the shopper.",
                "return_by": deadline.isoformat(),
                "conditions": policy_view(self.rules)["return_conditions"] or "",
                "refund_within_business_days": days,
            },
        }
