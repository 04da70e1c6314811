"""Turns a Rasa tracker into the transcript the console shows: who said what, when, in which language,
with what sentiment. Pure functions (no I/O), so the rules are easy to test."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Metadata keys that are credentials or noise: never shown to agents.
HIDDEN_METADATA = {"customer_token"}


def display_url(url: Any) -> str | None:
    """A page URL without its query string and fragment: those may carry tokens or personal data."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _sentiment(parse: dict[str, Any]) -> dict[str, Any] | None:
    value = parse.get("sentiment")
    if isinstance(value, dict) and value.get("label") not in (None, "unknown"):
        return {"label": str(value.get("label")), "score": value.get("score")}
    return None


def _bot_extras(data: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    buttons = data.get("buttons") or data.get("quick_replies")
    if isinstance(buttons, list):
        extras["buttons"] = [str(b.get("title", "")) for b in buttons if isinstance(b, dict)]
    custom = data.get("custom")
    if isinstance(custom, dict):
        extras["custom_type"] = str(custom.get("type", "custom"))
        if custom.get("type") == "product_cards" and isinstance(custom.get("products"), list):
            extras["products"] = [
                {
                    "title": str(p.get("title", "")),
                    "price": p.get("price"),
                    "currency": p.get("currency"),
                    "url": p.get("url"),
                }
                for p in custom["products"]
                if isinstance(p, dict)
            ]
    if data.get("image"):
        extras["image"] = str(data["image"])
    return extras


def build(tracker: dict[str, Any], default_language: str = "en") -> list[dict[str, Any]]:
    """The conversation's messages, oldest first, each with a stable `id` (its event index)."""
    out: list[dict[str, Any]] = []
    for index, event in enumerate(tracker.get("events") or []):
        kind = event.get("event")
        at = event.get("timestamp")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            text = event.get("text") or ""
            if not text:
                continue
            meta = {k: v for k, v in (event.get("metadata") or {}).items() if k not in HIDDEN_METADATA}
            out.append(
                {
                    "id": f"e{index}",
                    "role": "shopper",
                    "text": text,
                    "at": at,
                    "language": parse.get("language") or None,
                    "sentiment": _sentiment(parse),
                    "intent": intent,
                    "page": display_url((meta.get("page") or {}).get("url"))
                    if isinstance(meta.get("page"), dict)
                    else None,
                }
            )
        elif kind == "bot":
            meta = event.get("metadata") or {}
            data = event.get("data") or {}
            text = event.get("text") or ""
            extras = _bot_extras(data)
            if not text and not extras:
                continue
            agent = meta.get("agent")
            message = {
                "id": f"e{index}",
                "role": "agent" if agent else "bot",
                "text": text,
                "at": at,
                **extras,
            }
            if agent:
                message["agent"] = str(agent)
                if meta.get("original_text") and meta.get("original_text") != text:
                    message["original_text"] = str(meta["original_text"])
            out.append(message)
        elif kind in ("pause", "resume"):
            label = "Bot paused: handed to a person" if kind == "pause" else "Bot resumed"
            out.append({"id": f"e{index}", "role": "system", "text": label, "at": at})
    return out


def shopper_language(tracker: dict[str, Any]) -> str | None:
    """The shopper's language if the conversation says it: a language they chose explicitly (the `language`
    slot set to something other than its default "en"), else the language NLU detected last; None if neither."""
    chosen = (tracker.get("slots") or {}).get("language")
    if chosen and chosen != "en":
        return str(chosen)
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user":
            detected = (event.get("parse_data") or {}).get("language")
            if detected:
                return str(detected)
    return None


def latest_user_text(tracker: dict[str, Any]) -> str:
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user" and event.get("text") and not str(event["text"]).startswith("/"):
            return str(event["text"])
    return ""
