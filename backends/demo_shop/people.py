"""Demo customers: names fitting their country and language, unique emails at example domains,
home addresses with country-shaped postcodes, the country's currency, sign-up dates.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backends.demo_shop import facts
from backends.demo_shop.people_data import (
    CITIES,
    COUNTRY_WEIGHTS,
    EMAIL_DOMAINS,
    NAME_STYLE,
    NAMES,
    NUMBER_FIRST,
    STREETS,
)

_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d"})


@dataclass
class Customer:
    record: dict[str, Any]
    created: datetime
    address: dict[str, str]  # name, line1, city, postcode, country

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def country(self) -> str:
        return str(self.record["country"])

    @property
    def currency(self) -> str:
        return str(self.record["currency"])


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def postcode(pattern: str, rng: random.Random) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(rng.randint(0, 9)))
        elif ch == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTVWXZ"))
        else:
            out.append(ch)
    return "".join(out)


def street_line(country: str, rng: random.Random) -> str:
    street = rng.choice(STREETS[country])
    if country == "JP":
        return f"{rng.randint(1, 6)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} {street}"
    number = str(rng.randint(1, 180))
    if rng.random() < 0.12 and country in ("NL", "DE", "BE"):
        number += rng.choice("abc")
    return f"{number} {street}" if country in NUMBER_FIRST else f"{street} {number}"


def random_address(country: str, name: str, rng: random.Random) -> dict[str, str]:
    city, pattern = rng.choice(CITIES[country])
    return {
        "name": name,
        "line1": street_line(country, rng),
        "city": city,
        "postcode": postcode(pattern, rng),
        "country": country,
    }


def person_name(country: str, language: str, rng: random.Random) -> tuple[str, str]:
    style = NAME_STYLE.get((country, language), language)
    firsts, lasts = NAMES[style]
    return rng.choice(firsts), rng.choice(lasts)


def _email(first: str, last: str, taken: set[str], rng: random.Random) -> str:
    f, last_slug = ascii_slug(first), ascii_slug(last)
    domain = rng.choice(EMAIL_DOMAINS)
    shapes = (f"{f}.{last_slug}", f"{f}{last_slug}", f"{f[0]}.{last_slug}", f"{f}_{last_slug}")
    local = rng.choice(shapes)
    candidate = f"{local}@{domain}"
    while candidate in taken:
        candidate = f"{local}{rng.randint(2, 999)}@{domain}"
    taken.add(candidate)
    return candidate


def _countries(n: int, rng: random.Random) -> list[str]:
    """Every shipping country gets a few customers, the rest follow COUNTRY_WEIGHTS."""
    per_country = 3 if n >= 6 * len(facts.COUNTRIES) else 1 if n >= len(facts.COUNTRIES) else 0
    chosen = [c for c in facts.COUNTRIES for _ in range(per_country)]
    codes = list(COUNTRY_WEIGHTS)
    chosen += rng.choices(codes, weights=[COUNTRY_WEIGHTS[c] for c in codes], k=n - len(chosen))
    rng.shuffle(chosen)
    return chosen


def build_customers(n: int, now: datetime, rng: random.Random) -> list[Customer]:
    """`n` customers, ids C0001... in sign-up order."""
    taken: set[str] = set()
    drafts = []
    for country in _countries(n, rng):
        langs = facts.LANGUAGES[country]
        language = rng.choices([lang for lang, _ in langs], weights=[w for _, w in langs])[0]
        first, last = person_name(country, language, rng)
        name = f"{first} {last}"
        if rng.random() < 0.65:
            created = now - timedelta(days=rng.uniform(400, 1100))
        else:
            created = now - timedelta(days=rng.uniform(1, 400))
        created = created.replace(microsecond=0)
        address = random_address(country, name, rng)
        drafts.append((created, name, first, last, country, language, address))
    drafts.sort(key=lambda d: d[0])
    customers = []
    for number, (created, name, first, last, country, language, address) in enumerate(drafts, start=1):
        record = {
            "id": f"C{number:04d}",
            "name": name,
            "email": _email(first, last, taken, rng),
            "postcode": address["postcode"],
            "country": country,
            "language": language,
            "currency": facts.CURRENCY[country],
            "created_at": iso(created),
            "line1": address["line1"],
            "city": address["city"],
        }
        customers.append(Customer(record, created, address))
    return customers
