"""Command line: write the demo shop's data files (products, customers, orders, interactions and a
manifest) into one folder. Same seed, sizes and --today give byte-identical files.

    .venv/bin/python -m backends.demo_shop.generate [--out DIR] [--seed N] [--today YYYY-MM-DD]
        [--products N] [--customers N] [--orders N] [--quiet]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm

from backends.demo_shop import GENERATOR_VERSION
from backends.demo_shop.catalog import build_catalog
from backends.demo_shop.catalog_data import PRODUCT_TYPES
from backends.demo_shop.interactions import build_interactions
from backends.demo_shop.orders import build_orders
from backends.demo_shop.people import build_customers, iso
from backends.demo_shop.tastes import build_shoppers

log = logging.getLogger("demo_shop")

DEFAULT_SEED = 20261120
DEFAULT_TODAY = date(2026, 11, 20)
DEFAULT_PRODUCTS = sum(t.count for t in PRODUCT_TYPES)
DEFAULT_CUSTOMERS = 420
DEFAULT_ORDERS = 1300
NOW_HOUR = 12  # "now" is noon UTC on --today
FILES = ("products.jsonl", "customers.jsonl", "orders.jsonl", "interactions.jsonl")


def default_out() -> Path:
    from svc.settings import var_dir

    return var_dir() / "demo_shop"


def now_for(today: date) -> datetime:
    return datetime(today.year, today.month, today.day, NOW_HOUR, tzinfo=timezone.utc)


def _write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def _digest(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _examples(orders: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """Order numbers worth trying in demos and tests, found in the generated data."""
    by_status: dict[str, list[str]] = {}
    for o in orders:
        by_status.setdefault(o["status"], [])
        if len(by_status[o["status"]]) < 5:
            by_status[o["status"]].append(o["number"])
    late: list[str] = []
    lost: list[str] = []
    window_open: list[str] = []
    window_closed: list[str] = []
    non_eu: list[str] = []
    for o in orders:
        shipment = o["shipments"][0] if o["shipments"] else None
        if shipment and o["status"] in ("in_transit", "out_for_delivery") and shipment["estimated_delivery"]:
            overdue = (today - date.fromisoformat(shipment["estimated_delivery"])).days
            (lost if overdue > 10 and o["status"] == "in_transit" else late if overdue > 0 else []).append(o["number"])
        if o["status"] == "delivered" and o["delivered_at"] and o["return"] is None:
            age = (today - datetime.fromisoformat(o["delivered_at"]).date()).days
            (window_open if age <= 30 else window_closed).append(o["number"])
        if o["taxes"] or o["duties"]:
            non_eu.append(o["number"])
    return {
        "orders_by_status": dict(sorted(by_status.items())),
        "late_deliveries": late[:5],
        "probably_lost": lost[:5],
        "delivered_within_return_window": window_open[-5:],
        "delivered_outside_return_window": window_closed[:5],
        "with_duties_or_import_vat": non_eu[:5],
    }


def generate(
    out: Path,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    n_products: int = DEFAULT_PRODUCTS,
    n_customers: int = DEFAULT_CUSTOMERS,
    n_orders: int = DEFAULT_ORDERS,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Writes the data files into `out` and returns the manifest (also written as manifest.json).

    `progress=None` shows a progress bar only on a terminal."""
    if min(n_products, n_customers) < 1 or n_orders < 0:
        raise ValueError("need at least one product and one customer, and a non-negative order count")
    now = now_for(today)
    out.mkdir(parents=True, exist_ok=True)
    # Independent streams, so that e.g. more orders do not change the catalogue.
    streams = {name: random.Random(f"{seed}:{name}") for name in ("catalog", "people", "tastes", "orders", "events")}
    bar = tqdm(total=6, desc="demo shop", unit="step", disable=None if progress is None else not progress)

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update(1)

    products = build_catalog(n_products, streams["catalog"])
    step("catalogue")
    customers = build_customers(n_customers, now, streams["people"])
    step("customers")
    shoppers = build_shoppers(customers, products, streams["tastes"])
    step("tastes")
    orders = build_orders(shoppers, n_orders, now, streams["orders"])
    step("orders")
    type_of = {p.id: p.type_key for p in products}
    interactions = build_interactions(shoppers, orders, type_of, now, streams["events"])
    step("interactions")

    _write_jsonl(out / "products.jsonl", (p.record for p in products))
    _write_jsonl(out / "customers.jsonl", (c.record for c in customers))
    _write_jsonl(out / "orders.jsonl", orders)
    _write_jsonl(out / "interactions.jsonl", interactions)
    manifest = {
        "generator": "backends.demo_shop.generate",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "today": today.isoformat(),
        "now": iso(now),
        "counts": {
            "products": len(products),
            "customers": len(customers),
            "orders": len(orders),
            "interactions": len(interactions),
        },
        "products_per_category": dict(sorted(Counter(p.category for p in products).items())),
        "customers_per_country": dict(sorted(Counter(c.country for c in customers).items())),
        "orders_per_status": dict(sorted(Counter(o["status"] for o in orders).items())),
        "interactions_per_kind": dict(sorted(Counter(e["kind"] for e in interactions).items())),
        "examples": _examples(orders, today),
        "files": {name: _digest(out / name) for name in FILES},
    }
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "manifest.json")
    step("written")
    bar.close()
    return manifest


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backends.demo_shop.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: var/demo_shop)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY, help="YYYY-MM-DD")
    parser.add_argument("--products", type=_positive, default=DEFAULT_PRODUCTS)
    parser.add_argument("--customers", type=_positive, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--orders", type=_positive, default=DEFAULT_ORDERS)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = args.out or default_out()
    started = time.perf_counter()
    manifest = generate(
        out, args.seed, args.today, args.products, args.customers, args.orders, progress=False if args.quiet else None
    )
    counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
    log.info("wrote %s to %s in %.1f s", counts, out, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
