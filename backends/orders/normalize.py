"""Canonical forms of what shoppers type: order numbers, emails, postcodes, country codes.

Normalisation only removes noise (case, spaces, a missing dash); it never widens a match. Order numbers
follow the shop profile's formats (borderless.order_numbers), so a number one digit short stays unmatched.
"""

from __future__ import annotations

import unicodedata

from borderless.order_numbers import OrderNumbers
from borderless.profile import current_shop


def normalize_order_number(raw: str, formats: OrderNumbers | None = None) -> str | None:
    """The canonical number `raw` denotes in the shop's formats (default: the served shop's); None otherwise."""
    return (formats or current_shop().order_numbers).normalize(raw)


def normalize_email(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def normalize_postcode(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def normalize_country(raw: str) -> str:
    return raw.strip().upper()
