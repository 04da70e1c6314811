"""How a recommendation turn becomes a request: refinements keep the earlier constraints and add the new one."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.reco_words import Refinement, amount, parse_refinement
from actions.recommend import plan_turn, refines_recommendation

TENTS = {"query": "a tent for 2 people", "type": ["tent"], "persons": 2}
SHOWN = [
    {"id": "P3", "title": "Fjord 2-Person Tent", "price": 289.95, "currency": "EUR", "type": "tent"},
    {"id": "P10", "title": "Skylark 2-Person Tent", "price": 194.95, "currency": "EUR", "type": "tent"},
]


def tracker(
    text: str, entities: list[dict[str, Any]] | None = None, intent: str = "recommend", **slots: Any
) -> Tracker:
    return Tracker(
        sender_id="unit",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_budget_amounts_are_read_with_either_decimal_separator() -> None:
    assert amount("50") == 50.0
    assert amount("49,90 euros") == 49.9
    assert amount("cheap") is None


@pytest.mark.parametrize(
    ("text", "english", "expected"),
    [
        ("something cheaper", None, Refinement(cheaper=True)),
        ("gibts was billigeres", None, Refinement(cheaper=True)),
        ("iets goedkopers?", None, Refinement(cheaper=True)),
        ("algo más barato", "something cheaper", Refinement(cheaper=True)),
        ("in größe M", None, Refinement(size="M")),
        ("do they come in size 42", None, Refinement(size="42")),
        ("en talla 40?", None, Refinement(size="40")),
        ("et en noir ?", None, Refinement(color="black")),
        ("in green?", None, Refinement(color="green")),
        ("under 80 euros", None, Refinement(max_price=80.0, currency="EUR")),
        ("anything below $90", None, Refinement(max_price=90.0, currency="USD")),
        ("a tent for 2 people", None, Refinement(persons=2)),
        ("more like the first one", None, Refinement(like=0)),
        ("something similar to the second", None, Refinement(like=1)),
        ("the size of the tent", None, Refinement()),
        ("is the first one waterproof?", None, Refinement()),
    ],
)
def test_refinements_are_read_from_the_shoppers_words(text: str, english: str | None, expected: Refinement) -> None:
    assert parse_refinement(text, english) == expected


def test_a_budget_without_currency_comes_from_the_nlu_entity() -> None:
    assert parse_refinement("max 40", None, {"budget": "40"}).max_price == 40.0


def test_a_new_request_starts_with_its_type_and_its_own_constraints() -> None:
    plan = plan_turn("a tent for 2 people", None, Refinement(persons=2), ["tent"], {}, [])
    assert plan.new_request
    assert plan.filters == {"in_stock": True, "type": ["tent"], "persons": 2}
    assert plan.constraints["query"] == "a tent for 2 people"


def test_cheaper_means_below_the_cheapest_product_shown_and_keeps_the_type() -> None:
    plan = plan_turn("something cheaper", None, Refinement(cheaper=True), [], TENTS, SHOWN)
    assert not plan.new_request
    assert plan.filters["type"] == ["tent"] and plan.filters["persons"] == 2
    assert plan.filters["max_price"] == pytest.approx(194.94)
    assert plan.filters["currency"] == "EUR"


def test_cheaper_never_raises_a_lower_budget() -> None:
    plan = plan_turn("cheaper", None, Refinement(cheaper=True), [], {**TENTS, "max_price": 150.0}, SHOWN)
    assert plan.filters["max_price"] == 150.0


def test_a_colour_follow_up_keeps_type_budget_and_size() -> None:
    previous = {"query": "rain jacket", "type": ["rain_jacket"], "max_price": 100.0, "size": "M"}
    plan = plan_turn("in black", None, Refinement(color="black"), ["rain_jacket"], previous, SHOWN)
    assert plan.filters == {
        "in_stock": True,
        "type": ["rain_jacket"],
        "max_price": 100.0,
        "size": "M",
        "color": "black",
    }


def test_a_new_budget_replaces_the_old_one() -> None:
    previous = {"query": "hoodie", "type": ["hoodie"], "max_price": 100.0}
    plan = plan_turn("under 80 euros", None, Refinement(max_price=80.0, currency="EUR"), [], previous, SHOWN)
    assert plan.filters["max_price"] == 80.0 and plan.filters["type"] == ["hoodie"]


def test_like_the_first_one_searches_products_similar_to_it_of_its_type() -> None:
    previous = {"query": "outdoor gear", "max_price": 300.0}
    plan = plan_turn("more like the first one", None, Refinement(like=0), [], previous, SHOWN)
    assert (plan.mode, plan.anchor) == ("similar", "P3")
    assert plan.filters["type"] == ["tent"] and plan.filters["max_price"] == 300.0


def test_another_kind_of_product_starts_over() -> None:
    plan = plan_turn("and a sleeping bag?", None, Refinement(), ["sleeping_bag"], TENTS, SHOWN)
    assert plan.new_request
    assert plan.filters == {"in_stock": True, "type": ["sleeping_bag"]}


def test_naming_one_of_the_kinds_asked_for_narrows_the_request() -> None:
    previous = {"query": "boots", "type": ["hiking_boots", "rain_boots"], "max_price": 150.0}
    plan = plan_turn("hiking boots", None, Refinement(), ["hiking_boots"], previous, [])
    assert not plan.new_request
    assert plan.filters["type"] == ["hiking_boots"] and plan.filters["max_price"] == 150.0


def test_the_destination_country_limits_to_products_that_ship_there() -> None:
    plan = plan_turn("recommend a gift", None, Refinement(), [], {}, [], country="JP")
    assert plan.filters["ships_to"] == "JP"


def test_a_refinement_the_nlu_placed_elsewhere_is_recognised_only_with_products_on_screen() -> None:
    assert refines_recommendation(
        tracker("tamanho L", intent="nlu_fallback", reco_constraints=TENTS, last_products=SHOWN)
    )
    assert not refines_recommendation(tracker("tamanho L", intent="nlu_fallback"))
    assert not refines_recommendation(
        tracker("how long does shipping take?", intent="ask_shipping", reco_constraints=TENTS, last_products=SHOWN)
    )


def test_a_size_or_a_number_of_people_is_not_taken_for_a_budget() -> None:
    assert parse_refinement("a tent for 2 people", None, {"budget": "2"}) == Refinement(persons=2)
    assert parse_refinement("en talla 40?", None, {"budget": "40"}) == Refinement(size="40")


def test_a_short_message_without_refinement_asks_for_more_of_the_same() -> None:
    plan = plan_turn("show me more options", None, Refinement(), [], TENTS, SHOWN)
    assert not plan.new_request and plan.filters["type"] == ["tent"] and plan.filters["persons"] == 2


def test_a_longer_message_naming_nothing_shown_before_is_a_request_of_its_own() -> None:
    plan = plan_turn("I need a present for my mum who loves cooking", None, Refinement(), [], TENTS, SHOWN)
    assert plan.new_request
    assert plan.filters == {"in_stock": True}
    assert plan.constraints["query"] == "I need a present for my mum who loves cooking"
