"""Latent shopper tastes, the hidden structure behind orders and interactions.

Each customer mixes one or two personas (camper, runner, home cook, ...): the personas set how
much the customer wants each product type and carry their own liking for individual products,
so shoppers who share a persona like the same items. On top come a few favourite brands, a price
band and everyone's shared sense of what is popular. Co-purchase patterns ("a tent goes with a
sleeping bag") live in COMPLEMENTS. Nothing here is written out; collaborative filtering has to
recover it from the interactions.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field

from backends.demo_shop.catalog import Product
from backends.demo_shop.catalog_data import PRODUCT_TYPES
from backends.demo_shop.people import Customer

# persona -> (how common the persona is, product type -> interest)
PERSONAS: dict[str, tuple[float, dict[str, float]]] = {
    "camper": (
        1.0,
        {
            "tent": 5,
            "sleeping_bag": 5,
            "sleeping_mat": 4,
            "headlamp": 3,
            "camping_stove": 3,
            "cookset": 3,
            "camp_chair": 2,
            "water_filter": 2,
            "fleece": 1,
            "beanie": 1,
            "power_bank": 1,
        },
    ),
    "hiker": (
        1.2,
        {
            "backpack": 4,
            "daypack": 3,
            "trekking_poles": 3,
            "hiking_boots": 4,
            "hiking_socks": 4,
            "rain_jacket": 4,
            "merino_base_layer": 3,
            "hiking_pants": 3,
            "water_bottle": 2,
            "water_filter": 1,
            "headlamp": 1,
            "sunscreen": 1,
        },
    ),
    "runner": (
        1.0,
        {
            "road_running_shoes": 5,
            "trail_runners": 3,
            "running_socks": 4,
            "running_shorts": 4,
            "running_tee": 4,
            "wireless_earbuds": 2,
            "smartwatch_band": 2,
            "water_bottle": 2,
            "sunscreen": 1,
        },
    ),
    "home_cook": (
        0.9,
        {
            "chef_knife": 4,
            "cutting_board": 4,
            "cast_iron_pan": 3,
            "dutch_oven": 2,
            "storage_jars": 3,
            "linen_tea_towels": 3,
            "french_press": 1,
        },
    ),
    "coffee_lover": (
        0.8,
        {"french_press": 4, "coffee_grinder": 4, "mug_set": 4, "tea_kettle": 2, "storage_jars": 1, "candle": 1},
    ),
    "tech_commuter": (
        1.2,
        {
            "phone_case": 4,
            "screen_protector": 4,
            "usb_c_cable": 4,
            "wall_charger": 3,
            "power_bank": 3,
            "wireless_earbuds": 3,
            "laptop_sleeve": 3,
            "wireless_charger": 2,
            "bluetooth_speaker": 2,
            "bike_light": 2,
            "daypack": 1,
        },
    ),
    "skincare": (
        1.0,
        {
            "cleanser": 4,
            "moisturizer": 4,
            "serum": 4,
            "face_mask": 3,
            "sunscreen": 3,
            "lip_balm": 2,
            "hand_cream": 2,
            "eau_de_parfum": 1,
        },
    ),
    "natural_care": (
        0.6,
        {"shampoo_bar": 4, "hand_cream": 3, "lip_balm": 3, "beard_oil": 2, "candle": 2, "linen_tea_towels": 1},
    ),
    "parent": (
        0.9,
        {
            "building_blocks": 4,
            "wooden_train_set": 3,
            "train_extension": 3,
            "jigsaw_puzzle": 3,
            "plush_toy": 3,
            "stacking_rings": 3,
            "bath_toys": 3,
            "kite": 2,
            "board_game": 2,
            "science_kit": 2,
        },
    ),
    "cozy_home": (
        0.8,
        {
            "throw_blanket": 4,
            "candle": 4,
            "mug_set": 3,
            "slippers": 3,
            "hoodie": 2,
            "board_game": 2,
            "jigsaw_puzzle": 2,
        },
    ),
    "urban_style": (
        1.1,
        {
            "sneakers": 4,
            "t_shirt": 4,
            "hoodie": 4,
            "chinos": 3,
            "beanie": 2,
            "sandals": 2,
            "underwear": 2,
            "down_jacket": 2,
            "rain_boots": 1,
            "laptop_sleeve": 1,
        },
    ),
    "beach": (
        0.6,
        {
            "swimwear": 4,
            "sandals": 4,
            "sunscreen": 4,
            "kite": 2,
            "water_bottle": 2,
            "t_shirt": 2,
            "bluetooth_speaker": 2,
        },
    ),
}

# Bought one of these? These often come in the same order or soon after.
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "tent": ("sleeping_bag", "sleeping_mat", "headlamp", "camp_chair", "cookset"),
    "sleeping_bag": ("sleeping_mat", "tent", "headlamp"),
    "sleeping_mat": ("sleeping_bag",),
    "camping_stove": ("cookset",),
    "cookset": ("camping_stove",),
    "backpack": ("trekking_poles", "water_bottle", "hiking_socks", "headlamp"),
    "daypack": ("water_bottle",),
    "hiking_boots": ("hiking_socks", "trekking_poles", "rain_jacket"),
    "rain_jacket": ("hiking_pants", "merino_base_layer"),
    "trail_runners": ("running_socks", "running_tee"),
    "road_running_shoes": ("running_socks", "running_shorts", "running_tee"),
    "running_shorts": ("running_tee",),
    "down_jacket": ("beanie", "merino_base_layer"),
    "fleece": ("beanie",),
    "chef_knife": ("cutting_board",),
    "cast_iron_pan": ("chef_knife", "dutch_oven"),
    "french_press": ("coffee_grinder", "mug_set"),
    "coffee_grinder": ("french_press", "storage_jars"),
    "tea_kettle": ("mug_set",),
    "phone_case": ("screen_protector", "wall_charger", "usb_c_cable"),
    "screen_protector": ("phone_case",),
    "wall_charger": ("usb_c_cable",),
    "power_bank": ("usb_c_cable",),
    "wireless_earbuds": ("wall_charger",),
    "laptop_sleeve": ("usb_c_cable", "wall_charger"),
    "cleanser": ("moisturizer", "serum"),
    "moisturizer": ("serum", "sunscreen"),
    "serum": ("moisturizer",),
    "wooden_train_set": ("train_extension",),
    "train_extension": ("train_extension",),
    "board_game": ("jigsaw_puzzle",),
    "swimwear": ("sunscreen", "sandals"),
    "throw_blanket": ("candle",),
    "sneakers": ("t_shirt",),
}

# Types a shopper happily buys again (consumables and multiples).
REPEATABLE = (
    "hiking_socks",
    "running_socks",
    "usb_c_cable",
    "cleanser",
    "moisturizer",
    "serum",
    "sunscreen",
    "lip_balm",
    "hand_cream",
    "shampoo_bar",
    "face_mask",
    "candle",
    "t_shirt",
    "underwear",
    "train_extension",
    "jigsaw_puzzle",
)
MULTI_QUANTITY = ("hiking_socks", "running_socks", "usb_c_cable", "lip_balm", "t_shirt", "candle", "shampoo_bar")
PRICE_FIT = (1.8, 0.9, 0.3)  # by distance between product level and shopper band


class _Picker:
    """Weighted sampling over a fixed list with precomputed cumulative weights."""

    def __init__(self, items: list[Product], weights: list[float]) -> None:
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> Product | None:
        if not self.items or self.cum[-1] <= 0:
            return None
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


@dataclass
class Shopper:
    customer: Customer
    activity: float
    type_weight: dict[str, float]
    favourite_brands: tuple[str, ...]
    price_band: int
    score: dict[str, float]  # product id -> liking, within its type
    overall: _Picker
    by_type: dict[str, _Picker]
    bought: list[Product] = field(default_factory=list)

    def pick(self, rng: random.Random, exclude: set[str] | None = None, tries: int = 12) -> Product | None:
        for _ in range(tries):
            p = self.overall.pick(rng)
            if p is not None and (not exclude or p.id not in exclude):
                return p
        return None

    def pick_in_type(
        self, type_key: str, rng: random.Random, exclude: set[str] | None = None, tries: int = 8
    ) -> Product | None:
        picker = self.by_type.get(type_key)
        if picker is None:
            return None
        for _ in range(tries):
            p = picker.pick(rng)
            if p is not None and (not exclude or p.id not in exclude):
                return p
        return None

    def complement_type(self, of_types: list[str], rng: random.Random) -> str | None:
        candidates = [c for t in of_types for c in COMPLEMENTS.get(t, ()) if c in self.by_type]
        if not candidates:
            return None
        weights = [1.0 + 10.0 * self.type_weight.get(c, 0.0) for c in candidates]
        return rng.choices(candidates, weights=weights)[0]


def persona_affinities(products: list[Product], rng: random.Random) -> dict[str, dict[str, float]]:
    """Each persona's own liking for each product: the item-level signal shoppers share."""
    return {name: {p.id: rng.lognormvariate(0.0, 0.9) for p in products} for name in PERSONAS}


def build_shoppers(customers: list[Customer], products: list[Product], rng: random.Random) -> list[Shopper]:
    affinity = persona_affinities(products, rng)
    names = list(PERSONAS)
    commonness = [PERSONAS[n][0] for n in names]
    all_types = [t.key for t in PRODUCT_TYPES]
    brands_of_type: dict[str, list[str]] = {}
    for p in products:
        brands_of_type.setdefault(p.type_key, [])
        if p.brand not in brands_of_type[p.type_key]:
            brands_of_type[p.type_key].append(p.brand)

    shoppers = []
    for customer in customers:
        primary = rng.choices(names, weights=commonness)[0]
        mix = {primary: 1.0}
        if rng.random() < 0.55:
            secondary = rng.choices(names, weights=commonness)[0]
            if secondary != primary:
                mix[secondary] = 0.45
        type_weight = {t: 0.02 / len(all_types) for t in all_types}
        for persona, share in mix.items():
            interests = PERSONAS[persona][1]
            total = sum(interests.values())
            for t, w in interests.items():
                type_weight[t] += share * w / total
        norm = sum(type_weight.values())
        type_weight = {t: w / norm for t, w in type_weight.items()}

        top_types = sorted(type_weight, key=lambda t: (-type_weight[t], t))[:4]
        brand_pool = [b for t in top_types for b in brands_of_type.get(t, [])]
        favourites = tuple(rng.sample(brand_pool, min(2, len(brand_pool)))) if brand_pool else ()
        band = rng.choices((0, 1, 2), weights=(0.35, 0.45, 0.2))[0]

        eligible = [p for p in products if customer.country in p.record["ships_to"]]
        score: dict[str, float] = {}
        for p in eligible:
            liking = sum(share * affinity[persona][p.id] for persona, share in mix.items()) / sum(mix.values())
            brand = 3.0 if p.brand in favourites else 1.0
            score[p.id] = p.popularity**1.0 * liking * brand * PRICE_FIT[abs(p.price_level - band)]
        grouped: dict[str, list[Product]] = {}
        for p in eligible:
            grouped.setdefault(p.type_key, []).append(p)
        by_type = {t: _Picker(items, [score[p.id] for p in items]) for t, items in grouped.items()}
        overall_weights = []
        for p in eligible:
            z = by_type[p.type_key].cum[-1]
            overall_weights.append(type_weight.get(p.type_key, 0.0) * score[p.id] / z)
        shoppers.append(
            Shopper(
                customer=customer,
                activity=rng.lognormvariate(0.0, 0.8),
                type_weight=type_weight,
                favourite_brands=favourites,
                price_band=band,
                score=score,
                overall=_Picker(eligible, overall_weights),
                by_type=by_type,
            )
        )
    return shoppers
