"""The shop as benchmarks/conversations.py sees it at run time: its orders (chosen by state, one scenario per
order), its catalogue, its help articles and the numbers of its rules.

Nothing here names a shop, an order-number format or a policy number: orders and products come from the
shop's data files, order states and rule flags (can_cancel, can_return, ...) from the orders service that
serves them, article URLs from the content's front matter and rule numbers from the rule tables. Scenarios
ask for an order by what must be true of it ("cancellable", "delivered, return window closed, only items
returnable when sealed"), and `OrderPool` hands each scenario its own order, so no two scenarios change
the same one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support import http_json

SHIPPED_STATUSES = ("shipped", "in_transit", "out_for_delivery", "delivered")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def front_matter(path: Path) -> dict[str, Any]:
    """The YAML front matter of a content file ({} when it has none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    _, head, _ = text.split("---", 2)
    return dict(yaml.safe_load(head) or {})


def articles(content_dir: Path) -> dict[str, str]:
    """Help-article slug -> its public URL, from the front matter of every Markdown file under `content_dir`."""
    found: dict[str, str] = {}
    for path in sorted(content_dir.rglob("*.md")):
        meta = front_matter(path)
        if meta.get("slug") and meta.get("url"):
            found[str(meta["slug"])] = str(meta["url"])
    return found


@dataclass
class Rules:
    """The rule-table facts scenarios quote: numbers (return window, refund days) and which products are
    returnable only with the hygiene seal intact."""

    numbers: dict[str, Any]
    sealed_only_categories: frozenset[str]
    sealed_only_tags: frozenset[str]

    @classmethod
    def load(cls, rules_dir: Path) -> Rules:
        orders = yaml.safe_load((rules_dir / "orders.yaml").read_text(encoding="utf-8")) or {}
        numbers = {k: v for k, v in orders.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        return cls(
            numbers,
            frozenset(str(c).lower() for c in orders.get("sealed_only_categories") or []),
            frozenset(str(t).lower() for t in orders.get("sealed_only_tags") or []),
        )

    def sealed_only(self, product: dict[str, Any]) -> bool:
        tags = {str(t).lower() for t in product.get("tags") or []}
        return str(product.get("category", "")).lower() in self.sealed_only_categories or bool(
            tags & self.sealed_only_tags
        )


@dataclass
class Shop:
    """The shop's data files, its content and rules, and its orders service."""

    data_dir: Path  # orders.jsonl, products.jsonl (the import contract of backends/orders)
    content_dir: Path
    rules: Rules
    orders_url: str
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    articles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path, content_dir: Path, rules_dir: Path, orders_url: str) -> Shop:
        shop = cls(data_dir, content_dir, Rules.load(rules_dir), orders_url)
        shop.products = {p["id"]: p for p in read_jsonl(data_dir / "products.jsonl")}
        shop.orders = list(read_jsonl(data_dir / "orders.jsonl"))
        shop.articles = articles(content_dir)
        return shop

    # ---------- the orders service (its public contract, the same one the assistant uses)

    def lookup(self, number: str, email: str) -> dict[str, Any] | None:
        status, body = http_json(
            "POST", f"{self.orders_url}/v1/orders/lookup", {"order_number": number, "email": email}
        )
        return body["order"] if status == 200 else None

    def quote(self, product_id: str, country: str, currency: str | None = None) -> dict[str, Any] | None:
        body: dict[str, Any] = {"items": [{"product_id": product_id, "quantity": 1}], "country": country}
        if currency:
            body["currency"] = currency
        status, answer = http_json("POST", f"{self.orders_url}/v1/quotes/landed-cost", body)
        return answer if status == 200 else None

    # ---------- facts about one order in the data files

    def order_products(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return [self.products[i["product_id"]] for i in order.get("items") or [] if i["product_id"] in self.products]

    def unknown_order_number(self, seed: int) -> str:
        """A number in the shop's own format that no order has: an existing number with its digits changed."""
        taken = {o["number"] for o in self.orders}
        template = self.orders[seed % len(self.orders)]["number"]
        digits = re.findall(r"\d", template)
        for offset in range(1, 100000):
            value = (int("".join(digits)) + 7919 * (seed + 1) * offset) % (10 ** len(digits))
            candidate = with_digits(template, f"{value:0{len(digits)}d}")
            if candidate not in taken:
                return candidate
        raise RuntimeError("no free order number in the shop's format")


def with_digits(template: str, digits: str) -> str:
    """`template` with its digits replaced, in order, by `digits` (as many as it has)."""
    replacement = iter(digits)
    return re.sub(r"\d", lambda _match: next(replacement), template)


# ---------- choosing orders by what must be true of them


def matches(shop: Shop, order: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether the data file's `order` can be what a scenario asks for (before the service confirms it)."""
    statuses = want.get("status")
    if statuses and order["status"] not in ([statuses] if isinstance(statuses, str) else statuses):
        return False
    products = shop.order_products(order)
    if len(products) != len(order.get("items") or []):
        return False
    items = want.get("items")
    if items == "sealed_only" and not all(shop.rules.sealed_only(p) for p in products):
        return False
    if items == "no_sealed" and any(shop.rules.sealed_only(p) for p in products):
        return False
    ships_to = want.get("ships_to")
    if ships_to and not all(ships_to in (p.get("ships_to") or []) for p in products):
        return False
    country = want.get("country")
    if country and (order.get("shipping_address") or {}).get("country") != country:
        return False
    if want.get("has_tracking") and not any(s.get("tracking_number") for s in order.get("shipments") or []):
        return False
    return not (want.get("postcode") and not (order.get("shipping_address") or {}).get("postcode"))


FLAGS = ("can_cancel", "can_change_address", "can_return")


def confirmed(view: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    """Whether the orders service's view of the order has the rule flags the scenario asks for."""
    if view is None:
        return False
    return all(bool(view.get(flag)) == bool(want[flag]) for flag in FLAGS if flag in want)


class OrderPool:
    """Hands out each order once: scenarios in a fixed order get the first unused order that fits."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.used: set[str] = set()

    def take(self, want: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(the order's data-file record, the service's view of it), or None when no unused order fits."""
        for order in self.shop.orders:
            if order["number"] in self.used or not matches(self.shop, order, want):
                continue
            view = self.shop.lookup(order["number"], order["email"])
            if not confirmed(view, want):
                continue
            self.used.add(order["number"])
            assert view is not None
            return order, view
        return None


def pick_product(shop: Shop, want: dict[str, Any], seed: int) -> dict[str, Any] | None:
    """A catalogue product for a quote scenario: of the asked type, in stock, shipping to the country."""
    fits = [
        p
        for p in shop.products.values()
        if (not want.get("type") or p.get("attributes", {}).get("type") == want["type"])
        and (not want.get("country") or want["country"] in (p.get("ships_to") or []))
        and int(p.get("stock") or 0) > 0
    ]
    fits.sort(key=lambda p: p["id"])
    return fits[seed % len(fits)] if fits else None


def names(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))
