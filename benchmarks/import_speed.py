"""Import speed: a generated Shopify order export (default 10,000 orders) into a fresh order store.

    .venv/bin/python benchmarks/import_speed.py [--orders 10000] [--seed 7] [--database-url postgresql://…]
    .venv/bin/python benchmarks/import_speed.py --smoke          # 200 orders, SQLite only (make bench-smoke)

The export is deterministic for a seed and written in Shopify's order-export layout (one row per line item,
order fields only on an order's first row, 1-6 lines per order, every financial/fulfillment state, cancelled
and refunded orders, customers with several orders, several currencies). It is imported the way
`python -m backends.orders import --format shopify_orders_csv FILE` does it (read, validate everything, write
the order store in one transaction, write the normalised shop folder) into a fresh SQLite file and, with
--database-url, a fresh schema of that PostgreSQL database (dropped afterwards). Prints the time of each phase
and rows/s; asserts nothing about timing (issue 12's target: ≤ 60 s on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backends.orders.db import count_orders, make_engine  # noqa: E402
from backends.orders.importer import validate, write_rows  # noqa: E402
from backends.orders.imports import normalised  # noqa: E402
from backends.orders.imports.formats import read_sources  # noqa: E402
from backends.orders.imports.records import ImportContext  # noqa: E402
from backends.orders.imports.shopify import ORDER_EXPORT_HEADER  # noqa: E402
from borderless.order_numbers import OrderNumbers  # noqa: E402

# The generated shop numbers its orders the Shopify way (#1001, #1002, …): a format of its shop profile.
SHOPIFY_NUMBERS = OrderNumbers.from_config([{"pattern": r"#?\s*(\d{4,7})", "canonical": "#{1}", "example": "#1001"}])
FIRST = ["Maria", "Sam", "Noor", "Lena", "Tom", "Aiko", "Lucas", "Emma", "Omar", "Sofia", "Jonas", "Priya", "Chen"]
LAST = ["Lopez", "Chen", "Haddad", "Vogel", "Jansen", "Sato", "Silva", "Smith", "Khan", "Rossi", "Berg", "Patel"]
PLACES = [
    ("US", "Austin", "787", "USD"), ("US", "Boston", "021", "USD"), ("CA", "Toronto", "M5H", "CAD"),
    ("GB", "Leeds", "LS1", "GBP"), ("DE", "Berlin", "101", "EUR"), ("AU", "Perth", "600", "AUD"),
]  # fmt: skip
PRODUCTS = [(f"SKU-{n:04d}", f"Product {n} - {size}", round(8 + (n * 37 % 190) + 0.99, 2)) for n in range(1, 401)
            for size in ("S", "M")]  # fmt: skip
# (financial status, fulfillment status, cancelled) with the share of orders in each state.
STATES = [
    (("paid", "fulfilled", False), 0.55), (("paid", "unfulfilled", False), 0.12), (("paid", "partial", False), 0.04),
    (("pending", "unfulfilled", False), 0.06), (("authorized", "unfulfilled", False), 0.04),
    (("refunded", "fulfilled", False), 0.05), (("partially_refunded", "fulfilled", False), 0.04),
    (("refunded", "unfulfilled", True), 0.05), (("voided", "unfulfilled", True), 0.05),
]  # fmt: skip


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def generate(path: Path, orders: int, seed: int) -> int:
    """Writes the export; returns the number of CSV rows (line items)."""
    rng = random.Random(seed)
    customers = [
        (f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"shopper{n}@example.com", rng.choice(PLACES))
        for n in range(max(1, orders // 3))
    ]
    start = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORDER_EXPORT_HEADER)
        for i in range(orders):
            name, email, (country, city, zip_prefix, currency) = rng.choice(customers)
            created = start + timedelta(minutes=i * 50 + rng.randint(0, 40))
            (financial, fulfillment, cancelled), _ = rng.choices(STATES, weights=[w for _, w in STATES])[0]
            lines = [rng.choice(PRODUCTS) for _ in range(rng.choices([1, 2, 3, 4, 5, 6], [30, 28, 20, 12, 6, 4])[0])]
            quantities = [rng.choices([1, 2, 3], [80, 15, 5])[0] for _ in lines]
            subtotal = round(sum(q * p for q, (_, _, p) in zip(quantities, lines, strict=True)), 2)
            shipping = 0.0 if subtotal >= 75 else 6.0
            taxes = round(subtotal * 0.07, 2)
            postcode = f"{zip_prefix}{rng.randint(0, 99):02d}"
            head = {
                "Name": f"#{1001 + i}", "Email": email, "Financial Status": financial,
                "Paid at": _stamp(created + timedelta(seconds=20)) if financial != "pending" else "",
                "Fulfillment Status": fulfillment,
                "Fulfilled at": _stamp(created + timedelta(days=1)) if fulfillment in ("fulfilled", "partial") else "",
                "Accepts Marketing": rng.choice(["yes", "no"]), "Currency": currency, "Subtotal": f"{subtotal:.2f}",
                "Shipping": f"{shipping:.2f}", "Taxes": f"{taxes:.2f}", "Total": f"{subtotal + shipping + taxes:.2f}",
                "Discount Amount": "0.00", "Shipping Method": "Standard", "Created at": _stamp(created),
                "Billing Name": name, "Billing Street": f"{rng.randint(1, 300)} Main St", "Billing City": city,
                "Billing Zip": postcode, "Billing Country": country, "Shipping Name": name,
                "Shipping Street": f"{rng.randint(1, 300)} Main St", "Shipping City": city, "Shipping Zip": postcode,
                "Shipping Country": country, "Cancelled at": _stamp(created + timedelta(hours=3)) if cancelled else "",
                "Payment Method": "Shopify Payments", "Id": str(5_550_000_000 + i), "Risk Level": "Low",
                "Source": "web",
            }  # fmt: skip
            for n, ((sku, title, price), qty) in enumerate(zip(lines, quantities, strict=True)):
                row = dict(head) if n == 0 else {"Name": head["Name"], "Email": email}
                row.update(
                    {"Lineitem quantity": str(qty), "Lineitem name": title, "Lineitem price": f"{price:.2f}",
                     "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                     "Lineitem fulfillment status": "fulfilled" if fulfillment == "fulfilled" else "pending"}
                )  # fmt: skip
                writer.writerow([row.get(column, "") for column in ORDER_EXPORT_HEADER])
                rows += 1
    return rows


async def run_import(export: Path, database_url: str, schema: str | None, data_dir: Path) -> dict[str, float]:
    ctx = ImportContext(normalize_number=SHOPIFY_NUMBERS.normalize, ships_to=tuple(sorted({p[0] for p in PLACES})))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    records = read_sources([("shopify_orders_csv", export)], ctx)
    t1 = time.perf_counter()
    rows = validate(records, ctx.normalize_number)
    t2 = time.perf_counter()
    engine = make_engine(database_url, schema)
    try:
        await write_rows(engine, rows, schema)
        t3 = time.perf_counter()
        normalised.write(data_dir, records, [{"format": "shopify_orders_csv", "path": str(export)}])
        t4 = time.perf_counter()
        stored = await count_orders(engine)
    finally:
        await engine.dispose()
    if stored != len(rows["orders"]):
        raise SystemExit(f"expected {len(rows['orders'])} orders in the store, found {stored}")
    timings.update(read=t1 - t0, validate=t2 - t1, write_db=t3 - t2, write_folder=t4 - t3, total=t4 - t0)
    timings["orders"] = len(rows["orders"])
    timings["customers"] = len(rows["customers"])
    return timings


def _drop_schema(url: str, schema: str) -> None:
    import psycopg2  # type: ignore[import-untyped]

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="also import into this PostgreSQL database (a fresh schema, dropped)")
    parser.add_argument("--smoke", action="store_true", help="200 orders, SQLite only: checks that it runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.orders, args.database_url = 200, None
    load = os.getloadavg()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores (affinity {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="import-speed-") as tmp:
        work = Path(tmp)
        export = work / "orders_export.csv"
        t = time.perf_counter()
        csv_rows = generate(export, args.orders, args.seed)
        print(
            f"export: {args.orders} orders, {csv_rows} rows (line items), {export.stat().st_size / 1e6:.1f} MB, "
            f"generated in {time.perf_counter() - t:.1f} s (not counted)"
        )
        targets: list[tuple[str, str, str | None]] = [("SQLite", f"sqlite:///{work / 'orders.db'}", None)]
        if args.database_url:
            targets.append(("PostgreSQL", args.database_url, f"import_speed_{uuid.uuid4().hex[:8]}"))
        for label, url, schema in targets:
            cpu = time.process_time()
            try:
                timing = asyncio.run(run_import(export, url, schema, work / f"shop-{label.lower()}"))
                cpu = time.process_time() - cpu
            finally:
                if schema:
                    _drop_schema(url, schema)
            print(
                f"{label:10} total {timing['total']:.1f} s = read {timing['read']:.1f} + validate "
                f"{timing['validate']:.1f} + write store {timing['write_db']:.1f} + write folder "
                f"{timing['write_folder']:.1f}; {int(timing['orders'])} orders, {int(timing['customers'])} customers; "
                f"{csv_rows / timing['total']:,.0f} rows/s, {timing['orders'] / timing['total']:,.0f} orders/s; "
                f"CPU of this process {cpu:.1f} s (the machine is shared: wall time includes waiting for a core)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
