"""The normalised shop folder: what every service's bootstrap reads, in the layout of var/demo_shop.

`products.jsonl`, `customers.jsonl`, `orders.jsonl` hold the contract records (plus the platform extras the
order store ignores, e.g. product `variants`); `interactions.jsonl` holds one `purchase` event per order line
of every order not cancelled (what the recommender learns from); `manifest.json` the counts and the sources.
Files are written aside and renamed into place, manifest last, so a reader never sees a half-written folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from backends.orders.imports.records import ShopRecords

FILES = ("customers.jsonl", "products.jsonl", "orders.jsonl", "interactions.jsonl")
_KEYS = {"customers": "id", "products": "id", "orders": "number"}


def interactions(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events = [
        {"customer_id": o["customer_id"], "product_id": item["product_id"], "kind": "purchase", "at": o["placed_at"]}
        for o in orders
        if o.get("status") != "cancelled"
        for item in o.get("items") or []
    ]
    events.sort(key=lambda e: str(e["at"]))
    return events


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(directory: Path) -> ShopRecords:
    """The records of an earlier import (empty when there is none)."""
    out = ShopRecords()
    for kind in _KEYS:
        rows = _read_jsonl(directory / f"{kind}.jsonl")
        setattr(out, kind, [(f"{directory.name}/{kind}.jsonl:{n}", rec) for n, rec in enumerate(rows, 1)])
    return out


def merged(old: ShopRecords, new: ShopRecords) -> ShopRecords:
    """`old` with `new` upserted by id / order number (the newer record of a key wins, as in the order store)."""
    out = ShopRecords(skipped=dict(new.skipped))
    for kind, key in _KEYS.items():
        by_key: dict[str, tuple[str, dict[str, Any]]] = {}
        for where, rec in [*getattr(old, kind), *getattr(new, kind)]:
            by_key[str(rec.get(key))] = (where, rec)
        setattr(out, kind, list(by_key.values()))
    return out


def write(directory: Path, records: ShopRecords, sources: list[dict[str, Any]], data_clock: str = "") -> dict[str, Any]:
    """Writes the folder from `records` (already validated); returns the manifest. `data_clock` (the shop
    profile's) is kept as the manifest's `now`, the moment `ORDERS_NOW=demo` serves the data at."""
    directory.mkdir(parents=True, exist_ok=True)
    data = {kind: [rec for _, rec in getattr(records, kind)] for kind in _KEYS}
    data["orders"].sort(key=lambda o: (str(o.get("placed_at")), str(o.get("number"))))
    data["interactions"] = interactions(data["orders"])
    manifest = {
        "kind": "imported",
        "counts": {kind: len(rows) for kind, rows in data.items()},
        "sources": sources,
        "skipped": records.skipped,
    }
    if data_clock:
        manifest["now"] = data_clock
    staged = []
    for kind, rows in data.items():
        tmp = directory / f".{kind}.jsonl.tmp"
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        staged.append((tmp, directory / f"{kind}.jsonl"))
    for tmp, final in staged:
        os.replace(tmp, final)
    tmp = directory / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, directory / "manifest.json")
    return manifest
