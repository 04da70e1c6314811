"""Attacks on proof of ownership against the real orders service (a process on a free loopback port).

Issue 10, item 4: one known email tried against every sequential order number, from fresh conversations;
strangers' wrong guesses locking the real owner out; parallel bursts slipping past a read-then-write count.
Each test fails if its attack works again. The service runs with its default limits except the per-source
allowance, pinned to 5 here; every case runs on SQLite and on PostgreSQL (DATABASE_URL, a schema of its
own; skipped without PostgreSQL, failed under CI=true). Sources are what the action server would send in
X-Shopper-Source; a request without it is limited by its TCP peer address.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import ORDERS_EXAMPLES, OrdersService, StartOrders, start_orders  # noqa: F401
from tests.support import POSTGRES_URL, require_server

ALLOWANCE = 5  # ORDERS_RATE_LIMIT_ATTEMPTS for these services
HOT_ALLOWANCE = 2  # the default ORDERS_RATE_LIMIT_HOT_SOURCE_ATTEMPTS
EMAIL_LIMIT = 2 * ALLOWANCE  # the default ORDERS_RATE_LIMIT_EMAIL_ATTEMPTS
ANNA = "anna.devries@example.com"  # owns BL-100001..5 and BL-100010
BEN = "ben.smith@example.org"  # owns BL-100006, 7, 9
CARLA = "carla@example.net"  # owns BL-100008, postcode 01310-100
NOT_FOUND = {"error": {"code": "order_not_found", "message": "No order matches that order number and those details."}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def orders(request: pytest.FixtureRequest, start_orders: StartOrders) -> Iterator[OrdersService]:  # noqa: F811
    settings = {"ORDERS_RATE_LIMIT_ATTEMPTS": str(ALLOWANCE)}
    if request.param == "postgresql":
        url = require_server(POSTGRES_URL, "PostgreSQL")
        schema = f"orders_sec_{uuid.uuid4().hex[:10]}"
        settings.update(DATABASE_URL=url, ORDERS_DATABASE_URL="", ORDERS_DB_SCHEMA=schema)
    try:
        with start_orders(f"orders_sec_{request.param}", data=[ORDERS_EXAMPLES / "jsonl"], **settings) as service:
            yield service
    finally:
        if request.param == "postgresql":
            import psycopg2

            conn = psycopg2.connect(settings["DATABASE_URL"])
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'DROP SCHEMA IF EXISTS "{settings["ORDERS_DB_SCHEMA"]}" CASCADE')
            conn.close()


def post(
    base: str, path: str, body: dict[str, Any], source: str | None, key: str | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if source is not None:
        headers["X-Shopper-Source"] = source
    if key is not None:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), dict(exc.headers)


def lookup(base: str, source: str | None, **proof: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return post(base, "/v1/orders/lookup", proof, source)


def sweep(base: str, email: str, source: str | None) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    """40 order numbers with one email, each from a fresh conversation: 30 that do not exist, then the 10 real
    ones (so the allowance is spent on misses before the email's own orders come up)."""
    numbers = [f"BL-1000{n}" for n in range(11, 41)] + [f"BL-1000{n:02d}" for n in range(1, 11)]
    assert len(numbers) == 40
    return [
        lookup(base, source, order_number=number, email=email, conversation_id=f"conv-{uuid.uuid4().hex}")
        for number in numbers
    ]


def assert_swept_nothing(results: list[tuple[int, dict[str, Any], dict[str, str]]], allowance: int) -> None:
    statuses = [status for status, _, _ in results]
    assert 200 not in statuses, "the sweep revealed an order"
    assert set(statuses) <= {404, 429}
    assert statuses.count(404) <= allowance, "more guesses were checked than the limit allows"
    assert statuses[-10:] == [429] * 10, "the email's own orders must not be confirmed to the sweeper"
    assert all(body == NOT_FOUND for status, body, _ in results if status == 404)
    for status, body, headers in results:
        if status == 429:
            assert body["error"]["code"] == "too_many_attempts"
            assert int(headers["Retry-After"]) >= 1 and body["error"]["details"]["retry_after_s"] >= 1


def test_one_email_against_40_orders_from_fresh_conversations_reveals_nothing(orders: OrdersService) -> None:
    results = sweep(orders.url, ANNA, source="ip:203.0.113.7")
    assert_swept_nothing(results, ALLOWANCE)
    # Even the exact right pair is refused to the sweeper for now (a 200 would confirm the guess)...
    assert lookup(orders.url, "ip:203.0.113.7", order_number="BL-100001", email=ANNA)[0] == 429
    # ...and a change as well.
    cancel = post(orders.url, "/v1/orders/cancel", {"order_number": "BL-100001", "email": ANNA}, "ip:203.0.113.7", "k1")
    assert cancel[0] == 429
    # Anna, from her own device, is not locked out by the sweep of her email.
    status, body, _ = lookup(orders.url, "ip:192.0.2.10", order_number="BL-100001", email=ANNA)
    assert status == 200 and body["order"]["number"] == "BL-100001"


def test_a_sweep_without_source_header_is_limited_by_its_address(orders: OrdersService) -> None:
    # A caller that sends no X-Shopper-Source is its TCP peer; rotating conversation ids changes nothing.
    assert_swept_nothing(sweep(orders.url, BEN, source=None), ALLOWANCE)


def test_a_sweep_spread_over_many_sources_costs_a_source_every_two_guesses(orders: OrdersService) -> None:
    email = CARLA
    unknown = iter(f"BL-2000{n:02d}" for n in range(1, 100))
    # Enough misses naming Carla's email, from several sources, to mark the email as under attack...
    for n in range(EMAIL_LIMIT):
        assert lookup(orders.url, f"ip:198.51.100.{n}", order_number=next(unknown), email=email)[0] == 404
    # ...after which each new source gets HOT_ALLOWANCE guesses, not ALLOWANCE, and then not even the right one.
    for n in range(3):
        source = f"ip:198.51.101.{n}"
        statuses = [
            lookup(orders.url, source, order_number=next(unknown), email=email)[0] for _ in range(HOT_ALLOWANCE)
        ]
        assert statuses == [404] * HOT_ALLOWANCE
        assert lookup(orders.url, source, order_number="BL-100008", email=email)[0] == 429
    # Carla herself, from a device of her own, still gets in while her email is under attack.
    assert lookup(orders.url, "ip:192.0.2.20", order_number="BL-100008", email=CARLA)[0] == 200


def test_strangers_wrong_guesses_never_lock_the_owner_out(orders: OrdersService) -> None:
    number = "BL-100007"  # Ben's
    for n in range(8):
        stranger = f"ip:198.51.102.{n}"
        guesses = [
            lookup(orders.url, stranger, order_number=number, email=f"guess{n}.{i}@example.com")[0]
            if i % 2
            else lookup(orders.url, stranger, order_number=number, postcode=f"{n}{i}000")[0]
            for i in range(ALLOWANCE + 2)
        ]
        assert guesses == [404] * ALLOWANCE + [429] * 2
    # The owner proves ownership from another source: email, postcode, and a customer token all work.
    assert lookup(orders.url, "ip:192.0.2.30", order_number=number, email=BEN)[0] == 200
    assert lookup(orders.url, "ip:192.0.2.31", order_number=number, postcode="sw1a 1aa")[0] == 200
    token = orders.cli("token", "C0002").strip()
    # A valid token of the order's own customer cannot be guessed, so even a limited source may use it.
    assert lookup(orders.url, "ip:198.51.102.0", order_number=number, customer_token=token)[0] == 200
    change = post(orders.url, "/v1/orders/cancel", {"order_number": number, "email": BEN}, "ip:192.0.2.30", "own-1")
    assert change[0] == 200 and change[1]["order"]["status"] == "cancelled"


def test_a_parallel_burst_cannot_exceed_the_limit(orders: OrdersService) -> None:
    source = "ip:203.0.113.99"

    def guess(i: int) -> int:
        return lookup(orders.url, source, order_number="BL-100004", email=f"burst{i}@example.com")[0]

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert set(statuses) <= {404, 429}
    assert 1 <= statuses.count(404) <= ALLOWANCE, statuses
    # The source is limited now, for the right proof too.
    assert lookup(orders.url, source, order_number="BL-100004", email=ANNA)[0] == 429


def test_a_forged_or_oversized_source_header_is_refused(orders: OrdersService) -> None:
    status, body, _ = lookup(orders.url, "x" * 201, order_number="BL-100004", email=ANNA)
    assert status == 400 and body["error"]["code"] == "invalid_source"


def test_an_untrusted_caller_cannot_make_up_sources(start_orders: StartOrders) -> None:  # noqa: F811
    # Loopback is not a trusted proxy here, so X-Shopper-Source is ignored and the peer address counts.
    settings = {"ORDERS_RATE_LIMIT_ATTEMPTS": str(ALLOWANCE), "ORDERS_TRUSTED_PROXIES": "10.0.0.1"}
    with start_orders("orders_untrusted", data=[ORDERS_EXAMPLES / "jsonl"], **settings) as service:
        statuses = [
            lookup(service.url, f"ip:203.0.113.{n}", order_number="BL-100004", email=f"g{n}@example.com")[0]
            for n in range(ALLOWANCE + 3)
        ]
        assert statuses == [404] * ALLOWANCE + [429] * 3
