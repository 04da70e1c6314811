"""JSON views of orders and products: what the HTTP API returns, and the policy flags in it.

Orders are read through the `OrderRecord` shape (adapters/source.py), so the same view and the same policy
flags come out whether the order is in the builtin store or on a shop platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from backends.orders.adapters.source import OrderRecord, ProductFacts, ReturnRecord
from backends.orders.db import Product, aware
from borderless.rules import Rules, add_business_days


def iso(value: datetime | None) -> str | None:
    value = aware(value)
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def parse_ts(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return aware(value)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return aware(parsed)


def delivered_at(order: OrderRecord) -> datetime | None:
    stamps = [parse_ts(s.get("delivered_at")) for s in order.shipments or []]
    found = [s for s in stamps if s is not None]
    if found:
        return max(found)
    if order.status in ("delivered", "returned"):
        # Delivered without a stamp on the shipment: fall back to the last tracking event.
        parsed = [parse_ts(e.get("at")) for s in order.shipments or [] for e in s.get("events") or []]
        events = [e for e in parsed if e is not None]
        return max(events) if events else aware(order.placed_at)
    return None


def item_return_rule(rules: Rules, product: ProductFacts | None) -> str:
    """'never', 'sealed_only' or 'ok' for one product under the shop's return rules."""
    if product is None:
        return "ok"
    pol = rules.orders
    category = (product.category or "").casefold()
    tags = {str(t).casefold() for t in product.tags or []}
    if category in {c.casefold() for c in pol.get("non_returnable_categories", [])} or tags & {
        t.casefold() for t in pol.get("non_returnable_tags", [])
    }:
        return "never"
    if category in {c.casefold() for c in pol.get("sealed_only_categories", [])} or tags & {
        t.casefold() for t in pol.get("sealed_only_tags", [])
    }:
        return "sealed_only"
    return "ok"


def return_deadline(rules: Rules, order: OrderRecord) -> date | None:
    at = delivered_at(order)
    if at is None:
        return None
    return (at + timedelta(days=int(rules.orders["return_window_days"]))).date()


def returned_quantities(returns: Sequence[ReturnRecord], order: OrderRecord | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in (order.history or []) if order is not None else []:
        if entry.get("event") == "return_requested" and entry.get("imported"):
            for item in entry.get("items") or []:
                counts[item["product_id"]] = counts.get(item["product_id"], 0) + int(item["quantity"])
    for ret in returns:
        for item in ret.items:
            counts[item["product_id"]] = counts.get(item["product_id"], 0) + int(item["quantity"])
    return counts


def returnable_items(
    rules: Rules, order: OrderRecord, products: Mapping[str, ProductFacts], returns: Sequence[ReturnRecord]
) -> dict[str, int]:
    """product id → quantity still returnable (ignores the window; excludes never-returnable items)."""
    done = returned_quantities(returns, order)
    left: dict[str, int] = {}
    for item in order.items or []:
        pid = item["product_id"]
        if item_return_rule(rules, products.get(pid)) == "never":
            continue
        left[pid] = left.get(pid, 0) + int(item["quantity"])
    return {pid: qty - done.get(pid, 0) for pid, qty in left.items() if qty - done.get(pid, 0) > 0}


def can_return(
    rules: Rules,
    order: OrderRecord,
    now: datetime,
    products: Mapping[str, ProductFacts],
    returns: Sequence[ReturnRecord],
) -> bool:
    if order.status not in rules.orders.get("returnable_statuses", ["delivered"]):
        return False
    deadline = return_deadline(rules, order)
    if deadline is None or now.date() > deadline:
        return False
    return bool(returnable_items(rules, order, products, returns))


def estimated_delivery(rules: Rules, order: OrderRecord, now: datetime) -> str | None:
    if order.status == "cancelled":
        return None
    at = delivered_at(order)
    if at is not None:
        return at.date().isoformat()
    estimates = [s.get("estimated_delivery") for s in order.shipments or [] if s.get("estimated_delivery")]
    if estimates:
        return str(max(estimates))[:10]
    # Not shipped yet: one business day to hand over to the carrier, then the zone's slowest transit.
    zone = rules.zone_for(str((order.shipping_address or {}).get("country", "")).upper())
    if zone is None:
        return None
    start = max(aware(order.placed_at) or now, now)
    return add_business_days(start, 1 + zone.transit_days[1]).isoformat()


def shipment_view(rules: Rules, shipment: dict[str, Any]) -> dict[str, Any]:
    events = sorted(shipment.get("events") or [], key=lambda e: str(e.get("at", "")))
    tracking = str(shipment.get("tracking_number") or "")
    carrier = str(shipment.get("carrier") or "")
    return {
        "carrier": carrier,
        "tracking_number": tracking,
        # A platform's own tracking link wins; otherwise the shop's carrier table builds one.
        "tracking_url": shipment.get("tracking_url") or (rules.tracking_url(carrier, tracking) if tracking else None),
        "shipped_at": shipment.get("shipped_at"),
        "estimated_delivery": shipment.get("estimated_delivery"),
        "delivered_at": shipment.get("delivered_at"),
        "latest_event": events[-1] if events else None,
        "events": events,
    }


def money(value: float) -> float:
    return round(float(value) + 0.0, 2)


def policy_view(rules: Rules) -> dict[str, Any]:
    """The shop's return and refund terms, so a reply explaining a rule can name them (never the bot's own copy)."""
    pol = rules.orders
    return {
        "return_window_days": int(pol["return_window_days"]),
        "refund_business_days": int(pol["refund_business_days"]),
        "return_conditions": pol.get("return_conditions") or None,
        "sealed_only_rule": pol.get("sealed_only_rule") or None,
    }


def order_view(
    rules: Rules,
    order: OrderRecord,
    now: datetime,
    products: Mapping[str, ProductFacts],
    returns: Sequence[ReturnRecord],
) -> dict[str, Any]:
    address = order.shipping_address or {}
    deadline = return_deadline(rules, order)
    pol = rules.orders
    return {
        "number": order.number,
        "status": order.status,
        "status_label": rules.status_label(order.status),
        "placed_at": iso(order.placed_at),
        "items": [
            {
                "product_id": i["product_id"],
                "title": i.get("title", ""),
                "quantity": int(i["quantity"]),
                "unit_price": money(i["unit_price"]),
            }
            for i in order.items or []
        ],
        "subtotal": money(order.subtotal),
        "shipping_cost": money(order.shipping_cost),
        "total": money(order.total),
        "currency": order.currency,
        # Street and name stay out of the view: the assistant never needs to repeat them.
        "shipping_address": {
            "city": address.get("city", ""),
            "postcode": address.get("postcode", ""),
            "country": address.get("country", ""),
        },
        "estimated_delivery": estimated_delivery(rules, order, now),
        "shipments": [shipment_view(rules, s) for s in order.shipments or []],
        "can_cancel": order.status in pol.get("cancellable_statuses", []),
        "can_change_address": order.status in pol.get("address_changeable_statuses", []),
        "can_return": can_return(rules, order, now, products, returns),
        "return_deadline": deadline.isoformat() if deadline else None,
        "returns": [*imported_returns(order), *(return_view(r) for r in returns)],
        "policy": policy_view(rules),
    }


def imported_returns(order: OrderRecord) -> list[dict[str, Any]]:
    out = []
    for entry in order.history or []:
        if entry.get("event") == "return_requested" and entry.get("imported"):
            status = "refunded" if entry.get("refunded_at") else "received" if entry.get("received_at") else "requested"
            out.append(
                {
                    "id": None,
                    "status": status,
                    "items": entry.get("items") or [],
                    "free_label": bool(entry.get("free_label")),
                    "created_at": entry.get("at"),
                }
            )
    return out


def return_view(ret: ReturnRecord) -> dict[str, Any]:
    return {
        "id": ret.id,
        "status": ret.status,
        "items": ret.items,
        "free_label": ret.free_label,
        "created_at": iso(ret.created_at),
    }


def product_view(rules: Rules, product: Product, currency: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": product.id,
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "price": money(product.price),
        "currency": product.currency,
        "attributes": product.attributes or {},
        "in_stock": product.stock > 0,
        "stock": product.stock,
        "ships_to": product.ships_to or [],
        "image_url": product.image_url,
        "url": product.url,
        "weight_kg": product.weight_kg,
        "tags": product.tags or [],
    }
    if (
        currency
        and currency != product.currency
        and currency in rules.rates
        and product.currency == rules.base_currency
    ):
        view["display_price"] = {"amount": rules.convert(product.price, currency), "currency": currency}
    return view
