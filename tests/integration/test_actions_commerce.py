"""Order changes and delivered-price quotes through the actions' run(), against real services.

The orders service runs as a real process on a free loopback port with the example shop of
backends/orders/examples and the clock those examples are written against. Each test owns the orders
it changes (changes are one-way). Customer tokens are minted with the service's own CLI and secret.
The quote test also starts the recommender (TF-IDF, a small generated shop imported into both services).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.landed_cost import ActionLandedCost
from actions.order_changes import (
    ActionExecuteOrderChange,
    ActionPrepareAddressChange,
    ActionPrepareCancel,
    ActionPrepareReturn,
)
from borderless.profile import current_shop
from borderless.rules import load_rules
from clients.registry import close_process_clients
from tests.integration.conftest import GenerateShop, OrdersService, StartOrders, StartRecommender
from tests.support import run_action as run
from tests.support import service_clients, texts

ANNA = "anna.devries@example.com"
BEN = "ben.smith@example.org"


@pytest.fixture(scope="module")
def orders_service(start_orders: StartOrders) -> Iterator[OrdersService]:
    with start_orders("orders_actions") as service:
        yield service


@pytest.fixture
def orders_url(orders_service: OrdersService, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ORDERS_URL", orders_service.url)
    return orders_service.url


def mint_token(orders_service: OrdersService, customer_id: str) -> str:
    return orders_service.cli("token", customer_id).strip().splitlines()[-1]


def tracker(
    sender: str,
    slots: dict[str, Any],
    *,
    text: str = "yes",
    token: str | None = None,
    last_action: str | None = None,
) -> Tracker:
    metadata = {"customer_token": token} if token else {}
    # As in a real tracker, each slot was set by an event (just now): an email proves only while fresh.
    now = time.time()
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": k, "value": v, "timestamp": now} for k, v in slots.items()
    ]
    if last_action:
        events.append({"event": "action", "name": last_action})
    events.append({"event": "user", "text": text, "metadata": metadata})
    return Tracker(
        sender_id=sender,
        slots=slots,
        latest_message={"text": text, "intent": {"name": "affirm"}, "entities": [], "metadata": metadata},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def _prepare_then_confirm(
    prepare: Any, sender: str, slots: dict[str, Any], token: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs action_prepare_*, then answers "yes" with action_execute_order_change."""
    ask = CollectingDispatcher()
    asked = await prepare.run(ask, tracker(sender, slots, text="cancel", token=token), {})
    execute = ActionExecuteOrderChange()
    done = CollectingDispatcher()
    answered = await execute.run(
        done, tracker(sender, {**slots, **slots_of(asked)}, token=token, last_action=prepare.name()), {}
    )
    await close_process_clients()
    return ask.messages, done.messages, answered


async def lookup(url: str, number: str, email: str) -> dict[str, Any]:
    async with service_clients(orders=url) as holder:
        return await holder.orders().lookup(number, email=email)


# ---------- success ----------


async def test_cancel_asks_first_then_cancels_and_states_the_refund(orders_url: str) -> None:
    asked, done, events = await _prepare_then_confirm(
        ActionPrepareCancel(), "conv-cancel", {"order_number": "BL-100001", "email": ANNA}
    )
    assert texts(asked).startswith("Cancel order BL-100001 (€129.00): 1 × ")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert "Done: order BL-100001 is cancelled" in texts(done) and "€129.00" in texts(done)
    assert slots_of(events)["order_change_pending"] is None
    assert (await lookup(orders_url, "BL-100001", ANNA))["status"] == "cancelled"


async def test_return_inside_the_window_opens_a_return_with_a_free_eu_label(orders_url: str) -> None:
    asked, done, _ = await _prepare_then_confirm(
        ActionPrepareReturn(), "conv-return", {"order_number": "BL-100004", "email": ANNA}
    )
    assert texts(asked).startswith("Start a return for order BL-100004")
    assert "hygiene seal" in texts(asked)
    assert "is open for order BL-100004" in texts(done) and "The return label is free." in texts(done)
    assert "Trail Rain Jacket" in texts(done) and "Gift Card" not in texts(done)
    assert len((await lookup(orders_url, "BL-100004", ANNA))["returns"]) == 1


# ---------- proof: token, wrong proof ----------


async def test_a_logged_in_shopper_changes_the_address_with_the_token_alone(
    orders_url: str, orders_service: OrdersService
) -> None:
    token = mint_token(orders_service, "C0001")
    new = {"name": "Anna de Vries", "line1": "Hauptstr. 5", "city": "Berlin", "postcode": "10115", "country": "DE"}
    asked, done, _ = await _prepare_then_confirm(
        ActionPrepareAddressChange(), "conv-addr", {"order_number": "BL-100002", "new_address": new}, token=token
    )
    assert "to: Anna de Vries, Hauptstr. 5, 10115 Berlin, Germany? Yes or no?" in texts(asked)
    assert "will now be delivered to 10115 Berlin, Germany" in texts(done)
    assert (await lookup(orders_url, "BL-100002", ANNA))["shipping_address"]["city"] == "Berlin"


async def test_a_token_of_another_customer_proves_nothing(orders_url: str, orders_service: OrdersService) -> None:
    token = mint_token(orders_service, "C0001")  # Anna's token; BL-100007 is Ben's
    dispatcher = CollectingDispatcher()
    events = await run(
        ActionPrepareCancel(), dispatcher, tracker("conv-token-other", {"order_number": "BL-100007"}, token=token)
    )
    assert "couldn't find an order BL-100007 for your account" in texts(dispatcher.messages)
    assert slots_of(events)["order_number"] is None
    assert (await lookup(orders_url, "BL-100007", BEN))["status"] == "pending"


async def test_a_wrong_email_changes_nothing_and_reveals_nothing(orders_url: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await run(
        ActionPrepareCancel(), dispatcher, tracker("conv-wrong", {"order_number": "BL-100007", "email": ANNA})
    )
    text = texts(dispatcher.messages)
    assert "couldn't find an order BL-100007 for that email address" in text and "haven't changed anything" in text
    assert "pending" not in text.lower() and "Ben" not in text
    assert slots_of(events) == {
        "order_number": None,
        "email": None,
        "verified_proof": None,
        "order_change_pending": None,
        "order_change": None,
        "order_change_id": None,
        "new_address": None,
    }


# ---------- refusals ----------


async def test_a_shipped_order_is_not_cancellable_and_the_rule_is_explained(orders_url: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await run(
        ActionPrepareCancel(), dispatcher, tracker("conv-shipped", {"order_number": "BL-100003", "email": ANNA})
    )
    text = texts(dispatcher.messages)
    window = load_rules(current_shop().rules_dir).orders["return_window_days"]  # as the orders service states it
    assert "already shipped, so it can't be cancelled" in text and f"{window} days of delivery" in text
    assert "Nothing was changed" in text
    assert slots_of(events).get("order_change_pending") is None
    assert (await lookup(orders_url, "BL-100003", ANNA))["status"] == "in_transit"


async def test_a_late_return_is_refused_with_the_closing_date(orders_url: str) -> None:
    dispatcher = CollectingDispatcher()
    await run(ActionPrepareReturn(), dispatcher, tracker("conv-late", {"order_number": "BL-100005", "email": ANNA}))
    text = texts(dispatcher.messages)
    window = load_rules(current_shop().rules_dir).orders["return_window_days"]
    assert f"within {window} days of delivery" in text and "closed on Sat 07 Feb 2026" in text


async def test_an_address_in_a_country_the_items_do_not_ship_to_is_refused_before_asking(orders_url: str) -> None:
    london = {"name": "A", "line1": "1 High St", "city": "London", "postcode": "E1 6AN", "country": "GB"}
    dispatcher = CollectingDispatcher()
    await run(
        ActionPrepareAddressChange(),
        dispatcher,
        tracker("conv-gb", {"order_number": "BL-100002", "email": ANNA, "new_address": london}),
    )
    text = texts(dispatcher.messages)
    assert "can't be shipped to the United Kingdom" in text and "Compact Camping Stove" in text
    assert "Yes or no" not in text


async def test_a_refusal_at_the_last_moment_is_reported_as_nothing_changed(orders_url: str) -> None:
    # Asked while pending; another channel cancels it before the shopper says yes.
    slots = {
        "order_number": "BL-100010",
        "email": ANNA,
        "order_change": "cancel",
        "order_change_id": "q-race",
        "order_change_pending": True,
    }
    dispatcher = CollectingDispatcher()
    await run(ActionExecuteOrderChange(), dispatcher, tracker("conv-race", slots, last_action="action_prepare_cancel"))
    text = texts(dispatcher.messages)
    assert "can't be cancelled" in text and "Nothing was changed" in text


# ---------- idempotency ----------


async def test_a_retried_yes_never_acts_twice(orders_url: str) -> None:
    slots = {"order_number": "BL-100007", "email": BEN}
    asked = await run(ActionPrepareCancel(), CollectingDispatcher(), tracker("conv-retry", slots, text="cancel"))
    # The "yes" to that question, as the tracker holds it then: the email used, the order verified.
    yes = tracker("conv-retry", {**slots, **slots_of(asked)}, last_action="action_prepare_cancel")
    first = CollectingDispatcher()
    await run(ActionExecuteOrderChange(), first, yes)
    assert "Done: order BL-100007 is cancelled" in texts(first.messages)
    # The same confirmation arrives again (a retried webhook, a double click): same key, same answer.
    again = CollectingDispatcher()
    await run(ActionExecuteOrderChange(), again, yes)
    assert texts(again.messages) == texts(first.messages)
    # The order was cancelled once: a new request in another conversation is refused by policy.
    fresh = CollectingDispatcher()
    await run(ActionPrepareCancel(), fresh, tracker("conv-other", slots))
    assert "already cancelled" in texts(fresh.messages)


async def test_an_address_changed_back_ends_at_the_address_asked_for_last(start_orders: StartOrders) -> None:
    """A -> B -> A: each question is its own change; the third must not replay the first's "done"."""
    with start_orders("orders_aba") as service:
        utrecht = {
            "name": "Anna de Vries",
            "line1": "Oudegracht 1",
            "city": "Utrecht",
            "postcode": "3511 AA",
            "country": "NL",
        }
        berlin = {
            "name": "Anna de Vries",
            "line1": "Hauptstr. 5",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
        }
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ORDERS_URL", service.url)
            for address in (berlin, utrecht, berlin, utrecht):
                slots = {"order_number": "BL-100002", "email": ANNA, "new_address": address}
                _, done, _ = await _prepare_then_confirm(ActionPrepareAddressChange(), "conv-aba", slots)
                assert f"will now be delivered to {address['postcode']} {address['city']}" in texts(done)
                assert (await lookup(service.url, "BL-100002", ANNA))["shipping_address"]["city"] == address["city"]


async def test_a_yes_that_answers_something_else_asks_again(orders_url: str) -> None:
    slots = {"order_number": "BL-100006", "email": BEN, "order_change": "cancel", "order_change_pending": True}
    dispatcher = CollectingDispatcher()
    await run(
        ActionExecuteOrderChange(), dispatcher, tracker("conv-stale", slots, last_action="action_answer_question")
    )
    # BL-100006 is in transit: asking again means explaining the rule, not cancelling.
    assert "already shipped" in texts(dispatcher.messages)
    assert (await lookup(orders_url, "BL-100006", BEN))["status"] == "in_transit"


# ---------- landed cost ----------


@pytest.fixture(scope="module")
def quote_services(
    generate_shop: GenerateShop, start_orders: StartOrders, start_recommender: StartRecommender
) -> Iterator[tuple[str, str, Path]]:
    """Orders and recommender on one small generated shop."""
    shop = generate_shop("quote", products=60, customers=30, orders=60)
    with start_orders("quote_orders", data=[shop]) as orders, start_recommender(shop, "quote_rec") as recommender:
        yield orders.url, recommender.url, shop


@pytest.fixture
async def quoting(
    quote_services: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ActionLandedCost]:
    monkeypatch.setenv("ORDERS_URL", quote_services[0])
    monkeypatch.setenv("RECOMMENDER_URL", quote_services[1])
    yield ActionLandedCost()
    await close_process_clients()


def _products(shop: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in (shop / "products.jsonl").read_text().splitlines() if line]


async def test_a_quote_names_the_product_and_every_part_of_the_price(
    quoting: ActionLandedCost, quote_services: tuple[str, str, Path]
) -> None:
    product = next(p for p in _products(quote_services[2]) if "JP" in p["ships_to"])
    dispatcher = CollectingDispatcher()
    events = await quoting.run(
        dispatcher, tracker("conv-q", {"quote_product": product["title"], "quote_country": "JP"}), {}
    )
    text = texts(dispatcher.messages)
    assert f"{product['title']} delivered to Japan:" in text
    for part in ("Price:", "Shipping:", "Duties:", "Import VAT:", "Total:", "business days"):
        assert part in text, part
    assert "JPY" in text  # the shopper's currency, from the destination
    assert slots_of(events) == {"quote_product": None}


async def test_a_product_that_does_not_ship_there_is_said_so(
    quoting: ActionLandedCost, quote_services: tuple[str, str, Path]
) -> None:
    blocked = [p for p in _products(quote_services[2]) if "JP" not in p["ships_to"]]
    if not blocked:
        pytest.skip("the generated shop ships every product to Japan")
    dispatcher = CollectingDispatcher()
    await quoting.run(dispatcher, tracker("conv-q2", {"quote_product": blocked[0]["id"], "quote_country": "JP"}), {})
    assert "can't be shipped to Japan" in texts(dispatcher.messages)


async def test_a_product_the_shop_does_not_sell_is_not_guessed(quoting: ActionLandedCost) -> None:
    dispatcher = CollectingDispatcher()
    await quoting.run(dispatcher, tracker("conv-q3", {"quote_product": "xyzzy", "quote_country": "DE"}), {})
    assert "couldn't find “xyzzy” in our shop" in texts(dispatcher.messages)
