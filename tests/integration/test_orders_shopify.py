"""The orders service serving a Shopify store's orders (adapters/shopify.py) through its own HTTP contract.

The real orders service runs with a shop profile whose `orders.backend` is shopify, pointed at a local fake of
the Admin GraphQL API (tests/fakes/shopify_admin.py) on a loopback port: lookups with the shop's proofs,
cancel, address change and returns go to the fake, the policy refusals come from the shop's rule tables, and
the platform's failures become 503s.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import serve_in_thread
from tests.fakes.shopify_admin import RATE_LIMITED, ShopifyFake
from tests.integration.conftest import OrdersService, StartOrders
from tests.integration.platform_shop import NOW, write_shop
from tests.support import free_port, http_json

TOKEN = "shpat_test_0123456789abcdef"
EMAIL = "jamie@example.com"
PHONE = "+1 (217) 555-0134"
_keys = itertools.count()


def _block(domain: str, token_env: str = "SHOPIFY_ADMIN_TOKEN") -> str:
    return (
        "  backend: shopify\n"
        f'  shopify: {{shop_domain: "{domain}", api_version: "2025-01", access_token_env: {token_env},'
        " max_retry_wait_s: 2}"
    )


def _seed(fake: ShopifyFake) -> None:
    fake.add_order("#1001", email=EMAIL, phone=PHONE, customer_id=501, created_at="2025-03-28T09:00:00Z")
    delivered = {"status": "DELIVERED", "created_at": "2025-03-18T09:00:00Z", "delivered_at": "2025-03-20T15:00:00Z"}
    fake.add_order(
        "#1002",
        email=EMAIL,
        customer_id=501,
        fulfillment="FULFILLED",
        created_at="2025-03-15T09:00:00Z",
        lines=[
            {"title": "Rain jacket", "quantity": 2, "price": 80.0, "product_type": "Outerwear"},
            {"title": "Gift card $25", "quantity": 1, "price": 25.0, "product_type": "Gift Cards"},
        ],
        shipped=delivered,
    )
    fake.add_order("#1003", email="kim@example.com", created_at="2025-03-30T09:00:00Z")
    fake.add_order(
        "#1004",
        email="kim@example.com",
        fulfillment="FULFILLED",
        created_at="2025-01-02T09:00:00Z",
        shipped={"status": "DELIVERED", "created_at": "2025-01-05T09:00:00Z", "delivered_at": "2025-01-10T15:00:00Z"},
    )
    fake.add_order("#1005", email="lee@example.com", created_at="2025-03-31T09:00:00Z")
    fake.add_order("#1006", email="lee@example.com", created_at="2025-03-31T10:00:00Z")


@pytest.fixture(scope="module")
def shopify() -> Iterator[tuple[ShopifyFake, str]]:
    fake = ShopifyFake(token=TOKEN)
    _seed(fake)
    with serve_in_thread(fake.app()) as url:
        yield fake, url.removeprefix("http://")


def _start(start_orders: StartOrders, tmp: Path, name: str, domain: str, **env: str) -> Any:
    shop = write_shop(tmp / name, _block(domain), pattern=r"#?\s*(\d{4,6})", canonical="#{1}", example="#1001")
    settings = {
        "BORDERLESS_SHOP": str(shop),
        "ORDERS_RULES_DIR": str(shop / "rules"),
        "ORDERS_NOW": NOW,
        "SHOPIFY_ADMIN_TOKEN": TOKEN,
        **env,
    }
    return start_orders(name, data=(), **settings)


@pytest.fixture(scope="module")
def service(
    start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory, shopify: tuple[ShopifyFake, str]
) -> Iterator[OrdersService]:
    with _start(start_orders, tmp_path_factory.mktemp("shopify"), "orders_shopify", shopify[1]) as orders:
        yield orders


def post(service: OrdersService, path: str, body: dict[str, Any], *, key: str | None = None) -> tuple[int, Any]:
    headers = {"X-Shopper-Source": "test:shopify"}
    if path != "/v1/orders/lookup" and path != "/v1/orders/mine":
        headers["Idempotency-Key"] = key or f"k-{next(_keys)}"
    return http_json("POST", service.url + path, body, headers=headers)


def mutations(fake: ShopifyFake, name: str) -> int:
    return sum(1 for r in fake.requests if name in r.get("query", "") and r["query"].lstrip().startswith("mutation"))


# ---------- lookup and proofs ----------


def test_lookup_with_each_accepted_proof(service: OrdersService) -> None:
    for proof in ({"email": EMAIL.upper()}, {"postcode": "62701"}, {"phone": "217 555 0134"}):
        status, body = post(service, "/v1/orders/lookup", {"order_number": "1001", **proof})
        assert status == 200, (proof, body)
        order = body["order"]
        assert order["number"] == "#1001" and order["status"] == "paid"
        assert order["can_cancel"] is True and order["can_return"] is False
        assert order["items"] == [
            {"product_id": order["items"][0]["product_id"], "title": "Canvas tote", "quantity": 1, "unit_price": 40.0}
        ]
        assert order["total"] == 45.0 and order["currency"] == "USD"
        assert order["shipping_address"] == {"city": "Springfield", "postcode": "62701", "country": "US"}


def test_wrong_proof_and_unknown_number_look_the_same(service: OrdersService) -> None:
    wrong = post(service, "/v1/orders/lookup", {"order_number": "#1001", "email": "someone@example.com"})
    unknown = post(service, "/v1/orders/lookup", {"order_number": "#9999", "email": EMAIL})
    assert wrong[0] == unknown[0] == 404
    assert wrong[1] == unknown[1] and wrong[1]["error"]["code"] == "order_not_found"
    status, body = post(service, "/v1/orders/lookup", {"order_number": "BL-100245", "email": EMAIL})
    assert status == 422 and body["error"]["code"] == "invalid_order_number"


def test_delivered_order_shows_shipment_and_return_window(service: OrdersService) -> None:
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#1002", "email": EMAIL})
    assert status == 200, body
    order = body["order"]
    assert order["status"] == "delivered" and order["can_cancel"] is False and order["can_return"] is True
    assert order["return_deadline"] == "2025-04-19"
    (shipment,) = order["shipments"]
    assert shipment["carrier"] == "UPS" and shipment["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999"
    assert shipment["delivered_at"] == "2025-03-20T15:00:00Z"


def test_customer_token_opens_the_customers_orders(service: OrdersService) -> None:
    token = service.cli("token", "501").strip()
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#1002", "customer_token": token})
    assert status == 200 and body["order"]["number"] == "#1002"
    status, body = post(service, "/v1/orders/mine", {"customer_token": token})
    assert status == 200, body
    assert {o["number"] for o in body["orders"]} >= {"#1001", "#1002"}
    # Another customer's order stays closed to this token.
    status, _ = post(service, "/v1/orders/lookup", {"order_number": "#1003", "customer_token": token})
    assert status == 404


def test_bootstrap_imports_nothing_when_orders_live_on_the_platform(service: OrdersService) -> None:
    service.cli("bootstrap")
    assert http_json("GET", service.url + "/v1/products") == (200, {"products": []})
    status, health = http_json("GET", service.url + "/health")
    assert status == 200 and health["orders_backend"] == "shopify"


# ---------- changes ----------


def test_cancel_an_unfulfilled_order_once(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    fake = shopify[0]
    body = {"order_number": "#1005", "email": "lee@example.com", "reason": "ordered twice"}
    status, first = post(service, "/v1/orders/cancel", body, key="cancel-1005")
    assert status == 200, first
    assert first["order"]["status"] == "cancelled" and first["order"]["can_cancel"] is False
    assert (
        first["cancellation"]["refund"]["amount"] == 45.0
        and first["cancellation"]["refund"]["within_business_days"] == 7
    )
    assert fake.by_name("#1005")["cancelledAt"] is not None
    assert fake.by_name("#1005")["displayFinancialStatus"] == "REFUNDED"
    sent = mutations(fake, "orderCancel")
    # The same key: the stored answer, and Shopify is not asked again.
    assert post(service, "/v1/orders/cancel", body, key="cancel-1005") == (200, first)
    assert mutations(fake, "orderCancel") == sent
    status, again = post(service, "/v1/orders/lookup", {"order_number": "#1005", "email": "lee@example.com"})
    assert status == 200 and again["order"]["status"] == "cancelled"


def test_a_fulfilled_order_is_not_cancelled(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    fake = shopify[0]
    sent = mutations(fake, "orderCancel")
    status, body = post(service, "/v1/orders/cancel", {"order_number": "#1002", "email": EMAIL})
    assert status == 409, body
    assert body["error"]["code"] == "not_cancellable"
    details = body["error"]["details"]
    assert {k: v for k, v in details.items() if k != "policy"} == {
        "order_status": "delivered",
        "allowed_statuses": ["pending", "paid", "packed"],
    }
    assert details["policy"]["return_window_days"] == 30  # the rule numbers travel with every refusal
    assert fake.by_name("#1002")["cancelledAt"] is None and mutations(fake, "orderCancel") == sent


def test_change_address_before_shipment(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    fake = shopify[0]
    new = {"name": "Kim Park", "line1": "200 King St W", "city": "Toronto", "postcode": "M5H 1J9", "country": "CA"}
    status, body = post(
        service, "/v1/orders/change-address", {"order_number": "#1003", "email": "kim@example.com", "address": new}
    )
    assert status == 200, body
    assert body["address_changed"] is True
    assert body["order"]["shipping_address"] == {"city": "Toronto", "postcode": "M5H 1J9", "country": "CA"}
    address = fake.by_name("#1003")["shippingAddress"]
    assert (address["address1"], address["city"], address["zip"], address["countryCodeV2"]) == (
        "200 King St W", "Toronto", "M5H 1J9", "CA",
    )  # fmt: skip
    assert (address["firstName"], address["lastName"]) == ("Kim", "Park")
    # A country the shop does not ship to is refused by the rules; Shopify is not asked.
    status, body = post(
        service,
        "/v1/orders/change-address",
        {"order_number": "#1003", "email": "kim@example.com", "address": {**new, "country": "JP"}},
    )
    assert status == 409 and body["error"]["code"] == "country_not_allowed"
    assert fake.by_name("#1003")["shippingAddress"]["countryCodeV2"] == "CA"


def test_return_inside_the_window(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    fake = shopify[0]
    status, before = post(service, "/v1/orders/lookup", {"order_number": "#1002", "email": EMAIL})
    jacket, gift = (i["product_id"] for i in before["order"]["items"])
    # Gift cards are never returnable (the shop's rules, by the product's type).
    status, body = post(
        service,
        "/v1/orders/returns",
        {"order_number": "#1002", "email": EMAIL, "items": [{"product_id": gift, "quantity": 1}]},
    )
    assert status == 409 and body["error"]["code"] == "item_not_returnable"
    status, body = post(
        service,
        "/v1/orders/returns",
        {
            "order_number": "#1002",
            "email": EMAIL,
            "items": [{"product_id": jacket, "quantity": 1}],
            "reason": "too big",
        },
    )
    assert status == 200, body
    assert body["return"]["id"] == "#1002-R1" and body["return"]["free_label"] is True
    assert body["return"]["return_by"] == "2025-04-19"
    (ret,) = fake.by_name("#1002")["returns"]["nodes"]
    assert ret["status"] == "REQUESTED" and [
        (rl["quantity"], rl["customerNote"]) for rl in ret["returnLineItems"]["nodes"]
    ] == [(1, "too big")]
    # The return shows in the order, and only one more jacket can go back.
    status, after = post(service, "/v1/orders/lookup", {"order_number": "#1002", "email": EMAIL})
    assert [r["items"] for r in after["order"]["returns"]] == [[{"product_id": jacket, "quantity": 1}]]
    status, body = post(
        service,
        "/v1/orders/returns",
        {"order_number": "#1002", "email": EMAIL, "items": [{"product_id": jacket, "quantity": 2}]},
    )
    assert status == 409 and body["error"]["code"] == "quantity_exceeds_returnable"
    assert body["error"]["details"]["returnable"] == 1


def test_return_outside_the_window_is_refused(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    status, body = post(service, "/v1/orders/returns", {"order_number": "#1004", "email": "kim@example.com"})
    assert status == 409, body
    assert body["error"]["code"] == "return_window_closed"
    assert body["error"]["details"]["return_deadline"] == "2025-02-09"
    assert shopify[0].by_name("#1004")["returns"]["nodes"] == []


# ---------- the platform's limits and failures ----------


def test_rate_limit_with_a_short_retry_after_is_waited_out(
    service: OrdersService, shopify: tuple[ShopifyFake, str]
) -> None:
    fake = shopify[0]
    fake.faults.append((429, {"errors": RATE_LIMITED}, {"Retry-After": "0.5"}))
    fake.faults.append(("throttled", 0.3))
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#1001", "email": EMAIL})
    assert status == 200, body
    assert fake.faults == []


def test_rate_limit_with_a_long_retry_after_is_surfaced(
    service: OrdersService, shopify: tuple[ShopifyFake, str]
) -> None:
    fake = shopify[0]
    fake.faults.append((429, {"errors": RATE_LIMITED}, {"Retry-After": "30"}))
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#1001", "email": EMAIL})
    assert status == 503, body
    assert body["error"]["code"] == "order_system_busy" and body["error"]["details"]["retry_after_s"] == 30
    fake.faults.append(("throttled", 45))
    status, body = post(
        service, "/v1/orders/cancel", {"order_number": "#1006", "email": "lee@example.com"}, key="busy-1006"
    )
    assert status == 503 and body["error"]["code"] == "order_system_busy"
    # Nothing was stored under the key: the retry, once Shopify has room, cancels the order.
    status, body = post(
        service, "/v1/orders/cancel", {"order_number": "#1006", "email": "lee@example.com"}, key="busy-1006"
    )
    assert status == 200 and fake.by_name("#1006")["cancelledAt"] is not None


def test_platform_errors_become_503(service: OrdersService, shopify: tuple[ShopifyFake, str]) -> None:
    fake = shopify[0]
    fake.faults.append((503, {"errors": "Service Unavailable"}, {}))
    status, body = post(service, "/v1/orders/lookup", {"order_number": "#1001", "email": EMAIL})
    assert status == 503 and body["error"]["code"] == "order_system_unavailable"


def test_platform_down_and_bad_credentials_are_503_not_500(
    start_orders: StartOrders, tmp_path_factory: pytest.TempPathFactory, shopify: tuple[ShopifyFake, str]
) -> None:
    tmp = tmp_path_factory.mktemp("shopify_down")
    with _start(start_orders, tmp, "orders_shopify_down", f"127.0.0.1:{free_port()}") as down:
        status, body = post(down, "/v1/orders/lookup", {"order_number": "#1001", "email": EMAIL})
        assert status == 503, body
        assert body["error"] == {
            "code": "order_system_unavailable",
            "message": "The shop's order system (Shopify) is not available right now.",
            "details": {"why": "unreachable"},
        }
        status, body = post(down, "/v1/orders/cancel", {"order_number": "#1001", "email": EMAIL})
        assert status == 503
    with _start(start_orders, tmp, "orders_shopify_badkey", shopify[1], SHOPIFY_ADMIN_TOKEN="shpat_wrong") as bad:
        status, body = post(bad, "/v1/orders/lookup", {"order_number": "#1001", "email": EMAIL})
        assert status == 503 and body["error"]["details"] == {"why": "credentials refused"}
