"""A small shop profile for the live-platform tests: shop.yml with the order backend under test, and rule tables
of its own (a US shop: 30-day returns, gift cards never returnable, ships to the US, Canada, Mexico and the UK).
The tests' fixed clock is NOW; the platforms' fake orders are dated around it."""

from __future__ import annotations

from pathlib import Path

NOW = "2025-04-01T12:00:00Z"

RULES = {
    "shipping_zones.yaml": """
express_multiplier: 2.0
zones:
  domestic:
    {countries: [US], standard_cost: 5, free_above: 100, transit_days: [2, 5], express_days: [1, 2], carrier: UPS}
  abroad:
    countries: [CA, MX, GB]
    standard_cost: 15
    free_above: null
    transit_days: [5, 10]
    express_days: [2, 4]
    carrier: UPS
""",
    "duties.yaml": "countries: {}\n",
    "currencies.yaml": "base: USD\nrates: {USD: 1, CAD: 1.38}\n",
    "orders.yaml": """
cancellable_statuses: [pending, paid, packed]
address_changeable_statuses: [pending, paid, packed]
returnable_statuses: [delivered]
return_window_days: 30
refund_business_days: 7
free_return_zones: [domestic]
non_returnable_categories: [gift cards]
non_returnable_tags: [gift-card]
sealed_only_categories: []
sealed_only_tags: [swimwear]
status_labels: {}
tracking_urls: {default: "https://shop.test.example/track/{tracking}"}
""",
}


def write_shop(root: Path, orders_block: str, *, pattern: str, canonical: str, example: str) -> Path:
    """A shop directory under `root` whose `orders:` block is `orders_block` (YAML, indented two spaces)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    (root / "rules").mkdir(exist_ok=True)
    for name, text in RULES.items():
        (root / "rules" / name).write_text(text.lstrip())
    (root / "shop.yml").write_text(
        f"""id: platform-test-shop
name: Platform Test Shop
website: https://shop.test.example
contact: {{email: help@shop.test.example, phone: "+1 217 555 0100", hours: "Mon-Fri 9-5 CT"}}
timezone: America/Chicago
support_hours: {{days: [mon, tue, wed, thu, fri], open: "09:00", close: "17:00"}}
languages: {{default: en, supported: [en]}}
currencies: {{base: USD, display: [USD]}}
proofs: [email, postcode, phone]
order_numbers:
  - {{pattern: '{pattern}', canonical: '{canonical}', example: '{example}'}}
orders:
{orders_block}
"""
    )
    return root
