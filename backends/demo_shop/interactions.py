"""Shopper interactions (view, cart, purchase) generated from the same latent tastes as the orders.

Purchases are exactly the lines of orders that were not cancelled, stamped with the order's
placed_at. Each order is preceded by a shopping session (views of the bought product and of
alternatives of the same type, then a cart add). Browsing sessions without a purchase fill in
the rest: views within a type the shopper likes, sometimes a complement, sometimes an abandoned
cart.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from backends.demo_shop.people import iso
from backends.demo_shop.tastes import Shopper

KIND_ORDER = {"view": 0, "cart": 1, "purchase": 2}
BROWSE_SESSIONS = 8.0  # per shopper, scaled by the shopper's activity
HISTORY_DAYS = 400


def _event(customer_id: str, product_id: str, kind: str, moment: datetime) -> dict[str, Any]:
    return {"customer_id": customer_id, "product_id": product_id, "kind": kind, "at": moment}


def _order_session(
    shopper: Shopper, order: dict[str, Any], type_of: dict[str, str], rng: random.Random
) -> list[dict[str, Any]]:
    cid = shopper.customer.id
    placed = datetime.fromisoformat(order["placed_at"])
    floor = shopper.customer.created
    events = []
    start = placed - timedelta(minutes=rng.uniform(8, 70))
    step = (placed - start) / (len(order["items"]) * 4 + 2)
    cursor = start
    for item in order["items"]:
        pid = item["product_id"]
        alternatives = []
        for _ in range(rng.randint(0, 3)):
            alt = shopper.pick_in_type(type_of[pid], rng, exclude={pid})
            if alt is not None:
                alternatives.append(alt.id)
        viewed = alternatives + [pid] * rng.randint(1, 2)
        rng.shuffle(viewed)
        for viewed_id in viewed:
            cursor += step * rng.uniform(0.3, 1.0)
            events.append(_event(cid, viewed_id, "view", max(cursor, floor)))
        cursor += step * rng.uniform(0.2, 0.8)
        events.append(_event(cid, pid, "cart", max(min(cursor, placed - timedelta(seconds=30)), floor)))
    if order["status"] != "cancelled":
        events += [_event(cid, item["product_id"], "purchase", placed) for item in order["items"]]
    return events


def _browse_session(shopper: Shopper, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    cid = shopper.customer.id
    earliest = max(shopper.customer.created, now - timedelta(days=HISTORY_DAYS))
    span = (now - earliest).total_seconds()
    if span <= 3600:
        return []
    moment = earliest + timedelta(seconds=rng.uniform(0, span - 3600))
    anchor = shopper.pick(rng)
    if anchor is None:
        return []
    viewed = [anchor.id]
    for _ in range(rng.randint(0, 4)):
        other = shopper.pick_in_type(anchor.type_key, rng, exclude=set(viewed))
        if other is not None:
            viewed.append(other.id)
    if rng.random() < 0.25:
        kind = shopper.complement_type([anchor.type_key], rng)
        extra = shopper.pick_in_type(kind, rng) if kind else None
        if extra is not None:
            viewed.append(extra.id)
    events = []
    for pid in viewed:
        moment += timedelta(seconds=rng.uniform(15, 240))
        events.append(_event(cid, pid, "view", moment))
    if rng.random() < 0.15:
        moment += timedelta(seconds=rng.uniform(10, 120))
        events.append(_event(cid, rng.choice(viewed), "cart", moment))
    return events


def build_interactions(
    shoppers: list[Shopper],
    orders: list[dict[str, Any]],
    type_of: dict[str, str],
    now: datetime,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """All interactions, sorted by time. `type_of` maps product id to product type."""
    by_id = {s.customer.id: s for s in shoppers}
    events: list[dict[str, Any]] = []
    for order in orders:
        events += _order_session(by_id[order["customer_id"]], order, type_of, rng)
    for shopper in shoppers:
        sessions = int(rng.expovariate(1.0) * BROWSE_SESSIONS * shopper.activity + 0.5)
        for _ in range(sessions):
            events += _browse_session(shopper, now, rng)
    events = [e for e in events if e["at"] <= now]
    events.sort(key=lambda e: (e["at"], e["customer_id"], KIND_ORDER[e["kind"]], e["product_id"]))
    return [{**e, "at": iso(e["at"].replace(microsecond=0))} for e in events]
