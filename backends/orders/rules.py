"""The shop's rule tables (YAML under rules/) loaded into typed values, plus date arithmetic.

Everything a shop would tune — zones, costs, duties, VAT, currency rates, order policies — lives in
data files, so changing a rate never means changing code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml


class RulesError(ValueError):
    """A rules file is missing or malformed."""


@dataclass(frozen=True)
class Zone:
    name: str
    countries: tuple[str, ...]
    standard_cost: float
    free_above: float | None
    transit_days: tuple[int, int]
    express_days: tuple[int, int]
    carrier: str


@dataclass(frozen=True)
class CountryTax:
    vat: float
    duty: float
    apparel_duty: float | None
    duty_de_minimis: float
    vat_de_minimis: float | None


@dataclass(frozen=True)
class Rules:
    zones: tuple[Zone, ...]
    express_multiplier: float
    dutch_vat_rate: float
    apparel_categories: frozenset[str]
    taxes: dict[str, CountryTax]
    rates: dict[str, float]
    zero_decimal: frozenset[str]
    orders: dict[str, Any]
    country_currency: dict[str, str]

    def zone_for(self, country: str) -> Zone | None:
        for zone in self.zones:
            if country in zone.countries:
                return zone
        return None

    def is_eu(self, country: str) -> bool:
        zone = self.zone_for(country)
        return zone is not None and zone.name == self.orders.get("free_return_zone", "EU")

    def convert(self, amount_eur: float, currency: str) -> float:
        return self.round(amount_eur * self.rates[currency], currency)

    def round(self, amount: float, currency: str) -> float:
        digits = 0 if currency in self.zero_decimal else 2
        return round(amount + 0.0, digits)

    def status_label(self, status: str) -> str:
        return str(self.orders.get("status_labels", {}).get(status, status.replace("_", " ").capitalize()))

    def tracking_url(self, carrier: str, tracking: str) -> str:
        urls: dict[str, str] = self.orders.get("tracking_urls", {})
        template = urls.get(carrier) or urls.get(carrier.split()[0] if carrier else "") or urls.get("default", "")
        return template.replace("{tracking}", tracking) if template else ""


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise RulesError(f"rules file missing: {path}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"rules file {path} must hold a mapping")
    return data


def load_rules(rules_dir: Path, currency_rates_path: Path | None = None) -> Rules:
    ship = _load(rules_dir / "shipping_zones.yaml")
    duties = _load(rules_dir / "duties.yaml")
    cur = _load(currency_rates_path or rules_dir / "currencies.yaml")
    orders = _load(rules_dir / "orders.yaml")
    try:
        zones = tuple(
            Zone(
                name=name,
                countries=tuple(str(c).upper() for c in z["countries"]),
                standard_cost=float(z["standard_cost"]),
                free_above=None if z.get("free_above") is None else float(z["free_above"]),
                transit_days=(int(z["transit_days"][0]), int(z["transit_days"][1])),
                express_days=(int(z["express_days"][0]), int(z["express_days"][1])),
                carrier=str(z.get("carrier", "")),
            )
            for name, z in ship["zones"].items()
        )
        taxes = {
            str(code).upper(): CountryTax(
                vat=float(t["vat"]),
                duty=float(t["duty"]),
                apparel_duty=None if t.get("apparel_duty") is None else float(t["apparel_duty"]),
                duty_de_minimis=float(t.get("duty_de_minimis") or 0),
                vat_de_minimis=None if t.get("vat_de_minimis") is None else float(t["vat_de_minimis"]),
            )
            for code, t in duties["countries"].items()
        }
        rates = {str(k).upper(): float(v) for k, v in cur["rates"].items()}
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RulesError(f"rules in {rules_dir} are incomplete: {exc!r}") from exc
    if rates.get("EUR") != 1.0:
        raise RulesError("currency rates must be per 1 EUR (EUR: 1)")
    return Rules(
        zones=zones,
        express_multiplier=float(ship.get("express_multiplier", 2.5)),
        dutch_vat_rate=float(duties.get("dutch_vat_rate", 0.21)),
        apparel_categories=frozenset(str(c).casefold() for c in duties.get("apparel_categories", [])),
        taxes=taxes,
        rates=rates,
        zero_decimal=frozenset(str(c).upper() for c in cur.get("zero_decimal", [])),
        orders=orders,
        country_currency={str(k).upper(): str(v).upper() for k, v in (cur.get("country_currency") or {}).items()},
    )


def add_business_days(start: date | datetime, days: int) -> date:
    """`start` plus `days` working days (Mon–Fri); public holidays are not modelled."""
    current = start.date() if isinstance(start, datetime) else start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
