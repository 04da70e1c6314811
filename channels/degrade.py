"""How rich replies degrade on messaging apps that cannot show them (pure functions; no Rasa import).

- buttons become numbered options ("1. Track my order") and a reply of "1" (or the option's title) is
  mapped back to that button's payload;
- product cards (`{"type": "product_cards", "products": [...]}`) become short text lines with links;
- the widget's CSAT request becomes a plain closing line.
"""

from __future__ import annotations

import re
from typing import Any

CHOICE_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def numbered_options(text: str | None, buttons: list[dict[str, Any]]) -> str:
    lines = [text.strip()] if text and text.strip() else []
    options = [f"{i}. {b.get('title') or b.get('payload')}" for i, b in enumerate(buttons, start=1)]
    if options:
        lines.append("\n".join(options))
        lines.append("Reply with a number.")
    return "\n\n".join(lines)


def resolve_choice(text: str | None, buttons: list[dict[str, Any]]) -> str | None:
    """The payload a reply selects: its number ("2", "2.", "2)") or its exact title; None otherwise."""
    if not text or not buttons:
        return None
    match = CHOICE_RE.match(text)
    if match:
        index = int(match.group(1))
        if 1 <= index <= len(buttons):
            return str(buttons[index - 1].get("payload") or buttons[index - 1].get("title"))
        return None
    wanted = text.strip().casefold()
    for b in buttons:
        if str(b.get("title", "")).strip().casefold() == wanted:
            return str(b.get("payload") or b.get("title"))
    return None


def last_offered_buttons(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of the bot's latest message, if the shopper has not answered since."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return []
        if kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            if buttons:
                return [b for b in buttons if isinstance(b, dict)]
    return []


def format_price(price: Any, currency: Any) -> str:
    if isinstance(price, (int, float)):
        return f"{price:.2f} {currency or ''}".strip()
    return str(price or "")


def product_lines(products: list[dict[str, Any]], limit: int = 5) -> str:
    lines = []
    for i, p in enumerate(products[:limit], start=1):
        line = f"{i}. {p.get('title', '')} — {format_price(p.get('price'), p.get('currency'))}"
        if p.get("url"):
            line += f"\n{p['url']}"
        lines.append(line)
    return "\n".join(lines)


def custom_as_text(custom: dict[str, Any]) -> str | None:
    """Plain text for the custom payloads the assistant sends; "" for a payload that only enriches a text sent
    with it (a knowledge answer: its text already carries the answer and the source); None for payloads meant
    for the platform itself."""
    kind = custom.get("type")
    if kind == "answer":
        return ""
    if kind == "product_cards" and isinstance(custom.get("products"), list):
        return product_lines(custom["products"])
    if kind == "csat_request":
        return "Thanks for chatting with us!"
    if kind == "quick_replies" and isinstance(custom.get("options"), list):
        return numbered_options(custom.get("text"), custom["options"])
    return None
