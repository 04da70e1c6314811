"""Answering recommendation requests from a trained Model: modes, filters, reasons, currencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backends.recommender.content import Embedder
from backends.recommender.model import Model, zscore


@dataclass(frozen=True)
class Filters:
    max_price: float | None = None
    min_price: float | None = None
    currency: str | None = None
    category: str | None = None
    color: str | None = None
    ships_to: str | None = None
    in_stock: bool | None = None


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

    def __post_init__(self) -> None:
        products = self.model.products
        self.list_prices = np.asarray([float(p.get("price", 0.0)) for p in products], dtype=np.float64)
        self.stock = np.asarray([int(p.get("stock", 0)) for p in products])
        self.types = [product_type(p) for p in products]

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
        if f.category or f.color or f.ships_to:
            cat = f.category.casefold() if f.category else None
            color = f.color.casefold() if f.color else None
            for i, p in enumerate(self.model.products):
                if not keep[i]:
                    continue
                if (
                    cat
                    and str(p.get("category", "")).casefold() != cat
                    or color
                    and color not in str((p.get("attributes") or {}).get("color", "")).casefold()
                    or f.ships_to
                    and f.ships_to not in (p.get("ships_to") or [])
                ):
                    keep[i] = False
        return keep

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
