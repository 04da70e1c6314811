"""Canonical forms of what shoppers type: order numbers, emails, postcodes, country codes.

Normalisation only removes noise (case, spaces, a missing dash); it never widens a match, so
"BL-10024" stays different from "BL-100245".
"""

from __future__ import annotations

import re
import unicodedata

ORDER_NUMBER_RE = re.compile(r"^BL-\d{6}$")
_ORDER_LOOSE_RE = re.compile(r"^BL[\s\-_#]*(\d{6})$")


def normalize_order_number(raw: str) -> str | None:
    """`bl 100245`, ` BL-100245 `, `bl_100245`, `BL100245` → `BL-100245`; None when not an order number."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    text = text.lstrip("#").strip()
    match = _ORDER_LOOSE_RE.match(text)
    return f"BL-{match.group(1)}" if match else None


def normalize_email(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def normalize_postcode(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def normalize_country(raw: str) -> str:
    return raw.strip().upper()
