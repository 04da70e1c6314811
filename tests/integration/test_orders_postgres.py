"""The orders service on PostgreSQL (DATABASE_URL): import, lookup and an idempotent change.

Runs in a schema of its own (ORDERS_DB_SCHEMA) so it never touches other tables in the shared
`test` database; skipped when PostgreSQL is not reachable, except under CI=true, where that fails.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import ORDERS_EXAMPLES, StartOrders
from tests.support import POSTGRES_URL, require_server


@pytest.fixture(scope="module", autouse=True)
def _postgres() -> None:
    require_server(POSTGRES_URL, "PostgreSQL")


def _post(base: str, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def pg_service(start_orders: StartOrders) -> Iterator[str]:
    import psycopg2

    schema = f"orders_test_{uuid.uuid4().hex[:10]}"
    csv = ORDERS_EXAMPLES / "csv"
    try:
        with start_orders(
            "orders_pg", data=[csv, csv],  # twice: the import is idempotent
            DATABASE_URL=POSTGRES_URL, ORDERS_DATABASE_URL="", ORDERS_DB_SCHEMA=schema,
        ) as orders:  # fmt: skip
            assert "orders: 0 new, 10 updated" in orders.imported
            yield orders.url
    finally:
        conn = psycopg2.connect(POSTGRES_URL)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


def test_health_reports_postgresql(pg_service: str) -> None:
    with urllib.request.urlopen(pg_service + "/health", timeout=5) as resp:
        assert json.loads(resp.read())["database"] == "postgresql"


def test_lookup_and_not_found_on_postgresql(pg_service: str) -> None:
    status, body = _post(pg_service, "/v1/orders/lookup", {"order_number": "bl100004", "postcode": "3511 ab"})
    assert status == 200 and body["order"]["can_return"] is True
    assert body["order"]["shipments"][0]["latest_event"]["status"] == "delivered"
    wrong = _post(pg_service, "/v1/orders/lookup", {"order_number": "BL-100004", "email": "ben.smith@example.org"})
    unknown = _post(pg_service, "/v1/orders/lookup", {"order_number": "BL-424242", "email": "ben.smith@example.org"})
    assert wrong == unknown and wrong[0] == 404


def test_idempotent_cancel_on_postgresql(pg_service: str) -> None:
    body = {"order_number": "BL-100007", "email": "ben.smith@example.org"}
    first = _post(pg_service, "/v1/orders/cancel", body, {"Idempotency-Key": "pg-1"})
    again = _post(pg_service, "/v1/orders/cancel", body, {"Idempotency-Key": "pg-1"})
    assert first[0] == 200 and first == again
    assert first[1]["order"]["status"] == "cancelled"
    other = _post(pg_service, "/v1/orders/cancel", body, {"Idempotency-Key": "pg-2"})
    assert other[0] == 409 and other[1]["error"]["code"] == "not_cancellable"


def test_concurrent_changes_on_postgresql_take_effect_once(pg_service: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    same = {"order_number": "BL-100001", "email": "anna.devries@example.com"}
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda _: _post(pg_service, "/v1/orders/cancel", same, {"Idempotency-Key": "s"}), range(8))
        )
    assert all(r == results[0] for r in results) and results[0][0] == 200
    other = {"order_number": "BL-100002", "email": "anna.devries@example.com"}
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: _post(pg_service, "/v1/orders/cancel", other, {"Idempotency-Key": f"d{i}"}), range(8))
        )
    assert sorted(status for status, _ in results) == [200] + [409] * 7
