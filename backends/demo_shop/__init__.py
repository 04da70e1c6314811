"""Lumen Goods, the fictional cross-border demo shop: a deterministic generator of its catalogue,
customers, orders and shopper interactions (shops/lumen-goods/README.md is the source of every rule).

Run `python -m backends.demo_shop.generate --help`.
"""

GENERATOR_VERSION = "1.0.0"
