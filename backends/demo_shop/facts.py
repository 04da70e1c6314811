"""The shop's rule tables as the generator needs them: zones, carriers, transit times, currencies,
duties and taxes, languages. Mirrors shops/lumen-goods/README.md; change that page first.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP_URL = "https://shop.lumengoods.example"
DUTCH_VAT = 0.21
EXPRESS_MULTIPLIER = 2.5


@dataclass(frozen=True)
class Zone:
    name: str
    countries: tuple[str, ...]
    standard_cost: float  # EUR
    free_from: float | None  # EUR goods value at or above which standard shipping is free; None = never
    transit_days: tuple[int, int]  # business days, standard
    express_days: tuple[int, int]
    return_days: tuple[int, int]  # business days for a return parcel to reach Utrecht


ZONES: tuple[Zone, ...] = (
    Zone(
        "EU",
        ("NL", "BE", "DE", "FR", "ES", "PT", "IT", "AT", "IE", "PL", "SE", "DK", "FI"),
        4.95,
        60.0,
        (2, 5),
        (1, 2),
        (2, 5),
    ),
    Zone("Europe non-EU", ("GB", "CH", "NO"), 9.95, 100.0, (4, 7), (2, 4), (4, 8)),
    Zone("North America", ("US", "CA", "MX"), 14.95, 150.0, (6, 10), (2, 4), (6, 12)),
    Zone("Rest of world", ("BR", "JP", "AU", "KR", "SG", "AE", "IN", "ZA"), 19.95, None, (8, 15), (2, 4), (8, 16)),
)

COUNTRIES: tuple[str, ...] = tuple(c for zone in ZONES for c in zone.countries)
EU = ZONES[0].countries
EUROPE = ZONES[0].countries + ZONES[1].countries
NORTH_AMERICA = ZONES[2].countries
REST_OF_WORLD = ZONES[3].countries


def zone_of(country: str) -> Zone:
    for zone in ZONES:
        if country in zone.countries:
            return zone
    raise KeyError(f"no shipping zone for {country}")


def carrier_for(country: str, express: bool) -> str:
    """PostNL inside the Benelux, DHL elsewhere in the EU; DHL Express / UPS outside the EU."""
    zone = zone_of(country)
    if zone.name == "EU":
        if express:
            return "DHL Express"
        return "PostNL" if country in ("NL", "BE") else "DHL"
    return "UPS" if zone.name == "North America" else "DHL Express"


# Units per 1 EUR.
RATES: dict[str, float] = {
    "EUR": 1.0,
    "USD": 1.08,
    "GBP": 0.85,
    "CHF": 0.95,
    "NOK": 11.6,
    "SEK": 11.3,
    "DKK": 7.46,
    "PLN": 4.30,
    "CAD": 1.47,
    "MXN": 18.4,
    "BRL": 5.9,
    "JPY": 162.0,
    "AUD": 1.64,
    "KRW": 1450.0,
    "SGD": 1.45,
    "AED": 3.97,
    "INR": 90.0,
    "ZAR": 19.8,
}
ZERO_DECIMAL = ("JPY", "KRW")

CURRENCY: dict[str, str] = {
    **{c: "EUR" for c in EU},
    "SE": "SEK",
    "DK": "DKK",
    "PL": "PLN",
    "GB": "GBP",
    "CH": "CHF",
    "NO": "NOK",
    "US": "USD",
    "CA": "CAD",
    "MX": "MXN",
    "BR": "BRL",
    "JP": "JPY",
    "AU": "AUD",
    "KR": "KRW",
    "SG": "SGD",
    "AE": "AED",
    "IN": "INR",
    "ZA": "ZAR",
}

# Languages spoken by the shop's customers per country, with weights (ISO 639-1).
LANGUAGES: dict[str, tuple[tuple[str, int], ...]] = {
    "NL": (("nl", 92), ("en", 8)),
    "BE": (("nl", 55), ("fr", 42), ("de", 3)),
    "DE": (("de", 95), ("en", 5)),
    "FR": (("fr", 100),),
    "ES": (("es", 100),),
    "PT": (("pt", 100),),
    "IT": (("it", 100),),
    "AT": (("de", 100),),
    "IE": (("en", 100),),
    "PL": (("pl", 100),),
    "SE": (("sv", 100),),
    "DK": (("da", 100),),
    "FI": (("fi", 92), ("sv", 8)),
    "GB": (("en", 100),),
    "CH": (("de", 60), ("fr", 28), ("it", 12)),
    "NO": (("no", 100),),
    "US": (("en", 88), ("es", 12)),
    "CA": (("en", 75), ("fr", 25)),
    "MX": (("es", 100),),
    "BR": (("pt", 100),),
    "JP": (("ja", 100),),
    "AU": (("en", 100),),
    "KR": (("ko", 100),),
    "SG": (("en", 100),),
    "AE": (("ar", 45), ("en", 55)),
    "IN": (("en", 100),),
    "ZA": (("en", 100),),
}


@dataclass(frozen=True)
class Tax:
    vat: float
    duty: float
    apparel_duty: float  # for apparel and footwear
    duty_de_minimis: float  # EUR goods value at or below which no duty is due
    vat_de_minimis: float | None  # EUR goods value at or below which no VAT is due; None = VAT always


# Import VAT/GST and duties collected at checkout (DDP) outside the EU.
TAXES: dict[str, Tax] = {
    "GB": Tax(0.20, 0.02, 0.04, 150, None),
    "CH": Tax(0.081, 0.03, 0.03, 0, 65),
    "NO": Tax(0.25, 0.0, 0.0, 35, None),
    "US": Tax(0.0, 0.03, 0.06, 0, None),
    "CA": Tax(0.05, 0.03, 0.08, 40, None),
    "MX": Tax(0.16, 0.10, 0.10, 50, None),
    "BR": Tax(0.17, 0.20, 0.20, 0, None),
    "JP": Tax(0.10, 0.0, 0.05, 85, None),
    "AU": Tax(0.10, 0.05, 0.05, 600, None),
    "KR": Tax(0.10, 0.08, 0.08, 0, None),
    "SG": Tax(0.09, 0.0, 0.0, 0, None),
    "AE": Tax(0.05, 0.05, 0.05, 0, None),
    "IN": Tax(0.18, 0.10, 0.10, 0, None),
    "ZA": Tax(0.15, 0.15, 0.15, 0, None),
}
APPAREL_CATEGORIES = ("apparel", "footwear")

PAYMENT_METHODS = ("visa", "mastercard", "amex", "paypal", "apple_pay", "google_pay", "klarna", "bank_transfer")


def payment_weights(country: str) -> list[tuple[str, int]]:
    """Which payment methods shoppers in `country` use, roughly how often. Klarna is EU only,
    iDEAL Dutch, Bancontact Belgian."""
    weights = [
        ("visa", 24),
        ("mastercard", 18),
        ("amex", 5),
        ("paypal", 20),
        ("apple_pay", 10),
        ("google_pay", 7),
        ("bank_transfer", 8),
    ]
    if country in EU:
        weights.append(("klarna", 9))
    if country == "NL":
        weights.append(("ideal", 60))
    if country == "BE":
        weights.append(("bancontact", 40))
    return weights


def money(amount: float, currency: str) -> float:
    """Rounded to the currency's minor unit (whole yen and won)."""
    digits = 0 if currency in ZERO_DECIMAL else 2
    return float(round(amount + 0.0, digits))
