"""Every import format by name: what kind of data it holds and the function that reads one file of it.

Names are what `python -m backends.orders import --format NAME` and the shop profile's `data:` entries use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from backends.orders.imports import native, shopify, woocommerce
from backends.orders.imports.records import ImportContext, ImportError_, ShopRecords


@dataclass(frozen=True)
class Format:
    kind: str  # "catalog", "orders" or "shop" (a folder with any of customers, products, orders)
    read: Callable[[Path, ImportContext], ShopRecords]
    description: str


FORMATS: dict[str, Format] = {
    "shopify_products_csv": Format("catalog", shopify.read_products_csv, "Shopify product CSV export"),
    "shopify_orders_csv": Format("orders", shopify.read_orders_csv, "Shopify order CSV export"),
    "woocommerce_products_csv": Format("catalog", woocommerce.read_products_csv, "WooCommerce product CSV export"),
    "woocommerce_orders_json": Format("orders", woocommerce.read_orders_json, "WooCommerce REST v3 orders JSON"),
    "woocommerce_orders_csv": Format(
        "orders", woocommerce.read_orders_csv, "WooCommerce Customer/Order/Coupon Export CSV, one row per line item"
    ),
    "native": Format("shop", native.read_directory, "the project's own folder (JSON Lines / JSON / CSV)"),
}


def sku_index(records: ShopRecords) -> dict[str, str]:
    """Variant and product SKUs → product id, so order lines point at catalog products."""
    index: dict[str, str] = {}
    for _, product in records.products:
        pid = str(product.get("id") or "")
        for variant in product.get("variants") or []:
            if isinstance(variant, dict) and variant.get("sku"):
                index.setdefault(str(variant["sku"]), pid)
        if product.get("sku"):
            index.setdefault(str(product["sku"]), pid)
    return index


def read_sources(
    sources: Iterable[tuple[str, Path]], ctx: ImportContext, known: ShopRecords | None = None
) -> ShopRecords:
    """Reads (format, path) pairs, catalogs first so that orders can link their lines to products by SKU.

    `known` holds products imported earlier (the normalised folder), used for linking only.
    """
    pairs = list(sources)
    for name, _ in pairs:
        if name not in FORMATS:
            raise ImportError_(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
    pairs.sort(key=lambda p: FORMATS[p[0]].kind != "catalog")
    out = ShopRecords()
    index = sku_index(known) if known else {}
    for name, path in tqdm(pairs, desc="reading", unit="file", disable=len(pairs) < 2):
        if not Path(path).exists():
            raise ImportError_(f"{path}: no such file or folder")
        fmt = FORMATS[name]
        if fmt.kind == "orders":
            index = {**index, **sku_index(out)}
            ctx = replace(ctx, sku_index=index)
        out.extend(fmt.read(Path(path), ctx))
    return out
