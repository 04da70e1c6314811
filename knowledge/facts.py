"""Structured facts before text: delivery times, shipping costs, duties/VAT, return windows and refund times
for a named country, stated from the shop's rule tables — the same tables the orders service's landed-cost
quote computes with — so an answer and a quote can never disagree.

- `detect_topic`: which fact a question asks for, by the search embedder's cosine against short generic
  prototype questions per topic, with an `other` class (where do you ship, which carrier, tracking…) that
  wins when the question is about something else; works across languages because the embedder does.
- `FactTables.fact(topic, country)`: the fact's Markdown sentence and the numbers it states (`values`), or
  None when the tables do not hold it (an unknown country, a country without a tax entry).

Wording lives in knowledge/fact_texts.py, one set of sentences per shopper language; numbers only in the rule
tables: no shop name, zone, rate or day count is written in code. A fact's `language` is the one its
sentences are in (the asked-for language where fact_texts has it, else English).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from borderless.countries import CountryNames
from borderless.rules import Rules, Zone
from knowledge import fact_texts
from retrieval.embedders import Embedder

Topic = Literal["delivery_time", "shipping_cost", "duties", "return_window", "refund_time", "return_cost"]

# Generic shop questions, no shop's data: the embedder compares the shopper's question with them.
TOPIC_PROTOTYPES: dict[str, tuple[str, ...]] = {
    "delivery_time": (
        "How long does shipping take?",
        "How many days does delivery take?",
        "When will my parcel arrive?",
        "What is the delivery time?",
        "shipping time",
        "How fast is express delivery?",
    ),
    "shipping_cost": (
        "How much does shipping cost?",
        "What are the delivery fees?",
        "Is shipping free?",
        "shipping price",
        "How much is express shipping?",
    ),
    "duties": (
        "Do I have to pay customs duties?",
        "Do I pay import VAT or taxes?",
        "Are there customs fees on delivery?",
        "import duties and tax",
        "Is VAT included in the price?",
        "How much GST or VAT do I pay?",
        "Do I pay taxes when my order is delivered?",
        "What is the import tax rate?",
    ),
    "return_window": (
        "How many days do I have to return an item?",
        "What is the return deadline?",
        "How long can I send something back?",
        "return period",
    ),
    "refund_time": (
        "How long does a refund take?",
        "When do I get my money back?",
        "refund time",
    ),
    "return_cost": (
        "Do I have to pay for return shipping?",
        "Is the return label free?",
        "return shipping cost",
    ),
    "other": (
        "Do you ship to my country?",
        "Which countries do you deliver to?",
        "Which carrier delivers my parcel?",
        "How can I track my order?",
        "Where is my order?",
        "Can I change my delivery address?",
        "Which payment methods do you accept?",
        "What is the warranty?",
        "Can I exchange an item for another size?",
        "How do I start a return?",
        "What items cannot be returned?",
        "Do you have a store?",
        "How do I contact customer service?",
    ),
}
# Topics answered only for a named country: without one, the policy text answers better.
NEEDS_COUNTRY: frozenset[str] = frozenset(TOPIC_PROTOTYPES) - {"other"}
# The one fact that is the same for every country, so it answers without one ("how many days do I have to
# return something?", "combien de temps j'ai pour retourner un article ?"), when the question is that close to
# a prototype: looser matches ("how long is a gift card valid?" 0.89, "what is your return policy?" scores
# `other`) are left to the policy text. Refund times are not among them: a refund after a cancellation is
# another number than after a return, and the prototypes cannot tell the two apart.
SHOP_WIDE: frozenset[str] = frozenset({"return_window"})
SHOP_WIDE_MIN_SCORE = 0.9


# A fact's sentences and the numbers they state.
Built = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Fact:
    topic: str
    country: str
    markdown: str
    values: dict[str, Any] = field(default_factory=dict)
    language: str = fact_texts.DEFAULT


class TopicDetector:
    """Nearest prototype's topic by cosine (the prototypes embedded once per detector)."""

    def __init__(self, embedder: Embedder, prototypes: dict[str, tuple[str, ...]] = TOPIC_PROTOTYPES) -> None:
        self.embedder = embedder
        self._labels = [topic for topic, questions in prototypes.items() for _ in questions]
        self._texts = [q for questions in prototypes.values() for q in questions]
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def _prototype_vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                self._vectors = self.embedder.embed_queries(self._texts)
            return self._vectors

    def detect(self, query_vector: np.ndarray) -> tuple[str, float]:
        """(topic, cosine of its nearest prototype); topic `other` when the question is about something else."""
        scores = self._prototype_vectors() @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        best = int(np.argmax(scores))
        return self._labels[best], float(scores[best])


class FactTables:
    """Facts from one shop's rule tables; `names` finds the country a question names."""

    def __init__(self, rules: Rules, names: CountryNames) -> None:
        self.rules = rules
        self.names = names
        self.currency = rules.base_currency

    def countries(self) -> frozenset[str]:
        """Every country the tables say something about."""
        return frozenset(c for z in self.rules.zones for c in z.countries) | frozenset(self.rules.taxes)

    def find_country(self, text: str) -> str | None:
        known = self.countries()
        return next((c for c in self.names.find_all(text) if c in known), None)

    def fact(self, topic: str, country: str, language: str | None = None) -> Fact | None:
        """The fact `topic` for `country` ("" for a SHOP_WIDE topic asked without one), written in `language`
        where fact_texts has it, else in English."""
        lang = fact_texts.language_of(language)
        zone = self.rules.zone_for(country) if country else None
        if zone is None and (country or topic not in SHOP_WIDE):
            return None  # a country outside every zone, or a country-bound topic asked without one
        if topic == "return_window":  # the same for every country
            text, values = self._return_window(lang)
            return Fact(topic, country, text, values, lang)
        assert zone is not None
        builders = {
            "delivery_time": self._delivery_time,
            "shipping_cost": self._shipping_cost,
            "duties": self._duties,
            "refund_time": self._refund_time,
            "return_cost": self._return_cost,
        }
        build = builders.get(topic)
        if build is None:
            return None
        built = build(country, self.names.name(country, lang), zone, lang)
        return None if built is None else Fact(topic, country, built[0], built[1], lang)

    def express_cost(self, zone: Zone) -> float:
        """Express costs standard × the multiplier, rounded as the quote rounds it."""
        return self.rules.round(zone.standard_cost * self.rules.express_multiplier, self.currency)

    def _money(self, amount: float, lang: str) -> str:
        return fact_texts.money(amount, self.currency, lang)

    def _delivery_time(self, country: str, name: str, zone: Zone, lang: str) -> Built:
        text = fact_texts.wording(lang).delivery_time.format(
            name=name,
            zone=zone.name,
            standard=fact_texts.days(zone.transit_days, lang),
            express=fact_texts.days(zone.express_days, lang),
        )
        values = {"zone": zone.name, "transit_days": list(zone.transit_days), "express_days": list(zone.express_days)}
        return text, values

    def _shipping_cost(self, country: str, name: str, zone: Zone, lang: str) -> Built:
        words = fact_texts.wording(lang)
        express = self.express_cost(zone)
        free = (
            words.free_above.format(amount=self._money(zone.free_above, lang))
            if zone.free_above is not None
            else words.no_free
        )
        text = words.shipping_cost.format(
            name=name,
            zone=zone.name,
            standard=self._money(zone.standard_cost, lang),
            free=free,
            express=self._money(express, lang),
        )
        values = {
            "zone": zone.name,
            "currency": self.currency,
            "standard_cost": zone.standard_cost,
            "free_above": zone.free_above,
            "express_cost": express,
        }
        return text, values

    def _duties(self, country: str, name: str, zone: Zone, lang: str) -> Built | None:
        words = fact_texts.wording(lang)
        if self.rules.in_home_zone(country):
            vat = self.rules.home_vat_rate
            included = words.vat_included.format(vat=fact_texts.percent(vat, lang)) if vat > 0 else ""
            text = words.home_duties.format(name=name, zone=zone.name, included=included)
            return text, {"zone": zone.name, "vat_included": vat, "duty": 0.0}
        tax = self.rules.taxes.get(country)
        if tax is None:
            return None
        duty = words.duty.format(rate=fact_texts.percent(tax.duty, lang))
        if tax.apparel_duty is not None and tax.apparel_duty != tax.duty:
            categories = f" {words.and_word} ".join(sorted(self.rules.apparel_categories))
            duty = words.duty_split.format(
                apparel=fact_texts.percent(tax.apparel_duty, lang),
                categories=categories,
                rate=fact_texts.percent(tax.duty, lang),
            )
        template = words.duties_at_checkout if tax.paid_at_checkout else words.duties_on_delivery
        parts = [template.format(name=name, vat=fact_texts.percent(tax.vat, lang), duty=duty)]
        limits = []
        if tax.duty_de_minimis > 0:
            limits.append(words.no_duty_below.format(amount=self._money(tax.duty_de_minimis, lang)))
        if tax.vat_de_minimis is not None:
            limits.append(words.no_vat_below.format(amount=self._money(tax.vat_de_minimis, lang)))
        if limits:
            sentence = words.limits_join.join(limits)
            parts.append(sentence[0].upper() + sentence[1:] + ".")
        values = {
            "vat": tax.vat,
            "duty": tax.duty,
            "apparel_duty": tax.apparel_duty,
            "duty_de_minimis": tax.duty_de_minimis,
            "vat_de_minimis": tax.vat_de_minimis,
            "paid_at_checkout": tax.paid_at_checkout,
        }
        return " ".join(parts), values

    def _return_window(self, lang: str) -> Built:
        # Return shipping is its own question (return_cost): a short answer states the window only.
        days = int(self.rules.orders["return_window_days"])
        return fact_texts.wording(lang).return_window.format(days=days), {"return_window_days": days}

    def _refund_time(self, country: str, name: str, zone: Zone, lang: str) -> Built:
        days = int(self.rules.orders["refund_business_days"])
        return fact_texts.wording(lang).refund_time.format(days=days), {"refund_business_days": days}

    def _return_cost(self, country: str, name: str, zone: Zone, lang: str) -> Built:
        free = self.rules.free_returns(country)
        words = fact_texts.wording(lang)
        return (words.return_free if free else words.return_paid).format(name=name), {"free_return": free}


def answer_fact(
    tables: FactTables,
    detector: TopicDetector,
    query: str,
    query_vector: np.ndarray,
    extra: Sequence[str] = (),
    language: str | None = None,
) -> Fact | None:
    """The rule-table fact a question asks for: a named country (in the question, else in `extra` texts such
    as its English translation) and a fact topic, else None; written in `language` (see FactTables.fact)."""
    country = tables.find_country(query) or next((c for t in extra if (c := tables.find_country(t))), None)
    topic, score = detector.detect(query_vector)
    if country is None:
        shop_wide = topic in SHOP_WIDE and score >= SHOP_WIDE_MIN_SCORE
        return tables.fact(topic, "", language) if shop_wide else None
    if topic not in NEEDS_COUNTRY:
        return None
    return tables.fact(topic, country, language)
