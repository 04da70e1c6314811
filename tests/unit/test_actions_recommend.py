"""How a recommendation turn becomes a request, including follow-ups."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.recommend import build_request, parse_budget


def tracker(text: str, entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    return Tracker(
        sender_id="unit",
        slots=slots,
        latest_message={"text": text, "intent": {"name": "recommend"}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_budget_amounts_are_read_with_either_decimal_separator() -> None:
    assert parse_budget("50") == 50.0
    assert parse_budget("49,90 euros") == 49.9
    assert parse_budget("cheap") is None


def test_a_new_product_starts_a_new_query_with_its_budget() -> None:
    query, filters = build_request(
        tracker(
            "a tent under 200 euros", [{"entity": "product", "value": "tent"}, {"entity": "budget", "value": "200"}]
        )
    )
    assert query == "tent"
    assert filters["max_price"] == 200.0
    assert filters["in_stock"] is True


def test_cheaper_goes_below_the_cheapest_product_already_shown() -> None:
    shown = [{"id": "P1", "price": 120.0}, {"id": "P2", "price": 95.5}]
    query, filters = build_request(tracker("something cheaper?", reco_query="rain jacket", last_products=shown))
    assert query == "rain jacket"
    assert filters["max_price"] == 95.5


def test_a_colour_follow_up_keeps_the_previous_query_and_budget() -> None:
    query, filters = build_request(
        tracker("in blue", [{"entity": "color", "value": "Blue"}], reco_query="hoodie", reco_max_price=60.0)
    )
    assert query == "hoodie"
    assert filters["color"] == "blue"
    assert filters["max_price"] == 60.0


def test_destination_country_limits_to_products_that_ship_there() -> None:
    _, filters = build_request(tracker("recommend a gift", country="JP"))
    assert filters["ships_to"] == "JP"
