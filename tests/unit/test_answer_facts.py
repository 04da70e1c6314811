"""Structured facts (knowledge/facts.py, borderless/countries.py): country names in many languages, the fact
sentences from the rule tables, and the numbers of every fact against the orders service's landed-cost quote."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from backends.orders.db import Product
from backends.orders.landed_cost import quote
from borderless.countries import CountryNames, country_names
from knowledge import fact_texts
from knowledge.answers import Answerer, fact_source, load_fact_tables
from knowledge.facts import FactTables
from knowledge.settings import default_rules_dir
from retrieval.embedders import load_embedder
from retrieval.types import Chunk

SECOND_SHOP_RULES = Path(__file__).resolve().parents[2] / "shops" / "kettle-and-crane" / "rules"


@pytest.fixture(scope="module")
def tables() -> FactTables:
    loaded = load_fact_tables(default_rules_dir())
    assert loaded is not None
    return loaded


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("how long does shipping to Germany take?", "DE"),
        ("shipping time to australia?", "AU"),
        ("¿Cuánto tarda el envío a Alemania?", "DE"),
        ("Versand nach Österreich", "AT"),
        ("livraison aux États-Unis", "US"),
        ("доставка в Германию", "DE"),  # an inflected form
        ("ドイツへの配送", "DE"),  # a script without spaces
        ("送货到德国", "DE"),
        ("ship to the USA", "US"),  # a code in capitals, through CLDR's aliases
        ("UK delivery", "GB"),
        ("frete para o Brasil", "BR"),
    ],
)
def test_country_names_in_many_languages(text: str, code: str) -> None:
    assert country_names().find(text) == code


def test_words_that_are_codes_only_in_capitals_are_words() -> None:
    names = country_names()
    assert names.find("is it in stock? no, it is not at all") is None
    assert names.find("Do you ship to NO?") == "NO"


def test_only_countries_the_tables_know_are_facts(tables: FactTables) -> None:
    assert tables.find_country("can I return china plates?") is None  # CN is not a country the shop serves
    assert tables.find_country("delivery to Switzerland") == "CH"


def test_fact_sentences_state_the_tables(tables: FactTables) -> None:
    zone = tables.rules.zone_for("DE")
    assert zone is not None
    fact = tables.fact("delivery_time", "DE")
    assert fact is not None and fact.values["zone"] == zone.name
    low, high = zone.transit_days
    assert f"**{low}–{high} business days**" in fact.markdown and fact.markdown.startswith("Germany is in our")
    duties = tables.fact("duties", "CH")
    tax = tables.rules.taxes["CH"]
    assert duties is not None and duties.values["vat"] == tax.vat and "nothing to pay on delivery" in duties.markdown
    eu = tables.fact("duties", "FR")
    assert eu is not None and "no customs duties" in eu.markdown
    window = tables.fact("return_window", "CH")
    assert window is not None and f"**{tables.rules.orders['return_window_days']} days**" in window.markdown
    paid = tables.fact("return_cost", "CH")
    assert paid is not None and paid.markdown == "From Switzerland you pay for return shipping."
    assert tables.fact("return_cost", "DE") == tables.fact("return_cost", "DE")  # deterministic
    free = tables.fact("return_cost", "DE")
    assert free is not None and free.values["free_return"] is tables.rules.free_returns("DE")
    assert tables.fact("delivery_time", "CN") is None  # a country outside every zone has no fact


@pytest.mark.parametrize("language", sorted(fact_texts.LANGUAGES))
def test_facts_are_written_in_the_shoppers_language_with_the_same_numbers(tables: FactTables, language: str) -> None:
    """Every fact of every country in each written language: the country's name in that language, the
    amounts as that language writes them, the same numbers as the English fact, no template field left."""
    names = CountryNames()
    for country in sorted(tables.countries()):
        for topic in ("delivery_time", "shipping_cost", "duties", "return_window", "refund_time", "return_cost"):
            english, fact = tables.fact(topic, country), tables.fact(topic, country, language)
            if english is None:
                assert fact is None
                continue
            assert fact is not None and fact.language == language
            assert fact.values == english.values and "{" not in fact.markdown
            if topic in ("delivery_time", "shipping_cost", "return_cost"):
                assert names.name(country, language) in fact.markdown
            if topic == "shipping_cost":
                for amount in ("standard_cost", "express_cost"):
                    assert fact_texts.money(fact.values[amount], tables.currency, language) in fact.markdown
            if topic == "delivery_time":
                low, high = fact.values["transit_days"]
                assert str(low) in fact.markdown and str(high) in fact.markdown


def test_a_language_without_written_facts_gets_them_in_english(tables: FactTables) -> None:
    fact = tables.fact("delivery_time", "DE", "pl")
    assert fact is not None and fact.language == "en" and fact == tables.fact("delivery_time", "DE")
    german = tables.fact("delivery_time", "DE", "de-AT")
    assert german is not None and german.language == "de" and german.markdown.startswith("Deutschland (Versandzone")


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"\d+(?:[.,]\d+)?", text)}


@pytest.mark.parametrize("rules_dir", [default_rules_dir(), SECOND_SHOP_RULES], ids=["demo-shop", "second-shop"])
def test_every_fact_agrees_with_the_landed_cost_quote(rules_dir: Path) -> None:
    """For every country of the tables: the days, shipping costs, free threshold, VAT and duty rates an answer
    states are the ones the orders service's quote computes for that country."""
    loaded = load_fact_tables(rules_dir)
    assert loaded is not None
    rules = loaded.rules
    now = datetime(2026, 11, 2, 10, 0)
    for country in sorted(loaded.countries()):
        zone = rules.zone_for(country)
        if zone is None:
            continue
        cheap = Product(id="p1", title="Mug", category="home", price=1.0, stock=5, ships_to=[country])
        currency = loaded.currency
        standard = quote(rules, [(cheap, 1)], country, currency, express=False, now=now)
        express = quote(rules, [(cheap, 1)], country, currency, express=True, now=now)
        delivery = loaded.fact("delivery_time", country)
        assert delivery is not None
        assert delivery.values["transit_days"] == [
            standard["delivery"]["min_business_days"],
            standard["delivery"]["max_business_days"],
        ]
        assert delivery.values["express_days"] == [
            express["delivery"]["min_business_days"],
            express["delivery"]["max_business_days"],
        ]
        cost = loaded.fact("shipping_cost", country)
        assert cost is not None
        assert cost.values["standard_cost"] == standard["shipping"]
        assert cost.values["express_cost"] == express["shipping"]
        assert _numbers(cost.markdown) >= {standard["shipping"], express["shipping"]}
        if cost.values["free_above"] is not None:
            price = cost.values["free_above"] * (1 + (0 if rules.in_home_zone(country) else rules.home_vat_rate))
            at_threshold = Product(id="p2", title="Tin", category="home", price=price, stock=5, ships_to=[country])
            assert quote(rules, [(at_threshold, 1)], country, currency, express=False, now=now)["shipping"] == 0.0
        duties = loaded.fact("duties", country)
        if duties is None:
            continue
        if rules.in_home_zone(country):
            assert standard["vat"] == 0.0 and standard["duties"] == 0.0
            continue
        tax = rules.taxes[country]
        # Above every de minimis, the quote charges exactly the stated rates.
        big = max(tax.duty_de_minimis, tax.vat_de_minimis or 0.0) + 1000.0
        price = big * (1 + rules.home_vat_rate)
        goods = Product(id="p3", title="Kettle", category="home", price=price, stock=5, ships_to=[country])
        priced = quote(rules, [(goods, 1)], country, currency, express=False, now=now)
        assert priced["vat_rate"] == duties.values["vat"]
        assert priced["duties"] == pytest.approx(round(priced["goods"] * duties.values["duty"], 2), abs=0.011)
        stated = _numbers(duties.markdown)
        assert round(tax.vat * 100, 1) in stated and round(tax.duty * 100, 1) in stated


def test_a_fact_cites_the_passage_that_holds_its_numbers(tables: FactTables) -> None:
    fact = tables.fact("delivery_time", "DE")
    assert fact is not None
    zones = Chunk("s#where", "shipping", "policy", "Shipping", "- **EU:** Germany, France.", section="Where we ship")
    low, high = fact.values["transit_days"]
    times = Chunk(
        "s#times", "shipping", "policy", "Shipping", f"| EU | {low}–{high} business days |", section="Delivery times"
    )
    assert fact_source(fact, [zones, times]).chunk_id == "s#times"


@pytest.fixture(scope="module")
def answerer(tables: FactTables) -> Answerer:
    return Answerer(load_embedder("e5"), tables)


@pytest.mark.parametrize(
    ("question", "topic", "country"),
    [
        ("how long does shipping to Germany take?", "delivery_time", "DE"),
        ("shipping time to australia?", "delivery_time", "AU"),
        ("how long does shipping to Canada take?", "delivery_time", "CA"),
        ("do I pay duties in Switzerland?", "duties", "CH"),
        ("¿Cuánto tarda el envío a Alemania?", "delivery_time", "DE"),
        ("how much is shipping to the UK?", "shipping_cost", "GB"),
    ],
)
def test_questions_about_a_country_are_answered_from_the_tables(
    answerer: Answerer, question: str, topic: str, country: str
) -> None:
    policy = Chunk("shipping#x", "shipping", "policy", "Shipping", "We ship from our warehouse.", url="https://s/x")
    answer = answerer.answer(question, [policy], version=1, language="en")
    assert answer is not None and answer.kind == "fact" and answer.fact is not None
    assert (answer.fact.topic, answer.fact.country) == (topic, country)
    assert answer.sources[0].url == "https://s/x"


@pytest.mark.parametrize("question", ["Do you ship to Japan?", "which carrier delivers to Belgium?"])
def test_other_questions_naming_a_country_are_answered_from_text(answerer: Answerer, question: str) -> None:
    policy = Chunk("shipping#x", "shipping", "policy", "Shipping", "We ship to Japan and Belgium with DHL.")
    answer = answerer.answer(question, [policy], version=1, language="en")
    assert answer is not None and answer.kind == "passage"


def test_the_return_window_is_answered_without_a_country_in_the_shoppers_language(
    answerer: Answerer, tables: FactTables
) -> None:
    policy = Chunk("returns#w", "returns", "policy", "Returns", "You can return most products.", url="https://s/r")
    days = str(tables.rules.orders["return_window_days"])
    for question, language in (
        ("How many days do I have to return something?", "en"),
        ("combien de temps j'ai pour retourner un article ?", "fr"),
    ):
        answer = answerer.answer(question, [policy], version=1, language=language)
        assert answer is not None and answer.kind == "fact" and answer.fact is not None, question
        assert answer.fact.topic == "return_window" and answer.language == language and days in answer.markdown
    # Close to a return-window question, but about something else: the text answers it.
    for question in ("how long is a gift card valid?", "what is your return policy?"):
        answer = answerer.answer(question, [policy], version=1, language="en")
        assert answer is not None and answer.kind == "passage", question


def test_a_second_shops_tables_give_its_own_numbers() -> None:
    loaded = load_fact_tables(SECOND_SHOP_RULES)
    assert loaded is not None
    fact = loaded.fact("delivery_time", "CA")
    zone = loaded.rules.zone_for("CA")
    assert fact is not None and zone is not None and fact.values["transit_days"] == list(zone.transit_days)
    cost = loaded.fact("shipping_cost", "MX")
    assert cost is not None and loaded.rules.base_currency == "USD" and "$" in cost.markdown
    assert CountryNames(codes=loaded.countries()).find("envío a México") == "MX"
    assert CountryNames(codes=loaded.countries()).find("envío a Japón") is None  # not a country of this shop
