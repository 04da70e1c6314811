"""Every text an action sends is a domain.yml response in each language, and names no particular shop.

The actions name responses (`"utter_…"` literals in actions/*.py); each must exist with one variant per
language the domain covers, every variant naming the same `{variables}`. Shop facts in those variables
are slots that action_session_start sets from the served shop's profile, and nothing in the actions, the
domain or the channels carries the demo shop's name or its order-number format.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from actions.replies import SHOP_SLOTS, shop_values
from borderless.profile import load_shop
from tests.support import LANGUAGES, REPO_ROOT, domain_responses, response_variant

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSE_NAME = re.compile(r"[\"'](utter_[a-z0-9_]+)[\"']")


def used_by_actions() -> set[str]:
    names: set[str] = set()
    for path in (REPO_ROOT / "actions").glob("*.py"):
        names |= set(RESPONSE_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def variables(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def language_of(variant: dict[str, object]) -> str | None:
    conditions = variant.get("condition") or []
    assert isinstance(conditions, list)
    return next((c.get("value") for c in conditions if c.get("name") == "language"), None)


def test_the_actions_name_responses() -> None:
    # A guard for the scan below: it finds the responses the order changes and the tracking reply use.
    assert {"utter_confirm_cancel", "utter_order_status", "utter_return_terms", "utter_nothing_changed"} <= (
        used_by_actions()
    )


@pytest.mark.parametrize("name", sorted(used_by_actions()))
def test_every_response_an_action_sends_exists_in_every_language(name: str) -> None:
    assert name in domain_responses(), f"{name} is sent by an action but missing from domain.yml"
    variants = domain_responses()[name]
    languages = [language_of(v) for v in variants]
    # One default (English, no condition) and one variant per other language.
    assert sorted(languages, key=str) == sorted([None, *LANGUAGES[1:]], key=str), name
    english = variables(response_variant(name, "en")["text"])
    for language in LANGUAGES:
        text = response_variant(name, language)["text"]
        assert variables(text) == english, f"{name} ({language}) names other variables than the English text"
        assert text.strip()


def test_shop_facts_are_slots_the_session_start_sets() -> None:
    for slot in SHOP_SLOTS:
        declared = DOMAIN["slots"][slot]
        assert declared["type"] == "text" and declared["influence_conversation"] is False
        assert declared["mappings"] == [{"type": "custom"}]
    facts = set(shop_values())
    named = {v for variants in domain_responses().values() for v in variants for v in variables(v["text"])}
    # Every shop fact a response names is one of those slots (the rest come from the action sending it).
    assert {v for v in named if v.startswith("shop_") or v in {"assistant_name", "order_number_example"}} <= facts


def test_the_greeting_and_the_order_number_prompt_name_the_served_shop() -> None:
    kettle = load_shop("shops/kettle-and-crane").reply_values()
    greet = response_variant("utter_greet", "es")["text"].format(**kettle)
    ask = response_variant("utter_ask_order_number", "en")["text"].format(**kettle)
    assert "Kettle & Crane" in greet and kettle["order_number_example"] in ask


def demo_shop_marks() -> list[str]:
    """The demo shop's name, its order numbers' prefix and its contact details."""
    demo = load_shop("shops/lumen-goods")
    prefix = re.match(r"[A-Za-z]+", demo.order_numbers.examples[0])
    marks = [demo.name, demo.contact.email, demo.contact.phone, demo.website]
    return marks + ([f"{prefix.group(0)}-"] if prefix else [])


def shop_neutral_files() -> list[Path]:
    files = [REPO_ROOT / "domain.yml", *(REPO_ROOT / "actions").glob("*.py")]
    files += [p for p in (REPO_ROOT / "channels").rglob("*") if p.suffix in {".py", ".js", ".html"}]
    return files


@pytest.mark.parametrize("path", shop_neutral_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_action_domain_or_channel_file_names_the_demo_shop(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for mark in demo_shop_marks():
        assert mark not in text, f"{path.relative_to(REPO_ROOT)} names {mark!r}: it must come from the shop profile"


def test_the_actions_keep_no_copy_of_the_shops_rules() -> None:
    # The return window and refund days come from the orders service's answer, never from the actions.
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "actions").glob("*.py"))
    assert "RETURN_RULE" not in source and "SEAL_RULE" not in source
    rules = load_shop("shops/lumen-goods").rules_dir / "orders.yaml"
    terms = yaml.safe_load(rules.read_text(encoding="utf-8"))
    for key in ("return_window_days", "refund_business_days"):
        assert not re.search(rf"\b{terms[key]} (business )?days\b", source), key
