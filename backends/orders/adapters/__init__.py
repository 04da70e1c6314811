"""Order sources behind the orders service's HTTP contract: the builtin SQL store, Shopify and WooCommerce.

`make_source(config, normalize_number)` builds the one the shop profile's `orders:` block selects (config.py).
Every source implements `OrderSource` (source.py); the policy checks in operations.py apply to all of them.
The sources are imported when built: views.py imports source.py, and the builtin source imports views.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backends.orders.adapters.config import BackendConfig
    from backends.orders.adapters.source import OrderSource


def make_source(config: BackendConfig, normalize_number: Callable[[str], str | None]) -> OrderSource:
    """The order source `config` names; `normalize_number` maps a platform's order name to the canonical number."""
    from backends.orders.adapters.config import ShopifyConfig, WooCommerceConfig

    if isinstance(config, ShopifyConfig):
        from backends.orders.adapters.shopify import ShopifySource

        return ShopifySource(config, normalize_number)
    if isinstance(config, WooCommerceConfig):
        from backends.orders.adapters.woocommerce import WooCommerceSource

        return WooCommerceSource(config, normalize_number)
    from backends.orders.adapters.builtin import SqlSource

    return SqlSource()


__all__ = ["make_source"]
