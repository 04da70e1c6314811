"""Canonical forms of what shoppers type: order numbers, emails, postcodes, phone numbers, country codes.

Normalisation only removes noise (case, spaces, a missing dash); it never widens a match, so
"BL-10024" stays different from "BL-100245".
"""

from __future__ import annotations

import hmac
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
