"""Success conditions of benchmarks/conversations.py: what must be true of a finished scripted conversation.

Every check reads an outcome, not the assistant's wording: the order's state in the orders service afterwards,
the tracking number shown (or not leaked), the rule the refusal names (the rule's number from the shop's rule
tables, or the rule's words in the shopper's language from lexicon.yaml), the help article cited (its URL in
the reply's text or custom payload), every recommended product meeting the constraints stated so far (price,
colour, size, type, checked against the catalogue), the quote's total (the orders service's own quote), the
reply's language (the models service's language detector), a handoff queued or not (the console's queue),
and whether a form is still open (the tracker, through Rasa's HTTP API).

A check returns None when it holds, else a `Miss` (which turn, what was expected, what came instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.conversation_shop import Shop

URL = re.compile(r"https?://\S+")
PRODUCT_LINE = re.compile(r"^\s*[•*-] .*$", re.MULTILINE)
# A reply shorter than this (in letters, after URLs, numbers and product lines are gone) says too little
# for a language detector to be trusted: an order number with a question mark, or "👍".
MIN_LETTERS_FOR_LANGUAGE = 20
ZERO_DECIMAL = {"JPY", "KRW"}
LANGUAGE_CLOSE_SECOND = 0.5


@dataclass
class Miss:
    check: str
    turn: int | str  # 1-based shopper turn, or "end" for the outcome after the last one
    expected: Any
    got: Any


@dataclass
class Turn:
    """One shopper message and the assistant's replies to it."""

    text: str
    replies: list[dict[str, Any]]
    lang: str  # the language the replies must be in
    products: dict[str, Any] | None = None  # constraints stated on this turn (recommendations)
    seconds: float = 0.0

    @property
    def texts(self) -> list[str]:
        return [str(r.get("text") or "") for r in self.replies if r.get("text")]

    @property
    def blob(self) -> str:
        """Everything the shopper was shown on this turn: texts, buttons, custom payloads, as one string."""
        return "\n".join(repr(r) for r in self.replies)

    @property
    def cards(self) -> list[dict[str, Any]] | None:
        """The product cards shown on this turn (None when no card payload came)."""
        found: list[dict[str, Any]] | None = None
        for reply in self.replies:
            custom = reply.get("custom")
            if isinstance(custom, dict) and custom.get("type") == "product_cards":
                found = (found or []) + [p for p in custom.get("products") or [] if isinstance(p, dict)]
        return found


@dataclass
class Outcome:
    """A finished conversation with what the checks may look at afterwards."""

    turns: list[Turn]
    order: dict[str, Any] | None  # the order's data-file record
    before: dict[str, Any] | None  # the service's view of it before the conversation
    after: dict[str, Any] | None  # ... and after it
    queue_status: str | None  # the console's status of the conversation: bot | waiting | active
    active_loop: str | None  # the form still open at the end, if any
    facts: dict[str, Any] = field(default_factory=dict)  # placeholders (product chosen, quote, ...)


@dataclass
class Checker:
    """The checks, with what they need: the shop, the lexicon and a language detector."""

    shop: Shop
    lexicon: dict[str, Any]
    detect: Callable[[list[str]], list[dict[str, float]]]  # texts -> each one's scores per language

    # ---------- helpers

    def words(self, key: str, lang: str) -> list[str]:
        table = self.lexicon.get(key) or {}
        return list(table.get(lang) or []) + list(table.get("any") or [])

    def all_text(self, outcome: Outcome) -> str:
        return "\n".join(t.blob for t in outcome.turns)

    @staticmethod
    def last(outcome: Outcome) -> int:
        return len(outcome.turns)

    # ---------- the checks; each `check_<name>(outcome, expected)` -> Miss | None

    def check_order_status(self, outcome: Outcome, expected: str) -> Miss | None:
        before = (outcome.before or {}).get("status")
        after = (outcome.after or {}).get("status")
        want = before if expected == "unchanged" else expected
        if after != want:
            return Miss("order_status", "end", want, after)
        if expected == "unchanged" and (outcome.after or {}).get("shipping_address") != (outcome.before or {}).get(
            "shipping_address"
        ):
            return Miss("order_status", "end", "address unchanged", (outcome.after or {}).get("shipping_address"))
        return None

    def check_address_postcode(self, outcome: Outcome, expected: str) -> Miss | None:
        got = str(((outcome.after or {}).get("shipping_address") or {}).get("postcode") or "")
        norm = re.sub(r"[\s-]", "", got).upper()
        if norm != re.sub(r"[\s-]", "", expected).upper():
            return Miss("address_postcode", "end", expected, got)
        return None

    def check_return_created(self, outcome: Outcome, expected: bool) -> Miss | None:
        before = len((outcome.before or {}).get("returns") or [])
        after = len((outcome.after or {}).get("returns") or [])
        if (after > before) != bool(expected):
            return Miss("return_created", "end", expected, f"{before} -> {after} returns")
        return None

    def check_no_sealed_return(self, outcome: Outcome, expected: bool) -> Miss | None:
        """No new return includes an item the rules take back only sealed (the shopper said it was opened)."""
        before = len((outcome.before or {}).get("returns") or [])
        new = ((outcome.after or {}).get("returns") or [])[before:]
        ids = {i.get("product_id") for r in new for i in r.get("items") or []}
        products = self.shop.products
        sealed = sorted(i for i in ids if i in products and self.shop.rules.sealed_only(products[i]))
        if expected and sealed:
            return Miss("no_sealed_return", "end", "no opened hygiene/beauty item in a return", sealed)
        return None

    def check_reason(self, outcome: Outcome, expected: str) -> Miss | None:
        """The refusal names its rule: a number from the rule tables ({return_window_days}) or the rule's
        words in the shopper's language (lexicon.yaml `reasons`)."""
        lang = outcome.turns[-1].lang
        table = (self.lexicon.get("reasons") or {}).get(expected) or {}
        patterns = [p.format(**self.shop.rules.numbers) for p in (table.get(lang) or []) + (table.get("any") or [])]
        text = "\n".join("\n".join(t.texts) for t in outcome.turns)
        if not any(re.search(p, text, re.IGNORECASE) for p in patterns):
            return Miss("reason", "end", f"{expected}: one of {patterns}", _tail(text))
        return None

    def check_reveals_tracking(self, outcome: Outcome, expected: bool) -> Miss | None:
        numbers = [s.get("tracking_number") for s in (outcome.before or {}).get("shipments") or []]
        numbers = [n for n in numbers if n]
        text = self.all_text(outcome)
        shown = any(n in text for n in numbers)
        if expected and numbers and not shown:
            return Miss("reveals_tracking", "end", f"tracking number {numbers[0]}", _tail(text))
        return None

    def check_no_leak(self, outcome: Outcome, expected: bool) -> Miss | None:
        """Nothing of the order reaches a shopper who did not prove it is theirs."""
        order = outcome.order or {}
        secrets = [s.get("tracking_number") for s in order.get("shipments") or []]
        address = order.get("shipping_address") or {}
        secrets += [address.get("line1"), address.get("postcode")]
        text = self.all_text(outcome)
        leaked = [s for s in secrets if s and str(s) in text]
        if expected and leaked:
            return Miss("no_leak", "end", "no tracking number, street or postcode shown", leaked)
        return None

    def check_cites(self, outcome: Outcome, expected: str | list[str]) -> Miss | None:
        slugs = [expected] if isinstance(expected, str) else expected
        urls = [self.shop.articles[s] for s in slugs if s in self.shop.articles]
        text = self.all_text(outcome)
        if not any(u in text for u in urls):
            cited = sorted({u for u in self.shop.articles.values() if u in text})
            return Miss("cites", "end", urls or slugs, cited or _tail("\n".join(outcome.turns[-1].texts)))
        return None

    def check_no_citation(self, outcome: Outcome, expected: bool) -> Miss | None:
        text = self.all_text(outcome)
        cited = sorted({u for u in self.shop.articles.values() if u in text})
        if expected and cited:
            return Miss("no_citation", "end", "no help article presented as the answer", cited)
        return None

    def check_mentions(self, outcome: Outcome, expected: list[str]) -> Miss | None:
        """Some reply states one of these facts (numbers from the rule tables, names such as PayPal)."""
        values = {**self.shop.rules.numbers, **(outcome.facts.get("values") or {})}
        wanted = [str(w).format(**values) for w in expected]
        text = "\n".join("\n".join(t.texts) for t in outcome.turns)
        if not any(re.search(re.escape(w), text, re.IGNORECASE) for w in wanted):
            return Miss("mentions", "end", f"one of {wanted}", _tail(text))
        return None

    def check_no_cards(self, outcome: Outcome, expected: bool) -> Miss | None:
        shown = [c.get("id") for t in outcome.turns for c in t.cards or []]
        if expected and shown:
            return Miss("no_cards", "end", "no product cards", shown)
        return None

    def check_offers_person(self, outcome: Outcome, expected: bool) -> Miss | None:
        buttons = [b for t in outcome.turns for r in t.replies for b in r.get("buttons") or []]
        offered = outcome.queue_status in {"waiting", "active"} or any(
            b.get("payload") == "/human_handoff" for b in buttons
        )
        if bool(expected) != offered:
            return Miss("offers_person", "end", expected, offered)
        return None

    def check_handoff(self, outcome: Outcome, expected: bool) -> Miss | None:
        queued = outcome.queue_status in {"waiting", "active"}
        if bool(expected) != queued:
            return Miss("handoff", "end", "queued" if expected else "not queued", outcome.queue_status)
        return None

    def check_no_form(self, outcome: Outcome, expected: bool) -> Miss | None:
        if expected and outcome.active_loop:
            return Miss("no_form", "end", "no form started for a question", outcome.active_loop)
        return None

    def check_apology(self, outcome: Outcome, expected: int) -> Miss | None:
        """The first reply to the upset message (turn `expected`) acknowledges it before anything else."""
        turn = outcome.turns[expected - 1]
        first = turn.texts[0] if turn.texts else ""
        if not any(re.search(p, first, re.IGNORECASE) for p in self.words("apology", turn.lang)):
            return Miss("apology", expected, "an apology or acknowledgement first", first[:200])
        return None

    def check_quote(self, outcome: Outcome, expected: bool) -> Miss | None:
        quote = outcome.facts.get("quote") or {}
        wanted = amounts(float(quote.get("total", 0)), str(quote.get("currency", ""))) + amounts(
            float(quote.get("total_eur", 0)), "EUR"
        )
        text = re.sub(r"[\u00a0\u202f]", " ", "\n".join("\n".join(t.texts) for t in outcome.turns))
        if not any(w in text for w in wanted):
            return Miss("quote", "end", f"total {quote.get('total')} {quote.get('currency')}", _tail(text))
        return None

    def check_products(self, outcome: Outcome, expected: bool) -> Miss | None:
        """On every recommendation turn, every card meets the constraints stated so far; and some card is
        shown when the catalogue has an in-stock product that meets them."""
        constraints: dict[str, Any] = {}
        shown_before: list[dict[str, Any]] = []
        for index, turn in enumerate(outcome.turns, start=1):
            if turn.products is None:
                continue
            step = dict(turn.products)
            if step.pop("cheaper", False) and shown_before:
                constraints["below"] = min(float(self.shop.products[p["id"]]["price"]) for p in shown_before)
            if step.pop("like", False) and shown_before:
                constraints["type"] = self.shop.products[shown_before[0]["id"]]["attributes"].get("type")
                constraints.pop("exclude", None)
            constraints.update(step)
            cards = [c for c in turn.cards or [] if c.get("id") in self.shop.products]
            bad = [
                f"{c['id']} {self.shop.products[c['id']]['title']}: {why}"
                for c in cards
                if (why := self.violation(self.shop.products[c["id"]], constraints))
            ]
            if bad:
                return Miss("products", index, describe(constraints), bad)
            if not cards:
                possible = [
                    p
                    for p in self.shop.products.values()
                    if int(p.get("stock") or 0) > 0 and not self.violation(p, constraints)
                ]
                if possible:
                    return Miss("products", index, f"cards meeting {describe(constraints)}", "no product cards")
            shown_before = cards or shown_before
        return None

    def violation(self, product: dict[str, Any], constraints: dict[str, Any]) -> str | None:
        attributes = product.get("attributes") or {}
        price = float(product["price"])
        if "type" in constraints and attributes.get("type") not in _listed(constraints["type"]):
            return f"type {attributes.get('type')}"
        if "category" in constraints and product.get("category") != constraints["category"]:
            return f"category {product.get('category')}"
        if "max_price" in constraints and price > float(constraints["max_price"]) + 0.005:
            return f"price {price} > {constraints['max_price']}"
        if "below" in constraints and price >= float(constraints["below"]) - 0.005:
            return f"price {price} not below {constraints['below']} (the cheapest shown before)"
        if "color" in constraints:
            family = (self.lexicon.get("colours") or {}).get(constraints["color"], [constraints["color"]])
            colour = str(attributes.get("color") or "").lower()
            if not any(word in colour for word in family):
                return f"colour {attributes.get('color')}"
        if "size" in constraints:
            sizes = [str(s).upper() for s in attributes.get("sizes") or [attributes.get("size")] if s]
            if str(constraints["size"]).upper() not in sizes:
                return f"sizes {sizes}"
        if "capacity" in constraints and int(attributes.get("capacity_persons") or 0) != int(constraints["capacity"]):
            return f"capacity {attributes.get('capacity_persons')}"
        return None

    def check_language(self, outcome: Outcome, expected: bool) -> Miss | None:
        """Every reply with enough words to tell is in the language the shopper is writing in (or chose)."""
        if not expected:
            return None
        samples: list[tuple[int, str, str]] = []
        for index, turn in enumerate(outcome.turns, start=1):
            for text in turn.texts:
                cleaned = language_sample(text)
                if sum(ch.isalpha() for ch in cleaned) >= MIN_LETTERS_FOR_LANGUAGE:
                    samples.append((index, turn.lang, cleaned))
        if not samples:
            return None
        guesses = self.detect([s[2] for s in samples])
        for (index, lang, text), scores in zip(samples, guesses, strict=True):
            guess = max(scores, key=lambda code: scores[code]) if scores else "?"
            # A close second (mixed sentences, names) is not a wrong language; a clear other one is.
            if guess != lang and scores.get(lang, 0.0) < LANGUAGE_CLOSE_SECOND * scores.get(guess, 0.0):
                return Miss("language", index, lang, f"{guess}: {text[:160]}")
        return None


def language_sample(text: str) -> str:
    """A reply without what every language shares: URLs, product lines, order numbers, amounts."""
    text = PRODUCT_LINE.sub(" ", text)
    text = URL.sub(" ", text)
    text = re.sub(r"\([^)]*\)", " ", text)  # "(2 items, €84.90)", "(https://...)"
    text = re.sub(r"\S*\d\S*", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def amounts(value: float, currency: str) -> list[str]:
    """The ways a reply may write an amount: 1,234.56 / 1234.56 / 1.234,56 / 1234,56 / 1 234,56 (whole units
    for currencies without decimals)."""
    if value <= 0:
        return []
    decimals = 0 if currency.upper() in ZERO_DECIMAL else 2
    us, plain = f"{value:,.{decimals}f}", f"{value:.{decimals}f}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    return list(dict.fromkeys([us, plain, eu, plain.replace(".", ","), eu.replace(".", " ")]))


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def describe(constraints: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(constraints.items())) or "none"


def _tail(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else "…" + text[-limit:]
