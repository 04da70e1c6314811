"""Order changes over HTTP: cancel, address change, returns — policy rules, idempotency, rate limits.

One service per module, started on a free port with a fixed clock. Changes are one-way, so the
example shop is imported many times under shifted order numbers and every test gets a copy of its own
(`own("BL-100004")` is this test's copy of BL-100004).
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from borderless.profile import current_shop
from borderless.rules import load_rules
from tests.integration.conftest import ORDERS_EXAMPLES, StartOrders

EXAMPLES = ORDERS_EXAMPLES / "jsonl"
ANNA = "anna.devries@example.com"
BEN = "ben.smith@example.org"
CARLA = "carla@example.net"


class Shop:
    def __init__(self, base: str) -> None:
        self.base = base
        self.copy = 0

    def own(self, number: str) -> str:
        """This test's copy of an example order number."""
        return f"BL-{int(number[3:]) + 1000 * self.copy}"

    def post(self, path: str, body: Any, key: str | None = None, source: str | None = None) -> tuple[int, Any]:
        """POSTs as the shopper `source` (X-Shopper-Source; default: one source per test)."""
        if isinstance(body, dict) and str(body.get("order_number", "")).startswith("BL-1000"):
            body = {**body, "order_number": self.own(body["order_number"])}
        if key is not None:
            key = f"{self.copy}:{key}"
        headers = {"Content-Type": "application/json", "X-Shopper-Source": source or f"test:{self.copy}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def order(self, number: str, email: str) -> dict[str, Any]:
        status, body = self.post("/v1/orders/lookup", {"order_number": number, "email": email})
        assert status == 200, body
        return body["order"]


COPIES = 40


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example shop COPIES times; copy k's orders are numbered BL-1xxxxx + 1000·k."""
    out = tmp_path_factory.mktemp("copies")
    for name in ("customers.jsonl", "products.jsonl"):
        (out / name).write_text((EXAMPLES / name).read_text())
    originals = [json.loads(line) for line in (EXAMPLES / "orders.jsonl").read_text().splitlines() if line]
    with (out / "orders.jsonl").open("w") as fh:
        for k in range(COPIES):
            for order in originals:
                number = int(order["number"][3:]) + 1000 * k
                fh.write(json.dumps({**order, "number": f"BL-{number}"}) + "\n")
    return out


_next_copy = itertools.count()


@pytest.fixture(scope="module")
def service(start_orders: StartOrders, copies: Path) -> Iterator[Shop]:
    with start_orders("orders", data=[copies]) as orders:
        yield Shop(orders.url)


@pytest.fixture(scope="module")
def strict_service(start_orders: StartOrders, copies: Path) -> Iterator[Shop]:
    with start_orders("orders_strict", data=[copies], ORDERS_RATE_LIMIT_ATTEMPTS="3") as orders:
        yield Shop(orders.url)


@pytest.fixture
def shop(service: Shop) -> Shop:
    service.copy = next(_next_copy)
    assert service.copy < COPIES
    return service


@pytest.fixture
def strict_shop(strict_service: Shop) -> Shop:
    strict_service.copy = next(_next_copy)
    return strict_service


# ---------- cancellation ----------


def test_cancel_unshipped_order_once_with_refund(shop: Shop) -> None:
    body = {"order_number": "BL-100001", "email": ANNA, "reason": "changed my mind"}
    status, first = shop.post("/v1/orders/cancel", body, key="k-cancel-1")
    assert status == 200
    assert first["order"]["status"] == "cancelled" and first["order"]["can_cancel"] is False
    refund = first["cancellation"]["refund"]
    assert refund["amount"] == 129.0 and refund["currency"] == "EUR" and refund["within_business_days"] == 5
    # Same key and body: the same answer, and nothing happens twice.
    assert shop.post("/v1/orders/cancel", body, key="k-cancel-1") == (200, first)
    # Same key, different body: refused.
    status, err = shop.post("/v1/orders/cancel", {**body, "reason": "other"}, key="k-cancel-1")
    assert status == 409 and err["error"]["code"] == "idempotency_key_reused"
    # A new key sees the cancelled order and is refused by policy.
    status, err = shop.post("/v1/orders/cancel", body, key="k-cancel-2")
    assert status == 409 and err["error"]["code"] == "not_cancellable"


@pytest.mark.parametrize("number", ["BL-100003", "BL-100010", "BL-100004", "BL-100009"])
def test_shipped_delivered_or_cancelled_orders_cannot_be_cancelled(shop: Shop, number: str) -> None:
    email = BEN if number == "BL-100009" else ANNA
    before = shop.order(number, email)
    status, err = shop.post("/v1/orders/cancel", {"order_number": number, "email": email}, key=f"k-{number}")
    assert status == 409 and err["error"]["code"] == "not_cancellable"
    assert shop.order(number, email)["status"] == before["status"]


@pytest.mark.parametrize("status_name,number,email", [("packed", "BL-100002", ANNA), ("pending", "BL-100007", BEN)])
def test_pending_and_packed_orders_can_be_cancelled(shop: Shop, status_name: str, number: str, email: str) -> None:
    assert shop.order(number, email)["status"] == status_name
    status, body = shop.post("/v1/orders/cancel", {"order_number": number, "email": email}, key="k")
    assert status == 200 and body["cancellation"]["previous_status"] == status_name


def test_changes_need_proof_and_an_idempotency_key(shop: Shop) -> None:
    body = {"order_number": "BL-100001", "email": ANNA}
    status, err = shop.post("/v1/orders/cancel", body)
    assert status == 400 and err["error"]["code"] == "idempotency_key_required"
    status, err = shop.post("/v1/orders/cancel", {**body, "email": BEN}, key="k-wrong")
    assert status == 404 and err["error"]["code"] == "order_not_found"
    # The failed attempt stored nothing under its key: the right proof with the same key works.
    status, _ = shop.post("/v1/orders/cancel", body, key="k-wrong-then-right")
    assert status == 200


def test_bad_input_changes_nothing(shop: Shop) -> None:
    anna = {"email": ANNA}
    germany = {"line1": "a", "city": "b", "postcode": "1", "country": "Germany"}
    bad = [
        (b"{oops", "/v1/orders/cancel"),
        ({"order_number": "BL-100001", **anna, "reason": "x" * 5000}, "/v1/orders/cancel"),
        ({"order_number": "BL-100001", **anna, "address": {"city": "Berlin"}}, "/v1/orders/change-address"),
        ({"order_number": "BL-100001", **anna, "address": germany}, "/v1/orders/change-address"),
        (
            {"order_number": "BL-100004", **anna, "items": [{"product_id": "P0001", "quantity": 0}]},
            "/v1/orders/returns",
        ),
        (
            {"order_number": "BL-100004", **anna, "items": [{"product_id": "P0002", "quantity": 1}]},
            "/v1/orders/returns",
        ),
        ({"order_number": "BL-100004", **anna, "sealed": "maybe"}, "/v1/orders/returns"),
    ]
    for i, (body, path) in enumerate(bad):
        status, err = shop.post(path, body, key=f"bad-{i}")
        assert 400 <= status < 500 and status != 409, (path, body, status, err)
    assert shop.order("BL-100001", ANNA)["status"] == "paid"
    assert shop.order("BL-100001", ANNA)["shipping_address"]["country"] == "NL"
    assert shop.order("BL-100004", ANNA)["returns"] == []


# ---------- address change ----------

NEW_DE = {"name": "Anna de Vries", "line1": "Hauptstr. 5", "city": "Berlin", "postcode": "10115", "country": "de"}


def test_change_address_before_shipment(shop: Shop) -> None:
    body = {"order_number": "BL-100002", "postcode": "3511AB", "address": NEW_DE}
    status, res = shop.post("/v1/orders/change-address", body, key="addr-1")
    assert status == 200 and res["order"]["shipping_address"] == {
        "city": "Berlin",
        "postcode": "10115",
        "country": "DE",
    }
    assert shop.post("/v1/orders/change-address", body, key="addr-1") == (200, res)
    # The new postcode proves ownership now, and so does the one the order was placed with.
    for postcode in ("10115", "3511 AB"):
        status, _ = shop.post("/v1/orders/lookup", {"order_number": "BL-100002", "postcode": postcode})
        assert status == 200


def test_new_country_must_be_one_every_item_ships_to(shop: Shop) -> None:
    gb = {**NEW_DE, "city": "London", "postcode": "E1 6AN", "country": "GB"}
    status, err = shop.post(
        "/v1/orders/change-address", {"order_number": "BL-100002", "email": ANNA, "address": gb}, key="a"
    )
    assert status == 409 and err["error"]["code"] == "country_not_allowed"
    assert set(err["error"]["details"]["products"]) == {"P0003", "P0007"}
    # A country outside every shipping zone is refused too.
    us = {**NEW_DE, "country": "AR"}
    status, err = shop.post(
        "/v1/orders/change-address", {"order_number": "BL-100001", "email": ANNA, "address": us}, key="b"
    )
    assert status == 409 and err["error"]["code"] == "country_not_allowed"
    assert shop.order("BL-100002", ANNA)["shipping_address"]["country"] == "NL"


def test_no_address_change_after_shipment(shop: Shop) -> None:
    body = {"order_number": "BL-100003", "email": ANNA, "address": NEW_DE}
    status, err = shop.post("/v1/orders/change-address", body, key="c")
    assert status == 409 and err["error"]["code"] == "address_change_not_allowed"


# ---------- returns ----------


def test_return_inside_window_with_free_eu_label(shop: Shop) -> None:
    body = {
        "order_number": "BL-100004",
        "email": ANNA,
        "items": [{"product_id": "P0001", "quantity": 1}],
        "reason": "too big",
    }
    status, res = shop.post("/v1/orders/returns", body, key="ret-1")
    assert status == 200
    assert res["return"]["free_label"] is True and res["return"]["items"] == [{"product_id": "P0001", "quantity": 1}]
    assert res["return"]["return_by"] == "2026-03-31"
    assert shop.post("/v1/orders/returns", body, key="ret-1") == (200, res)
    assert len(shop.order("BL-100004", ANNA)["returns"]) == 1
    # The jacket was returned once already: a second return of it exceeds what was bought.
    status, err = shop.post("/v1/orders/returns", body, key="ret-2")
    assert status == 409 and err["error"]["code"] == "quantity_exceeds_returnable"


def test_gift_cards_never_and_hygiene_items_only_sealed(shop: Shop) -> None:
    base = {"order_number": "BL-100004", "email": ANNA}
    status, err = shop.post("/v1/orders/returns", {**base, "items": [{"product_id": "P0005"}]}, key="g")
    assert status == 409 and err["error"]["code"] == "item_not_returnable"
    for pid in ("P0003", "P0006"):  # beauty; swimwear
        status, err = shop.post("/v1/orders/returns", {**base, "items": [{"product_id": pid}]}, key=f"s-{pid}")
        assert status == 409 and err["error"]["code"] == "item_requires_sealed"
        status, res = shop.post(
            "/v1/orders/returns", {**base, "items": [{"product_id": pid}], "sealed": True}, key=f"ok-{pid}"
        )
        assert status == 200, res


def test_whole_order_return_skips_never_returnable_items(shop: Shop) -> None:
    status, res = shop.post(
        "/v1/orders/returns", {"order_number": "BL-100004", "email": ANNA, "sealed": True}, key="all"
    )
    assert status == 200
    assert {i["product_id"] for i in res["return"]["items"]} == {"P0001", "P0003", "P0006"}
    assert res["order"]["can_return"] is False  # nothing returnable is left


def test_return_outside_window_or_before_delivery_is_refused(shop: Shop) -> None:
    status, err = shop.post("/v1/orders/returns", {"order_number": "BL-100005", "email": ANNA}, key="late")
    assert status == 409 and err["error"]["code"] == "return_window_closed"
    # The refusal names the shop's own terms (rules/orders.yaml), so the assistant never needs a copy of them.
    terms = load_rules(current_shop().rules_dir).orders
    policy = err["error"]["details"]["policy"]
    assert policy["return_window_days"] == terms["return_window_days"]
    assert policy["refund_business_days"] == terms["refund_business_days"]
    assert shop.order("BL-100005", ANNA)["policy"] == policy
    status, err = shop.post("/v1/orders/returns", {"order_number": "BL-100003", "email": ANNA}, key="early")
    assert status == 409 and err["error"]["code"] == "return_not_allowed"
    assert err["error"]["details"]["policy"] == policy


def test_return_outside_eu_has_no_free_label(shop: Shop) -> None:
    status, res = shop.post("/v1/orders/returns", {"order_number": "BL-100008", "email": CARLA}, key="br")
    assert status == 200 and res["return"]["free_label"] is False


# ---------- rate limiting ----------


def test_failed_attempts_are_limited_per_source(strict_shop: Shop) -> None:
    for i in range(3):
        status, _ = strict_shop.post(
            "/v1/orders/lookup", {"order_number": "BL-100004", "email": f"guess{i}@example.com"}, source="ip:guesser"
        )
        assert status == 404
    status, err = strict_shop.post(
        "/v1/orders/lookup", {"order_number": "BL-100004", "email": "x@example.com"}, source="ip:guesser"
    )
    assert status == 429 and err["error"]["code"] == "too_many_attempts"
    # Once limited, even the right proof gets 429 from that source (else the answer would confirm a guess)...
    status, _ = strict_shop.post("/v1/orders/lookup", {"order_number": "BL-100004", "email": ANNA}, source="ip:guesser")
    assert status == 429
    # ...for every order, and changes are refused too.
    status, _ = strict_shop.post("/v1/orders/lookup", {"order_number": "BL-100003", "email": ANNA}, source="ip:guesser")
    assert status == 429
    status, _ = strict_shop.post(
        "/v1/orders/cancel", {"order_number": "BL-100004", "email": ANNA}, key="rl", source="ip:guesser"
    )
    assert status == 429
    # The owner, from a source of their own, is not locked out by the guesser.
    status, _ = strict_shop.post("/v1/orders/lookup", {"order_number": "BL-100004", "email": ANNA}, source="ip:owner")
    assert status == 200


def test_conversation_ids_do_not_reset_the_limit(strict_shop: Shop) -> None:
    for n, number in enumerate(("BL-200001", "BL-200002", "BL-200003")):
        body = {"order_number": number, "email": ANNA, "conversation_id": f"conv-{n}"}
        assert strict_shop.post("/v1/orders/lookup", body, source="ip:sweeper")[0] == 404
    # A fresh conversation from the same source is still limited, even for an order it never tried.
    body = {"order_number": "BL-100003", "email": ANNA, "conversation_id": "conv-fresh"}
    assert strict_shop.post("/v1/orders/lookup", body, source="ip:sweeper")[0] == 429
    assert strict_shop.post("/v1/orders/lookup", body, source="ip:elsewhere")[0] == 200


def test_concurrent_repeats_take_effect_once(shop: Shop) -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = {"order_number": "BL-100001", "email": ANNA}
    with ThreadPoolExecutor(8) as pool:
        same_key = list(pool.map(lambda _: shop.post("/v1/orders/cancel", body, key="same"), range(8)))
    assert all(r == same_key[0] for r in same_key) and same_key[0][0] == 200
    body = {"order_number": "BL-100002", "email": ANNA}
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda i: shop.post("/v1/orders/cancel", body, key=f"k{i}"), range(8)))
    assert sorted(status for status, _ in keys) == [200] + [409] * 7
