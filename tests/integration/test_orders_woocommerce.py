"""The orders service serving a WooCommerce store's orders (adapters/woocommerce.py) through its own HTTP contract.

The real orders service runs with a shop profile whose `orders.backend` is woocommerce, pointed at a local fake
of the REST API v3 (tests/fakes/woocommerce.py) on a loopback port (plain http, so the keys travel as query
parameters, as WooCommerce accepts them): lookups with the shop's proofs, cancel, address change and returns go
to the fake; refusals come from the shop's rule tables; the platform's failures become 503s; a source over its
failed-proof limit never reaches the platform.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import serve_in_thread
from tests.fakes.woocommerce import WooCommerceFake
from tests.integration.conftest import OrdersService, StartOrders
from tests.integration.platform_shop import NOW, write_shop
from tests.support import free_port, http_json

KEY, SECRET = "ck_test_0123456789abcdef", "cs_test_fedcba9876543210"
ANA = "ana@example.com"
_keys = itertools.count()


class Shop:
    """The fake store's orders, by what the test calls them."""

    def __init__(self, fake: WooCommerceFake) -> None:
        self.fake = fake
        tee = fake.add_product("Linen tee", 30.0, categories=["Tops"])
        self.tee = tee
        swim = fake.add_product("Swim shorts", 35.0, categories=["Swim"], tags=["swimwear"])
        gift = fake.add_product("Gift card", 50.0, categories=["Gift Cards"])
        self.processing = fake.add_order(email=ANA, customer_id=42, lines=[(tee, 2)], phone="+1 512 555 0199")
        self.completed = fake.add_order(
            email=ANA,
            customer_id=42,
            status="completed",
            lines=[(tee, 1), (swim, 1), (gift, 1)],
            created="2025-03-10T10:00:00",
            completed="2025-03-14T16:00:00",
        )
        self.old = fake.add_order(
            email="bo@example.com",
            status="completed",
            lines=[(tee, 1)],
            created="2025-01-02T10:00:00",
            completed="2025-01-06T10:00:00",
        )
        self.on_hold = fake.add_order(email="bo@example.com", status="on-hold", lines=[(tee, 1)])
        self.custom = fake.add_order(email="cy@example.com", number="20931", lines=[(tee, 1)])

    def number(self, order: dict[str, Any]) -> str:
        return str(order["number"])


@pytest.fixture(scope="module")
def woo() -> Iterator[tuple[Shop, str]]:
    fake = WooCommerceFake(KEY, SECRET)
    shop = Shop(fake)
    with serve_in_thread(fake.app()) as url:
        yield shop, url


def _start(start_orders: StartOrders, tmp: Path, name: str, url: str, **env: str) -> Any:
    block = (
        "  backend: woocommerce\n"
        f'  woocommerce: {{url: "{url}", consumer_key_env: WC_CONSUMER_KEY, consumer_secret_env: WC_CONSUMER_SECRET}}'
    )
    shop = write_shop(tmp / name, block, pattern=r"#?\s*(\d{3,7})", canonical="{1}", example="1234")
    settings = {
        "BORDERLESS_SHOP": str(shop),
        "ORDERS_RULES_DIR": str(shop / "rules"),
        "ORDERS_NOW": NOW,
        "WC_CONSUMER_KEY": KEY,
        "WC_CONSUMER_SECRET": SECRET,
        **env,
    }
    return start_orders(name, data=(), **settings)


@pytest.fixture(scope="module")
def service(
    start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory, woo: tuple[Shop, str]
) -> Iterator[OrdersService]:
    with _start(start_orders, tmp_path_factory.mktemp("woo"), "orders_woo", woo[1]) as orders:
        yield orders


def post(
    service: OrdersService, path: str, body: dict[str, Any], *, key: str | None = None, source: str = "test:woo"
) -> tuple[int, Any]:
    headers = {"X-Shopper-Source": source}
    if path not in ("/v1/orders/lookup", "/v1/orders/mine"):
        headers["Idempotency-Key"] = key or f"k-{next(_keys)}"
    return http_json("POST", service.url + path, body, headers=headers)


def test_lookup_with_proofs_and_query_string_auth_on_loopback(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    number = shop.number(shop.processing)
    for proof in ({"email": ANA}, {"postcode": "78701"}, {"phone": "(512) 555-0199"}):
        status, body = post(service, "/v1/orders/lookup", {"order_number": f"#{number}", **proof})
        assert status == 200, (proof, body)
        order = body["order"]
        assert order["number"] == number and order["status"] == "paid" and order["can_cancel"] is True
        assert order["items"] == [
            {"product_id": str(shop.tee), "title": "Linen tee", "quantity": 2, "unit_price": 30.0}
        ]
        assert (order["subtotal"], order["shipping_cost"], order["total"]) == (60.0, 6.0, 66.0)
    assert set(shop.fake.auth_seen) == {"query"}
    # An order numbered by a plugin (number ≠ id) is found by search.
    status, body = post(service, "/v1/orders/lookup", {"order_number": "20931", "email": "cy@example.com"})
    assert status == 200 and body["order"]["number"] == "20931"


def test_wrong_proof_and_unknown_number_look_the_same(service: OrdersService, woo: tuple[Shop, str]) -> None:
    number = woo[0].number(woo[0].processing)
    wrong = post(service, "/v1/orders/lookup", {"order_number": number, "email": "mallory@example.com"})
    unknown = post(service, "/v1/orders/lookup", {"order_number": "99999", "email": ANA})
    assert wrong[0] == unknown[0] == 404 and wrong[1] == unknown[1]


def test_customer_token(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    token = service.cli("token", "42").strip()
    status, body = post(service, "/v1/orders/mine", {"customer_token": token})
    assert status == 200, body
    assert {o["number"] for o in body["orders"]} == {shop.number(shop.processing), shop.number(shop.completed)}
    status, _ = post(service, "/v1/orders/lookup", {"order_number": shop.number(shop.old), "customer_token": token})
    assert status == 404


def test_cancel_a_processing_order(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    body = {"order_number": shop.number(shop.on_hold), "email": "bo@example.com", "reason": "found it cheaper"}
    status, answer = post(service, "/v1/orders/cancel", body, key="woo-cancel")
    assert status == 200, answer
    assert answer["order"]["status"] == "cancelled" and answer["cancellation"]["previous_status"] == "pending"
    assert shop.on_hold["status"] == "cancelled"
    (note,) = shop.fake.notes[shop.on_hold["id"]]
    assert "found it cheaper" in note["note"] and note["customer_note"] is False
    puts = sum(1 for r in shop.fake.requests if r.startswith("PUT"))
    assert post(service, "/v1/orders/cancel", body, key="woo-cancel") == (200, answer)
    assert sum(1 for r in shop.fake.requests if r.startswith("PUT")) == puts


def test_a_completed_order_is_not_cancelled(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    status, body = post(service, "/v1/orders/cancel", {"order_number": shop.number(shop.completed), "email": ANA})
    assert status == 409 and body["error"]["code"] == "not_cancellable"
    assert body["error"]["details"]["order_status"] == "delivered"
    assert shop.completed["status"] == "completed"


def test_change_address(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    new = {
        "name": "Ana Lopez",
        "line1": "1 Avenida Reforma",
        "city": "Ciudad de México",
        "postcode": "06600",
        "country": "MX",
    }
    body = {"order_number": shop.number(shop.processing), "email": ANA, "address": new}
    status, answer = post(service, "/v1/orders/change-address", body)
    assert status == 200, answer
    assert answer["order"]["shipping_address"] == {"city": "Ciudad de México", "postcode": "06600", "country": "MX"}
    shipping = shop.processing["shipping"]
    assert (shipping["address_1"], shipping["postcode"], shipping["country"], shipping["first_name"]) == (
        "1 Avenida Reforma", "06600", "MX", "Ana",
    )  # fmt: skip
    status, answer = post(service, "/v1/orders/change-address", {**body, "address": {**new, "country": "DE"}})
    assert status == 409 and answer["error"]["code"] == "country_not_allowed"
    assert shop.processing["shipping"]["country"] == "MX"


def test_return_inside_the_window(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    number = shop.number(shop.completed)
    status, body = post(service, "/v1/orders/lookup", {"order_number": number, "email": ANA})
    assert status == 200 and body["order"]["status"] == "delivered" and body["order"]["return_deadline"] == "2025-04-13"
    tee, swim, gift = (i["product_id"] for i in body["order"]["items"])
    refusals = [
        ([{"product_id": gift, "quantity": 1}], False, "item_not_returnable"),
        ([{"product_id": swim, "quantity": 1}], False, "item_requires_sealed"),
    ]
    for items, sealed, code in refusals:
        status, answer = post(
            service, "/v1/orders/returns", {"order_number": number, "email": ANA, "items": items, "sealed": sealed}
        )
        assert status == 409 and answer["error"]["code"] == code
    assert shop.fake.notes[shop.completed["id"]] == []
    status, answer = post(
        service,
        "/v1/orders/returns",
        {"order_number": number, "email": ANA, "items": [{"product_id": tee, "quantity": 1}], "reason": "faded"},
    )
    assert status == 200, answer
    assert answer["return"]["items"] == [{"product_id": tee, "quantity": 1}] and answer["return"]["free_label"] is True
    (note,) = shop.fake.notes[shop.completed["id"]]
    assert note["note"].startswith(f"Return {answer['return']['id']} requested") and "faded" in note["note"]
    # The note is the record: a later lookup shows the return and the tee cannot go back twice.
    status, body = post(service, "/v1/orders/lookup", {"order_number": number, "email": ANA})
    assert [r["id"] for r in body["order"]["returns"]] == [answer["return"]["id"]]
    status, answer = post(
        service,
        "/v1/orders/returns",
        {"order_number": number, "email": ANA, "items": [{"product_id": tee, "quantity": 1}]},
    )
    assert status == 409 and answer["error"]["code"] == "quantity_exceeds_returnable"


def test_return_outside_the_window(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    status, body = post(
        service, "/v1/orders/returns", {"order_number": shop.number(shop.old), "email": "bo@example.com"}
    )
    assert status == 409 and body["error"]["code"] == "return_window_closed"
    assert body["error"]["details"]["return_deadline"] == "2025-02-05"
    assert shop.fake.notes[shop.old["id"]] == []


def test_rate_limits_and_outages(service: OrdersService, woo: tuple[Shop, str]) -> None:
    shop = woo[0]
    lookup = {"order_number": shop.number(shop.processing), "email": ANA}
    shop.fake.faults.append(
        (429, {"code": "rate_limited", "message": "Too many requests", "data": {"status": 429}}, {"Retry-After": "1"})
    )
    assert post(service, "/v1/orders/lookup", lookup)[0] == 200
    shop.fake.faults.append(
        (429, {"code": "rate_limited", "message": "Too many requests", "data": {"status": 429}}, {"Retry-After": "120"})
    )
    status, body = post(service, "/v1/orders/lookup", lookup)
    assert status == 503 and body["error"]["code"] == "order_system_busy"
    assert body["error"]["details"]["retry_after_s"] == 120
    shop.fake.faults.append(
        (500, {"code": "internal_server_error", "message": "Critical error", "data": {"status": 500}}, {})
    )
    status, body = post(service, "/v1/orders/lookup", lookup)
    assert status == 503 and body["error"]["code"] == "order_system_unavailable"


def test_platform_down_is_503(start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory) -> None:
    with _start(
        start_orders, tmp_path_factory.mktemp("woo_down"), "orders_woo_down", f"http://127.0.0.1:{free_port()}"
    ) as down:
        status, body = post(down, "/v1/orders/lookup", {"order_number": "1234", "email": ANA})
        assert status == 503 and body["error"]["code"] == "order_system_unavailable"


def test_a_limited_source_never_reaches_the_platform(
    start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory, woo: tuple[Shop, str]
) -> None:
    shop = woo[0]
    tmp = tmp_path_factory.mktemp("woo_strict")
    with _start(start_orders, tmp, "orders_woo_strict", woo[1], ORDERS_RATE_LIMIT_ATTEMPTS="2") as strict:
        guess = {"order_number": shop.number(shop.processing), "email": "guess@example.com"}
        for _ in range(2):
            assert post(strict, "/v1/orders/lookup", guess, source="test:guesser")[0] == 404
        calls = len(shop.fake.requests)
        status, body = post(strict, "/v1/orders/lookup", guess, source="test:guesser")
        assert status == 429 and body["error"]["code"] == "too_many_attempts"
        # Even the right proof waits, and WooCommerce was not asked.
        status, _ = post(strict, "/v1/orders/lookup", {**guess, "email": ANA}, source="test:guesser")
        assert status == 429 and len(shop.fake.requests) == calls
        # The owner from a source of their own gets in.
        assert post(strict, "/v1/orders/lookup", {**guess, "email": ANA}, source="test:owner")[0] == 200
