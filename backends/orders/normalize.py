"""Canonical forms of what shoppers type: order numbers, emails, postcodes, phone numbers, country codes.

Normalisation only removes noise (case, spaces, a missing dash); it never widens a match. Order numbers
follow the shop profile's formats (borderless.order_numbers), so a number one digit short stays unmatched.
"""

from __future__ import annotations

import hmac
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


# Phone numbers compare on their last digits: "+31 20 123 4567", "0031201234567" and "020-1234567" are one
# number written with and without the country or trunk prefix. Nine digits are the subscriber number in most
# numbering plans; numbers shorter than that must match whole.
PHONE_SIGNIFICANT_DIGITS = 9


def normalize_phone(raw: str) -> str:
    """Only the digits of a phone number, e.g. `+31 (0)20 123-4567` → `310201234567`."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw) if ch.isdigit())


def phones_match(given: str, known: str) -> bool:
    """Constant-time comparison of two normalised phone numbers on their significant digits."""
    if len(given) >= PHONE_SIGNIFICANT_DIGITS and len(known) >= PHONE_SIGNIFICANT_DIGITS:
        given, known = given[-PHONE_SIGNIFICANT_DIGITS:], known[-PHONE_SIGNIFICANT_DIGITS:]
    elif len(given) < PHONE_SIGNIFICANT_DIGITS <= len(known) or len(known) < PHONE_SIGNIFICANT_DIGITS <= len(given):
        return False
    return hmac.compare_digest(given.encode(), known.encode())
