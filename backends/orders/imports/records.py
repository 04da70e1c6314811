"""The normalised records an import produces, the context a reader needs, and the field parsers readers share.

A record is one dict in the project's JSON contract (backends/orders/README.md) paired with where it came from
("orders.csv row 7"), so that the contract's validation (importer.py) names the source row too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class ImportError_(ValueError):
    """A source file is missing or a row is invalid; the message names file and row (and field)."""


def row_error(where: str, column: str, problem: str) -> ImportError_:
    return ImportError_(f"{where}, field {column!r}: {problem}")


Located = tuple[str, dict[str, Any]]


@dataclass
class ShopRecords:
    """Customers, products and orders read from one or more files, each with its location."""

    customers: list[Located] = field(default_factory=list)
    products: list[Located] = field(default_factory=list)
    orders: list[Located] = field(default_factory=list)
    # Rows deliberately left out (drafts, unpublished products, trashed orders), by reason.
    skipped: dict[str, int] = field(default_factory=dict)

    def extend(self, other: ShopRecords) -> ShopRecords:
        self.customers += other.customers
        self.products += other.products
        self.orders += other.orders
        for reason, n in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        return self

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(frozen=True)
class ImportContext:
    """What a reader needs to know about the shop it imports into.

    `normalize_number` is the shop profile's order-number normaliser (`shop.order_numbers.normalize`): it gives the
    canonical number or None. `ships_to` is where products ship when the platform does not say (the countries of
    the shop's shipping zones). `sku_index` maps variant SKUs to product ids, so order lines point at catalog
    products (filled from the products imported with or before the orders).
    """

    normalize_number: Callable[[str], str | None]
    ships_to: tuple[str, ...] = ()
    sku_index: dict[str, str] = field(default_factory=dict)
    # Longest standard transit (business days) per destination country, from the shop's shipping zones, and
    # the moment the import judges against: exports say when a parcel left, never when it arrived.
    transit_days: dict[str, int] = field(default_factory=dict)
    now: datetime | None = None
    number_examples: tuple[str, ...] = ()  # the shop's order-number examples, for error messages
    # The shop's base currency: what catalog prices are in (product exports do not say).
    currency: str = ""


def delivery(ctx: ImportContext, shipped_at: str | None, country: str) -> tuple[str | None, bool]:
    """(estimated delivery as ISO-8601, whether it has passed) for a parcel that left at `shipped_at`.

    The estimate is the ship date plus the longest standard transit of the destination's zone (business days);
    an order with no destination (a gift card) arrives when it is fulfilled. Without a known zone or a `now`,
    nothing is estimated and the order stays shipped.
    """
    from borderless.rules import add_business_days

    moment = parse_time(shipped_at or "")
    if moment is None or ctx.now is None or (country and country not in ctx.transit_days):
        return None, False
    day = add_business_days(moment, ctx.transit_days[country]) if country else moment.date()
    estimate = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
    return estimate.isoformat().replace("+00:00", "Z"), estimate <= ctx.now


# ---------- field parsers shared by the readers ----------

_TS_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_time(value: str) -> datetime | None:
    """Shopify's "2024-03-05 14:22:10 +0100", ISO-8601 (with Z) and plain dates; naive times are taken as UTC."""
    text = value.strip()
    if not text:
        return None
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _TS_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_time(value: Any, where: str, column: str, required: bool = False) -> str | None:
    """The value as an ISO-8601 UTC timestamp string; an error naming the field when it is not a time."""
    text = str(value or "").strip()
    if not text:
        if required:
            raise row_error(where, column, "missing")
        return None
    moment = parse_time(text)
    if moment is None:
        raise row_error(where, column, f"not a date/time: {text!r}")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def money(value: Any, where: str, column: str, required: bool = False, default: float = 0.0) -> float:
    """A decimal amount ("12.50", "1,234.50"); an error naming the field when it is not one."""
    text = str(value if value is not None else "").strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")  # "1,234.50"; a decimal comma ("24,00") is refused below, never read as 2400
    if not text:
        if required:
            raise row_error(where, column, "missing")
        return default
    try:
        amount = float(text)
    except ValueError:
        raise row_error(where, column, f"not a number: {value!r}") from None
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise row_error(where, column, f"not a number: {value!r}")
    return amount


def whole(value: Any, where: str, column: str, *, positive: bool = False, default: int = 0) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        if positive:
            raise row_error(where, column, "missing")
        return default
    try:
        number = float(text)
    except ValueError:
        raise row_error(where, column, f"not a whole number: {value!r}") from None
    if number != int(number):
        raise row_error(where, column, f"not a whole number: {value!r}")
    if positive and number <= 0:
        raise row_error(where, column, f"must be at least 1, got {value!r}")
    return int(number)


_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def country(value: Any, where: str, column: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; empty stays empty."""
    text = str(value or "").strip()
    if text and not _COUNTRY.match(text):
        raise row_error(where, column, f"expected a two-letter country code (ISO 3166-1), got {text!r}")
    return text.upper()


_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def currency(value: Any, where: str, column: str) -> str:
    text = str(value or "").strip()
    if not _CURRENCY.match(text):
        raise row_error(where, column, f"expected a three-letter currency code (ISO 4217), got {text!r}")
    return text.upper()


def order_number(ctx: ImportContext, value: Any, where: str, column: str) -> str:
    raw = str(value or "").strip()
    if not raw:
        raise row_error(where, column, "missing")
    number = ctx.normalize_number(raw)
    if number is None:
        like = f"like {' or '.join(ctx.number_examples)}; " if ctx.number_examples else ""
        raise row_error(where, column, f"{raw!r} is not an order number of this shop ({like}order_numbers in shop.yml)")
    return number


def split_list(value: Any, sep: str = ",") -> list[str]:
    return [p.strip() for p in str(value or "").split(sep) if p.strip()]


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")


def html_to_text(html: str) -> str:
    """Product descriptions are short HTML fragments: tags become breaks or nothing, entities are decoded."""
    import html as html_lib

    text = re.sub(r"(?i)<\s*(br|/p|/li|/h\d|/div)\s*/?>", "\n", html or "")
    text = html_lib.unescape(_TAG.sub("", text))
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def customer_id(email_norm: str, fallback: str) -> str:
    """A stable customer id for platforms whose exports carry none (Shopify's order CSV, WooCommerce guests)."""
    import hashlib

    if email_norm:
        return "cust-" + hashlib.sha256(email_norm.encode("utf-8")).hexdigest()[:16]
    return fallback
