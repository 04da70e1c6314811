"""Writes the example shop Kettle & Crane's catalog and order history as Shopify CSV exports.

Output: shops/kettle-and-crane/data/products.csv (Shopify's product CSV, one row per variant) and
orders.csv (Shopify's order export, one row per line item), both deterministic: the same files on every run,
so they are committed and the importers' tests can name rows. Dates are relative to the fixed NOW below
(shops/kettle-and-crane/data/README.md explains the layout, the states and example orders).

The shop's numbers (zone costs, thresholds, tax and duty rates) are read from the shop's rules/*.yaml, so the
orders agree with the policies; only the US state sales-tax rates, which the shop's checkout computes, live
here.

    .venv/bin/python scripts/generate_kettle_and_crane.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "shops" / "kettle-and-crane"
TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)  # a Monday morning in Portland
SEED = 1001
N_ORDERS = 200

PRODUCT_COLUMNS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "SEO Title", "SEO Description", "Google Shopping / Google Product Category", "Google Shopping / Gender",
    "Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition",
    "Google Shopping / Custom Product", "Variant Image", "Variant Weight Unit", "Variant Tax Code", "Cost per item",
    "Included / United States", "Price / United States", "Compare At Price / United States",
    "Included / International", "Price / International", "Compare At Price / International", "Status",
]  # fmt: skip

ORDER_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City",
    "Billing Zip", "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes", "Cancelled at",
    "Payment Method", "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance", "Employee",
    "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name",
    "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References",
]  # fmt: skip

CATEGORY = {
    "Kettles": "Home & Garden > Kitchen & Dining > Kitchen Appliances > Electric Kettles",
    "Stovetop": "Home & Garden > Kitchen & Dining > Cookware & Bakeware > Cookware > Tea Kettles",
    "Grinders": "Home & Garden > Kitchen & Dining > Kitchen Appliances > Coffee Grinders",
    "Pour-Over": "Home & Garden > Kitchen & Dining > Kitchen Tools & Utensils > Coffee & Tea Accessories",
    "Scales": "Home & Garden > Kitchen & Dining > Kitchen Tools & Utensils > Kitchen Scales",
    "Filters": "Home & Garden > Kitchen & Dining > Coffee & Tea Accessories > Coffee Filters",
    "Espresso Accessories": "Home & Garden > Kitchen & Dining > Coffee & Tea Accessories > Espresso Accessories",
    "Mugs": "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
    "Tea Ware": "Home & Garden > Kitchen & Dining > Tableware > Coffee & Tea Sets",
    "Coffee": "Food, Beverages & Tobacco > Beverages > Coffee",
    "Tea": "Food, Beverages & Tobacco > Beverages > Tea & Infusions",
    "Gift Cards": "Gift Cards",
}


@dataclass(frozen=True)
class Product:
    handle: str
    title: str
    type: str
    vendor: str
    body: str
    tags: tuple[str, ...]
    option1: tuple[str, tuple[str, ...]]
    prices: tuple[float, ...]  # one per Option1 value (Option2 never changes the price)
    grams: tuple[int, ...]  # one per Option1 value
    option2: tuple[str, tuple[str, ...]] | None = None
    compare_at: float | None = None
    category: str | None = None  # key of CATEGORY when it differs from the type
    status: str = "active"


GRINDS = ("Whole Bean", "Espresso", "Drip", "Pour-Over", "French Press")


def _coffee(handle: str, title: str, notes: str, small: float, large: float) -> Product:
    return Product(
        handle, title, "Coffee", "Kettle & Crane Roastery",
        f"<p>{notes}</p><p>Roasted in Portland on Tuesdays and Fridays; roast date on every bag.</p>",
        ("coffee", "consumable", "food", "subscription-eligible"),
        ("Size", ("12 oz", "2 lb")), (small, large), (390, 960), option2=("Grind", GRINDS),
    )  # fmt: skip


def _tea(handle: str, title: str, notes: str, tin: float, bag: float) -> Product:
    return Product(
        handle, title, "Tea", "Juniper Tea Co.", f"<p>{notes}</p>", ("tea", "consumable", "food"),
        ("Size", ("2 oz tin", "8 oz bag")), (tin, bag), (110, 260),
    )  # fmt: skip


CATALOG: tuple[Product, ...] = (
    # Kettles
    Product("gooseneck-electric-kettle", "Kettle & Crane Gooseneck Electric Kettle", "Kettles", "Kettle & Crane",
            "<p>Variable temperature from 104 to 212 °F, 60-minute hold, counterbalanced handle. 120 V.</p>",
            ("kettle", "electric", "gooseneck", "variable-temperature", "pour-over"),
            ("Size", ("0.6 L", "0.9 L")), (149.0, 165.0), (1050, 1250),
            option2=("Color", ("Matte Black", "Brushed Steel", "Sage", "Cream"))),
    Product("heron-variable-temperature-kettle", "Heron Variable-Temperature Kettle 1.2 L", "Kettles",
            "Pacific Steam", "<p>Six presets for green, white, oolong, black tea and coffee. 120 V.</p>",
            ("kettle", "electric", "variable-temperature", "tea"), ("Color", ("Black", "White")),
            (119.0, 119.0), (1400, 1400)),
    Product("glass-electric-kettle", "Glass Electric Kettle 1.7 L", "Kettles", "Pacific Steam",
            "<p>Borosilicate glass, auto shut-off, boil-dry protection. 120 V.</p>",
            ("kettle", "electric", "glass"), ("Size", ("1.7 L",)), (69.0,), (1500,)),
    Product("travel-electric-kettle", "Travel Electric Kettle 0.6 L", "Kettles", "Pacific Steam",
            "<p>Folding handle and a cord that stores in the base. 120 V.</p>", ("kettle", "electric", "travel"),
            ("Color", ("White", "Charcoal")), (49.0, 49.0), (800, 800), compare_at=59.0),
    Product("stovetop-gooseneck-kettle", "Ferro Stovetop Gooseneck Kettle", "Kettles", "Ferro & Flame",
            "<p>Stainless steel, built-in thermometer, induction ready.</p>",
            ("kettle", "stovetop", "gooseneck", "induction-ready", "pour-over"), ("Size", ("0.6 L", "0.9 L")),
            (59.0, 69.0), (700, 850), option2=("Color", ("Stainless", "Copper", "Matte Black")), category="Stovetop"),
    Product("classic-whistling-kettle", "Classic Enamel Whistling Kettle 1.7 L", "Kettles", "Ferro & Flame",
            "<p>Enamel-on-steel, whistles at the boil, induction ready.</p>",
            ("kettle", "stovetop", "induction-ready"), ("Color", ("Red", "Cobalt", "White")), (54.0, 54.0, 54.0),
            (1300, 1300, 1300), category="Stovetop"),
    # Grinders
    Product("oaken-mill-conical-burr-grinder", "Oaken Mill Conical Burr Grinder", "Grinders", "Oaken Mill",
            "<p>40 mm steel conical burrs, 40 grind settings from espresso to French press. 120 V.</p>",
            ("grinder", "electric", "burr"), ("Color", ("Black", "White")), (249.0, 249.0), (3200, 3200)),
    Product("oaken-mill-flat-burr-grinder-pro", "Oaken Mill Flat Burr Grinder Pro", "Grinders", "Oaken Mill",
            "<p>64 mm flat burrs, stepless adjustment, single-dose hopper. 120 V.</p>",
            ("grinder", "electric", "burr", "espresso", "single-dose"), ("Color", ("Black", "Silver")),
            (449.0, 449.0), (5400, 5400)),
    Product("kettle-and-crane-hand-grinder", "Kettle & Crane Hand Grinder", "Grinders", "Kettle & Crane",
            "<p>Stainless steel burrs, 30 g capacity, folding crank.</p>", ("grinder", "manual", "burr", "travel"),
            ("Color", ("Walnut", "Black")), (129.0, 129.0), (620, 620)),
    Product("compact-travel-hand-grinder", "Compact Travel Hand Grinder", "Grinders", "Oaken Mill",
            "<p>Fits inside a travel press; 20 g capacity.</p>", ("grinder", "manual", "travel"),
            ("Color", ("Silver",)), (79.0,), (420,)),
    Product("conical-replacement-burr-set", "Replacement Burr Set for Oaken Mill Conical", "Grinders", "Oaken Mill",
            "<p>Upper and lower 40 mm conical burrs.</p>", ("grinder", "parts", "burr"), ("Size", ("40 mm",)),
            (39.0,), (180,)),
    # Pour-over, brewers and scales
    Product("ceramic-v-dripper", "Stillwater Ceramic V Dripper", "Pour-Over", "Stillwater Ceramics",
            "<p>Spiral ribs, single large hole. Size 01 brews 1–2 cups, size 02 brews 1–4 cups.</p>",
            ("pour-over", "dripper", "ceramic"), ("Size", ("01", "02")), (24.0, 28.0), (380, 460),
            option2=("Color", ("White", "Charcoal", "Terracotta"))),
    Product("hourglass-pour-over-brewer", "Hourglass Pour-Over Brewer", "Pour-Over", "Kettle & Crane",
            "<p>Borosilicate glass with a walnut collar and leather tie.</p>", ("pour-over", "glass", "carafe"),
            ("Size", ("3 Cup", "6 Cup", "8 Cup")), (45.0, 49.0, 55.0), (450, 600, 700)),
    Product("glass-pour-over-carafe", "Glass Pour-Over Carafe", "Pour-Over", "Kettle & Crane",
            "<p>Heat-resistant server with measurement marks.</p>", ("pour-over", "glass", "server"),
            ("Size", ("400 ml", "600 ml")), (28.0, 32.0), (300, 380)),
    Product("flat-bottom-steel-dripper", "Flat-Bottom Steel Dripper", "Pour-Over", "Ferro & Flame",
            "<p>Three small holes for even, forgiving extraction.</p>", ("pour-over", "dripper", "steel"),
            ("Color", ("Stainless", "Matte Black")), (38.0, 38.0), (260, 260)),
    Product("pocket-press-brewer", "Pocket Press Brewer", "Pour-Over", "Kettle & Crane",
            "<p>Immersion and pressure in one travel brewer.</p>", ("brewer", "travel", "immersion"),
            ("Color", ("Clear", "Smoke")), (39.0, 39.0), (310, 310)),
    Product("french-press", "Kettle & Crane French Press", "Pour-Over", "Kettle & Crane",
            "<p>Double-walled stainless steel keeps coffee hot for an hour.</p>", ("french-press", "immersion"),
            ("Size", ("12 oz", "34 oz", "51 oz")), (35.0, 45.0, 55.0), (600, 900, 1150),
            option2=("Color", ("Stainless", "Matte Black"))),
    Product("cold-brew-pitcher", "Cold Brew Pitcher 1.5 L", "Pour-Over", "Pacific Steam",
            "<p>Fine mesh filter for 12–24 hour cold brew.</p>", ("cold-brew", "immersion", "glass"),
            ("Size", ("1.5 L",)), (34.0,), (900,)),
    Product("walnut-pour-over-stand", "Walnut Pour-Over Stand", "Pour-Over", "Kettle & Crane",
            "<p>Oregon black walnut stand with a steel ring for any dripper.</p>", ("pour-over", "stand", "walnut"),
            ("Size", ("Single",)), (59.0,), (800,)),
    Product("reusable-stainless-filter", "Reusable Stainless Pour-Over Filter", "Pour-Over", "Ferro & Flame",
            "<p>Double-layer mesh for V drippers size 02.</p>", ("pour-over", "filter", "reusable"),
            ("Size", ("02",)), (24.0,), (90,)),
    Product("coffee-scale-with-timer", "Kettle & Crane Coffee Scale with Timer", "Scales", "Kettle & Crane",
            "<p>0.1 g resolution, 2 kg capacity, USB-C rechargeable.</p>", ("scale", "pour-over", "rechargeable"),
            ("Color", ("Black", "White")), (59.0, 59.0), (500, 500)),
    Product("precision-espresso-scale", "Precision Espresso Scale", "Scales", "Oaken Mill",
            "<p>Fits on a drip tray, auto-timer starts with the first drop.</p>", ("scale", "espresso"),
            ("Color", ("Black",)), (89.0,), (350,)),
    # Filters
    Product("v-dripper-paper-filters", "V Dripper Paper Filters (100 count)", "Filters", "Stillwater Ceramics",
            "<p>Oxygen-bleached white paper filters.</p>", ("filters", "paper"), ("Size", ("01", "02")),
            (8.0, 8.0), (140, 160)),
    Product("hourglass-brewer-filters", "Hourglass Brewer Bonded Filters (100 count)", "Filters", "Kettle & Crane",
            "<p>Thick bonded filters for a clean, bright cup.</p>", ("filters", "paper"),
            ("Size", ("3 Cup", "6 Cup")), (12.0, 12.0), (260, 300)),
    Product("flat-bottom-paper-filters", "Flat-Bottom Paper Filters 185 (100 count)", "Filters", "Ferro & Flame",
            "<p>Wave filters for flat-bottom drippers.</p>", ("filters", "paper"), ("Size", ("185",)), (10.0,),
            (120,)),
    # Espresso accessories
    Product("calibrated-tamper", "Calibrated Espresso Tamper", "Espresso Accessories", "Oaken Mill",
            "<p>Spring-loaded for a consistent 30 lb tamp.</p>", ("espresso", "tamper"),
            ("Size", ("53 mm", "54 mm", "58 mm")), (45.0, 45.0, 45.0), (450, 460, 480),
            option2=("Color", ("Walnut", "Black"))),
    Product("milk-pitcher", "Latte Art Milk Pitcher", "Espresso Accessories", "Ferro & Flame",
            "<p>Sharp spout for latte art, measurement lines inside.</p>", ("espresso", "milk", "latte-art"),
            ("Size", ("12 oz", "20 oz")), (22.0, 26.0), (200, 260),
            option2=("Color", ("Stainless", "Black", "Copper"))),
    Product("espresso-knock-box", "Espresso Knock Box", "Espresso Accessories", "Oaken Mill",
            "<p>Rubber bar and non-slip base.</p>", ("espresso", "knock-box"), ("Color", ("Black",)), (35.0,),
            (700,)),
    Product("wdt-distribution-tool", "WDT Distribution Tool", "Espresso Accessories", "Oaken Mill",
            "<p>Eight 0.3 mm needles break up clumps before tamping.</p>", ("espresso", "distribution"),
            ("Color", ("Walnut",)), (25.0,), (60,)),
    Product("bottomless-portafilter", "Bottomless Portafilter 58 mm", "Espresso Accessories", "Oaken Mill",
            "<p>See your extraction; fits E61 group heads.</p>", ("espresso", "portafilter"), ("Size", ("58 mm",)),
            (69.0,), (600,)),
    Product("espresso-shot-glasses", "Espresso Shot Glasses (set of 2)", "Espresso Accessories", "Pacific Steam",
            "<p>Marked at 1 and 2 oz.</p>", ("espresso", "glass"), ("Size", ("3 oz",)), (16.0,), (200,)),
    Product("espresso-cleaning-powder", "Espresso Machine Cleaning Powder 500 g", "Espresso Accessories",
            "Oaken Mill", "<p>For backflushing and soaking baskets and pitchers.</p>", ("espresso", "cleaning"),
            ("Size", ("500 g",)), (15.0,), (550,)),
    # Mugs and cups
    Product("stillwater-stoneware-mug", "Stillwater Stoneware Mug", "Mugs", "Stillwater Ceramics",
            "<p>Wheel-thrown in Oregon. Dishwasher and microwave safe.</p>", ("mug", "ceramic", "dishwasher-safe"),
            ("Size", ("8 oz", "12 oz", "16 oz")), (24.0, 28.0, 32.0), (300, 380, 450),
            option2=("Color", ("Fog", "Moss", "Rust", "Ink"))),
    Product("double-walled-glass-cups", "Double-Walled Glass Cups (set of 2)", "Mugs", "Pacific Steam",
            "<p>Hand wash only. Keeps drinks hot and hands cool.</p>", ("cup", "glass", "hand-wash"),
            ("Size", ("5 oz", "8 oz", "12 oz")), (26.0, 30.0, 34.0), (250, 320, 400)),
    Product("insulated-travel-tumbler", "Insulated Travel Tumbler", "Mugs", "Kettle & Crane",
            "<p>Vacuum insulated, leak-proof lid, fits cup holders.</p>", ("tumbler", "travel", "insulated"),
            ("Size", ("12 oz", "16 oz")), (32.0, 36.0), (330, 380), option2=("Color", ("Black", "Sand", "Forest"))),
    Product("espresso-cups-with-saucers", "Espresso Cups with Saucers (set of 2)", "Mugs", "Stillwater Ceramics",
            "<p>3 oz porcelain cups with thick walls to hold heat.</p>", ("cup", "espresso", "ceramic"),
            ("Color", ("White", "Speckle")), (28.0, 28.0), (420, 420)),
    Product("enamel-camp-mug", "Enamel Camp Mug", "Mugs", "Ferro & Flame", "<p>12 oz enamel-on-steel mug.</p>",
            ("mug", "enamel", "outdoor"), ("Color", ("White", "Blue", "Green")), (18.0, 18.0, 18.0),
            (220, 220, 220)),
    Product("latte-bowl-cup", "Latte Bowl Cup 10 oz", "Mugs", "Stillwater Ceramics",
            "<p>Wide cup for lattes and latte art. Hand-painted rim: hand wash only.</p>",
            ("cup", "ceramic", "latte-art", "hand-wash"), ("Color", ("Cream", "Slate")), (26.0, 26.0), (360, 360)),
    Product("holiday-speckle-mug-2026", "Holiday Speckle Mug (2026)", "Mugs", "Stillwater Ceramics",
            "<p>Limited holiday edition, launching in December.</p>", ("mug", "ceramic", "limited"),
            ("Size", ("12 oz",)), (30.0,), (380,), status="draft"),
    # Tea ware
    Product("cast-iron-teapot", "Cast-Iron Teapot 0.8 L", "Tea Ware", "Juniper Tea Co.",
            "<p>Enamel-lined with a stainless infuser. Not for stovetop use.</p>", ("teapot", "cast-iron"),
            ("Color", ("Black", "Red")), (68.0, 68.0), (1600, 1600)),
    Product("glass-teapot-with-infuser", "Glass Teapot with Infuser 1 L", "Tea Ware", "Pacific Steam",
            "<p>Borosilicate glass, removable stainless infuser.</p>", ("teapot", "glass"), ("Size", ("1 L",)),
            (42.0,), (700,)),
    Product("stillwater-ceramic-teapot", "Stillwater Ceramic Teapot", "Tea Ware", "Stillwater Ceramics",
            "<p>Wheel-thrown teapot for four cups.</p>", ("teapot", "ceramic"), ("Color", ("Fog", "Moss")),
            (58.0, 58.0), (900, 900)),
    Product("matcha-set", "Matcha Set (bowl, whisk and scoop)", "Tea Ware", "Juniper Tea Co.",
            "<p>Ceramic chawan, 100-prong bamboo whisk and bamboo scoop.</p>", ("matcha", "tea", "gift"),
            ("Color", ("Celadon", "Black")), (64.0, 64.0), (850, 850)),
    Product("tea-infuser-basket", "Stainless Tea Infuser Basket", "Tea Ware", "Juniper Tea Co.",
            "<p>Fits most mugs and teapots.</p>", ("tea", "infuser"), ("Size", ("Standard",)), (14.0,), (60,)),
    Product("gongfu-travel-tea-set", "Gongfu Travel Tea Set", "Tea Ware", "Juniper Tea Co.",
            "<p>Gaiwan, pitcher and four cups in a padded case.</p>", ("tea", "gongfu", "travel", "gift"),
            ("Color", ("White",)), (48.0,), (900,)),
    Product("tea-tin-canister", "Airtight Tea Tin", "Tea Ware", "Juniper Tea Co.",
            "<p>Double lid keeps tea or coffee fresh.</p>", ("tea", "storage", "coffee"), ("Size", ("Small", "Large")),
            (14.0, 18.0), (150, 220), option2=("Color", ("Matte Black", "Brass"))),
    # Coffee
    _coffee("crane-house-blend", "Crane House Blend", "Chocolate, toasted almond and cherry. Medium roast.", 17.0,
            42.0),
    _coffee("division-street-espresso", "Division Street Espresso", "Caramel, dark cocoa, orange. Medium-dark.",
            18.0, 44.0),
    _coffee("ethiopia-yirgacheffe", "Ethiopia Yirgacheffe Washed", "Jasmine, bergamot, lemon. Light roast.", 21.0,
            52.0),
    _coffee("colombia-huila-pink-bourbon", "Colombia Huila Pink Bourbon", "Red grape, hibiscus. Light roast.", 23.0,
            56.0),
    _coffee("guatemala-huehuetenango", "Guatemala Huehuetenango", "Brown sugar, apple, walnut. Medium roast.", 19.0,
            48.0),
    _coffee("swiss-water-decaf", "Swiss Water Decaf", "Milk chocolate and plum; Swiss Water Process decaf.", 19.0,
            48.0),
    _coffee("roasters-choice", "Roaster's Choice Single Origin", "A different single origin each roast day.", 20.0,
            50.0),
    # Tea
    _tea("mt-hood-breakfast", "Mt. Hood Breakfast Black Tea", "Assam and Ceylon, malty and bold.", 12.0, 32.0),
    _tea("jasmine-pearls", "Jasmine Pearls Green Tea", "Hand-rolled green tea scented with jasmine.", 16.0, 44.0),
    _tea("oregon-peppermint", "Oregon Peppermint Herbal Tea", "Willamette Valley peppermint, caffeine free.", 10.0,
         26.0),
    _tea("roasted-oolong", "Roasted Oolong", "Charcoal-roasted oolong, toasty and sweet.", 15.0, 40.0),
    Product("ceremonial-matcha", "Ceremonial Matcha 30 g", "Tea", "Juniper Tea Co.",
            "<p>Stone-ground first-harvest matcha from Uji.</p>", ("tea", "matcha", "consumable", "food"),
            ("Size", ("30 g tin",)), (28.0,), (90,)),
    # Gift cards
    Product("gift-card", "Kettle & Crane Gift Card", "Gift Cards", "Kettle & Crane",
            "<p>Digital gift card, emailed on the date you choose. Never expires.</p>", ("gift-card",),
            ("Denominations", ("$25", "$50", "$100", "$250", "$500")), (25.0, 50.0, 100.0, 250.0, 500.0),
            (0, 0, 0, 0, 0)),
)  # fmt: skip


def _code(text: str, n: int = 3) -> str:
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    return letters[:n] or "X"


def sku_for(p: Product, v1: str, v2: str | None) -> str:
    base = "KC-" + "".join(w[0] for w in p.handle.split("-") if w)[:5].upper()
    parts = [base, _code(v1, 4)]
    if v2 is not None:
        parts.append(_code(v2, 3))
    return "-".join(parts)


@dataclass(frozen=True)
class Variant:
    product: Product
    option1: str
    option2: str | None
    price: float
    grams: int
    sku: str

    @property
    def name(self) -> str:
        """The line-item name Shopify writes: 'Title - Option1 / Option2' (no suffix for a lone Default)."""
        values = [self.option1] + ([self.option2] if self.option2 else [])
        return f"{self.product.title} - {' / '.join(values)}"


def variants(p: Product) -> list[Variant]:
    out = []
    for i, v1 in enumerate(p.option1[1]):
        for v2 in p.option2[1] if p.option2 else (None,):
            out.append(Variant(p, v1, v2, p.prices[i], p.grams[i], sku_for(p, v1, v2)))
    return out


def money(x: float) -> str:
    return f"{x:.2f}"


def product_rows(rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for p in CATALOG:
        for n, v in enumerate(variants(p)):
            gift = p.type == "Gift Cards"
            qty = 0 if gift else rng.choice([0, 3, 8, 12, 20, 35, 60, 120]) if p.status == "active" else 0
            row = dict.fromkeys(PRODUCT_COLUMNS, "")
            row.update(
                {
                    "Handle": p.handle,
                    "Option1 Value": v.option1,
                    "Option2 Value": v.option2 or "",
                    "Variant SKU": v.sku,
                    "Variant Grams": str(v.grams),
                    "Variant Inventory Tracker": "" if gift else "shopify",
                    "Variant Inventory Qty": str(qty),
                    "Variant Inventory Policy": "deny",
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": money(v.price),
                    "Variant Compare At Price": money(p.compare_at) if p.compare_at else "",
                    "Variant Requires Shipping": "false" if gift else "true",
                    "Variant Taxable": "false" if gift else "true",
                    "Variant Weight Unit": "lb",
                }
            )
            if n == 0:  # Shopify writes the product's own columns on its first row only
                row.update(
                    {
                        "Title": p.title,
                        "Body (HTML)": p.body,
                        "Vendor": p.vendor,
                        "Product Category": CATEGORY[p.category or p.type],
                        "Type": p.type,
                        "Tags": ", ".join(p.tags),
                        "Published": "false" if p.status == "draft" else "true",
                        "Option1 Name": p.option1[0],
                        "Option2 Name": p.option2[0] if p.option2 else "",
                        "Image Src": f"https://cdn.kettleandcrane.example/products/{p.handle}.jpg",
                        "Image Position": "1",
                        "Image Alt Text": p.title,
                        "Gift Card": "true" if gift else "false",
                        "Included / United States": "true",
                        "Included / International": "true",
                        "Status": p.status,
                    }
                )
            rows.append(row)
    return rows


# --- orders ----------------------------------------------------------------------------------------------

FIRST = (
    "Ava", "Ben", "Carmen", "Dmitri", "Elena", "Farah", "Gabe", "Hana", "Isaac", "Jun", "Keisha", "Liam", "Maya",
    "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wren", "Ximena", "Yusuf", "Zoe",
    "Amelie", "Bastien", "Chloe", "Diego", "Esme", "Felipe", "Gael", "Ines", "Jacques", "Lucia", "Mateo", "Nadia",
)  # fmt: skip
LAST = (
    "Anderson", "Brooks", "Castillo", "Dubois", "Erikson", "Fischer", "Garcia", "Huang", "Ibarra", "Jensen",
    "Kowalski", "Lefebvre", "Martinez", "Nguyen", "Okafor", "Patel", "Quintero", "Roy", "Silva", "Tanaka",
    "Underwood", "Vasquez", "Walker", "Yamamoto", "Zamora", "Tremblay", "Gagnon", "Hernandez", "Lopez", "Morin",
)  # fmt: skip
# (city, state code, state name, ZIP, area code, sales-tax rate the checkout charges there)
US_PLACES = (
    ("Portland", "OR", "Oregon", "97214", "503", 0.0),
    ("Eugene", "OR", "Oregon", "97401", "541", 0.0),
    ("Seattle", "WA", "Washington", "98103", "206", 0.1035),
    ("San Francisco", "CA", "California", "94110", "415", 0.08625),
    ("Los Angeles", "CA", "California", "90026", "213", 0.095),
    ("Austin", "TX", "Texas", "78704", "512", 0.0825),
    ("Denver", "CO", "Colorado", "80205", "303", 0.0881),
    ("Chicago", "IL", "Illinois", "60614", "312", 0.1025),
    ("Brooklyn", "NY", "New York", "11215", "718", 0.08875),
    ("Boston", "MA", "Massachusetts", "02130", "617", 0.0625),
    ("Philadelphia", "PA", "Pennsylvania", "19104", "215", 0.08),
    ("Minneapolis", "MN", "Minnesota", "55408", "612", 0.08025),
    ("Atlanta", "GA", "Georgia", "30307", "404", 0.089),
    ("Miami", "FL", "Florida", "33137", "305", 0.07),
    ("Phoenix", "AZ", "Arizona", "85004", "602", 0.086),
    ("Asheville", "NC", "North Carolina", "28801", "828", 0.07),
    ("Montclair", "NJ", "New Jersey", "07042", "973", 0.06625),
    ("Anchorage", "AK", "Alaska", "99501", "907", 0.0),
    ("Honolulu", "HI", "Hawaii", "96814", "808", 0.04712),
)  # fmt: skip
PR_PLACES = (("San Juan", "PR", "Puerto Rico", "00907", "787", 0.115),)
CA_PLACES = (
    ("Vancouver", "BC", "British Columbia", "V6K 2G7", "604"),
    ("Toronto", "ON", "Ontario", "M6J 1H5", "416"),
    ("Montréal", "QC", "Quebec", "H2T 1S6", "514"),
    ("Calgary", "AB", "Alberta", "T2S 0K2", "403"),
)  # fmt: skip
MX_PLACES = (
    ("Ciudad de México", "CMX", "Ciudad de México", "06700", "55"),
    ("Guadalajara", "JAL", "Jalisco", "44160", "33"),
    ("Monterrey", "NL", "Nuevo León", "64000", "81"),
)  # fmt: skip
STREETS = {
    "US": ("SE Hawthorne Blvd", "Oak St", "Maple Ave", "Main St", "Pine St", "Elm Rd", "Cedar Ln", "Park Ave"),
    "PR": ("Calle Loíza", "Calle del Cristo", "Av. Ashford"),
    "CA": ("Queen St W", "Rue Saint-Denis", "W 4th Ave", "17 Ave SW"),
    "MX": ("Calle Colima", "Av. Chapultepec", "Av. Vallarta", "Calle Morelos"),
}


@dataclass
class Customer:
    name: str
    email: str
    phone: str
    country: str
    city: str
    province: str
    province_name: str
    zip: str
    street: str
    address2: str
    sales_tax: float
    accepts_marketing: bool


def make_customers(rng: random.Random, n: int) -> list[Customer]:
    out = []
    used: set[str] = set()
    phones: set[str] = set()
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{'' if f'{first}.{last}' not in used else i}".lower()
        used.add(f"{first}.{last}")
        domain = rng.choice(("example.com", "example.org", "example.net"))
        roll = rng.random()
        address2 = rng.choice(["", "", "", f"Apt {rng.randint(1, 40)}", f"Unit {rng.randint(100, 999)}"])
        line = f"555{100 + i % 100:04d}"  # 555-0100…0199: numbers reserved for fiction
        if roll < 0.78:
            city, prov, prov_name, zip_code, area, tax = rng.choice(US_PLACES)
            country, phone = "US", f"+1{area}{line}"
        elif roll < 0.82:
            city, prov, prov_name, zip_code, area, tax = PR_PLACES[0]
            country, phone = "PR", f"+1{area}{line}"
        elif roll < 0.93:
            city, prov, prov_name, zip_code, area = rng.choice(CA_PLACES)
            country, phone, tax = "CA", f"+1{area}{line}", 0.0
        else:
            city, prov, prov_name, zip_code, area = rng.choice(MX_PLACES)
            country, phone, tax = "MX", f"+52{area}5555{1000 + i % 1000:04d}"[:13], 0.0
        while phone in phones:  # one phone number per customer: it proves ownership of their orders
            phone = phone[:-2] + f"{(int(phone[-2:]) + 1) % 100:02d}"
        phones.add(phone)
        number = f"{rng.randint(100, 9899)} {rng.choice(STREETS[country])}"
        out.append(
            Customer(
                f"{first} {last}", f"{email}@{domain}", phone, country, city, prov, prov_name, zip_code, number,
                address2, tax, rng.random() < 0.4,
            )
        )  # fmt: skip
    return out


def load_rules() -> tuple[dict, dict, float]:
    zones = yaml.safe_load((SHOP / "rules" / "shipping_zones.yaml").read_text())
    duties = yaml.safe_load((SHOP / "rules" / "duties.yaml").read_text())
    return zones["zones"], duties["countries"], float(zones["express_multiplier"])


def zone_of(zones: dict, country: str, province: str) -> dict:
    for z in zones.values():
        if province in (z.get("provinces") or {}).get(country, []):
            return z
    for z in zones.values():
        if country in z["countries"]:
            return z
    raise ValueError(f"no zone for {country}")


def fmt_time(t: datetime | None) -> str:
    return t.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S %z") if t else ""


def next_business_moment(t: datetime, rng: random.Random) -> datetime:
    """When the warehouse ships an order paid at t: same day before 1 pm on a weekday, else the next weekday."""
    day = t.astimezone(TZ)
    if day.weekday() < 5 and day.hour < 13:
        return day.replace(hour=15, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    day = (day + timedelta(days=1)).replace(hour=11, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def order_rows(rng: random.Random) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    zones, duties, express_multiplier = load_rules()
    customers = make_customers(rng, 140)
    active = [v for p in CATALOG if p.status == "active" for v in variants(p)]
    by_type: dict[str, list[Variant]] = {}
    for v in active:
        by_type.setdefault(v.product.type, []).append(v)
    type_weights = {
        "Coffee": 30, "Tea": 10, "Kettles": 10, "Grinders": 8, "Pour-Over": 14, "Scales": 4, "Filters": 8,
        "Espresso Accessories": 8, "Mugs": 12, "Tea Ware": 6, "Gift Cards": 3,
    }  # fmt: skip
    rows: list[dict[str, str]] = []
    states: dict[str, list[str]] = {}
    for i in range(N_ORDERS):
        number = 1001 + i
        name = f"#{number}"
        age_days = 150 * (1 - i / (N_ORDERS - 1)) ** 1.6 + rng.random() * 0.2
        created = (NOW - timedelta(days=age_days, hours=rng.random() * 3)).replace(microsecond=0)
        cust = rng.choice(customers)
        n_lines = rng.choices([1, 2, 3], weights=[55, 32, 13])[0]
        chosen: list[Variant] = []
        while len(chosen) < n_lines:
            t = rng.choices(list(type_weights), weights=list(type_weights.values()))[0]
            if t == "Gift Cards" and chosen:
                continue
            v = rng.choice(by_type[t])
            if v not in chosen:
                chosen.append(v)
            if t == "Gift Cards":
                break
        lines = [(v, rng.choice([1, 1, 2, 3]) if v.product.type in ("Coffee", "Tea") else 1) for v in chosen]
        goods = round(sum(v.price * q for v, q in lines), 2)
        discount_code = "WELCOME10" if rng.random() < 0.1 else ""
        discount = round(goods * 0.10, 2) if discount_code else 0.0
        subtotal = round(goods - discount, 2)
        ships = any(v.product.type != "Gift Cards" for v, _ in lines)
        zone = zone_of(zones, cust.country, cust.province)
        express = ships and rng.random() < 0.12
        if not ships:
            shipping, method = 0.0, ""
        elif express:
            shipping, method = round(zone["standard_cost"] * express_multiplier, 2), "Express"
        elif zone["free_above"] is not None and subtotal >= zone["free_above"]:
            shipping, method = 0.0, "Free Standard Shipping"
        else:
            shipping, method = float(zone["standard_cost"]), "Standard"
        duty = 0.0
        tax_name, tax = "", 0.0
        rule = duties.get(cust.country)
        if rule and rule.get("collected") == "checkout":  # DDP: duty and import tax charged here
            if subtotal > rule["duty_de_minimis"]:
                duty = round(subtotal * rule["duty"], 2)
            if subtotal > rule["vat_de_minimis"]:
                tax = round((subtotal + shipping + duty) * rule["vat"], 2)
                tax_name = f"GST {rule['vat'] * 100:g}%"
        elif cust.country in ("US", "PR") and cust.sales_tax:
            goods_taxable = sum(v.price * q for v, q in lines if v.product.type != "Gift Cards")
            taxable = goods_taxable * (1 - (0.1 if discount else 0))
            tax = round(taxable * cust.sales_tax, 2)
            tax_name = f"{cust.province} Sales Tax {cust.sales_tax * 100:.3g}%"
        total = round(subtotal + shipping + tax + duty, 2)

        # Lifecycle state, by age and chance (the counts land in data/README.md).
        roll = rng.random()
        state = "fulfilled"
        if age_days < 1.2:
            state = "paid_unfulfilled"
        if age_days < 6 and roll < 0.25:
            state = "pending"
        elif age_days < 3.5 and roll < 0.8:
            state = "paid_unfulfilled"
        elif roll > 0.94:
            state = "cancelled"
        elif (
            10 < age_days < 140
            and roll > 0.86
            and any(v.product.type not in ("Coffee", "Tea", "Gift Cards") for v, _ in lines)
        ):
            state = "returned"
        paid_at: datetime | None = created + timedelta(seconds=rng.randint(2, 40))
        fulfilled_at: datetime | None = None
        cancelled_at: datetime | None = None
        financial, fulfillment, refunded, outstanding = "paid", "unfulfilled", 0.0, 0.0
        payment = rng.choices(
            ["Shopify Payments", "PayPal Express Checkout", "Shop Pay Installments", "gift_card"],
            weights=[62, 25, 8, 5],
        )[0]
        if payment == "Shop Pay Installments" and total < 50:
            payment = "Shopify Payments"
        if state == "pending":
            financial, paid_at, outstanding, payment = "pending", None, total, "PayPal Express Checkout"
        elif state == "cancelled":
            cancelled_at = created + timedelta(hours=rng.randint(1, 20))
            financial, refunded = "refunded", total
        elif state in ("fulfilled", "returned"):
            fulfilled_at = next_business_moment(created, rng)
            if fulfilled_at > NOW:
                fulfilled_at, state = None, "paid_unfulfilled"
            else:
                fulfillment = "fulfilled"
        if state == "returned":
            back = [(v, q) for v, q in lines if v.product.type not in ("Coffee", "Tea", "Gift Cards")][:1]
            share = sum(v.price * q for v, q in back) * (1 - (0.1 if discount else 0))
            rate = (tax / (subtotal + shipping + duty)) if (subtotal + shipping + duty) else 0
            refunded = round(share * (1 + rate) + (duty if len(back) == len(lines) else 0), 2)
            financial = "refunded" if refunded >= total else "partially_refunded"
        key = state
        if state == "fulfilled" and fulfilled_at is not None:
            key = "fulfilled_recent" if NOW - fulfilled_at <= timedelta(days=60) else "fulfilled_over_60_days"
        states.setdefault(key, []).append(name)
        order_id = str(5_800_000_000_000 + number * 7919)
        subscription = any(v.product.type == "Coffee" for v, _ in lines) and rng.random() < 0.25
        for n, (v, q) in enumerate(lines):
            row = dict.fromkeys(ORDER_COLUMNS, "")
            line_status = "fulfilled" if fulfillment == "fulfilled" else "pending"
            row.update(
                {
                    "Name": name,
                    "Email": cust.email,
                    "Created at": fmt_time(created),
                    "Lineitem quantity": str(q),
                    "Lineitem name": v.name,
                    "Lineitem price": money(v.price),
                    "Lineitem compare at price": money(v.product.compare_at) if v.product.compare_at else "",
                    "Lineitem sku": v.sku,
                    "Lineitem requires shipping": "false" if v.product.type == "Gift Cards" else "true",
                    "Lineitem taxable": "false" if v.product.type == "Gift Cards" else "true",
                    "Lineitem fulfillment status": line_status,
                    "Lineitem discount": money(round(v.price * q * 0.1, 2) if discount else 0.0),
                    "Vendor": v.product.vendor,
                }
            )
            if n == 0:  # Shopify fills the order's own columns on its first line-item row only
                street = f"{cust.street}, {cust.address2}" if cust.address2 else cust.street
                zip_code = f"'{cust.zip}" if cust.zip[:1] == "0" else cust.zip  # Excel-safe leading zero
                row.update(
                    {
                        "Financial Status": financial,
                        "Paid at": fmt_time(paid_at),
                        "Fulfillment Status": fulfillment,
                        "Fulfilled at": fmt_time(fulfilled_at),
                        "Accepts Marketing": "yes" if cust.accepts_marketing else "no",
                        "Currency": "USD",
                        "Subtotal": money(subtotal),
                        "Shipping": money(shipping),
                        "Taxes": money(tax),
                        "Total": money(total),
                        "Discount Code": discount_code,
                        "Discount Amount": money(discount),
                        "Shipping Method": method,
                        "Billing Name": cust.name,
                        "Billing Street": street,
                        "Billing Address1": cust.street,
                        "Billing Address2": cust.address2,
                        "Billing City": cust.city,
                        "Billing Zip": zip_code,
                        "Billing Province": cust.province,
                        "Billing Country": cust.country,
                        "Billing Phone": cust.phone,
                        "Shipping Name": cust.name if ships else "",
                        "Shipping Street": street if ships else "",
                        "Shipping Address1": cust.street if ships else "",
                        "Shipping Address2": cust.address2 if ships else "",
                        "Shipping City": cust.city if ships else "",
                        "Shipping Zip": zip_code if ships else "",
                        "Shipping Province": cust.province if ships else "",
                        "Shipping Country": cust.country if ships else "",
                        "Shipping Phone": cust.phone if ships else "",
                        "Notes": rng.choice(["", "", "", "", "Please leave at the back door.", "Gift - no invoice"]),
                        "Cancelled at": fmt_time(cancelled_at),
                        "Payment Method": payment,
                        "Payment Reference": f"c{number}{rng.randint(10**9, 10**10 - 1)}.1",
                        "Refunded Amount": money(refunded),
                        "Outstanding Balance": money(outstanding),
                        "Id": order_id,
                        "Tags": "Subscription" if subscription else "",
                        "Risk Level": "Low",
                        "Source": "subscription_contract" if subscription else "web",
                        "Tax 1 Name": tax_name,
                        "Tax 1 Value": money(tax) if tax_name else "",
                        "Phone": cust.phone,
                        "Duties": money(duty) if cust.country == "CA" else "",
                        "Billing Province Name": cust.province_name,
                        "Shipping Province Name": cust.province_name if ships else "",
                        "Payment ID": f"c{number}{rng.randint(10**9, 10**10 - 1)}.1" if paid_at else "",
                        "Payment References": "",
                    }
                )
            rows.append(row)
    return rows, states


def render(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ")
    args = parser.parse_args()
    rng = random.Random(SEED)
    products = render(PRODUCT_COLUMNS, product_rows(rng))
    order_list, states = order_rows(rng)
    orders = render(ORDER_COLUMNS, order_list)
    out = SHOP / "data"
    stale = False
    for fname, text in (("products.csv", products), ("orders.csv", orders)):
        path = out / fname
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is out of date: run {Path(__file__).name}")
                stale = True
        else:
            path.write_text(text, encoding="utf-8")
    n_products = sum(1 for p in CATALOG)
    n_variants = sum(len(variants(p)) for p in CATALOG)
    print(f"{n_products} products, {n_variants} variants; {N_ORDERS} orders, {len(order_list)} line-item rows")
    for state, names in sorted(states.items()):
        print(f"  {state:<24} {len(names):>3}  e.g. {', '.join(names[:3])} … {names[-1]}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
