"""`shop init`: a new shop directory that passes `shop check` and says what to fill in.

The files are a starting point a shop owner edits, not facts: every value to replace is marked `TODO`
in a comment, and the policy texts say plainly that they are placeholders.
"""

from __future__ import annotations

import re
from pathlib import Path

from borderless.profile import PROFILE_FILE


class ScaffoldError(ValueError):
    """The target cannot become a new shop directory (exists and is not empty, bad name…)."""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:63] or "my-shop"


def _files(name: str, shop_id: str, country: str, currency: str, language: str, website: str) -> dict[str, str]:
    domain = website.split("://", 1)[-1].split("/", 1)[0]
    return {
        PROFILE_FILE: f"""# {name}: the shop profile Borderless reads (python -m borderless shop check <this dir>).
# Lines marked TODO are placeholders to replace with the shop's own facts.
id: {shop_id}
name: {name}
assistant_name: {name} assistant
website: {website}  # TODO
contact:
  email: support@{domain}  # TODO
  phone: ""                # TODO, e.g. "+1 503 555 0100"
  hours: ""                # TODO, e.g. "Mon–Fri 09:00–17:00"
timezone: UTC              # TODO: the IANA zone of the support team, e.g. America/Los_Angeles
# When human agents answer in the chat (in the time zone above).
support_hours:
  days: [mon, tue, wed, thu, fri]
  open: "09:00"
  close: "17:00"
languages:
  default: {language}
  supported: [{language}]  # TODO: every language the shop serves
currencies:
  base: {currency}
  display: [{currency}]
# What proves a shopper owns an order besides a signed customer token: email, postcode, phone.
proofs: [email]
# What shoppers type, and the canonical number it stands for ({{1}} = the first group). TODO
order_numbers:
  - pattern: '#?\\s*(\\d{{4,8}})'
    canonical: '#{{1}}'
    example: '#1001'
orders:
  backend: builtin   # or shopify / woocommerce (see backends/orders/README.md)
# Files the shop already has, imported by `make run SHOP=...`, e.g.
#   - {{kind: catalog, format: shopify_products_csv, path: data/products.csv}}
#   - {{kind: orders, format: shopify_orders_csv, path: data/orders.csv}}
data: []
""",
        "rules/shipping_zones.yaml": f"""# Shipping zones: countries (ISO 3166-1 alpha-2), costs in {currency}.
# TODO: the shop's own zones.
# free_above: goods value at or above which standard shipping is free (null = never).
# transit_days / express_days: business days.
express_multiplier: 2
zones:
  Domestic:
    countries: [{country}]
    standard_cost: 5
    free_above: null
    transit_days: [2, 5]
    express_days: [1, 2]
    carrier: ""
""",
        "rules/duties.yaml": """# Duties and import VAT by destination country, outside the home zone. TODO
home_zones: [Domestic]
home_vat_rate: 0
apparel_categories: []
countries: {}
""",
        "rules/currencies.yaml": f"""# Units of each currency per 1 {currency} (the base).
# TODO: add the currencies prices are shown in.
base: {currency}
rates:
  {currency}: 1
zero_decimal: []
country_currency:
  {country}: {currency}
""",
        "rules/orders.yaml": """# Order policies.
# TODO: the shop's own numbers (they must agree with content/policies/*.md).
lifecycle: [pending, paid, packed, shipped, in_transit, out_for_delivery, delivered]
cancellable_statuses: [pending, paid, packed]
address_changeable_statuses: [pending, paid, packed]
returnable_statuses: [delivered]
return_window_days: 14
refund_business_days: 14
free_return_zones: []
non_returnable_categories: [gift cards]
non_returnable_tags: [gift-card]
sealed_only_categories: []
sealed_only_tags: []
status_labels: {}
tracking_urls: {}
""",
        "content/policies/shipping.md": f"""---
title: Shipping
slug: shipping
url: {website}/policies/shipping
---

# Shipping

TODO: where the shop ships, how long it takes and what it costs (the numbers in rules/shipping_zones.yaml).
""",
        "content/policies/returns.md": f"""---
title: Returns and refunds
slug: returns
url: {website}/policies/returns
---

# Returns and refunds

TODO: the return window, what cannot be returned and how refunds work (the numbers in rules/orders.yaml).
""",
        "content/policies/contact.md": f"""---
title: Contact us
slug: contact
url: {website}/policies/contact
---

# Contact us

TODO: how to reach the support team, and when.
""",
        "data/README.md": """Put the shop's exports here (Shopify/WooCommerce product and order CSVs, help-centre
exports) and list them under `data:` in shop.yml.
""",
    }


def init_shop(
    target: Path,
    name: str,
    *,
    country: str = "US",
    currency: str = "USD",
    language: str = "en",
    website: str = "",
) -> list[Path]:
    """Writes a new shop directory at `target`; returns the files written. Refuses a non-empty target."""
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty; choose a new directory")
    if not re.fullmatch(r"[A-Z]{2}", country) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise ScaffoldError("country must be an ISO 3166 code (US) and currency an ISO 4217 code (USD)")
    if not re.fullmatch(r"[a-z]{2,3}", language):
        raise ScaffoldError("language must be an ISO 639-1 code (en)")
    shop_id = _slug(target.name)
    site = website or f"https://{shop_id}.example"
    written = []
    for rel, text in _files(name.strip() or target.name, shop_id, country, currency, language, site).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
