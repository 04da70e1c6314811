"""A tiny sample knowledge base (two policies, one FAQ, four products) for tests and quick experiments.

Written to a folder with `write_sample(root)`, in the same shapes as shops/lumen-goods/content and
var/demo_shop/products.jsonl, so the real ingestion code reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

SHIPPING = """---
title: Shipping
slug: shipping
url: https://shop.lumengoods.example/help/shipping
updated: 2026-01-10
---
# Shipping

Lumen Goods ships every order from its warehouse in Utrecht, the Netherlands.

## Shipping costs
Standard shipping inside the EU costs €4.95 and is free for orders above €60. Europe outside the EU
(United Kingdom, Switzerland, Norway) costs €9.95, free above €100.

## Delivery times
EU deliveries take 2–5 business days. North America takes 6–10 business days.
"""

RETURNS = """---
title: Returns and refunds
slug: returns
url: https://shop.lumengoods.example/help/returns
---
## Return window
You can return items within 30 days of delivery, unused and in their original packaging.

## Refunds
We refund the original payment method within 5 business days after the parcel reaches us.
"""

FAQ = """---
title: Frequently asked questions
slug: general
---
## Do you have a physical store?
No. Lumen Goods is an online shop only; there is no store to visit.

## Can I pay with PayPal?
Yes, we accept PayPal, Visa, Mastercard and American Express.
"""

PRODUCTS = [
    {
        "id": "P9001",
        "sku": "TB-RJ",
        "title": "Trailblazer Rain Jacket",
        "description": "A light hiking jacket.",
        "category": "apparel",
        "brand": "Nordkap",
        "price": 89.0,
        "currency": "EUR",
        "attributes": {"color": "red", "waterproof": True},
        "stock": 3,
        "ships_to": ["DE", "FR", "US"],
        "image_url": "https://shop.lumengoods.example/img/P9001.jpg",
        "url": "https://shop.lumengoods.example/p/P9001",
        "weight_kg": 0.5,
        "tags": ["rain", "hiking"],
    },
    {
        "id": "P9002",
        "sku": "HM-MUG",
        "title": "Hearth Ceramic Coffee Mug",
        "description": "Stoneware mug, 350 ml.",
        "category": "home & kitchen",
        "brand": "Hearth",
        "price": 12.5,
        "currency": "EUR",
        "attributes": {"color": "white", "dishwasher_safe": True},
        "stock": 0,
        "ships_to": ["DE", "NL"],
        "image_url": "https://shop.lumengoods.example/img/P9002.jpg",
        "url": "https://shop.lumengoods.example/p/P9002",
        "weight_kg": 0.4,
        "tags": ["coffee"],
    },
    {
        "id": "P9003",
        "sku": "VL-CBL",
        "title": "Volt USB-C Charging Cable",
        "description": "Braided 2 m cable, 100 W.",
        "category": "electronics accessories",
        "brand": "Volt",
        "price": 14.0,
        "currency": "EUR",
        "attributes": {"color": "black", "length_m": 2},
        "stock": 40,
        "ships_to": ["DE", "JP", "US", "GB"],
        "image_url": "https://shop.lumengoods.example/img/P9003.jpg",
        "url": "https://shop.lumengoods.example/p/P9003",
        "weight_kg": 0.1,
        "tags": ["usb-c"],
    },
    {
        "id": "P9004",
        "sku": "SN-TB",
        "title": "Summit Trail Boots",
        "description": "Leather hiking boots.",
        "category": "footwear",
        "brand": "Summit",
        "price": 129.0,
        "currency": "EUR",
        "attributes": {"color": "brown", "waterproof": False, "size": "42"},
        "stock": 2,
        "ships_to": ["DE", "NL"],
        "image_url": "https://shop.lumengoods.example/img/P9004.jpg",
        "url": "https://shop.lumengoods.example/p/P9004",
        "weight_kg": 1.2,
        "tags": ["hiking"],
    },
]


def write_sample(root: Path) -> tuple[Path, Path]:
    """Writes content/ (policies + faq) and products.jsonl under `root`; returns (content dir, catalog)."""
    content = Path(root) / "content"
    (content / "policies").mkdir(parents=True, exist_ok=True)
    (content / "faq").mkdir(parents=True, exist_ok=True)
    (content / "policies" / "shipping.md").write_text(SHIPPING, encoding="utf-8")
    (content / "policies" / "returns.md").write_text(RETURNS, encoding="utf-8")
    (content / "faq" / "general.md").write_text(FAQ, encoding="utf-8")
    catalog = Path(root) / "products.jsonl"
    catalog.write_text("".join(json.dumps(p) + "\n" for p in PRODUCTS), encoding="utf-8")
    return content, catalog
