"""Orders: who bought what and when, what they paid (items, shipping per zone, and outside the EU
the duties and import VAT collected at checkout), and where each order stands today.

Baskets come from the shopper's latent tastes (tastes.py), including complements of what is
already in the basket or was bought before; every item ships to the delivery country.
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import datetime, timedelta
from typing import Any

from backends.demo_shop import facts
from backends.demo_shop.catalog import Product
from backends.demo_shop.lifecycle import plan_order, snapshot
from backends.demo_shop.people import iso, person_name, random_address
from backends.demo_shop.tastes import MULTI_QUANTITY, REPEATABLE, Shopper

MAX_LINES = 4


def tracking_number(carrier: str, taken: set[str], rng: random.Random) -> str:
    def digits(n: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(n))

    while True:
        if carrier == "PostNL":
            number = f"3SLUMG{digits(9)}"
        elif carrier == "DHL":
            number = f"JJD{digits(18)}"
        elif carrier == "UPS":
            number = f"1ZL7G3{rng.choice(['01', '02', '03'])}{digits(8)}"
        else:  # DHL Express: ten digits
            number = digits(10)
        if number not in taken:
            taken.add(number)
            return number


def basket(shopper: Shopper, rng: random.Random) -> list[tuple[Product, int]]:
    """A plausible order for this shopper: a first pick, often followed by complements."""
    owned = {p.id for p in shopper.bought if p.type_key not in REPEATABLE}
    chosen: list[Product] = []
    first: Product | None = None
    if shopper.bought and rng.random() < 0.3:
        follow_up = shopper.complement_type([p.type_key for p in shopper.bought[-6:]], rng)
        if follow_up:
            first = shopper.pick_in_type(follow_up, rng, exclude=owned)
    first = first or shopper.pick(rng, exclude=owned) or shopper.pick(rng)
    if first is None:
        return []
    chosen.append(first)
    add_chance = 0.55
    while len(chosen) < MAX_LINES and rng.random() < add_chance:
        taken = owned | {p.id for p in chosen}
        extra: Product | None = None
        if rng.random() < 0.7:
            kind = shopper.complement_type([p.type_key for p in chosen], rng)
            if kind:
                same_brand = [p for p in chosen if p.type_key != kind]
                extra = shopper.pick_in_type(kind, rng, exclude=taken)
                # Accessories often come from the brand already in the basket.
                if same_brand and extra is not None and rng.random() < 0.4:
                    for _ in range(6):
                        alt = shopper.pick_in_type(kind, rng, exclude=taken)
                        if alt is not None and alt.brand == same_brand[0].brand:
                            extra = alt
                            break
        if extra is None:
            extra = shopper.pick(rng, exclude=taken)
        if extra is None:
            break
        chosen.append(extra)
        add_chance *= 0.6
    lines = []
    for p in chosen:
        multiple = p.type_key in MULTI_QUANTITY  # socks, cables, balms: often two or three
        quantity = rng.choice((1, 1, 2, 2, 3)) if multiple else 2 if rng.random() < 0.06 else 1
        lines.append((p, quantity))
    return lines


def price_order(lines: list[tuple[Product, int]], country: str, express: bool) -> dict[str, Any]:
    """Money in the customer's currency. EU prices include Dutch VAT; elsewhere prices are shown
    without it and import VAT/GST and duties are collected at checkout (DDP)."""
    currency = facts.CURRENCY[country]
    rate = facts.RATES[currency]
    zone = facts.zone_of(country)
    in_eu = zone.name == "EU"
    items = []
    goods_eur = 0.0
    duty_local = 0.0
    tax = facts.TAXES.get(country)
    for p, quantity in lines:
        eur = p.price if in_eu else p.price / (1 + facts.DUTCH_VAT)
        unit = facts.money(eur * rate, currency)
        goods_eur += eur * quantity
        if tax is not None:
            duty_rate = tax.apparel_duty if p.category in facts.APPAREL_CATEGORIES else tax.duty
            duty_local += duty_rate * unit * quantity
        line = {"product_id": p.id, "sku": p.record["sku"], "title": p.record["title"], "quantity": quantity}
        items.append({**line, "unit_price": unit})
    goods_eur = round(goods_eur, 2)
    subtotal = facts.money(sum(i["unit_price"] * i["quantity"] for i in items), currency)
    shipping_eur = zone.standard_cost * (facts.EXPRESS_MULTIPLIER if express else 1.0)
    if not express and zone.free_from is not None and goods_eur >= zone.free_from:
        shipping_eur = 0.0
    shipping = facts.money(shipping_eur * rate, currency)
    duties = taxes = 0.0
    if tax is not None:
        duties = facts.money(duty_local, currency) if goods_eur > tax.duty_de_minimis else 0.0
        vat_due = tax.vat_de_minimis is None or goods_eur > tax.vat_de_minimis
        taxes = facts.money(tax.vat * (subtotal + shipping + duties), currency) if vat_due else 0.0
    return {
        "currency": currency,
        "items": items,
        "subtotal": subtotal,
        "shipping_cost": shipping,
        "duties": duties,
        "taxes": taxes,
        "total": facts.money(subtotal + shipping + duties + taxes, currency),
        "exchange_rate": rate,
    }


def placement_times(n: int, now: datetime, rng: random.Random) -> list[datetime]:
    """Order times over the last ~13 months, with extra weight on the last two weeks so that
    every step of the life cycle has orders in it today."""
    times = []
    for _ in range(n):
        roll = rng.random()
        days = rng.uniform(0, 2) if roll < 0.04 else rng.uniform(0, 14) if roll < 0.28 else rng.uniform(0, 400)
        times.append((now - timedelta(days=days, minutes=1)).replace(microsecond=0))
    return sorted(times)


def build_orders(shoppers: list[Shopper], n: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """`n` orders numbered BL-100001... in the order they were placed. `shoppers` must be in
    sign-up order (as build_customers returns them)."""
    created = [s.customer.created for s in shoppers]
    cum_activity = list(itertools.accumulate(s.activity for s in shoppers))
    tracking_taken: set[str] = set()
    orders = []
    for number, placed in enumerate(placement_times(n, now, rng), start=100001):
        eligible = bisect.bisect_left(created, placed)
        if eligible == 0:
            shopper = shoppers[0]
            placed = max(placed, shopper.customer.created + timedelta(hours=1))
        else:
            shopper = shoppers[bisect.bisect_right(cum_activity, rng.random() * cum_activity[eligible - 1])]
        customer = shopper.customer
        lines = basket(shopper, rng)
        country = customer.country
        express = rng.random() < (0.12 if country in facts.EU else 0.08)
        methods = facts.payment_weights(country)
        payment = rng.choices([m for m, _ in methods], weights=[w for _, w in methods])[0]
        money = price_order(lines, country, express)
        address = dict(customer.address)
        if rng.random() < 0.05:  # a gift sent to someone else in the same country
            first, last = person_name(country, customer.record["language"], rng)
            address = random_address(country, f"{first} {last}", rng)
        carrier = facts.carrier_for(country, express)
        apparel = any(p.category in facts.APPAREL_CATEGORIES for p, _ in lines)
        city = f"{address['city']}, {country}"
        # Lost parcels only among recent ones: older cases have long been settled by support.
        lost_chance = 0.03 if now - placed < timedelta(days=40) else 0.0
        plan = plan_order(placed, country, city, carrier, express, payment, 0.14 if apparel else 0.05, lost_chance, rng)
        state = snapshot(plan, now, rng)
        shipments = []
        if state["shipment"] is not None:
            number_ = tracking_number(carrier, tracking_taken, rng)
            shipments.append({"carrier": carrier, "tracking_number": number_, **state["shipment"]})
        shopper.bought.extend(p for p, _ in lines)
        orders.append(
            {
                "number": f"BL-{number}",
                "customer_id": customer.id,
                "email": customer.record["email"],
                "placed_at": iso(placed),
                "status": state["status"],
                "currency": money["currency"],
                "items": money["items"],
                "subtotal": money["subtotal"],
                "shipping_cost": money["shipping_cost"],
                "duties": money["duties"],
                "taxes": money["taxes"],
                "total": money["total"],
                "exchange_rate": money["exchange_rate"],
                "shipping_method": "express" if express else "standard",
                "payment_method": payment,
                "shipping_address": address,
                "shipments": shipments,
                "delivered_at": state["delivered_at"],
                "status_history": state["status_history"],
                "cancellation": state["cancellation"],
                "return": state["return"],
            }
        )
    return orders
