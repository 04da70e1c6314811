"""Typed client of the orders service (backends/orders or a shop's own system with the same contract).

Lookups and changes go through the shared HTTP core (clients/http.py: timeouts, retries, circuit breaker).
Changes carry an Idempotency-Key, which makes them safe to retry; callers pass a key that is stable for one
shopper intent (e.g. conversation id + action + order number), so a repeated turn never cancels twice.
Every call that carries a proof of ownership takes `source`, the shopper's address as the channel saw it
(e.g. `ip:203.0.113.7`, `telegram:12345`), sent as the `X-Shopper-Source` header: the service limits failed
proofs per source, so without it every shopper counts as the action server itself.
Order views, quotes and products are the service's JSON documents (`JsonObject`), passed through whole:
the callers read them field by field and the contract lives in backends/orders/schemas.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from clients.errors import CircuitOpen, ServiceError, ServiceUnavailable
from clients.http import JsonObject, ServiceClient

__all__ = [
    "CircuitOpen",
    "CustomerOrders",
    "OrdersClient",
    "OrderNotFound",
    "TooManyAttempts",
    "InvalidCustomerToken",
    "PolicyRefused",
    "IdempotencyConflict",
    "ProductNotFound",
    "NotShippable",
    "InvalidRequest",
    "ServiceError",
    "ServiceUnavailable",
]


class OrderNotFound(ServiceError):
    """No order matches the number with that proof (also: wrong email/postcode — deliberately the same)."""


class TooManyAttempts(ServiceError):
    """Too many failed proofs from this source (or a sweep is under way); ask again later or hand off.

    `body['error']['details']['retry_after_s']` says when to try again.
    """


class InvalidCustomerToken(ServiceError):
    """The signed customer token is malformed, tampered with or expired."""


class PolicyRefused(ServiceError):
    """The shop's rules forbid the change; `code` says which (not_cancellable, return_window_closed, ...)."""


class IdempotencyConflict(ServiceError):
    """The idempotency key was already used for a different request."""


class ProductNotFound(ServiceError):
    """Unknown product id."""


class NotShippable(ServiceError):
    """Some items do not ship to the requested country; `body['error']['details']['products']` lists them."""


class InvalidRequest(ServiceError):
    """The service rejected the request as malformed (400/422); `body` holds the field problems."""


_BY_CODE: dict[str, type[ServiceError]] = {
    "order_not_found": OrderNotFound,
    "too_many_attempts": TooManyAttempts,
    "invalid_token": InvalidCustomerToken,
    "idempotency_key_reused": IdempotencyConflict,
    "product_not_found": ProductNotFound,
    "not_shippable": NotShippable,
}


def _translate(exc: ServiceError) -> ServiceError:
    cls = _BY_CODE.get(exc.code)
    if cls is None:
        if exc.status == 404:
            cls = OrderNotFound
        elif exc.status == 429:
            cls = TooManyAttempts
        elif exc.status == 409:
            cls = PolicyRefused
        elif exc.status in (400, 422):
            cls = InvalidRequest
        else:
            return exc
    return cls(exc.status, exc.code, exc.message, exc.body)


SOURCE_HEADER = "X-Shopper-Source"
MAX_SOURCE = 200


def _source_headers(source: str | None) -> dict[str, str]:
    """The X-Shopper-Source header for `source`, or none (the service then uses the TCP peer)."""
    if not source:
        return {}
    # Keep the header valid whatever the channel handed us; the service refuses unprintable or long ones.
    cleaned = "".join(ch for ch in source if ch.isprintable()).strip()[:MAX_SOURCE]
    return {SOURCE_HEADER: cleaned} if cleaned else {}


def _proof(
    order_number: str,
    email: str | None,
    postcode: str | None,
    customer_token: str | None,
    conversation_id: str | None,
) -> JsonObject:
    body: JsonObject = {"order_number": order_number}
    for key, value in (
        ("email", email),
        ("postcode", postcode),
        ("customer_token", customer_token),
        ("conversation_id", conversation_id),
    ):
        if value:
            body[key] = value
    return body


@dataclass(frozen=True)
class CustomerOrders:
    """The customer a signed token names, and their recent orders (order views), newest first."""

    customer_id: str | None
    orders: list[JsonObject]


class OrdersClient(ServiceClient):
    """The orders service's client; a view over the process's one orders pool and breaker."""

    async def _call(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        try:
            return await self._request(method, path, **kwargs)
        except ServiceError as exc:
            raise _translate(exc) from exc

    async def lookup(
        self,
        order_number: str,
        *,
        email: str | None = None,
        postcode: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        source: str | None = None,
    ) -> JsonObject:
        """The order view (`{"number", "status", "status_label", ..., "shipments", "can_cancel", ...}`)."""
        body = _proof(order_number, email, postcode, customer_token, conversation_id)
        # A lookup changes nothing, so it may be retried like a GET.
        result = await self._call(
            "POST", "/v1/orders/lookup", json=body, idempotent=True, headers=_source_headers(source)
        )
        return result["order"]

    async def my_orders(self, customer_token: str, *, limit: int = 5, source: str | None = None) -> CustomerOrders:
        """The customer the signed token names and their recent orders, newest first.

        Raises InvalidCustomerToken for a malformed, tampered or expired token.
        """
        result = await self._call(
            "POST",
            "/v1/orders/mine",
            json={"customer_token": customer_token, "limit": limit},
            idempotent=True,
            headers=_source_headers(source),
        )
        orders = [o for o in result.get("orders") or [] if isinstance(o, dict)]
        customer_id = result.get("customer_id")
        return CustomerOrders(str(customer_id) if customer_id is not None else None, orders)

    async def _change(self, path: str, body: JsonObject, idempotency_key: str | None, source: str | None) -> JsonObject:
        key = idempotency_key or str(uuid.uuid4())
        headers = {"Idempotency-Key": key, **_source_headers(source)}
        # Safe to retry: the service answers a repeated key with the first answer and does nothing twice.
        return await self._call("POST", path, json=body, idempotent=True, headers=headers)

    async def cancel(
        self,
        order_number: str,
        *,
        email: str | None = None,
        postcode: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
        source: str | None = None,
    ) -> JsonObject:
        """Cancels an unshipped order: `{"order": {...}, "cancellation": {"refund": {...}}}`.

        Raises PolicyRefused (code not_cancellable) once the order has shipped.
        """
        body = _proof(order_number, email, postcode, customer_token, conversation_id)
        if reason:
            body["reason"] = reason
        return await self._change("/v1/orders/cancel", body, idempotency_key, source)

    async def change_address(
        self,
        order_number: str,
        address: dict[str, str],
        *,
        email: str | None = None,
        postcode: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        idempotency_key: str | None = None,
        source: str | None = None,
    ) -> JsonObject:
        """New shipping address `{"name", "line1", "city", "postcode", "country"}` before shipment."""
        body = _proof(order_number, email, postcode, customer_token, conversation_id)
        body["address"] = address
        return await self._change("/v1/orders/change-address", body, idempotency_key, source)

    async def start_return(
        self,
        order_number: str,
        *,
        items: list[JsonObject] | None = None,
        reason: str = "",
        sealed: bool = False,
        email: str | None = None,
        postcode: str | None = None,
        customer_token: str | None = None,
        conversation_id: str | None = None,
        idempotency_key: str | None = None,
        source: str | None = None,
    ) -> JsonObject:
        """Starts a return (all returnable items when `items` is None): `{"order", "return": {"id", ...}}`."""
        body = _proof(order_number, email, postcode, customer_token, conversation_id)
        body["reason"] = reason
        body["sealed"] = sealed
        if items:
            body["items"] = items
        return await self._change("/v1/orders/returns", body, idempotency_key, source)

    async def landed_cost(
        self,
        items: list[JsonObject],
        country: str,
        *,
        currency: str | None = None,
        express: bool = False,
    ) -> JsonObject:
        """Goods, shipping, duties, VAT and total in the shopper's currency, with the delivery window."""
        body: JsonObject = {"items": items, "country": country, "express": express}
        if currency:
            body["currency"] = currency
        return await self._call("POST", "/v1/quotes/landed-cost", json=body, idempotent=True)

    async def product(self, product_id: str, *, currency: str | None = None) -> JsonObject:
        params = {"currency": currency} if currency else None
        result = await self._call("GET", f"/v1/products/{quote(product_id, safe='')}", params=params)
        return result["product"]

    async def products(self, ids: list[str], *, currency: str | None = None) -> list[JsonObject]:
        params = {"ids": ",".join(ids)}
        if currency:
            params["currency"] = currency
        result = await self._call("GET", "/v1/products", params=params)
        return list(result["products"])
