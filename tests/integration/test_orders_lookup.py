"""Orders service over HTTP: import, order lookup, proof of ownership and its attack surface.

The service runs as a real process on a free loopback port with the example shop of
backends/orders/examples and a fixed clock (ORDERS_NOW) that the example dates are written against.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ORDERS_EXAMPLES, ORDERS_TOKEN_SECRET, StartOrders, orders_env
from tests.support import REPO_ROOT, free_port, python_module

ANNA = "anna.devries@example.com"


def call(base: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(
        base + path, data=data, method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def service(start_orders: StartOrders) -> Iterator[str]:
    with start_orders() as orders:
        yield orders.url


def lookup(base: str, **body: Any) -> tuple[int, Any]:
    return call(base, "/v1/orders/lookup", body)


def test_lookup_returns_the_contract_shape(service: str) -> None:
    status, body = lookup(service, order_number="BL-100003", email=ANNA)
    assert status == 200
    order = body["order"]
    assert order["number"] == "BL-100003"
    assert order["status"] == "in_transit" and order["status_label"]
    assert order["items"] == [
        {"product_id": "P0002", "title": "Ridge Hiking Boots", "quantity": 1, "unit_price": 149.95}
    ]
    assert order["currency"] == "EUR" and order["total"] == pytest.approx(149.95)
    assert order["shipping_address"] == {"city": "Utrecht", "postcode": "3511 AB", "country": "NL"}
    assert order["estimated_delivery"] == "2026-03-16"
    (shipment,) = order["shipments"]
    assert shipment["carrier"] == "PostNL" and shipment["tracking_number"] == "3SLUM0000003"
    assert "3SLUM0000003" in shipment["tracking_url"]
    assert shipment["latest_event"]["status"] == "in_transit"
    assert [e["status"] for e in shipment["events"]] == ["shipped", "in_transit"]
    assert order["can_cancel"] is False and order["can_change_address"] is False
    assert order["can_return"] is False and order["return_deadline"] is None


def test_policy_flags_follow_the_facts_page(service: str) -> None:
    paid = lookup(service, order_number="BL-100001", email=ANNA)[1]["order"]
    assert paid["can_cancel"] and paid["can_change_address"] and not paid["can_return"]
    assert paid["estimated_delivery"]  # not shipped yet: computed from the zone's transit time
    delivered = lookup(service, order_number="BL-100004", email=ANNA)[1]["order"]
    assert delivered["can_return"] and delivered["return_deadline"] == "2026-03-31"
    assert not delivered["can_cancel"]
    old = lookup(service, order_number="BL-100005", email=ANNA)[1]["order"]
    assert old["can_return"] is False and old["return_deadline"] == "2026-02-07"


@pytest.mark.parametrize(
    "number,proof",
    [
        ("bl 100004", {"email": ANNA}),
        ("  BL-100004\t", {"email": "  Anna.DeVries@Example.COM "}),
        ("bl100004", {"postcode": "3511ab"}),
        ("BL_100004", {"postcode": " 3511 AB "}),
        ("#BL-100004", {"email": ANNA}),
    ],
)
def test_number_email_and_postcode_are_normalised(service: str, number: str, proof: dict[str, str]) -> None:
    status, body = lookup(service, order_number=number, **proof)
    assert status == 200 and body["order"]["number"] == "BL-100004"


NOT_FOUND = {"error": {"code": "order_not_found", "message": "No order matches that order number and those details."}}


@pytest.mark.parametrize(
    "body",
    [
        {"order_number": "BL-100006", "email": ANNA},  # another customer's order with my email
        {"order_number": "BL-100004", "email": "ben.smith@example.org"},  # swapped email
        {"order_number": "BL-100004", "postcode": "SW1A 1AA"},  # another customer's postcode
        {"order_number": "BL-999999", "email": ANNA},  # unknown number
        {"order_number": "BL-100011", "email": ANNA},  # guessed next number
        {"order_number": "BL-100004", "email": "anna.devries@example"},  # partial email
        {"order_number": "BL-100004", "email": "devries@example.com"},  # suffix of the email
        {"order_number": "BL-100004", "postcode": "3511"},  # partial postcode
        {"order_number": "BL-100004", "email": "' OR '1'='1"},  # SQL-ish
        {"order_number": "BL-100004", "email": "anna.devries@example.com' --"},  # SQL comment
        {"order_number": "BL-100004", "email": "%"},  # LIKE wildcard
        {"order_number": "BL-100004", "postcode": "*"},
        {"order_number": "BL-100004", "email": "anna.devries@example.com\u200b"},  # zero-width space
        {"order_number": "BL-100004", "email": "x@y.z", "postcode": "0000"},  # two wrong proofs
        {"order_number": "BL-100004", "customer_token": None, "email": ""},  # empty proof is not a proof
    ],
)
def test_wrong_or_hostile_proofs_reveal_nothing(service: str, body: dict[str, Any]) -> None:
    status, answer = lookup(service, **body)
    if not (body.get("email") or body.get("postcode") or body.get("customer_token")):
        assert status == 422 and answer["error"]["code"] == "proof_required"
        return
    assert status == 404
    assert answer == NOT_FOUND


@pytest.mark.parametrize(
    "number",
    [
        "BL-10004",
        "BL-1000040",
        "BL-100004' OR 1=1 --",
        "100004",
        "BL-10000%",
        "BL-1000_4",
        "",
        "BL-100004-1",
        "XBL-100004",
    ],
)
def test_malformed_or_partial_numbers_never_match(service: str, number: str) -> None:
    status, answer = lookup(service, order_number=number, email=ANNA)
    assert status == 422
    assert "order" not in answer


def test_unknown_and_wrong_pair_bodies_are_identical(service: str) -> None:
    a = lookup(service, order_number="BL-100004", email="nobody@example.com")
    b = lookup(service, order_number="BL-555555", email="nobody@example.com")
    assert a == b == (404, NOT_FOUND)


def test_invalid_input_is_422_not_500(service: str) -> None:
    for body in (
        {"order_number": 100004, "email": ANNA},
        {"email": ANNA},
        {"order_number": "BL-100004", "email": ["a"]},
        {"order_number": "BL-100004", "email": "a" * 1000},
        [1, 2],
    ):
        status, answer = call(service, "/v1/orders/lookup", body)
        assert status == 422, body
        assert answer["error"]["code"] in ("invalid_request", "proof_required")
    status, answer = call(service, "/v1/orders/lookup", b"{not json")
    assert status == 400 and answer["error"]["code"] == "malformed_json"


def test_signed_customer_token_proves_ownership(service: str, tmp_path: Path) -> None:
    env = {**__import__("os").environ, "ORDERS_TOKEN_SECRET": ORDERS_TOKEN_SECRET, "BORDERLESS_VAR": str(tmp_path)}
    token = subprocess.run(
        python_module("backends.orders", "token", "C0002"), cwd=REPO_ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    status, body = lookup(service, order_number="BL-100006", customer_token=token)
    assert status == 200 and body["order"]["number"] == "BL-100006"
    # The same token opens none of another customer's orders.
    assert lookup(service, order_number="BL-100004", customer_token=token) == (404, NOT_FOUND)
    status, mine = call(service, "/v1/orders/mine", {"customer_token": token})
    assert status == 200 and {o["number"] for o in mine["orders"]} == {"BL-100006", "BL-100007", "BL-100009"}
    # Tampered tokens are refused without saying anything about the order.
    head, payload, sig = token.split(".")
    forged = f"{head}.{payload}.{sig[:-2]}AA"
    status, answer = lookup(service, order_number="BL-100006", customer_token=forged)
    assert status == 401 and answer["error"]["code"] == "invalid_token"


async def test_orders_client_against_the_real_service(service: str) -> None:
    from clients.orders import OrderNotFound
    from tests.support import service_clients

    async with service_clients(orders=service) as holder:
        client = holder.orders()
        order = await client.lookup("bl 100006", postcode="sw1a 1aa", conversation_id="client-test")
        assert order["number"] == "BL-100006" and order["shipments"][0]["carrier"] == "DHL Express"
        with pytest.raises(OrderNotFound):
            await client.lookup("BL-100006", email=ANNA, conversation_id="client-test")
        product = await client.product("P0002", currency="USD")
        assert product["display_price"]["currency"] == "USD"


def test_bootstrap_imports_only_into_an_empty_database(tmp_path: Path) -> None:
    import os

    env = {
        **os.environ,
        **orders_env(tmp_path, free_port()),
        "ORDERS_DEMO_DIR": str(ORDERS_EXAMPLES / "jsonl"),
    }
    first = subprocess.run(
        python_module("backends.orders", "bootstrap"), cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0 and "10 new" in first.stderr
    second = subprocess.run(
        python_module("backends.orders", "bootstrap"), cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert second.returncode == 0 and "already holds 10 orders" in second.stderr


def test_import_rejects_a_bad_file_and_writes_nothing(tmp_path: Path) -> None:
    import os

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "orders.jsonl").write_text(
        (ORDERS_EXAMPLES / "jsonl" / "orders.jsonl").read_text() + '{"number": "BL-1", "status": "paid"}\n'
    )
    env = {**os.environ, **orders_env(tmp_path, free_port())}
    result = subprocess.run(
        python_module("backends.orders", "import", "--from", str(bad)), cwd=REPO_ROOT, env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2 and "orders.jsonl:11" in result.stderr
    assert not (tmp_path / "orders.db").exists()


def test_openapi_document_lists_every_route(service: str) -> None:
    status, doc = call(service, "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    assert {
        "/v1/orders/lookup", "/v1/orders/mine", "/v1/orders/cancel", "/v1/orders/change-address",
        "/v1/orders/returns", "/v1/quotes/landed-cost", "/v1/products", "/v1/products/{product_id}",
    } <= set(doc["paths"])  # fmt: skip


def test_products_and_quote_endpoints(service: str) -> None:
    status, body = call(service, "/v1/products?ids=P0001,P0404,P0003&currency=CHF")
    assert status == 200 and [p["id"] for p in body["products"]] == ["P0001", "P0003"] and body["missing"] == ["P0404"]
    assert body["products"][0]["display_price"]["currency"] == "CHF"
    assert call(service, "/v1/products/P0404")[0] == 404
    status, quote = call(
        service, "/v1/quotes/landed-cost", {"items": [{"product_id": "P0002", "quantity": 2}], "country": "us"}
    )
    assert status == 200 and quote["currency"] == "USD" and quote["zone"] == "North America"
    assert quote["total"] == pytest.approx(
        quote["goods"] + quote["shipping"] + quote["duties"] + quote["vat"], abs=0.01
    )
    status, err = call(service, "/v1/quotes/landed-cost", {"items": [{"product_id": "P0003"}], "country": "US"})
    assert status == 409 and err["error"]["code"] == "not_shippable"
    assert call(service, "/v1/quotes/landed-cost", {"items": [], "country": "US"})[0] == 422
    assert call(service, "/v1/quotes/landed-cost", {"items": [{"product_id": "P9"}], "country": "US"})[0] == 422


HOSTILE_VALUES: list[Any] = [
    None, 0, -1, 1e308, True, "", " ", "\x00", "💥" * 50, "' OR 1=1 --", "%", "*", "../../etc/passwd",
    "a" * 5000, [], {}, [{"x": 1}], {"$ne": 1},
]  # fmt: skip


@pytest.mark.parametrize(
    "path,template",
    [
        ("/v1/orders/lookup", {"order_number": "BL-100004", "email": ANNA}),
        ("/v1/orders/mine", {"customer_token": "x"}),
        ("/v1/orders/cancel", {"order_number": "BL-100001", "email": ANNA}),
        ("/v1/orders/change-address", {"order_number": "BL-100001", "email": ANNA, "address": {"line1": "a"}}),
        ("/v1/orders/returns", {"order_number": "BL-100004", "email": ANNA, "items": [{"product_id": "P0001"}]}),
        ("/v1/quotes/landed-cost", {"items": [{"product_id": "P0001", "quantity": 1}], "country": "GB"}),
    ],
)
def test_no_hostile_value_in_any_field_causes_a_5xx(service: str, path: str, template: dict[str, Any]) -> None:
    for field in template:
        for value in HOSTILE_VALUES:
            status, body = call(service, path, {**template, field: value}, {"Idempotency-Key": f"fuzz-{field}"})
            assert status < 500, (path, field, value, body)
            assert "error" in body or status == 200
    for raw in (b"null", b"[]", b'"x"', b"1", b"{", b"\xff\xfe"):
        status, _ = call(service, path, raw)
        assert 400 <= status < 500
    # Nothing the fuzzing sent changed the orders it named.
    assert lookup(service, order_number="BL-100001", email=ANNA)[1]["order"]["status"] == "paid"
    assert lookup(service, order_number="BL-100004", email=ANNA)[1]["order"]["returns"] == []


def test_product_paths_and_queries_never_5xx(service: str) -> None:
    paths = [
        "/v1/products/%00",
        "/v1/products/" + "x" * 500,
        "/v1/products?ids=" + ",".join(["P1"] * 300),
        "/v1/products?ids=",
        "/v1/products?limit=abc",
        "/v1/products?currency=ZZZ",
        "/v1/products?offset=-5",
    ]
    for path in paths:
        status, body = call(service, path)
        assert status < 500 and ("error" in body or status == 200), (path, body)
