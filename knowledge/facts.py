"""Structured facts before text: delivery times, shipping costs, duties/VAT, return windows and refund times
for a named country, stated from the shop's rule tables — the same tables the orders service's landed-cost
quote computes with — so an answer and a quote can never disagree.

- `detect_topic`: which fact a question asks for, by the search embedder's cosine against short generic
  prototype questions per topic, with an `other` class (where do you ship, which carrier, tracking…) that
  wins when the question is about something else; works across languages because the embedder does.
- `FactTables.fact(topic, country)`: the fact's Markdown sentence and the numbers it states (`values`), or
  None when the tables do not hold it (an unknown country, a country without a tax entry).

Wording lives here, numbers only in the rule tables: no shop name, zone, rate or day count is written in code.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from babel.numbers import format_currency, format_percent

from borderless.rules import Rules, Zone
from knowledge.countries import CountryNames
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


@dataclass(frozen=True)
class Fact:
    topic: str
    country: str
    markdown: str
    values: dict[str, Any] = field(default_factory=dict)


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


def _money(amount: float, currency: str) -> str:
    text = format_currency(amount, currency, locale="en")
    return text[:-3] if text.endswith(".00") else text


def _percent(rate: float) -> str:
    return format_percent(rate, format="#,##0.#%", locale="en")


def _days(span: tuple[int, int]) -> str:
    low, high = span
    return f"{low} business day{'s' if low != 1 else ''}" if low == high else f"{low}–{high} business days"


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

    def fact(self, topic: str, country: str) -> Fact | None:
        zone = self.rules.zone_for(country)
        if zone is None:
            return None
        name = self.names.name(country)
        builders = {
            "delivery_time": self._delivery_time,
            "shipping_cost": self._shipping_cost,
            "duties": self._duties,
            "return_window": self._return_window,
            "refund_time": self._refund_time,
            "return_cost": self._return_cost,
        }
        build = builders.get(topic)
        return build(country, name, zone) if build is not None else None

    def express_cost(self, zone: Zone) -> float:
        """Express costs standard × the multiplier, rounded as the quote rounds it."""
        return self.rules.round(zone.standard_cost * self.rules.express_multiplier, self.currency)

    def _delivery_time(self, country: str, name: str, zone: Zone) -> Fact:
        text = (
            f"{name} is in our **{zone.name}** shipping zone: standard delivery takes **{_days(zone.transit_days)}**, "
            f"express **{_days(zone.express_days)}**."
        )
        values = {"zone": zone.name, "transit_days": list(zone.transit_days), "express_days": list(zone.express_days)}
        return Fact("delivery_time", country, text, values)

    def _shipping_cost(self, country: str, name: str, zone: Zone) -> Fact:
        standard = _money(zone.standard_cost, self.currency)
        express = self.express_cost(zone)
        free = (
            f", free on orders from **{_money(zone.free_above, self.currency)}**"
            if zone.free_above is not None
            else "; free standard shipping is not available there"
        )
        text = (
            f"Standard shipping to {name} ({zone.name} zone) costs **{standard}**{free}. "
            f"Express costs **{_money(express, self.currency)}** and is never free."
        )
        values = {
            "zone": zone.name,
            "currency": self.currency,
            "standard_cost": zone.standard_cost,
            "free_above": zone.free_above,
            "express_cost": express,
        }
        return Fact("shipping_cost", country, text, values)

    def _duties(self, country: str, name: str, zone: Zone) -> Fact | None:
        if self.rules.in_home_zone(country):
            vat = self.rules.home_vat_rate
            included = f"our prices include VAT ({_percent(vat)}) and " if vat > 0 else ""
            text = f"{name} is in our {zone.name} zone: {included}there are no customs duties to pay."
            return Fact("duties", country, text, {"zone": zone.name, "vat_included": vat, "duty": 0.0})
        tax = self.rules.taxes.get(country)
        if tax is None:
            return None
        categories = " and ".join(sorted(self.rules.apparel_categories))
        duty = f"**{_percent(tax.duty)}** duty"
        if tax.apparel_duty is not None and tax.apparel_duty != tax.duty:
            duty = f"**{_percent(tax.apparel_duty)}** duty on {categories} and {duty} on other goods"
        if tax.paid_at_checkout:
            first = (
                f"For {name} we collect **{_percent(tax.vat)}** import VAT/GST and {duty} at checkout, "
                "so there is nothing to pay on delivery."
            )
        else:
            first = (
                f"For {name}, **{_percent(tax.vat)}** import VAT/GST and {duty} are paid to the carrier on delivery."
            )
        parts = [first]
        limits = []
        if tax.duty_de_minimis > 0:
            limits.append(f"no duty on goods worth {_money(tax.duty_de_minimis, self.currency)} or less")
        if tax.vat_de_minimis is not None:
            limits.append(f"no VAT on goods worth {_money(tax.vat_de_minimis, self.currency)} or less")
        if limits:
            sentence = " and ".join(limits)
            parts.append(sentence[0].upper() + sentence[1:] + ".")
        values = {
            "vat": tax.vat,
            "duty": tax.duty,
            "apparel_duty": tax.apparel_duty,
            "duty_de_minimis": tax.duty_de_minimis,
            "vat_de_minimis": tax.vat_de_minimis,
            "paid_at_checkout": tax.paid_at_checkout,
        }
        return Fact("duties", country, " ".join(parts), values)

    def _return_shipping(self, name: str, country: str) -> tuple[str, bool]:
        free = self.rules.free_returns(country)
        text = f"Return shipping from {name} is free." if free else f"From {name} you pay for return shipping."
        return text, free

    def _return_window(self, country: str, name: str, zone: Zone) -> Fact:
        # Return shipping is its own question (return_cost): a short answer states the window only.
        days = int(self.rules.orders["return_window_days"])
        text = f"You have **{days} days** from delivery to start a return."
        return Fact("return_window", country, text, {"return_window_days": days})

    def _refund_time(self, country: str, name: str, zone: Zone) -> Fact:
        days = int(self.rules.orders["refund_business_days"])
        text = f"We refund you within **{days} business days** of your return reaching our warehouse."
        return Fact("refund_time", country, text, {"refund_business_days": days})

    def _return_cost(self, country: str, name: str, zone: Zone) -> Fact:
        shipping, free = self._return_shipping(name, country)
        return Fact("return_cost", country, shipping, {"free_return": free})


def answer_fact(
    tables: FactTables, detector: TopicDetector, query: str, query_vector: np.ndarray, extra: Sequence[str] = ()
) -> Fact | None:
    """The rule-table fact a question asks for: a named country (in the question, else in `extra` texts such
    as its English translation) and a fact topic, else None."""
    country = tables.find_country(query) or next((c for t in extra if (c := tables.find_country(t))), None)
    if country is None:
        return None
    topic, _score = detector.detect(query_vector)
    if topic not in NEEDS_COUNTRY:
        return None
    return tables.fact(topic, country)
