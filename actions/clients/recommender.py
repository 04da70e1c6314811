"""Typed client of the recommender service (backends/recommender or a shop's own, same contract)."""

from __future__ import annotations

from typing import Any, Literal

from actions.clients.http import ServiceClient, ServiceError, ServiceUnavailable
from actions.settings import ActionSettings

__all__ = ["RecommenderClient", "UnknownProduct", "ServiceError", "ServiceUnavailable"]

Mode = Literal["for_shopper", "similar", "goes_with", "query"]


class UnknownProduct(ServiceError):
    """The anchor product of a similar/goes_with request does not exist."""


class RecommenderClient:
    """Async client; one instance per process (connection pool and circuit breaker inside)."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 2.0, retries: int = 1) -> None:
        self.http = ServiceClient(
            name="recommender",
            base_url=base_url or ActionSettings.from_env().recommender_url,
            timeout=timeout,
            retries=retries,
        )

    async def close(self) -> None:
        await self.http.close()

    async def recommend(
        self,
        mode: Mode,
        *,
        customer_id: str | None = None,
        product_id: str | None = None,
        query: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = 5,
    ) -> dict[str, Any]:
        """`{"products": [{"id", "title", "price", "currency", "image_url", "url", "score", "reason"}], "strategy"}`.

        filters: max_price, min_price, currency, category, color, ships_to, in_stock (all optional).
        """
        body: dict[str, Any] = {"mode": mode, "limit": limit, "filters": dict(filters or {})}
        for key, value in (("customer_id", customer_id), ("product_id", product_id), ("query", query)):
            if value:
                body[key] = value
        try:
            # Read-only, so retrying is safe.
            return await self.http.request("POST", "/v1/recommendations", json=body, idempotent=True)
        except ServiceError as exc:
            if exc.code == "product_not_found":
                raise UnknownProduct(exc.status, exc.code, exc.message, exc.body) from exc
            raise

    async def for_shopper(self, customer_id: str | None, **kw: Any) -> dict[str, Any]:
        return await self.recommend("for_shopper", customer_id=customer_id, **kw)

    async def similar(self, product_id: str, **kw: Any) -> dict[str, Any]:
        return await self.recommend("similar", product_id=product_id, **kw)

    async def goes_with(self, product_id: str, **kw: Any) -> dict[str, Any]:
        return await self.recommend("goes_with", product_id=product_id, **kw)

    async def search(self, query: str, **kw: Any) -> dict[str, Any]:
        return await self.recommend("query", query=query, **kw)
