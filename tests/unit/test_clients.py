"""The client layer (clients/): the circuit breaker's states, one trial call in half-open, and one connection pool
and breaker per service per process, shared by every action and every call policy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from clients import (
    BreakerState,
    CallPolicy,
    CircuitBreaker,
    CircuitOpen,
    ClientConfig,
    ServiceClients,
    ServiceHttp,
    ServiceUnavailable,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def opened_breaker(clock: Clock) -> CircuitBreaker:
    breaker = CircuitBreaker(service="orders", threshold=2, reset_after=10.0, clock=clock)
    for _ in range(2):
        assert breaker.acquire() is False
        breaker.failure(False)
    return breaker


def test_the_breaker_opens_after_threshold_failures_and_fails_fast() -> None:
    clock = Clock()
    breaker = CircuitBreaker(service="orders", threshold=3, reset_after=10.0, clock=clock)
    for _ in range(2):
        breaker.acquire()
        breaker.failure(False)
    assert breaker.state is BreakerState.CLOSED
    breaker.acquire()
    breaker.failure(False)
    assert breaker.state is BreakerState.OPEN
    clock.now += 9.9
    with pytest.raises(CircuitOpen) as info:
        breaker.acquire()
    assert info.value.service == "orders" and 0 < info.value.retry_after_s <= 0.1 + 1e-9
    assert isinstance(info.value, ServiceUnavailable)  # callers that catch "unavailable" still catch it


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = opened_breaker(clock)
    clock.now += 10.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire() is True  # the trial
    for _ in range(3):
        with pytest.raises(CircuitOpen):
            breaker.acquire()


def test_a_successful_trial_closes_the_breaker() -> None:
    clock = Clock()
    breaker = opened_breaker(clock)
    clock.now += 10.0
    trial = breaker.acquire()
    breaker.success(trial)
    assert breaker.state is BreakerState.CLOSED and breaker.failures == 0
    assert breaker.acquire() is False and breaker.acquire() is False  # everyone goes through again


def test_a_failed_trial_reopens_the_breaker_for_another_period() -> None:
    clock = Clock()
    breaker = opened_breaker(clock)
    clock.now += 10.0
    trial = breaker.acquire()
    breaker.failure(trial)
    assert breaker.state is BreakerState.OPEN
    clock.now += 9.0
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    clock.now += 1.0
    assert breaker.acquire() is True  # a new trial after the new period


def test_a_trial_that_ends_without_a_verdict_frees_the_slot() -> None:
    clock = Clock()
    breaker = opened_breaker(clock)
    clock.now += 10.0
    trial = breaker.acquire()
    breaker.release(trial)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire() is True


# ---------- the breaker in the HTTP core, with concurrent callers ----------


def gated_app(state: dict[str, Any]) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        state["hits"] += 1
        await state["gate"].wait()
        return web.json_response({"ok": True}, status=state["status"])

    app = web.Application()
    app.router.add_post("/v1/thing", handler)
    return app


async def half_open_core(aiohttp_server: Any, status: int) -> tuple[ServiceHttp, Clock, dict[str, Any]]:
    state: dict[str, Any] = {"hits": 0, "gate": asyncio.Event(), "status": status}
    server = await aiohttp_server(gated_app(state))
    clock = Clock()
    core = ServiceHttp("orders", str(server.make_url("")), breaker=opened_breaker(clock))
    clock.now += 10.0
    return core, clock, state


async def test_concurrent_callers_during_the_trial_fail_fast_and_success_closes(aiohttp_server: Any) -> None:
    core, _clock, state = await half_open_core(aiohttp_server, 200)
    policy = CallPolicy(timeout_s=5.0, retries=1)
    try:
        trial = asyncio.create_task(core.request("POST", "/v1/thing", policy=policy, idempotent=True))
        while state["hits"] == 0:  # the trial has reached the server
            await asyncio.sleep(0.01)
        others = await asyncio.gather(
            *(core.request("POST", "/v1/thing", policy=policy, idempotent=True) for _ in range(5)),
            return_exceptions=True,
        )
        assert all(isinstance(o, CircuitOpen) for o in others), others
        assert state["hits"] == 1  # only the trial reached the service
        state["gate"].set()
        assert await trial == {"ok": True}
        assert core.breaker.state is BreakerState.CLOSED
        assert await core.request("POST", "/v1/thing", policy=policy) == {"ok": True}
        assert state["hits"] == 2
    finally:
        await core.close()


async def test_a_failed_trial_call_reopens_and_the_next_caller_fails_fast(aiohttp_server: Any) -> None:
    core, _clock, state = await half_open_core(aiohttp_server, 503)
    state["gate"].set()
    policy = CallPolicy(timeout_s=5.0, retries=0)
    try:
        with pytest.raises(ServiceUnavailable) as failed:
            await core.request("POST", "/v1/thing", policy=policy)
        assert not isinstance(failed.value, CircuitOpen)  # the trial itself was sent
        assert core.breaker.state is BreakerState.OPEN
        with pytest.raises(CircuitOpen):
            await core.request("POST", "/v1/thing", policy=policy)
        assert state["hits"] == 1
    finally:
        await core.close()


async def test_a_cancelled_trial_lets_the_next_caller_try(aiohttp_server: Any) -> None:
    core, _clock, state = await half_open_core(aiohttp_server, 200)
    policy = CallPolicy(timeout_s=5.0, retries=0)
    try:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(core.request("POST", "/v1/thing", policy=policy), timeout=0.2)
        assert core.breaker.state is BreakerState.HALF_OPEN and not core.breaker.trial_in_flight
        state["gate"].set()
        assert await core.request("POST", "/v1/thing", policy=policy) == {"ok": True}
        assert core.breaker.state is BreakerState.CLOSED
    finally:
        await core.close()


# ---------- one pool and one breaker per service per process ----------


def ok_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"translations": [{"text": "x", "translated": True}], "results": []})

    app = web.Application()
    app.router.add_post("/v1/translate", handler)
    app.router.add_post("/v1/search", handler)
    return app


async def test_one_pool_and_breaker_per_service_whatever_the_call_policy(aiohttp_server: Any) -> None:
    server = await aiohttp_server(ok_app())
    url = str(server.make_url(""))
    holder = ServiceClients(ClientConfig(urls={"models": url, "knowledge": url}))
    try:
        models, quick = holder.models(), holder.models().using(timeout_s=0.5, retries=0)
        assert holder.models() is models
        assert quick.http is models.http and quick.policy.timeout_s == 0.5 and models.policy.timeout_s == 1.5
        await models.translate(["a"], "pt")
        pool = models.http.session
        assert pool is not None
        await quick.translate(["b"], "pt")
        assert models.http.session is pool  # the same connection pool for every view
        await holder.knowledge().search("x")
        knowledge_core = holder.http("knowledge")
        assert knowledge_core is not models.http and knowledge_core.session is not pool
        assert knowledge_core.breaker is not models.http.breaker  # one breaker per service
    finally:
        await holder.aclose()
    assert pool.closed and knowledge_core.session is None  # aclose closed every pool


async def test_every_action_shares_the_process_clients(process_clients: ServiceClients) -> None:
    from actions import services
    from actions.knowledge_answer import ActionAnswerQuestion
    from actions.landed_cost import ActionLandedCost
    from actions.order_changes import ActionExecuteOrderChange, ActionPrepareCancel
    from actions.order_status import ActionOrderStatus

    cores = {
        id(ActionOrderStatus().orders.http),
        id(ActionPrepareCancel().orders.http),
        id(ActionExecuteOrderChange().orders.http),
        id(ActionLandedCost().orders.http),  # no retries there, same pool and breaker
        id(services.orders().http),
        id(process_clients.orders().http),
    }
    assert len(cores) == 1
    assert ActionAnswerQuestion().models.http is services.models().http is process_clients.http("models")
    assert ActionLandedCost().orders.policy.retries == 0 and ActionOrderStatus().orders.policy.retries == 1


def test_the_client_package_is_rasa_free() -> None:
    """DESIGN.md: clients/ never imports rasa, rasa_sdk, actions or channels."""
    import ast
    from pathlib import Path

    forbidden = {"rasa", "rasa_sdk", "actions", "channels"}
    root = Path(__file__).resolve().parents[2] / "clients"
    seen: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                seen.setdefault(path.name, set()).add(name.split(".")[0])
    assert len(seen) >= 9  # every module was read
    assert not {f: s & forbidden for f, s in seen.items() if s & forbidden}
