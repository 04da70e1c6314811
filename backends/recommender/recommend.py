"""Answering recommendation requests from a trained Model: modes, filters, reasons, currencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backends.recommender.content import Embedder
from backends.recommender.model import Model, zscore
from backends.recommender.vocabulary import TypeMatcher


@dataclass(frozen=True)
class Filters:
    """Hard constraints: a product that fails one is never returned, however well it ranks."""

    max_price: float | None = None
    min_price: float | None = None
    currency: str | None = None
    category: str | None = None
    color: str | None = None
    ships_to: str | None = None
    in_stock: bool | None = None
    # Product types ("tent", "rain_jacket"); a product of any of them passes.
    type: tuple[str, ...] | None = None
    # A size the product comes in (`attributes.sizes`, or its one `attributes.size`), compared without case.
    size: str | None = None
    # How many people it is for (`attributes.capacity_persons`: tents, cooksets ...).
    persons: int | None = None
    exclude_ids: tuple[str, ...] = ()


# Shades a shopper's basic colour word stands for ("green" finds "Sage"). Shop-independent colour knowledge;
# a colour not listed here matches itself as a substring of the product's colour.
COLOUR_FAMILIES: dict[str, tuple[str, ...]] = {
    "green": ("green", "sage", "olive", "moss", "forest", "mint", "emerald"),
    "blue": ("blue", "navy", "indigo", "teal", "cobalt", "denim"),
    "black": ("black", "jet"),
    "grey": ("grey", "gray", "charcoal", "graphite", "slate", "silver"),
    "gray": ("grey", "gray", "charcoal", "graphite", "slate", "silver"),
    "red": ("red", "burgundy", "coral", "rust", "terracotta", "crimson", "maroon"),
    "white": ("white", "cream", "ivory", "off-white"),
    "brown": ("brown", "walnut", "oak", "chocolate", "tan", "espresso"),
    "orange": ("orange",),
    "yellow": ("yellow", "mustard", "ochre"),
    "pink": ("pink", "blush", "rose"),
    "purple": ("purple", "violet", "lilac", "plum"),
}


def colour_matches(wanted: str, colour: str) -> bool:
    """Whether a product's colour ("Slate Grey") is the colour a shopper asked for ("grey")."""
    colour = colour.casefold()
    return any(word in colour for word in COLOUR_FAMILIES.get(wanted.casefold(), (wanted.casefold(),)))


def _values(value: Any) -> list[str]:
    """An attribute's values: one, or a list of them (an import keeps every variant's: ["Matte Black", "Sage"])."""
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def product_sizes(p: dict[str, Any]) -> list[str]:
    """The sizes a product comes in, upper-cased ("M", "42"): `attributes.sizes`, else `attributes.size`."""
    attrs = p.get("attributes") or {}
    sizes = attrs.get("sizes")
    return [v.upper() for v in _values(sizes if isinstance(sizes, list) else attrs.get("size"))]


class UnknownProduct(KeyError):
    """The anchor product of a similar/goes_with request does not exist."""


def product_type(p: dict[str, Any]) -> str | None:
    """The product's type ("tent", "rain-jacket"): an explicit field, else the tag after the category."""
    explicit = p.get("type") or (p.get("attributes") or {}).get("type")
    if explicit:
        return str(explicit)
    tags = p.get("tags") or []
    if len(tags) > 1 and str(tags[0]).casefold() == str(p.get("category", "")).casefold():
        return str(tags[1])
    return None


@dataclass(frozen=True)
class Pricing:
    """How list prices (in the shop's base currency) are shown: the shop's rule tables, as the orders service."""

    rates: dict[str, float]
    zero_decimal: frozenset[str]
    base_currency: str
    # Countries whose prices include the shop's VAT; elsewhere prices are shown net (price / (1 + vat)).
    vat_countries: frozenset[str] = frozenset()
    home_vat: float = 0.0


@dataclass
class Recommender:
    model: Model
    pricing: Pricing
    embedder: Embedder | None = None
    # Finds the catalogue's product types in a shopper's words; by default by words only.
    matcher: TypeMatcher = field(init=False)

    def __post_init__(self) -> None:
        products = self.model.products
        self.list_prices = np.asarray([float(p.get("price", 0.0)) for p in products], dtype=np.float64)
        self.stock = np.asarray([int(p.get("stock", 0)) for p in products])
        self.types = [product_type(p) for p in products]
        self.matcher = TypeMatcher(self.types_known())

    def types_known(self) -> list[str]:
        return sorted({t for t in self.types if t})

    # ---- helpers ----

    def convert(self, amount: float, currency: str) -> float:
        digits = 0 if currency in self.pricing.zero_decimal else 2
        return round(amount * self.pricing.rates[currency] + 0.0, digits)

    def _factor(self, f: Filters) -> float:
        """List price → displayed price in the filter's currency for the filter's destination."""
        pricing = self.pricing
        net = f.ships_to is not None and bool(pricing.vat_countries) and f.ships_to not in pricing.vat_countries
        rate = pricing.rates.get(f.currency or pricing.base_currency, 1.0)
        return rate / ((1.0 + pricing.home_vat) if net else 1.0)

    def mask(self, f: Filters) -> np.ndarray:
        keep = np.ones(len(self.model.products), dtype=bool)
        rate = self._factor(f)
        if f.max_price is not None:
            keep &= self.list_prices * rate <= f.max_price + 1e-9
        if f.min_price is not None:
            keep &= self.list_prices * rate >= f.min_price - 1e-9
        if f.in_stock:
            keep &= self.stock > 0
        if f.type:
            wanted = set(f.type)
            keep &= np.asarray([t in wanted for t in self.types], dtype=bool)
        if f.exclude_ids:
            for pid in f.exclude_ids:
                i = self.model.item_index.get(pid)
                if i is not None:
                    keep[i] = False
        if f.category or f.color or f.ships_to or f.size or f.persons is not None:
            for i, p in enumerate(self.model.products):
                if keep[i] and not self._passes(p, f):
                    keep[i] = False
        return keep

    @staticmethod
    def _passes(p: dict[str, Any], f: Filters) -> bool:
        """The per-product filters (those that read attributes rather than arrays)."""
        attrs = p.get("attributes") or {}
        if f.category and str(p.get("category", "")).casefold() != f.category.casefold():
            return False
        if f.color and not any(colour_matches(f.color, c) for c in _values(attrs.get("color"))):
            return False
        if f.ships_to and f.ships_to not in (p.get("ships_to") or []):
            return False
        if f.size and f.size.strip().upper() not in product_sizes(p):
            return False
        if f.persons is not None:
            try:
                return int(attrs.get("capacity_persons") or 0) == f.persons
            except (TypeError, ValueError):
                return False
        return True

    def _top(self, scores: np.ndarray, keep: np.ndarray, limit: int) -> list[int]:
        masked = np.where(keep, scores, -np.inf)
        n = int(np.isfinite(masked).sum())
        if n == 0:
            return []
        k = min(limit, n)
        top = np.argpartition(-masked, k - 1)[:k]
        return [int(i) for i in top[np.argsort(-masked[top], kind="stable")]]

    def _item(self, i: int, score: float, reason: str, f: Filters) -> dict[str, Any]:
        p = self.model.products[i]
        currency = f.currency or self.pricing.base_currency
        digits = 0 if currency in self.pricing.zero_decimal else 2
        return {
            "id": p["id"],
            "title": p.get("title", ""),
            "type": self.types[i],
            "price": round(float(p.get("price", 0.0)) * self._factor(f) + 0.0, digits),
            "currency": currency,
            "image_url": p.get("image_url", ""),
            "url": p.get("url", ""),
            "score": round(float(score), 4),
            "reason": reason,
        }

    def _anchor(self, product_id: str) -> int:
        i = self.model.item_index.get(product_id)
        if i is None:
            raise UnknownProduct(product_id)
        return i

    # ---- modes ----

    def for_shopper(self, customer_id: str | None, f: Filters, limit: int) -> tuple[list[dict[str, Any]], str]:
        m = self.model
        keep = self.mask(f)
        u = m.users.get(customer_id) if customer_id else None
        if u is None or m.history[u].nnz == 0:
            top = self._top(m.pop_scores(), keep, limit)
            return [self._item(i, m.pop_scores()[i], "Popular with other shoppers", f) for i in top], "popularity"
        bought = m.purchased[u].indices
        keep = keep.copy()
        keep[bought] = False  # never recommend what the shopper already bought
        scores = m.hybrid_scores(u)
        cf = zscore(m.cf_scores(u)) * m.weights.get("cf", 0.0)
        content = m.content_scores(u)
        content_z = zscore(content) * m.weights.get("content", 0.0) if content is not None else np.zeros_like(scores)
        hist = m.history[u].indices
        out = []
        for i in self._top(scores, keep, limit):
            if content_z[i] >= cf[i] and hist.size:
                sims = m.embeddings[hist] @ m.embeddings[i]
                anchor = m.products[int(hist[int(np.argmax(sims))])]
                reason = f"Similar to {anchor.get('title', 'something you viewed')}"
            elif cf[i] > 0:
                reason = "Shoppers with similar taste liked this"
            else:
                reason = "Popular with other shoppers"
            out.append(self._item(i, scores[i], reason, f))
        return out, "hybrid"

    def similar(self, product_id: str, f: Filters, limit: int) -> tuple[list[dict[str, Any]], str]:
        i = self._anchor(product_id)
        keep = self.mask(f)
        keep[i] = False
        scores = self.model.item_similarity(i)
        if self.types[i] is not None:
            # "Similar" means the same kind of product first: another tent for a tent.
            scores = scores + 2.0 * np.asarray([t == self.types[i] for t in self.types], dtype=np.float64)
        title = self.model.products[i].get("title", product_id)
        top = self._top(scores, keep, limit)
        return [self._item(j, scores[j], f"Similar to {title}", f) for j in top], "content+cf"

    def goes_with(self, product_id: str, f: Filters, limit: int) -> tuple[list[dict[str, Any]], str]:
        m = self.model
        i = self._anchor(product_id)
        keep = self.mask(f)
        keep[i] = False
        anchor_type = self.types[i]
        if anchor_type is not None:
            keep &= np.asarray([t != anchor_type for t in self.types])
        else:  # no type known: leave out near-duplicates of the anchor instead
            keep &= (m.embeddings @ m.embeddings[i]) < 0.85
        title = m.products[i].get("title", product_id)
        row = m.cooc[i].toarray().ravel().astype(np.float64)
        # Lift-like normalisation so best-sellers do not go with everything.
        row = row / np.sqrt(np.maximum(m.pop, 1.0) * max(float(m.pop[i]), 1.0))
        useful = keep & (row > 0)
        picked = self._top(row, useful, limit)
        out = [self._item(j, row[j], f"Often bought together with {title}", f) for j in picked]
        strategy = "copurchase"
        if len(out) < limit:
            # Not enough co-purchases: products that the same kind of shoppers like (CF item similarity).
            rest = keep.copy()
            rest[picked] = False
            cf = m._item_factors_n @ m._item_factors_n[i]
            out += [
                self._item(j, cf[j], f"Shoppers who like {title} also like this", f)
                for j in self._top(cf, rest, limit - len(out))
            ]
            strategy = "copurchase+cf" if picked else "cf"
        return out, strategy

    def query(self, text: str, f: Filters, limit: int) -> tuple[list[dict[str, Any]], str]:
        if self.embedder is None:
            raise RuntimeError("no embedder loaded for query mode")
        vector = self.embedder.encode([text])[0]
        sims = self.model.embeddings @ vector
        # Relevance first; popularity only breaks near-ties.
        scores = sims + 0.02 * self.model.pop_scores()
        top = self._top(scores, self.mask(f), limit)
        return [self._item(i, scores[i], f"Matches “{text[:60]}”", f) for i in top], "content"
