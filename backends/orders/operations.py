"""Order operations with the shop's policy checks: look up, cancel, change address, start a return.

Each change runs in one transaction with the order row locked, and is refused with a 409 whose
code says which rule applies (not_cancellable, address_change_not_allowed, country_not_allowed,
return_not_allowed, ...). Idempotency (same key → same answer, no second effect) wraps these
functions in api.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders.db import Order, Product, ReturnRequest, utcnaive
from backends.orders.identity import Proof, Verifier
from backends.orders.normalize import normalize_postcode
from backends.orders.views import (
    iso,
    item_return_rule,
    money,
    order_view,
    return_deadline,
    returnable_items,
)
from borderless.rules import Rules, add_business_days
from svc.errors import ApiError


def _id_part(number: str) -> str:
    """The letters and digits of an order number, for ids derived from it (`#1001` → `1001`)."""
    return "".join(ch for ch in number if ch.isalnum())


class PolicyRefusal(ApiError):
    """A change the shop's rules do not allow (409); stored under its idempotency key like a success."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(409, code, message, **details)


async def _record(session: AsyncSession, order: Order, now: datetime, event: dict[str, Any]) -> None:
    """Appends `event`, stamped `now`, to the order's history, marks the order updated and flushes."""
    order.history = [*(order.history or []), {"at": iso(now), **event}]
    order.updated_at = utcnaive(now)
    await session.flush()


@dataclass
class Orders:
    rules: Rules
    verifier: Verifier

    async def _products(self, session: AsyncSession, ids: set[str]) -> dict[str, Product]:
        if not ids:
            return {}
        rows = (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
        return {p.id: p for p in rows}

    async def _returns(self, session: AsyncSession, number: str) -> list[ReturnRequest]:
        stmt = select(ReturnRequest).where(ReturnRequest.order_number == number).order_by(ReturnRequest.created_at)
        return list((await session.execute(stmt)).scalars())

    async def view(self, session: AsyncSession, order: Order, now: datetime) -> dict[str, Any]:
        products = await self._products(session, {i["product_id"] for i in order.items or []})
        returns = await self._returns(session, order.number)
        return order_view(self.rules, order, now, products, returns)

    def _refund_days(self) -> int:
        return int(self.rules.orders.get("refund_business_days", 5))

    async def lookup(self, session: AsyncSession, proof: Proof, now: datetime) -> dict[str, Any]:
        order = await self.verifier.verify(session, proof, now)
        return {"order": await self.view(session, order, now)}

    async def cancel(self, session: AsyncSession, proof: Proof, reason: str | None, now: datetime) -> dict[str, Any]:
        order = await self.verifier.verify(session, proof, now, lock=True)
        allowed = self.rules.orders.get("cancellable_statuses", [])
        if order.status not in allowed:
            raise PolicyRefusal(
                "not_cancellable",
                f"An order that is {self.rules.status_label(order.status).lower()} can no longer be cancelled.",
                order_status=order.status,
                allowed_statuses=allowed,
            )
        previous = order.status
        order.status = "cancelled"
        await _record(session, order, now, {"event": "cancelled", "from_status": previous, "reason": reason or ""})
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
        order = await self.verifier.verify(session, proof, now, lock=True)
        allowed = self.rules.orders.get("address_changeable_statuses", [])
        if order.status not in allowed:
            raise PolicyRefusal(
                "address_change_not_allowed",
                "The address can only be changed before the order ships.",
                order_status=order.status,
                allowed_statuses=allowed,
            )
        country = address["country"]
        if self.rules.zone_for(country) is None:
            raise PolicyRefusal("country_not_allowed", f"We do not ship to {country}.", country=country)
        products = await self._products(session, {i["product_id"] for i in order.items or []})
        blocked = sorted(
            {
                i["product_id"]
                for i in order.items or []
                if country not in (getattr(products.get(i["product_id"]), "ships_to", None) or [])
            }
        )
        if blocked:
            raise PolicyRefusal(
                "country_not_allowed",
                f"Some items in this order cannot be shipped to {country}.",
                country=country,
                products=blocked,
            )
        old = dict(order.shipping_address or {})
        order.shipping_address = {k: address.get(k, "") for k in ("name", "line1", "city", "postcode", "country")}
        order.postcode_norm = normalize_postcode(address["postcode"])
        await _record(session, order, now, {"event": "address_changed", "from": old, "to_country": country})
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
        order = await self.verifier.verify(session, proof, now, lock=True)
        if order.status not in self.rules.orders.get("returnable_statuses", ["delivered"]):
            raise PolicyRefusal(
                "return_not_allowed", "Only delivered orders can be returned.", order_status=order.status
            )
        deadline = return_deadline(self.rules, order)
        if deadline is None or now.date() > deadline:
            raise PolicyRefusal(
                "return_window_closed",
                f"Returns are accepted within {self.rules.orders.get('return_window_days', 30)} days of delivery.",
                return_deadline=deadline.isoformat() if deadline else None,
            )
        products = await self._products(session, {i["product_id"] for i in order.items or []})
        returns = await self._returns(session, order.number)
        left = returnable_items(self.rules, order, products, returns)
        ordered = {i["product_id"] for i in order.items or []}
        wanted: list[dict[str, Any]] = items or [{"product_id": pid, "quantity": qty} for pid, qty in left.items()]
        if not wanted:
            raise PolicyRefusal("nothing_to_return", "No items of this order can still be returned.")
        merged: dict[str, int] = {}
        for item in wanted:
            merged[item["product_id"]] = merged.get(item["product_id"], 0) + int(item["quantity"])
        for pid, qty in merged.items():
            if pid not in ordered:
                raise ApiError(422, "unknown_item", f"{pid} is not part of this order", product_id=pid)
            rule = item_return_rule(self.rules, products.get(pid))
            if rule == "never":
                raise PolicyRefusal("item_not_returnable", f"{pid} cannot be returned.", product_id=pid)
            if rule == "sealed_only" and not sealed:
                raise PolicyRefusal(
                    "item_requires_sealed",
                    f"{pid} can only be returned unopened with its hygiene seal intact; confirm with sealed=true.",
                    product_id=pid,
                )
            if qty > left.get(pid, 0):
                raise PolicyRefusal(
                    "quantity_exceeds_returnable",
                    f"only {left.get(pid, 0)} of {pid} can still be returned",
                    product_id=pid,
                    returnable=left.get(pid, 0),
                )
        country = str((order.shipping_address or {}).get("country", "")).upper()
        free = self.rules.free_returns(country)
        ret = ReturnRequest(
            id=f"R-{_id_part(order.number)}-{secrets.token_hex(3).upper()}",
            order_number=order.number,
            items=[{"product_id": pid, "quantity": qty} for pid, qty in merged.items()],
            reason=reason,
            status="requested",
            free_label=free,
            created_at=utcnaive(now),
        )
        session.add(ret)
        await _record(session, order, now, {"event": "return_requested", "return_id": ret.id})
        days = self._refund_days()
        return {
            "order": await self.view(session, order, now),
            "return": {
                "id": ret.id,
                "items": ret.items,
                "free_label": free,
                "label_note": "Free return label (EU)." if free else "Return shipping is paid by the shopper.",
                "return_by": deadline.isoformat(),
                "conditions": "Unused, in original packaging.",
                "refund_within_business_days": days,
            },
        }
