"""The builtin order source: orders, products and returns in the service's own SQL tables (db.py).

Changes happen in the caller's session, inside the transaction that also stores the change's idempotency
record (api.py `run_change`), with the order row locked (`SELECT … FOR UPDATE` on PostgreSQL).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders.adapters.source import Details, OrderRecord, ProofFacts, ReturnRecord
from backends.orders.db import Order, Product, ReturnRequest, utcnaive
from backends.orders.normalize import normalize_phone, normalize_postcode
from backends.orders.views import iso


async def _record(session: AsyncSession, order: Order, now: datetime, event: dict[str, Any]) -> None:
    """Appends `event`, stamped `now`, to the order's history, marks the order updated and flushes."""
    order.history = [*(order.history or []), {"at": iso(now), **event}]
    order.updated_at = utcnaive(now)
    await session.flush()


def _return_id(number: str) -> str:
    # The number's letters and digits keep the id readable (`#1001` → `R-1001-…`); the random tail keeps it
    # unique; at most 20 of them keep it inside the column.
    stem = "".join(ch for ch in number if ch.isalnum())[-20:]
    return f"R-{stem}-{secrets.token_hex(3).upper()}"


class SqlSource:
    """Orders in the service's own database (imported files, or the demo shop)."""

    kind = "builtin"

    async def find(self, session: AsyncSession, number: str, *, lock: bool = False) -> OrderRecord | None:
        stmt = select(Order).where(Order.number == number)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    def proof_facts(self, order: OrderRecord) -> ProofFacts:
        row = cast(Order, order)
        postcodes = {row.postcode_norm}
        phones = {normalize_phone(str((row.shipping_address or {}).get("phone") or ""))}
        # The postcode (and phone) the order was placed with still prove ownership after an address change.
        for entry in row.history or []:
            before = entry.get("from") or {}
            if before.get("postcode"):
                postcodes.add(normalize_postcode(before["postcode"]))
            if before.get("phone"):
                phones.add(normalize_phone(str(before["phone"])))
        return ProofFacts(
            customer_id=row.customer_id,
            email=row.email_norm,
            postcodes=tuple(sorted(p for p in postcodes if p)),
            phones=tuple(sorted(p for p in phones if p)),
        )

    async def details(self, session: AsyncSession, order: OrderRecord) -> Details:
        ids = {i["product_id"] for i in order.items or []}
        products: dict[str, Product] = {}
        if ids:
            rows = (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
            products = {p.id: p for p in rows}
        stmt = (
            select(ReturnRequest).where(ReturnRequest.order_number == order.number).order_by(ReturnRequest.created_at)
        )
        returns = list((await session.execute(stmt)).scalars())
        return Details(products=products, returns=returns)

    async def recent(self, session: AsyncSession, customer_id: str, limit: int) -> list[OrderRecord]:
        stmt = select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc()).limit(limit)
        return list((await session.execute(stmt)).scalars())

    async def cancel(self, session: AsyncSession, order: OrderRecord, reason: str, now: datetime) -> OrderRecord:
        row = cast(Order, order)
        previous = row.status
        row.status = "cancelled"
        await _record(session, row, now, {"event": "cancelled", "from_status": previous, "reason": reason})
        return row

    async def change_address(
        self, session: AsyncSession, order: OrderRecord, address: dict[str, str], now: datetime
    ) -> OrderRecord:
        row = cast(Order, order)
        old = dict(row.shipping_address or {})
        row.shipping_address = {k: address.get(k, "") for k in ("name", "line1", "city", "postcode", "country")}
        if old.get("phone"):
            row.shipping_address["phone"] = old["phone"]  # the shopper's number does not move with the parcel
        row.postcode_norm = normalize_postcode(address["postcode"])
        await _record(session, row, now, {"event": "address_changed", "from": old, "to_country": address["country"]})
        return row

    async def create_return(
        self,
        session: AsyncSession,
        order: OrderRecord,
        items: list[dict[str, Any]],
        reason: str,
        free_label: bool,
        now: datetime,
    ) -> ReturnRecord:
        row = cast(Order, order)
        ret = ReturnRequest(
            id=_return_id(row.number),
            order_number=row.number,
            items=items,
            reason=reason,
            status="requested",
            free_label=free_label,
            created_at=utcnaive(now),
        )
        session.add(ret)
        await _record(session, row, now, {"event": "return_requested", "return_id": ret.id})
        return ret

    async def aclose(self) -> None:
        return None
