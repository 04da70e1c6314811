"""Phone numbers as proof of ownership in the builtin store, for a shop whose profile accepts them: the imported
order's phone opens it (with or without country or trunk prefix), a shop that does not accept phones ignores
them, and the number the order was placed with still works after an address change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import OrdersService, StartOrders
from tests.integration.platform_shop import NOW, write_shop
from tests.support import http_json

ORDER = {
    "number": "#4001",
    "customer_id": "C-1",
    "email": "pat@example.com",
    "phone": "+1 (503) 555-0142",
    "placed_at": "2025-03-30T10:00:00Z",
    "status": "paid",
    "currency": "USD",
    "items": [{"product_id": "P-1", "title": "Mug", "quantity": 1, "unit_price": 12.0}],
    "shipping_address": {
        "name": "Pat Lee",
        "line1": "9 Elm St",
        "city": "Portland",
        "postcode": "97201",
        "country": "US",
    },
}


def _shop(tmp: Path, proofs: str) -> tuple[Path, Path]:
    shop = write_shop(tmp / "shop", "  backend: builtin", pattern=r"#?\s*(\d{4})", canonical="#{1}", example="#4001")
    text = (shop / "shop.yml").read_text().replace("proofs: [email, postcode, phone]", f"proofs: [{proofs}]")
    (shop / "shop.yml").write_text(text)
    data = tmp / "data"
    data.mkdir()
    (data / "customers.jsonl").write_text(json.dumps({"id": "C-1", "email": "pat@example.com"}) + "\n")
    product = {"id": "P-1", "title": "Mug", "price": 12.0, "currency": "USD", "ships_to": ["US", "CA"]}
    (data / "products.jsonl").write_text(json.dumps(product) + "\n")
    (data / "orders.jsonl").write_text(json.dumps(ORDER) + "\n")
    return shop, data


def _start(start_orders: StartOrders, tmp: Path, name: str, proofs: str) -> Any:
    shop, data = _shop(tmp, proofs)
    return start_orders(
        name, data=[data], BORDERLESS_SHOP=str(shop), ORDERS_RULES_DIR=str(shop / "rules"), ORDERS_NOW=NOW
    )


@pytest.fixture(scope="module")
def service(start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrdersService]:
    with _start(start_orders, tmp_path_factory.mktemp("phone"), "orders_phone", "email, phone") as orders:
        yield orders


def post(service: OrdersService, path: str, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    headers = {"X-Shopper-Source": "test:phone", **({"Idempotency-Key": key} if key else {})}
    return http_json("POST", service.url + path, body, headers=headers)


def test_the_orders_phone_proves_ownership(service: OrdersService) -> None:
    for phone in ("+1 503 555 0142", "(503) 555-0142", "001-503-555-0142"):
        status, body = post(service, "/v1/orders/lookup", {"order_number": "4001", "phone": phone})
        assert status == 200, (phone, body)
        assert body["order"]["number"] == "#4001" and "phone" not in body["order"]["shipping_address"]
    status, body = post(service, "/v1/orders/lookup", {"order_number": "4001", "phone": "503 555 0143"})
    assert status == 404 and body["error"]["code"] == "order_not_found"


def test_a_proof_the_shop_does_not_accept_is_ignored(service: OrdersService) -> None:
    status, body = post(service, "/v1/orders/lookup", {"order_number": "4001", "postcode": "97201"})
    assert status == 422 and body["error"]["code"] == "proof_required"
    assert body["error"]["details"]["accepted_proofs"] == ["email", "phone"]


def test_the_phone_survives_an_address_change(service: OrdersService) -> None:
    new = {"name": "Pat Lee", "line1": "1 Bay St", "city": "Toronto", "postcode": "M5J 2N8", "country": "CA"}
    status, body = post(
        service,
        "/v1/orders/change-address",
        {"order_number": "#4001", "email": "pat@example.com", "address": new},
        key="a1",
    )
    assert status == 200, body
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#4001", "phone": "5035550142"})
    assert status == 200 and body["order"]["shipping_address"]["country"] == "CA"


def test_a_shop_without_phone_proofs_ignores_phones(
    start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _start(start_orders, tmp_path_factory.mktemp("nophone"), "orders_nophone", "email, postcode") as orders:
        status, body = post(orders, "/v1/orders/lookup", {"order_number": "4001", "phone": "+1 503 555 0142"})
        assert status == 422 and body["error"]["code"] == "proof_required"
        status, _ = post(orders, "/v1/orders/lookup", {"order_number": "4001", "postcode": "97201"})
        assert status == 200
