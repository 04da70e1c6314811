"""Landed-cost quotes: goods, shipping, duties and import VAT/GST in the shopper's currency.

Rules (the shop's rule tables, borderless.rules): prices to the home zone include the shop's VAT and owe
nothing on delivery; elsewhere prices are shown without it (price / (1 + home VAT)) and the shop collects
duty (on goods, above the duty de minimis) and VAT/GST (on goods + shipping + duty, above the VAT de
minimis) at checkout. Standard shipping is free at or above the zone's threshold (goods value as
shown); express costs the express multiplier × standard and is never free. All sums are computed in the
shop's base currency and each line is converted and rounded once, so the converted lines add up to the
converted total.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backends.orders.db import Product
from borderless.rules import Rules, add_business_days
from svc.errors import ApiError


def quote(
    rules: Rules,
    lines: list[tuple[Product, int]],
    country: str,
    currency: str | None,
    express: bool,
    now: datetime,
) -> dict[str, Any]:
    zone = rules.zone_for(country)
    if zone is None:
        raise ApiError(422, "unsupported_country", f"we do not ship to {country}", country=country)
    currency = currency or rules.country_currency.get(country, rules.base_currency)
    if currency not in rules.rates:
        raise ApiError(422, "unsupported_currency", f"no exchange rate for {currency}")
    blocked = [p.id for p, _ in lines if country not in (p.ships_to or [])]
    if blocked:
        raise ApiError(
            409, "not_shippable", f"some items cannot be shipped to {country}", products=blocked, country=country
        )

    home = rules.in_home_zone(country)
    vat_factor = 1.0 if home else 1.0 + rules.home_vat_rate
    tax = None if home else rules.taxes.get(country)

    items = []
    goods = 0.0
    duty = 0.0
    for product, qty in lines:
        unit = product.price / vat_factor
        line = unit * qty
        goods += line
        if tax is not None:
            apparel = (product.category or "").casefold() in rules.apparel_categories
            rate = tax.apparel_duty if apparel and tax.apparel_duty is not None else tax.duty
            duty += rate * line
        items.append((product, qty, unit, line))

    if tax is not None and goods <= tax.duty_de_minimis:
        duty = 0.0
    standard = zone.standard_cost
    if express:
        shipping = standard * rules.express_multiplier
    elif zone.free_above is not None and goods >= zone.free_above:
        shipping = 0.0
    else:
        shipping = standard
    vat = 0.0
    vat_rate = 0.0
    if tax is not None and not (tax.vat_de_minimis is not None and goods <= tax.vat_de_minimis):
        vat_rate = tax.vat
        vat = tax.vat * (goods + shipping + duty)

    def conv(amount: float) -> float:
        return rules.convert(amount, currency)

    parts = {"goods": conv(goods), "shipping": conv(shipping), "duties": conv(duty), "vat": conv(vat)}
    total = rules.round(sum(parts.values()), currency)
    days = zone.express_days if express else zone.transit_days
    # Each note as a code (for a client that words it in its own language) and in English.
    notes: list[tuple[str, str]] = []
    if home:
        notes.append(("vat_included", f"Prices include VAT; no duties within {zone.name}."))
    elif tax is None or tax.paid_at_checkout:
        notes.append(
            ("duties_at_checkout", "Duties and import taxes are collected at checkout; nothing to pay on delivery.")
        )
    else:
        notes.append(
            ("duties_on_delivery", "Duties and import taxes are estimated here and paid to the carrier on delivery.")
        )
    if not express and shipping == 0.0:
        notes.append(("free_shipping", "Free standard shipping for this order value."))
    out_of_stock = [p.id for p, *_ in items if p.stock <= 0]
    if out_of_stock:
        notes.append(("out_of_stock", "Some items are out of stock; delivery starts when they are back."))
    return {
        "country": country,
        "zone": zone.name,
        "currency": currency,
        "exchange_rate": rules.rates[currency],
        "prices_include_vat": home,
        "items": [
            {
                "product_id": p.id,
                "title": p.title,
                "quantity": qty,
                "unit_price": conv(unit),
                "line_total": conv(line),
                "in_stock": p.stock > 0,
            }
            for p, qty, unit, line in items
        ],
        **parts,
        "vat_rate": vat_rate,
        "total": total,
        "total_eur": round(sum(round(x, 2) for x in (goods, shipping, duty, vat)), 2),
        "express": express,
        "carrier": zone.carrier,
        "delivery": {
            "min_business_days": days[0],
            "max_business_days": days[1],
            "earliest": add_business_days(now, days[0]).isoformat(),
            "latest": add_business_days(now, days[1]).isoformat(),
        },
        "out_of_stock": out_of_stock,
        "notes": [text for _code, text in notes],
        "note_codes": [code for code, _text in notes],
    }
