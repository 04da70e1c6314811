"""Builds the product catalogue from the templates in catalog_data: titles, descriptions, prices,
attributes, stock and the countries each product ships to.

Besides the public record, every product carries two latent values the shopper model uses and
that are never written out: a popularity factor and its price level within its product type.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from backends.demo_shop import facts
from backends.demo_shop.catalog_data import (
    APPAREL_SIZES,
    BRAND_TIER,
    CATEGORIES,
    CLOSERS,
    PRODUCT_TYPES,
    SHOE_SIZES,
    SOCK_SIZES,
    ProductType,
)

CATEGORY_CODE = {
    "outdoor": "OUT",
    "apparel": "APP",
    "footwear": "FTW",
    "home-kitchen": "HOM",
    "electronics": "ELC",
    "beauty": "BEA",
    "toys": "TOY",
}
ECO_WORDS = ("recycled", "organic", "fsc", "plant-based", "regenerated", "responsibly")


@dataclass
class Product:
    record: dict[str, Any]
    type_key: str
    popularity: float  # latent: how much the average shopper likes it
    price_level: int  # 0 budget, 1 mid, 2 premium within its product type

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def category(self) -> str:
        return str(self.record["category"])

    @property
    def brand(self) -> str:
        return str(self.record["brand"])

    @property
    def price(self) -> float:
        return float(self.record["price"])

    @property
    def ships_to(self) -> list[str]:
        return list(self.record["ships_to"])


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def prose_label(label: str) -> str:
    """A variant label for use inside a sentence: plain capitalised words lower-cased
    ("Self-Inflating" -> "self-inflating"), codes and names kept ("SPF 50", "Men's")."""
    words = []
    for word in label.split(" "):
        plain = (
            len(word) > 1 and word.replace("-", "").isalpha() and word[:1].isupper() and word[1:] == word[1:].lower()
        )
        words.append(word.lower() if plain else word)
    return " ".join(words)


def type_code(key: str) -> str:
    words = key.split("_")
    return (words[0][:4] if len(words) == 1 else "".join(w[:2] for w in words[:2])).upper()


def quotas(total: int) -> list[int]:
    """Products per type for a catalogue of `total`, proportional to the templates' counts
    (largest-remainder rounding, so the sum is exact)."""
    weights = [t.count for t in PRODUCT_TYPES]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def charm_price(value: float, rng: random.Random) -> float:
    """Shop-style prices: 12.99, 44.95, 129.95 or a round 149.00."""
    if value < 20:
        return round(max(math.floor(value), 4) + 0.99, 2)
    if value < 100:
        return round(max(round(value), 20) - 0.05, 2)
    if rng.random() < 0.15:
        return float(round(value / 10) * 10 - 1)
    return round(round(value / 5) * 5 - 0.05, 2)


def ships_to(restrictions: tuple[str, ...], rng: random.Random) -> list[str]:
    """Countries a product ships to. Power banks travel by road only (Europe); other products
    with lithium batteries not to the Rest-of-world zone; bulky items within Europe; fragrances
    (flammable) within the EU; knives not to GB or AU. Some brands also lack distribution
    rights in a few markets."""
    allowed = list(facts.COUNTRIES)
    if "power_bank" in restrictions:
        allowed = [c for c in allowed if c in facts.EUROPE]
    if "battery" in restrictions:
        allowed = [c for c in allowed if c not in facts.REST_OF_WORLD]
    if "bulky" in restrictions:
        allowed = [c for c in allowed if c in facts.EUROPE]
    if "flammable" in restrictions:
        allowed = [c for c in allowed if c in facts.EU]
    if "knife" in restrictions:
        allowed = [c for c in allowed if c not in ("GB", "AU")]
    roll = rng.random()
    if roll < 0.06:
        allowed = [c for c in allowed if c not in facts.NORTH_AMERICA]
    elif roll < 0.14:
        dropped = rng.sample(facts.REST_OF_WORLD, rng.randint(2, 4))
        allowed = [c for c in allowed if c not in dropped]
    return allowed


def _sizes(spec: ProductType, variant_label: str, rng: random.Random) -> dict[str, Any]:
    if spec.sizes == "apparel":
        start = rng.choice((0, 0, 1))
        end = rng.choice((len(APPAREL_SIZES) - 1, len(APPAREL_SIZES) - 2))
        sizes = list(APPAREL_SIZES[start : end + 1])
    elif spec.sizes == "socks":
        sizes = list(SOCK_SIZES)
    elif spec.sizes == "shoes":
        if variant_label.startswith("Women"):
            sizes = list(SHOE_SIZES[0:7])  # 36-42
        elif variant_label.startswith("Men"):
            sizes = list(SHOE_SIZES[4:12])  # 40-47
        else:
            sizes = list(SHOE_SIZES[0:11])  # 36-46
    elif spec.size:
        return {"size": spec.size}
    else:
        return {}
    return {"size": f"{sizes[0]}-{sizes[-1]}", "sizes": sizes}


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.18:
        return rng.randint(1, 5)
    return int(6 + rng.paretovariate(1.6) * 12) if rng.random() < 0.5 else rng.randint(6, 90)


def _one(spec: ProductType, index: int, seen_titles: set[str], rng: random.Random) -> dict[str, Any]:
    brand = spec.brands[index % len(spec.brands)] if index < len(spec.brands) else rng.choice(spec.brands)
    attrs: dict[str, Any] = {"type": spec.key}
    for _attempt in range(40):
        model = rng.choice(spec.models)
        variant = rng.choice(spec.variants)
        color = rng.choice(spec.colors) if spec.colors else None
        extras = {name: rng.choice(choices) for name, choices in spec.extra.items()}
        waterproof = None if spec.waterproof is None else rng.random() < spec.waterproof
        fields = {"brand": brand, "model": model, "variant": variant.label, "noun": spec.noun, **extras}
        noun = spec.noun
        share = spec.waterproof
        if waterproof and share is not None and 0.05 < share < 0.95 and "Waterproof" not in noun:
            noun = f"Waterproof {noun}"
        title = " ".join(spec.title.format_map({**fields, "noun": noun}).split())
        if title in seen_titles and color:
            title = f"{title} – {color}"
        if title not in seen_titles:
            break
        brand = rng.choice(spec.brands)
    else:
        title = f"{title} ({index + 1})"
    seen_titles.add(title)
    if color:
        attrs["color"] = color
    material = rng.choice(spec.materials) if spec.materials else None
    if material:
        attrs["material"] = material
    if waterproof is not None:
        attrs["waterproof"] = waterproof
    if variant.label.startswith(("Men", "Women", "Unisex")):
        attrs["gender"] = variant.label.split("'")[0].lower().replace("unisex", "unisex")
    attrs.update(_sizes(spec, variant.label, rng))
    attrs.update(variant.attrs)
    attrs.update(extras)

    fmt = {**fields, "variant": prose_label(variant.label), "material": material or "", "color": (color or "").lower()}
    intro = rng.choice(spec.intros).format_map(fmt)
    features = rng.sample(spec.features, min(len(spec.features), rng.randint(2, 3)))
    parts = [intro[0].upper() + intro[1:], *features]
    if material:
        parts.append(f"Made from {material}.")
    parts.append(rng.choice(CLOSERS[spec.category]))
    description = " ".join(" ".join(parts).split())

    base = rng.uniform(*spec.price) * BRAND_TIER.get(brand, 1.0) * variant.price
    restrictions = tuple(spec.restrictions) + tuple(variant.restrictions)
    return {
        "title": title,
        "description": description,
        "brand": brand,
        "price": charm_price(base, rng),
        "attributes": attrs,
        "weight_kg": round(rng.uniform(*spec.weight) * variant.weight, 2),
        "restrictions": restrictions,
        "material": material or "",
    }


def build_catalog(total: int, rng: random.Random) -> list[Product]:
    """`total` products across all categories, grouped by category and type, ids P0001..."""
    seen_titles: set[str] = set()
    drafts: list[tuple[ProductType, dict[str, Any]]] = []
    for spec, n in zip(PRODUCT_TYPES, quotas(total), strict=True):
        drafts.extend((spec, _one(spec, i, seen_titles, rng)) for i in range(n))
    drafts.sort(key=lambda d: CATEGORIES.index(d[0].category))  # stable: keeps type order inside a category

    products: list[Product] = []
    per_type: dict[str, int] = {}
    for number, (spec, draft) in enumerate(drafts, start=1):
        pid = f"P{number:04d}"
        per_type[spec.key] = per_type.get(spec.key, 0) + 1
        popularity = rng.lognormvariate(0.0, 0.9)
        attrs = draft["attributes"]
        tags = [spec.category, spec.key.replace("_", "-"), *spec.tags]
        if attrs.get("waterproof"):
            tags.append("waterproof")
        if any(word in draft["material"].lower() for word in ECO_WORDS):
            tags.append("eco")
        if attrs.get("vegan") or "vegan" in draft["material"].lower():
            tags.append("vegan")
        if "battery" in draft["restrictions"]:
            tags.append("battery")
        if "bulky" in draft["restrictions"]:
            tags.append("bulky")
        if rng.random() < 0.1:
            tags.append("new")
        record = {
            "id": pid,
            "sku": f"LG-{CATEGORY_CODE[spec.category]}-{type_code(spec.key)}-{per_type[spec.key]:03d}",
            "title": draft["title"],
            "description": draft["description"],
            "category": spec.category,
            "brand": draft["brand"],
            "price": draft["price"],
            "currency": "EUR",
            "attributes": attrs,
            "stock": _stock(rng),
            "ships_to": ships_to(draft["restrictions"], rng),
            "image_url": f"{facts.SHOP_URL}/images/products/{pid.lower()}.jpg",
            "url": f"{facts.SHOP_URL}/products/{slugify(draft['title'])}-{pid.lower()}",
            "weight_kg": draft["weight_kg"],
            "tags": list(dict.fromkeys(tags)),
            "rating": round(min(5.0, max(3.2, rng.gauss(4.3, 0.35) + 0.1 * math.log(popularity + 0.5))), 1),
            "review_count": int(popularity * rng.uniform(5, 60)),
        }
        products.append(Product(record, spec.key, popularity, 1))
    _mark_levels_and_bestsellers(products)
    return products


def _mark_levels_and_bestsellers(products: list[Product]) -> None:
    by_type: dict[str, list[Product]] = {}
    for p in products:
        by_type.setdefault(p.type_key, []).append(p)
    for group in by_type.values():
        ranked = sorted(group, key=lambda p: (p.price, p.id))
        for rank, p in enumerate(ranked):
            p.price_level = min(2, rank * 3 // len(ranked))
    cutoff = sorted((p.popularity for p in products), reverse=True)[max(0, len(products) // 12 - 1)]
    for p in products:
        if p.popularity >= cutoff:
            p.record["tags"].append("bestseller")
