"""Typed client of the recommender service (backends/recommender or a shop's own, same contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from clients.errors import ServiceError, ServiceUnavailable
from clients.http import JsonObject, ServiceClient

__all__ = [
    "Recommendations",
    "RecommenderClient",
    "TypeMatch",
    "UnknownProduct",
    "ServiceError",
    "ServiceUnavailable",
]

Mode = Literal["for_shopper", "similar", "goes_with", "query"]


class UnknownProduct(ServiceError):
    """The anchor product of a similar/goes_with request does not exist."""


@dataclass(frozen=True)
class Recommendations:
    """Ranked products (`{"id", "title", "price", "currency", "image_url", "url", "score", "reason", ...}`, the
    service's product documents) and the strategy that ranked them."""

    products: list[JsonObject]
    strategy: str | None = None


@dataclass(frozen=True)
class TypeMatch:
    """The catalogue's product types the shopper's words ask for; `how`: "words", "embedding" or None."""

    types: list[str]
    how: str | None = None


class RecommenderClient(ServiceClient):
    """The recommender's client; a view over the process's one recommender pool and breaker."""

    async def recommend(
        self,
        mode: Mode,
        *,
        customer_id: str | None = None,
        product_id: str | None = None,
        query: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = 5,
    ) -> Recommendations:
        """The best `limit` products for the mode.

        filters: max_price, min_price, currency, category, color, ships_to, in_stock, type (one or a list),
        size, persons, exclude_ids (all optional); every product returned meets all of them.
        """
        body: dict[str, Any] = {"mode": mode, "limit": limit, "filters": dict(filters or {})}
        for key, value in (("customer_id", customer_id), ("product_id", product_id), ("query", query)):
            if value:
                body[key] = value
        try:
            # Read-only, so retrying is safe.
            answer = await self._request("POST", "/v1/recommendations", json=body, idempotent=True)
        except ServiceError as exc:
            if exc.code == "product_not_found":
                raise UnknownProduct(exc.status, exc.code, exc.message, exc.body) from exc
            raise
        products = [p for p in answer.get("products") or [] if isinstance(p, dict)]
        strategy = answer.get("strategy")
        return Recommendations(products, str(strategy) if strategy is not None else None)

    async def match_types(self, texts: list[str], *, embedding: bool = True) -> TypeMatch:
        """The product types `texts` ask for (most trusted text first); `embedding=False`: only a type's own
        words count, as for a follow-up that must not change the kind of product by a near guess."""
        texts = [t[:500] for t in texts if t and t.strip()][:5]
        if not texts:
            return TypeMatch([])
        answer = await self._request(
            "POST", "/v1/types/match", json={"texts": texts, "embedding": embedding}, idempotent=True
        )
        types = [str(t) for t in answer.get("types") or [] if isinstance(t, str)]
        how = answer.get("how")
        return TypeMatch(types, str(how) if how else None)

    async def for_shopper(self, customer_id: str | None, **kw: Any) -> Recommendations:
        return await self.recommend("for_shopper", customer_id=customer_id, **kw)

    async def similar(self, product_id: str, **kw: Any) -> Recommendations:
        return await self.recommend("similar", product_id=product_id, **kw)

    async def goes_with(self, product_id: str, **kw: Any) -> Recommendations:
        return await self.recommend("goes_with", product_id=product_id, **kw)

    async def search(self, query: str, **kw: Any) -> Recommendations:
        return await self.recommend("query", query=query, **kw)
