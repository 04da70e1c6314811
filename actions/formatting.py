"""How the actions put shop data into words: money, dates, statuses and product cards.

One place for it, so every action shows prices and products the same way on every channel.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
ZERO_DECIMAL = {"JPY", "KRW"}

HANDOFF_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}


def money(amount: float, currency: str) -> str:
    """`€12.50`, `$8.00`, `1,944 JPY`-style amounts with two decimals where the currency has them."""
    currency = currency.upper()
    text = f"{amount:,.0f}" if currency in ZERO_DECIMAL else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol and currency not in ZERO_DECIMAL else f"{text} {currency}"


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def day(value: str | None) -> str:
    """`Tue 24 Nov 2026` for an ISO timestamp or date; empty when missing or unreadable."""
    parsed = parse_day(value)
    return parsed.strftime("%a %d %b %Y") if parsed else ""


def product_card(product: dict[str, Any]) -> dict[str, Any]:
    """The card every channel renders for a product (the widget draws it; text channels get `product_line`)."""
    return {
        "id": product.get("id"),
        "title": product.get("title"),
        "price": product.get("price"),
        "currency": product.get("currency", "EUR"),
        "image_url": product.get("image_url"),
        "url": product.get("url"),
    }


def product_line(product: dict[str, Any]) -> str:
    price = product.get("price")
    price_text = f" — {money(float(price), product.get('currency', 'EUR'))}" if price is not None else ""
    url = f" {product['url']}" if product.get("url") else ""
    return f"• {product.get('title', product.get('id'))}{price_text}{url}"
