"""The catalogue's templates: product types with their brands, model names, variants, colours,
materials, price and weight ranges, description sentences and shipping restrictions, one module
per category (base.py holds the shared records and palettes).
"""

from __future__ import annotations

from backends.demo_shop.catalog_data.apparel import APPAREL
from backends.demo_shop.catalog_data.base import BRAND_TIER, CATEGORIES, ProductType, Variant
from backends.demo_shop.catalog_data.beauty import BEAUTY
from backends.demo_shop.catalog_data.electronics import ELECTRONICS
from backends.demo_shop.catalog_data.footwear import FOOTWEAR
from backends.demo_shop.catalog_data.home import HOME
from backends.demo_shop.catalog_data.outdoor import OUTDOOR
from backends.demo_shop.catalog_data.toys import TOYS

__all__ = [
    "APPAREL_SIZES",
    "BRAND_TIER",
    "CATEGORIES",
    "CLOSERS",
    "PRODUCT_TYPES",
    "SHOE_SIZES",
    "SOCK_SIZES",
    "TYPE_BY_KEY",
    "ProductType",
    "Variant",
]

PRODUCT_TYPES: tuple[ProductType, ...] = OUTDOOR + APPAREL + FOOTWEAR + HOME + ELECTRONICS + BEAUTY + TOYS
TYPE_BY_KEY: dict[str, ProductType] = {t.key: t for t in PRODUCT_TYPES}

# One closing sentence per category, chosen at random: care, sourcing or a practical note.
CLOSERS: dict[str, tuple[str, ...]] = {
    "outdoor": (
        "Backed by our 2-year guarantee.",
        "Tested by our team on trails in the Alps and the Ardennes.",
        "Spare parts are available through customer support.",
    ),
    "apparel": (
        "Machine wash at 30 °C and line dry to make it last.",
        "See the size guide on the product page for measurements.",
        "Made in a factory audited for fair working conditions.",
    ),
    "footwear": (
        "Runs true to size; if you are between sizes, take the larger one.",
        "EU sizing; the product page lists UK and US equivalents.",
        "Backed by our 2-year guarantee.",
    ),
    "home-kitchen": (
        "Designed to last for years of daily use.",
        "Packed in recycled cardboard without plastic fillers.",
        "Makes a thoughtful gift; add gift wrapping at checkout.",
    ),
    "electronics": (
        "Covered by a 2-year manufacturer warranty worldwide.",
        "CE marked; tested for safety in the EU.",
        "Includes a quick-start guide in six languages.",
    ),
    "beauty": (
        "Not tested on animals.",
        "For hygiene reasons, opened beauty products cannot be returned.",
        "Made in the EU.",
    ),
    "toys": (
        "Tested to EN 71 European toy safety standards.",
        "Makes a great gift; add gift wrapping at checkout.",
        "Packed without single-use plastic.",
    ),
}

APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SOCK_SIZES = ("35-38", "39-42", "43-46")
SHOE_SIZES = tuple(str(n) for n in range(36, 48))
