"""The same whole-assistant conversations for every example shop: switching shops is data, not code.

Each test runs once per shop in shops/ (the demo shop Lumen Goods and Kettle & Crane: other currency,
order-number format, languages, return window, countries and policies). Nothing here names a shop's facts:
order numbers, emails, windows, URLs and products are read from the shop's profile, rule tables and data,
so a test passes only when the assistant takes them from the same places.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from borderless.profile import iter_shops, load_shop
from borderless.rules import Rules, load_rules
from tests.integration.conftest import DEMO_SHOP, Assistant, running_assistant
from tests.support import http_json

pytestmark = pytest.mark.e2e

SHOPS = [path.name for path in iter_shops()]


@pytest.fixture(scope="module", params=SHOPS)
def shop_assistant(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    shop = load_shop(request.param)
    if shop.id == DEMO_SHOP.id:
        yield request.getfixturevalue("assistant")  # the session's demo assistant, already running
        return
    with running_assistant(tmp_path_factory.mktemp(f"assistant-{shop.id}"), shop) as running:
        yield running


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def new_sender() -> str:
    return f"shop-e2e-{uuid.uuid4().hex[:12]}"


def orders(assistant: Assistant) -> list[dict[str, Any]]:
    path = assistant.shop.data_dir / "orders.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rules(assistant: Assistant) -> Rules:
    return load_rules(assistant.shop.rules_dir)


def shop_now(assistant: Assistant) -> datetime:
    manifest = json.loads((assistant.shop.data_dir / "manifest.json").read_text())
    return datetime.fromisoformat(str(manifest["now"]))


def order_where(assistant: Assistant, want: Any) -> dict[str, Any]:
    for order in orders(assistant):
        if order.get("email") and want(order):
            return order
    raise AssertionError(f"{assistant.shop.id} has no order for this test")


def server_order(assistant: Assistant, order: dict[str, Any]) -> dict[str, Any]:
    status, body = http_json(
        "POST", f"{assistant.orders_url}/v1/orders/lookup", {"order_number": order["number"], "email": order["email"]}
    )
    assert status == 200, body
    return dict(body["order"])


def test_the_greeting_names_the_shop(shop_assistant: Assistant) -> None:
    assert shop_assistant.shop.name in texts(shop_assistant.say(new_sender(), "hello"))


def test_tracking_an_order_with_proof_of_ownership(shop_assistant: Assistant) -> None:
    order = order_where(shop_assistant, lambda o: o["status"] in ("shipped", "in_transit") and o.get("shipments"))
    sender = new_sender()
    first = texts(shop_assistant.say(sender, f"where is my order {order['number']}?"))
    assert "email" in first.lower()
    reply = texts(shop_assistant.say(sender, order["email"]))
    assert order["number"] in reply
    tracking = order["shipments"][0].get("tracking_number")
    if tracking:  # a Shopify order export carries no tracking numbers
        assert tracking in reply
    label = rules(shop_assistant).status_label(order["status"])
    assert label.split(",")[0] in reply, reply


def test_a_policy_question_is_answered_from_the_shops_own_article_with_its_source(shop_assistant: Assistant) -> None:
    window = rules(shop_assistant).orders["return_window_days"]
    replies = shop_assistant.say(new_sender(), "how many days do I have to return something?")
    reply = texts(replies)
    assert re.search(rf"\b{window}\b", reply), reply
    assert shop_assistant.shop.website in json.dumps(replies)


def test_cancelling_an_order_that_has_not_shipped(shop_assistant: Assistant) -> None:
    cancellable = rules(shop_assistant).orders["cancellable_statuses"]
    order = order_where(shop_assistant, lambda o: o["status"] in cancellable)
    sender = new_sender()
    shop_assistant.say(sender, f"please cancel order {order['number']}")
    confirm = texts(shop_assistant.say(sender, order["email"]))
    assert order["number"] in confirm
    shop_assistant.say(sender, "yes")
    assert server_order(shop_assistant, order)["status"] == "cancelled"


def test_a_return_outside_the_window_is_refused_citing_the_shops_window(shop_assistant: Assistant) -> None:
    window = int(rules(shop_assistant).orders["return_window_days"])
    too_old = shop_now(shop_assistant) - timedelta(days=window + 5)

    def delivered_long_ago(order: dict[str, Any]) -> bool:
        delivered = [s.get("delivered_at") for s in order.get("shipments") or [] if s.get("delivered_at")]
        return order["status"] == "delivered" and bool(delivered) and datetime.fromisoformat(delivered[-1]) < too_old

    order = order_where(shop_assistant, delivered_long_ago)
    sender = new_sender()
    shop_assistant.say(sender, f"I want to return order {order['number']}")
    reply = texts(shop_assistant.say(sender, order["email"]))
    assert re.search(rf"\b{window}\b", reply), reply
    assert server_order(shop_assistant, order)["status"] == "delivered"


def test_a_recommendation_comes_from_the_shops_catalog(shop_assistant: Assistant) -> None:
    catalog = [
        json.loads(line)
        for line in (shop_assistant.shop.data_dir / "products.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    in_stock = [p for p in catalog if int(p.get("stock") or 0) > 0 and (p.get("attributes") or {}).get("type")]
    kind = str(in_stock[0]["attributes"]["type"])
    replies = shop_assistant.say(new_sender(), f"can you recommend a {kind}?")
    cards = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "product_cards"]
    assert cards and cards[0]["products"], replies
    ids = {p["id"] for p in catalog}
    assert all(p["id"] in ids for p in cards[0]["products"])
    assert all(p["currency"] == shop_assistant.shop.currencies.base for p in cards[0]["products"])


def test_asking_for_a_person_gives_the_shops_own_contact(shop_assistant: Assistant) -> None:
    reply = texts(shop_assistant.say(new_sender(), "I want to talk to a real person"))
    assert shop_assistant.shop.contact.email in reply
