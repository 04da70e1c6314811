"""Building blocks of the catalogue templates: the Variant and ProductType records, the category
names, brand price tiers, colour palettes and brand line-ups shared by the category modules.

All names are invented for Lumen Goods. Description templates may use {brand}, {model}, {noun},
{variant}, {material}, {color} and the product type's extra attribute names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    label: str
    price: float = 1.0  # multiplier
    weight: float = 1.0  # multiplier
    attrs: dict[str, Any] = field(default_factory=dict)
    restrictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductType:
    key: str
    category: str
    noun: str
    count: int  # products of this type in the default catalogue (a relative weight for other sizes)
    price: tuple[float, float]  # EUR incl. Dutch VAT, before brand and variant factors
    weight: tuple[float, float]  # kg
    brands: tuple[str, ...]
    models: tuple[str, ...]
    intros: tuple[str, ...]
    features: tuple[str, ...]
    variants: tuple[Variant, ...] = (Variant(""),)
    colors: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    waterproof: float | None = None  # chance a product is waterproof; None: attribute does not apply
    sizes: str | None = None  # "apparel", "shoes", "kids" or None
    size: str | None = None  # a fixed size/dimension text
    restrictions: tuple[str, ...] = ()  # battery, power_bank, bulky, knife, flammable
    tags: tuple[str, ...] = ()
    extra: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # attribute -> choices
    title: str = "{brand} {model} {variant} {noun}"


CATEGORIES = ("outdoor", "apparel", "footwear", "home-kitchen", "electronics", "beauty", "toys")

# Price factor per brand: the same product type costs more from a premium brand.
BRAND_TIER: dict[str, float] = {
    "Nordvik": 1.3,
    "Fjellstad": 1.4,
    "Trailwise": 1.0,
    "Cairnfield": 0.8,
    "Lumen Outdoor": 0.85,
    "Kestrel": 1.1,
    "Hollis & Vane": 1.35,
    "Mereth": 1.0,
    "Lumen Basics": 0.75,
    "Saltmarsh": 0.95,
    "Stridewell": 1.0,
    "Pavé": 1.25,
    "Dune & Dock": 0.85,
    "Oakhaven": 1.15,
    "Kernwerk": 1.35,
    "Tessel": 0.95,
    "Hearthly": 1.0,
    "Lumen Home": 0.8,
    "Voltara": 1.0,
    "Pluxo": 0.8,
    "Ampwell": 1.15,
    "Cobaltline": 1.35,
    "Lumen Tech": 0.8,
    "Dewbloom": 1.0,
    "Saltmeadow": 0.9,
    "Velora": 1.35,
    "Fennwood": 1.05,
    "Little Lantern": 1.0,
    "Bricklet": 0.9,
    "Tumbletree": 1.1,
    "Wooly Fox": 1.0,
    "Puzzlewick": 0.95,
}

OUTDOOR_COLORS = ("Forest Green", "Slate Grey", "Ember Orange", "Glacier Blue", "Sand", "Black")
APPAREL_COLORS = ("Black", "Navy", "Charcoal", "Oat", "Olive", "Rust", "Sky Blue", "White", "Burgundy", "Heather Grey")
SHOE_COLORS = ("Black", "Stone", "Navy", "Moss", "White", "Coral", "Graphite")
HOME_COLORS = ("Natural", "Charcoal", "Sage", "Terracotta", "Cream", "Midnight Blue")
TECH_COLORS = ("Black", "Graphite", "White", "Sage", "Sand", "Clear", "Cobalt Blue")
TOY_COLORS = ("Multicolour", "Natural Wood", "Pastel", "Rainbow", "Red", "Blue")

O_BRANDS = ("Nordvik", "Fjellstad", "Trailwise", "Cairnfield", "Lumen Outdoor")
A_BRANDS = ("Kestrel", "Hollis & Vane", "Mereth", "Lumen Basics", "Saltmarsh", "Nordvik")
F_BRANDS = ("Stridewell", "Pavé", "Trailwise", "Kestrel", "Dune & Dock")
H_BRANDS = ("Oakhaven", "Kernwerk", "Tessel", "Hearthly", "Lumen Home")
E_BRANDS = ("Voltara", "Pluxo", "Ampwell", "Cobaltline", "Lumen Tech")
B_BRANDS = ("Dewbloom", "Saltmeadow", "Velora", "Fennwood")
T_BRANDS = ("Little Lantern", "Bricklet", "Tumbletree", "Wooly Fox", "Puzzlewick")

PHONES = ("iPhone 16", "iPhone 15", "Galaxy S25", "Galaxy S24", "Pixel 9", "Pixel 8a")
