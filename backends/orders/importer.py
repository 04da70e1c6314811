"""The project's data contract (customers, products, orders) validated and written to the order store.

Every import format (imports/: Shopify, WooCommerce, the project's own JSON Lines / JSON / CSV folders) reads
its files into contract records; this module checks them and writes them. Import is an upsert keyed by id /
order number, so running it twice leaves the same state and a re-export of the shop replaces changed rows.
Every row is validated before anything is written; a bad row aborts the whole import with its file and row
(nothing half-written), and one transaction writes all three tables. Formats: README.md.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from tqdm import tqdm

from backends.orders.db import Base, Customer, Order, Product, create_schema, sessionmaker, utcnaive
from backends.orders.imports.records import ImportError_, Located, ShopRecords
from backends.orders.normalize import normalize_email, normalize_postcode
from backends.orders.platform_status import ORDER_STATUSES
from backends.orders.views import parse_ts

log = logging.getLogger(__name__)

__all__ = ["ImportError_", "ImportReport", "import_directory", "import_records", "read_directory_records"]

# The shop profile's order-number normaliser (`shop.order_numbers.normalize`): canonical number or None.
NumberNormaliser = Callable[[str], "str | None"]


@dataclass
class ImportReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return ", ".join(
            f"{kind}: {self.inserted.get(kind, 0)} new, {self.updated.get(kind, 0)} updated"
            for kind in ("customers", "products", "orders")
        ) + "".join(f"; skipped {n} {reason}" for reason, n in self.skipped.items())


# ---------- reading files ----------


def read_directory_records(directory: Path) -> ShopRecords:
    """customers, products and orders from a folder in the project's own layout (README.md)."""
    if not directory.is_dir():
        raise ImportError_(f"{directory} is not a directory")
    orders = _read_records(directory, "orders")
    products = _read_records(directory, "products")
    if orders is None and products is None:
        raise ImportError_(f"{directory}: no orders or products file (.jsonl, .json or .csv)")
    if (
        orders is not None
        and (directory / "orders.csv").exists()
        and not (directory / "orders.jsonl").exists()
        and not (directory / "orders.json").exists()
    ):
        orders = _orders_from_csv(directory, orders)
    return ShopRecords(
        customers=_read_records(directory, "customers") or [], products=products or [], orders=orders or []
    )


def _read_records(directory: Path, stem: str) -> list[tuple[str, dict[str, Any]]] | None:
    """(location, record) pairs from STEM.jsonl, STEM.json or STEM.csv; None when none exists."""
    jsonl, js, cs = directory / f"{stem}.jsonl", directory / f"{stem}.json", directory / f"{stem}.csv"
    if jsonl.exists():
        out = []
        with jsonl.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    out.append((f"{jsonl.name}:{n}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ImportError_(f"{jsonl.name}:{n}: not JSON ({exc})") from exc
        return out
    if js.exists():
        try:
            data = json.loads(js.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ImportError_(f"{js.name}: not JSON ({exc})") from exc
        if not isinstance(data, list):
            raise ImportError_(f"{js.name}: expected a JSON array of objects")
        return [(f"{js.name}[{i}]", rec) for i, rec in enumerate(data)]
    if cs.exists():
        with cs.open(encoding="utf-8", newline="") as fh:
            return [(f"{cs.name}:{n}", dict(row)) for n, row in enumerate(csv.DictReader(fh), 2)]
    return None


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [p.strip() for p in str(value or "").replace(",", "|").split("|") if p.strip()]


def _json_field(value: Any, where: str, name: str) -> Any:
    if isinstance(value, (dict, list)):
        return value
    if value in (None, ""):
        return {}
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{where}: {name} must be JSON") from exc


def _bool(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _req(rec: dict[str, Any], key: str, where: str) -> Any:
    value = rec.get(key)
    if value is None or value == "":
        raise ImportError_(f"{where}: missing {key!r}")
    return value


def _num(value: Any, where: str, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ImportError_(f"{where}: {name} must be a number, got {value!r}") from exc


def _ts(value: Any, where: str, name: str, required: bool = True) -> datetime | None:
    parsed = parse_ts(value)
    if parsed is None and (required or value not in (None, "")):
        raise ImportError_(f"{where}: {name} must be an ISO-8601 timestamp, got {value!r}")
    return utcnaive(parsed) if parsed else None


# ---------- converting records to rows ----------


def _currency(rec: dict[str, Any], where: str, default: str) -> str:
    """The record's currency, else the shop's base currency; an error when neither is known."""
    value = str(rec.get("currency") or default).strip().upper()
    if not value:
        raise ImportError_(f"{where}: missing 'currency'")
    return value


def customer_row(rec: dict[str, Any], where: str, currency: str = "") -> dict[str, Any]:
    email = str(_req(rec, "email", where))
    postcode = str(rec.get("postcode") or "")
    return {
        "id": str(_req(rec, "id", where)),
        "name": str(rec.get("name") or ""),
        "email": email,
        "email_norm": normalize_email(email),
        "postcode": postcode,
        "postcode_norm": normalize_postcode(postcode),
        "country": str(rec.get("country") or "").upper(),
        "language": str(rec.get("language") or "en"),
        "currency": _currency(rec, where, currency),
        "created_at": _ts(rec.get("created_at"), where, "created_at", required=False),
    }


def product_row(rec: dict[str, Any], where: str, currency: str = "") -> dict[str, Any]:
    attributes = _json_field(rec.get("attributes"), where, "attributes")
    if not isinstance(attributes, dict):
        raise ImportError_(f"{where}: attributes must be an object")
    return {
        "id": str(_req(rec, "id", where)),
        "sku": str(rec.get("sku") or ""),
        "title": str(_req(rec, "title", where)),
        "description": str(rec.get("description") or ""),
        "category": str(rec.get("category") or ""),
        "brand": str(rec.get("brand") or ""),
        "price": _num(_req(rec, "price", where), where, "price"),
        "currency": _currency(rec, where, currency),
        "attributes": {k: _bool(v) for k, v in attributes.items()},
        "stock": int(_num(rec.get("stock") or 0, where, "stock")),
        "ships_to": [c.upper() for c in _split(rec.get("ships_to"))],
        "image_url": str(rec.get("image_url") or ""),
        "url": str(rec.get("url") or ""),
        "weight_kg": _num(rec.get("weight_kg") or 0, where, "weight_kg"),
        "tags": _split(rec.get("tags")),
    }


def order_row(
    rec: dict[str, Any], where: str, normalize_number: NumberNormaliser, currency: str = ""
) -> dict[str, Any]:
    raw_number = str(_req(rec, "number", where))
    number = normalize_number(raw_number)
    if number is None:
        raise ImportError_(f"{where}: {raw_number!r} is not an order number of this shop (order_numbers in shop.yml)")
    status = str(_req(rec, "status", where))
    if status not in ORDER_STATUSES:
        raise ImportError_(f"{where}: unknown status {status!r}")
    items = rec.get("items") or []
    if not isinstance(items, list) or not items:
        raise ImportError_(f"{where}: an order needs at least one item")
    clean_items: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        w = f"{where} item {i}"
        qty = int(_num(_req(item, "quantity", w), w, "quantity"))
        if qty <= 0:
            raise ImportError_(f"{w}: quantity must be positive")
        clean_items.append(
            {
                "product_id": str(_req(item, "product_id", w)),
                "title": str(item.get("title") or ""),
                "quantity": qty,
                "unit_price": _num(_req(item, "unit_price", w), w, "unit_price"),
            }
        )
    address = rec.get("shipping_address") or {}
    if not isinstance(address, dict):
        raise ImportError_(f"{where}: shipping_address must be an object")
    phone = str(rec.get("phone") or address.get("phone") or "").strip()
    address = {k: str(address.get(k) or "") for k in ("name", "line1", "city", "postcode", "country")}
    address["country"] = address["country"].upper()
    if phone:
        # Kept with the address (a JSON column, no schema change) for shops whose profile accepts phone proofs.
        address["phone"] = phone
    shipments = []
    for i, ship in enumerate(rec.get("shipments") or []):
        w = f"{where} shipment {i}"
        events = [
            {k: str(e.get(k) or "") for k in ("at", "location", "status", "description")}
            for e in ship.get("events") or []
        ]
        for e in events:
            _ts(e["at"], w, "event at")
        shipments.append(
            {
                "carrier": str(ship.get("carrier") or ""),
                "tracking_number": str(ship.get("tracking_number") or ""),
                "shipped_at": ship.get("shipped_at") or None,
                "estimated_delivery": ship.get("estimated_delivery") or None,
                "delivered_at": ship.get("delivered_at") or None,
                "events": events,
            }
        )
    history: list[dict[str, Any]] = []
    ret = rec.get("return")
    if isinstance(ret, dict) and ret.get("requested_at"):
        # A return the shop system already knows about: those items cannot be returned again.
        history.append(
            {
                "at": str(ret["requested_at"]),
                "event": "return_requested",
                "imported": True,
                "items": [
                    {"product_id": i["product_id"], "quantity": i["quantity"]} for i in ret.get("items") or clean_items
                ],
                "reason": str(ret.get("reason") or ""),
                "received_at": ret.get("received_at"),
                "refunded_at": ret.get("refunded_at"),
                "free_label": bool(ret.get("free_label", False)),
            }
        )
    # Email or postcode: an order must be provable by at least one (a shop's POS orders may have no email).
    email = str(rec.get("email") or "") if address["postcode"] else str(_req(rec, "email", where))
    subtotal = _num(rec.get("subtotal") or sum(i["quantity"] * i["unit_price"] for i in clean_items), where, "subtotal")
    shipping_cost = _num(rec.get("shipping_cost") or 0, where, "shipping_cost")
    return {
        "number": number,
        "customer_id": str(_req(rec, "customer_id", where)),
        "email": email,
        "email_norm": normalize_email(email),
        "placed_at": _ts(_req(rec, "placed_at", where), where, "placed_at"),
        "status": status,
        "currency": _currency(rec, where, currency),
        "items": clean_items,
        "subtotal": subtotal,
        "shipping_cost": shipping_cost,
        "total": _num(rec.get("total") or subtotal + shipping_cost, where, "total"),
        "shipping_address": address,
        "postcode_norm": normalize_postcode(address["postcode"]),
        "shipments": shipments,
        "history": history,
        "updated_at": None,
    }


def _orders_from_csv(directory: Path, flat: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Joins orders.csv with order_items.csv, shipments.csv and shipment_events.csv into contract records."""
    items: dict[str, list[dict[str, Any]]] = {}
    for row in _csv_rows(directory / "order_items.csv"):
        items.setdefault(row["number"], []).append(row)
    events: dict[str, list[dict[str, Any]]] = {}
    for row in _csv_rows(directory / "shipment_events.csv"):
        events.setdefault(row["tracking_number"], []).append(row)
    shipments: dict[str, list[dict[str, Any]]] = {}
    for row in _csv_rows(directory / "shipments.csv"):
        shipments.setdefault(row["number"], []).append({**row, "events": events.get(row["tracking_number"], [])})
    out = []
    for where, row in flat:
        rec: dict[str, Any] = dict(row)
        rec["shipping_address"] = {
            k: row.get(f"ship_{k}", "") for k in ("name", "line1", "city", "postcode", "country")
        }
        rec["items"] = items.get(row.get("number", ""), [])
        rec["shipments"] = shipments.get(row.get("number", ""), [])
        out.append((where, rec))
    return out


# ---------- writing ----------


async def _upsert(
    session: AsyncSession, model: type[Base], key: str, rows: list[dict[str, Any]], label: str
) -> tuple[int, int]:
    if not rows:
        return 0, 0
    column = getattr(model, key)
    existing = set((await session.execute(select(column))).scalars())
    new = [r for r in rows if r[key] not in existing]
    old = [r for r in rows if r[key] in existing]
    batch = 500
    with tqdm(total=len(rows), desc=f"import {label}", unit="row", disable=len(rows) < 2000) as bar:
        for i in range(0, len(new), batch):
            await session.execute(insert(model), new[i : i + batch])
            bar.update(len(new[i : i + batch]))
        for i in range(0, len(old), batch):
            await session.execute(update(model), old[i : i + batch])
            bar.update(len(old[i : i + batch]))
    return len(new), len(old)


def _dedupe(rows: list[dict[str, Any]], key: str, label: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen[row[key]] = row  # the last row for a key wins, as in a re-export
    if len(seen) != len(rows):
        log.warning("%s: %d duplicate keys, the last row of each kept", label, len(rows) - len(seen))
    return list(seen.values())


def _convert(records: Iterable[Located], fn: Any) -> list[dict[str, Any]]:
    out = []
    for where, rec in records:
        if not isinstance(rec, dict):
            raise ImportError_(f"{where}: expected an object")
        out.append(fn(rec, where))
    return out


def validate(
    records: ShopRecords, normalize_number: NumberNormaliser, currency: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """Contract rows for every record (the first bad one raises, naming its file and row). `currency` is the
    shop's base currency, for records that do not name theirs."""
    orders = tqdm(records.orders, desc="checking orders", unit="order", disable=len(records.orders) < 2000)
    return {
        "customers": _dedupe(
            _convert(records.customers, lambda rec, where: customer_row(rec, where, currency)), "id", "customers"
        ),
        "products": _dedupe(
            _convert(records.products, lambda rec, where: product_row(rec, where, currency)), "id", "products"
        ),
        "orders": _dedupe(
            _convert(orders, lambda rec, where: order_row(rec, where, normalize_number, currency)), "number", "orders"
        ),
    }


async def write_rows(
    engine: AsyncEngine, rows: dict[str, list[dict[str, Any]]], schema: str | None = None
) -> ImportReport:
    """Upserts validated rows; one transaction for all three tables: an import lands completely or not at all."""
    await create_schema(engine, schema)
    report = ImportReport()
    async with sessionmaker(engine)() as session, session.begin():
        for label, model, key in (
            ("customers", Customer, "id"),
            ("products", Product, "id"),
            ("orders", Order, "number"),
        ):
            report.inserted[label], report.updated[label] = await _upsert(session, model, key, rows[label], label)
    return report


async def import_records(
    engine: AsyncEngine,
    records: ShopRecords,
    normalize_number: NumberNormaliser,
    schema: str | None = None,
    currency: str = "",
) -> ImportReport:
    """Validates every record, then writes them all (nothing is written when any record is bad)."""
    report = await write_rows(engine, validate(records, normalize_number, currency), schema)
    report.skipped = dict(records.skipped)
    return report


async def import_directory(
    engine: AsyncEngine,
    directory: Path,
    normalize_number: NumberNormaliser,
    schema: str | None = None,
    currency: str = "",
) -> ImportReport:
    """Validates everything under `directory` (the project's own layout), then upserts it."""
    return await import_records(engine, read_directory_records(directory), normalize_number, schema, currency)
