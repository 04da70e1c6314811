"""OrdersClient against stand-in servers: error mapping, idempotency keys, timeouts, circuit breaker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from clients import CircuitOpen, OrdersClient, ServiceUnavailable
from clients.orders import (
    IdempotencyConflict,
    InvalidRequest,
    OrderNotFound,
    PolicyRefused,
    TooManyAttempts,
)
from tests.support import free_port, service_clients


@asynccontextmanager
async def orders_at(
    url: str, *, timeout_s: float | None = None, retries: int | None = None
) -> AsyncIterator[OrdersClient]:
    async with service_clients(orders=url) as holder:
        yield holder.orders().using(timeout_s=timeout_s, retries=retries)


def _app(seen: list[dict[str, Any]], *, delay: float = 0.0, status: int = 200, body: Any = None) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        seen.append({"path": request.path, "headers": dict(request.headers), "json": await request.json()})
        if delay:
            await asyncio.sleep(delay)
            seen.append({"finished": True})
        return web.json_response(body if body is not None else {"order": {"number": "BL-100001"}}, status=status)

    app = web.Application()
    app.router.add_post("/v1/orders/{tail:.*}", handler)
    return app


async def test_lookup_sends_the_proof_and_returns_the_order(aiohttp_server: Any) -> None:
    seen: list[dict[str, Any]] = []
    server = await aiohttp_server(_app(seen))
    async with orders_at(str(server.make_url(""))) as client:
        order = await client.lookup("BL-100001", email="a@example.com", conversation_id="c1")
    assert order == {"number": "BL-100001"}
    assert seen[0]["json"] == {"order_number": "BL-100001", "email": "a@example.com", "conversation_id": "c1"}


@pytest.mark.parametrize(
    "status,code,exc",
    [
        (404, "order_not_found", OrderNotFound),
        (429, "too_many_attempts", TooManyAttempts),
        (409, "not_cancellable", PolicyRefused),
        (409, "idempotency_key_reused", IdempotencyConflict),
        (422, "invalid_request", InvalidRequest),
    ],
)
async def test_error_codes_become_typed_exceptions(aiohttp_server: Any, status: int, code: str, exc: type) -> None:
    server = await aiohttp_server(_app([], status=status, body={"error": {"code": code, "message": "m"}}))
    async with orders_at(str(server.make_url(""))) as client:
        with pytest.raises(exc) as info:
            await client.cancel("BL-100001", email="a@example.com", idempotency_key="k")
    assert info.value.status == status and info.value.code == code


async def test_changes_carry_an_idempotency_key(aiohttp_server: Any) -> None:
    seen: list[dict[str, Any]] = []
    server = await aiohttp_server(_app(seen))
    async with orders_at(str(server.make_url(""))) as client:
        await client.cancel("BL-100001", postcode="3511AB", idempotency_key="conv-1:cancel:BL-100001")
        await client.start_return("BL-100001", email="a@example.com")
    assert seen[0]["headers"]["Idempotency-Key"] == "conv-1:cancel:BL-100001"
    assert seen[1]["headers"]["Idempotency-Key"]  # generated when the caller gives none


async def test_slow_service_times_out_as_unavailable(aiohttp_server: Any) -> None:
    seen: list[dict[str, Any]] = []
    server = await aiohttp_server(_app(seen, delay=30.0))
    async with orders_at(str(server.make_url("")), timeout_s=0.3, retries=0) as client:
        with pytest.raises(ServiceUnavailable):
            await client.lookup("BL-100001", email="a@example.com")
    # The client gave up on its own timeout: the server had received the call but not yet answered it.
    assert len(seen) == 1 and "finished" not in seen[0]


async def test_down_service_opens_the_breaker() -> None:
    async with orders_at(f"http://127.0.0.1:{free_port()}", timeout_s=0.5, retries=0) as client:
        for _ in range(client.http.breaker.threshold):
            with pytest.raises(ServiceUnavailable) as failed:
                await client.lookup("BL-100001", email="a@example.com")
            assert not isinstance(failed.value, CircuitOpen)  # these calls were sent
        with pytest.raises(CircuitOpen, match="circuit open"):
            await client.lookup("BL-100001", email="a@example.com")


async def test_5xx_is_unavailable_not_a_refusal(aiohttp_server: Any) -> None:
    server = await aiohttp_server(_app([], status=503, body={"error": {"code": "x", "message": "down"}}))
    async with orders_at(str(server.make_url("")), retries=0) as client:
        with pytest.raises(ServiceUnavailable):
            await client.lookup("BL-100001", email="a@example.com")


async def test_every_proof_carrying_call_sends_the_shopper_source(aiohttp_server: Any) -> None:
    seen: list[dict[str, Any]] = []
    server = await aiohttp_server(_app(seen, body={"order": {"number": "BL-100001"}, "orders": []}))
    address = {"line1": "1 Main St", "city": "Utrecht", "postcode": "3511AB", "country": "NL"}
    async with orders_at(str(server.make_url(""))) as client:
        await client.lookup("BL-100001", email="a@example.com", source="ip:203.0.113.7")
        await client.cancel("BL-100001", email="a@example.com", idempotency_key="k1", source="telegram:12345")
        await client.change_address("BL-100001", address, email="a@example.com", source="ip:198.51.100.2")
        await client.start_return("BL-100001", email="a@example.com", source="ip:198.51.100.3")
        await client.my_orders("bl1.x.y", source="ip:198.51.100.4")
        await client.lookup("BL-100001", email="a@example.com")  # no source: no header (the service uses the peer)
        await client.lookup("BL-100001", email="a@example.com", source="ip:1.2.3.4\r\nX-Evil: 1")
    sources = [call["headers"].get("X-Shopper-Source") for call in seen]
    assert sources == [
        "ip:203.0.113.7",
        "telegram:12345",
        "ip:198.51.100.2",
        "ip:198.51.100.3",
        "ip:198.51.100.4",
        None,
        "ip:1.2.3.4X-Evil: 1",  # control characters are dropped, never a second header
    ]
    assert seen[1]["headers"]["Idempotency-Key"] == "k1"
    assert "source" not in seen[0]["json"]  # the source travels as a header, not in the proof
