"""The conversation benchmark's scenarios (benchmarks/data/conversations) are well-formed: every one loads,
names only checks and placeholders that exist, and the dev/heldout split stays about half and half."""

from __future__ import annotations

import re
import string
from collections import Counter

from benchmarks.conversation_checks import Checker, amounts, language_sample
from benchmarks.conversations import load_scenarios

PLACEHOLDERS = {
    "order",
    "order_lower",
    "email",
    "email_upper",
    "postcode",
    "wrong_email",
    "item",
    "unknown_order",
    "product",
    "product_lower",
    "return_window_days",
    "refund_business_days",
}


def test_at_least_300_scenarios_in_at_least_7_languages_with_a_stable_half_held_out() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 300
    assert {"en", "es", "de", "fr", "pt", "nl", "it"} <= {s.lang for s in scenarios}
    splits = Counter(s.split for s in scenarios)
    assert abs(splits["dev"] - splits["heldout"]) <= len(scenarios) * 0.05
    for family in {s.family for s in scenarios}:
        of_family = Counter(s.split for s in scenarios if s.family == family)
        assert of_family["dev"] and of_family["heldout"], family


def test_every_expectation_is_a_check_and_every_placeholder_is_filled_at_run_time() -> None:
    for scenario in load_scenarios():
        for check in scenario.expect:
            assert hasattr(Checker, f"check_{check}"), (scenario.id, check)
        for turn in scenario.turns:
            names = {field for _, field, _, _ in string.Formatter().parse(turn["say"]) if field}
            assert names <= PLACEHOLDERS, (scenario.id, names - PLACEHOLDERS)
            if names & {"order", "email", "item", "wrong_email", "postcode"}:
                assert scenario.order is not None, scenario.id
            if names & {"product", "product_lower"}:
                assert scenario.quote is not None, scenario.id


def test_a_language_sample_drops_what_every_language_shares() -> None:
    text = "Order BL-100245 (2 items, €84.90) is on its way.\n• Nordvik Tent — €194.95 https://x.example/p\nSee https://a.example"
    assert language_sample(text) == "Order is on its way. See"


def test_amounts_are_recognised_in_the_usual_ways_of_writing_them() -> None:
    written = amounts(1234.5, "EUR")
    assert {"1,234.50", "1234.50", "1.234,50", "1234,50"} <= set(written)
    assert amounts(19440.0, "JPY")[0] == "19,440"
    assert all(re.fullmatch(r"[\d., ]+", a) for a in written)
