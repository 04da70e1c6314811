"""How the actions put shop data into words: money, dates, statuses and product cards.

One place for it, so every action shows prices and products the same way on every channel.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from babel.dates import format_skeleton

from actions.replies import REPLY_LANGUAGES

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
ZERO_DECIMAL = {"JPY", "KRW"}

HANDOFF_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}

# The language of the reply being written: set by actions/localize.py's `@localized` for the length of an
# action's run (the conversation's `language` slot), read where words are put into a reply (dates).
REPLY_LANGUAGE: ContextVar[str] = ContextVar("reply_language", default="en")


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


def day(value: str | None, language: str | None = None) -> str:
    """`Tue 24 Nov 2026` for an ISO timestamp or date, written in `language` (default: the reply's) when the
    responses are written in it (`Di., 24. Nov. 2026`, `mar. 24 nov. 2026`); empty when missing or unreadable."""
    parsed = parse_day(value)
    if parsed is None:
        return ""
    code = (language or REPLY_LANGUAGE.get() or "en").split("-")[0].lower()
    if code == "en" or code not in REPLY_LANGUAGES:
        return parsed.strftime("%a %d %b %Y")
    return format_skeleton("yMMMEd", parsed, locale=code)


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
