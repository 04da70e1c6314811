"""The shop's rule tables (`shops/<name>/rules/*.yaml`) loaded into typed values, plus date arithmetic.

Everything a shop would tune — zones, costs, duties, VAT, currency rates, order policies — lives in
data files, so changing a rate never means changing code. The orders service's quotes and policy checks,
the recommender's displayed prices and the knowledge service's structured answers all read these values
through this module, so the numbers they give cannot disagree.

Amounts in the tables are in the shop's base currency (`currencies.yaml` `base`). The home zones
(`duties.yaml` `home_zones`) are where prices include the shop's own VAT (`home_vat_rate`) and nothing is
owed on delivery; elsewhere prices are shown without it and the destination's duties/VAT apply, charged at
checkout or collected by the carrier on delivery (`collected` per country).
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
    # Parts of another zone's country this zone serves instead ({"US": ("AK", "HI")}).
    provinces: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CountryTax:
    vat: float
    duty: float
    apparel_duty: float | None
    duty_de_minimis: float
    vat_de_minimis: float | None
    # DDP: the shop charges duty/VAT at checkout; DDU: the carrier collects them from the shopper on delivery.
    paid_at_checkout: bool = True


@dataclass(frozen=True)
class Rules:
    zones: tuple[Zone, ...]
    express_multiplier: float
    home_vat_rate: float
    home_zones: tuple[str, ...]
    base_currency: str
    apparel_categories: frozenset[str]
    taxes: dict[str, CountryTax]
    rates: dict[str, float]
    zero_decimal: frozenset[str]
    orders: dict[str, Any]
    country_currency: dict[str, str]

    def zone_for(self, country: str, province: str | None = None) -> Zone | None:
        """The zone serving `country` (and, where a zone claims part of a country, `province`)."""
        country = country.upper()
        if province:
            for zone in self.zones:
                if (country, province.upper()) in zone.provinces:
                    return zone
        for zone in self.zones:
            if country in zone.countries:
                return zone
        return None

    def in_home_zone(self, country: str) -> bool:
        """Whether prices to `country` include the shop's VAT and nothing is owed on delivery."""
        zone = self.zone_for(country)
        return zone is not None and zone.name in self.home_zones

    @property
    def home_countries(self) -> frozenset[str]:
        return frozenset(c for zone in self.zones if zone.name in self.home_zones for c in zone.countries)

    def free_returns(self, country: str) -> bool:
        """Whether a return from `country` gets a free label (orders.yaml `free_return_zones`)."""
        zone = self.zone_for(country)
        return zone is not None and zone.name in self.free_return_zones

    @property
    def free_return_zones(self) -> tuple[str, ...]:
        value = self.orders.get("free_return_zones") or []
        return tuple(str(v) for v in ([value] if isinstance(value, str) else value))

    @property
    def ships_to(self) -> tuple[str, ...]:
        return tuple(c for zone in self.zones for c in zone.countries)

    def convert(self, amount_eur: float, currency: str) -> float:
        return self.round(amount_eur * self.rates[currency], currency)

    def round(self, amount: float, currency: str) -> float:
        digits = 0 if currency in self.zero_decimal else 2
        return round(amount + 0.0, digits)

    def status_label(self, status: str, language: str | None = None) -> str:
        """The shop's words for an order status: `status_labels` maps a status to a label, or to labels by
        language (`{en: Packed, de: Verpackt}`); the English one (else the first) when `language` has none."""
        value = self.orders.get("status_labels", {}).get(status)
        if isinstance(value, dict):
            value = value.get(language or "en") or value.get("en") or next(iter(value.values()), None)
        return str(value) if value else status.replace("_", " ").capitalize()

    def status_label_languages(self) -> frozenset[str]:
        """The languages every status label is written in (English when labels are plain strings)."""
        labels = [v for v in self.orders.get("status_labels", {}).values()]
        sets = [frozenset(v) if isinstance(v, dict) else frozenset({"en"}) for v in labels]
        return frozenset.intersection(*sets) if sets else frozenset()

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
                provinces=tuple(
                    (str(c).upper(), str(p).upper()) for c, ps in (z.get("provinces") or {}).items() for p in ps
                ),
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
                paid_at_checkout=_collected(t.get("collected", "checkout"), str(code)),
            )
            for code, t in duties["countries"].items()
        }
        rates = {str(k).upper(): float(v) for k, v in cur["rates"].items()}
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RulesError(f"rules in {rules_dir} are incomplete: {exc!r}") from exc
    for key in ("return_window_days", "refund_business_days"):
        if not isinstance(orders.get(key), int) or isinstance(orders.get(key), bool) or orders[key] < 0:
            raise RulesError(f"orders.yaml: {key} must be a whole number of days, got {orders.get(key)!r}")
    base = str(cur.get("base") or "").upper()
    if not base or rates.get(base) != 1.0:
        raise RulesError(
            f"currencies.yaml: `base` must name the currency the rates are per 1 of (and rates[{base or 'base'}]: 1)"
        )
    zone_names = {zone.name for zone in zones}
    raw_home = duties.get("home_zones") or []
    home_zones = tuple(str(z) for z in ([raw_home] if isinstance(raw_home, str) else raw_home))
    for name in home_zones:
        if name not in zone_names:
            raise RulesError(f"duties.yaml: home_zones names {name!r}, which is not a zone in shipping_zones.yaml")
    unknown = [name for name in (orders.get("free_return_zones") or []) if name not in zone_names]
    if unknown:
        raise RulesError(
            f"orders.yaml: free_return_zones names {unknown[0]!r}, which is not a zone in shipping_zones.yaml"
        )
    return Rules(
        zones=zones,
        express_multiplier=float(ship.get("express_multiplier", 2.5)),
        home_vat_rate=float(duties.get("home_vat_rate") or 0.0),
        home_zones=home_zones,
        base_currency=base,
        apparel_categories=frozenset(str(c).casefold() for c in duties.get("apparel_categories", [])),
        taxes=taxes,
        rates=rates,
        zero_decimal=frozenset(str(c).upper() for c in cur.get("zero_decimal", [])),
        orders=orders,
        country_currency={str(k).upper(): str(v).upper() for k, v in (cur.get("country_currency") or {}).items()},
    )


def _collected(value: Any, country: str) -> bool:
    if value not in ("checkout", "delivery"):
        raise RulesError(f"duties.yaml: {country}.collected must be checkout or delivery, got {value!r}")
    return value == "checkout"


def add_business_days(start: date | datetime, days: int) -> date:
    """`start` plus `days` working days (Mon–Fri); public holidays are not modelled."""
    current = start.date() if isinstance(start, datetime) else start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
