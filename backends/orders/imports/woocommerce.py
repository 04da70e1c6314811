"""WooCommerce: the core product CSV exporter (Products → Export) and REST API v3 orders (GET /wp-json/wc/v3/orders).

Products CSV columns used: ID, Type, SKU, Name, Published, Short description, Description, Regular price,
Sale price, Categories ("Clothing > Shirts, Sale"), Tags, Images (comma-separated URLs, first is the main one),
Stock, In stock?, Weight (kg|g|lbs|oz), Parent, Attribute N name / Attribute N value(s). simple, variable,
grouped and external rows are products (id = ID); `variation` rows (Parent "id:123" or the parent's SKU) add a
variant to their parent: its price, SKU, stock and attribute values. Published other than 1 is skipped.

Orders JSON: the list that GET /wp-json/wc/v3/orders returns (also accepted: {"orders": [...]}, or one page
per file). Fields used: number (falls back to id), status, currency, date_created_gmt (else date_created),
date_completed, date_paid, billing {first_name, last_name, email, phone, postcode, country}, shipping {first_name,
last_name, address_1, city, postcode, country}, customer_id (0 = guest), line_items [{product_id, variation_id,
sku, name, quantity, price}], shipping_total, total_tax, total, and the Shipment Tracking extension's meta_data
`_wc_shipment_tracking_items` when present. States: platform_status.py.

Orders CSV: the Customer/Order/Coupon Export extension's "Default CSV format - One row per line item" (columns
read by name, as its documentation asks: order_id, order_number, order_date, status, order_currency,
shipping_total, tax_total, order_total, customer_id, billing_first_name, billing_last_name, billing_email,
billing_phone, billing_postcode, billing_country, shipping_first_name, shipping_last_name, shipping_address_1,
shipping_city, shipping_postcode, shipping_country, item_product_id, item_name, item_sku, item_quantity,
item_total; every row repeats the order's columns).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from backends.orders.imports.csvfile import CsvFile
from backends.orders.imports.records import (
    ImportContext,
    ImportError_,
    ShopRecords,
    country,
    currency,
    customer_id,
    html_to_text,
    iso_time,
    money,
    order_number,
    row_error,
    slug,
    split_list,
    whole,
)
from backends.orders.normalize import normalize_email
from backends.orders.platform_status import is_woocommerce_order, woocommerce_status

PRODUCT_COLUMNS = ("ID", "Type", "Name")
_WEIGHT = re.compile(r"^Weight \((kg|g|lbs|oz)\)$")
_KG = {"kg": 1.0, "g": 0.001, "lbs": 0.45359237, "oz": 0.028349523}
_ATTR_NAME = re.compile(r"^Attribute (\d+) name$")


def read_products_csv(path: Path, ctx: ImportContext) -> ShopRecords:
    sheet = CsvFile(path, PRODUCT_COLUMNS)
    out = ShopRecords()
    weight_col = next((h for h in sheet.header if _WEIGHT.match(h)), None)
    attr_numbers = [m.group(1) for h in sheet.header if (m := _ATTR_NAME.match(h))]
    products: dict[str, dict[str, Any]] = {}
    by_sku: dict[str, str] = {}
    wheres: dict[str, str] = {}
    variations: list[tuple[str, dict[str, str]]] = []
    hidden: set[str] = set()  # ids and SKUs of skipped products: their variations are skipped too
    for where, row in sheet.rows():
        kind = row.get("Type", "").lower()
        if "variation" in kind:
            variations.append((where, row))
            continue
        pid = row.get("ID", "")
        if not pid:
            raise row_error(where, "ID", "missing")
        if not row.get("Name"):
            raise row_error(where, "Name", "missing")
        if row.get("Published", "1").strip() not in ("1", ""):
            out.skip("products not published (Published is not 1)")
            hidden.update({f"id:{pid}", row.get("SKU", "")} - {""})
            continue
        categories = [c.strip() for c in row.get("Categories", "").split(",") if c.strip()]
        paths = [[p.strip() for p in c.split(">") if p.strip()] for c in categories]
        attributes: dict[str, Any] = {}
        for n in attr_numbers:
            name = row.get(f"Attribute {n} name", "")
            values = split_list(row.get(f"Attribute {n} value(s)", ""))
            if name and values:
                attributes[slug(name).replace("-", "_")] = values[0] if len(values) == 1 else values
        regular = money(row.get("Regular price"), where, "Regular price")
        sale = money(row.get("Sale price"), where, "Sale price")
        weight = money(row.get(weight_col), where, weight_col) if weight_col else 0.0
        unit = _WEIGHT.match(weight_col).group(1) if weight_col else "kg"  # type: ignore[union-attr]
        images = split_list(row.get("Images", ""))
        product: dict[str, Any] = {
            "id": pid,
            "sku": row.get("SKU", ""),
            "title": row["Name"],
            "description": html_to_text(row.get("Description", "") or row.get("Short description", "")),
            "category": paths[0][0] if paths else "",
            "brand": row.get("Brands", ""),
            "price": sale or regular,
            "tags": split_list(row.get("Tags", "")) + [seg for p in paths for seg in p[1:]],
            "attributes": attributes,
            "stock": _stock(row, where),
            "ships_to": list(ctx.ships_to),
            "currency": ctx.currency,
            "image_url": images[0] if images else "",
            "weight_kg": round(weight * _KG[unit], 3),
            "variants": [],
            "_stock_given": bool(row.get("Stock", "")),
        }
        products[pid], wheres[pid] = product, where
        if product["sku"]:
            by_sku[product["sku"]] = pid
    for where, row in variations:
        parent = row.get("Parent", "")
        pid = parent[3:] if parent.startswith("id:") else by_sku.get(parent, parent)
        parent_product = products.get(pid)
        if parent_product is None:
            if parent in hidden:
                out.skip("variations of products not published")
                continue
            raise row_error(where, "Parent", f"no product {parent!r} in this file (expected id:<ID> or a SKU)")
        regular = money(row.get("Regular price"), where, "Regular price")
        sale = money(row.get("Sale price"), where, "Sale price")
        parent_product["variants"].append(
            {
                "id": row.get("ID", ""),
                "sku": row.get("SKU", ""),
                "price": sale or regular,
                "stock": _stock(row, where),
                "options": {
                    row.get(f"Attribute {n} name", ""): row.get(f"Attribute {n} value(s)", "")
                    for n in attr_numbers
                    if row.get(f"Attribute {n} name")
                },
            }
        )
    for pid, product in products.items():
        variants: list[dict[str, Any]] = product.pop("variants")
        stock_given = product.pop("_stock_given")
        if variants:
            prices = [v["price"] for v in variants if v["price"] > 0]
            product["price"] = product["price"] or (min(prices) if prices else 0.0)
            if not stock_given:  # a variable product's stock is its variations'
                product["stock"] = sum(max(v["stock"], 0) for v in variants)
        product["variants"] = variants
        if product["price"] <= 0 and not variants:
            raise row_error(wheres[pid], "Regular price", f"product {pid} has no price")
        out.products.append((wheres[pid], product))
    return out


def _stock(row: dict[str, str], where: str) -> int:
    if row.get("Stock", ""):
        return whole(row["Stock"], where, "Stock")
    # Products that do not manage stock only say whether they are in stock.
    return 1 if row.get("In stock?", "1").strip() in ("1", "") else 0


# ---------- orders (REST API v3 JSON) ----------


def read_orders_json(path: Path, ctx: ImportContext) -> ShopRecords:
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{name}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{name} line {exc.lineno}: not JSON ({exc.msg})") from exc
    except OSError as exc:
        raise ImportError_(f"{path}: {exc.strerror or exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        data = data["orders"]
    if not isinstance(data, list):
        raise ImportError_(f"{name}: expected the list GET /wp-json/wc/v3/orders returns")
    out = ShopRecords()
    customers: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(data):
        where = f"{name} order [{i}]"
        if not isinstance(raw, dict):
            raise ImportError_(f"{where}: expected an object")
        _add_order(out, customers, raw, where, ctx)
    return out


def _add_order(
    out: ShopRecords, customers: dict[str, dict[str, Any]], raw: dict[str, Any], where: str, ctx: ImportContext
) -> None:
    """One platform order (REST shape) into `out`, with its customer (the first order of a customer makes it)."""
    order = _order(raw, where, ctx)
    if order is None:
        out.skip("draft or trashed orders")
        return
    cust = customers.get(order["customer_id"])
    if cust is None:
        billing = _obj(raw, "billing", where)
        cust = customers[order["customer_id"]] = {
            "id": order["customer_id"],
            "email": order["email"],
            "name": " ".join(str(billing.get(k) or "") for k in ("first_name", "last_name")).strip()
            or order["shipping_address"]["name"],
            "postcode": order["shipping_address"]["postcode"],
            "country": order["shipping_address"]["country"],
            "currency": order["currency"],
            "created_at": order["placed_at"],
        }
        out.customers.append((where, cust))
    else:
        cust["created_at"] = min(cust["created_at"], order["placed_at"])
    out.orders.append((where, order))


def _obj(raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise row_error(where, key, "expected an object")
    return value


def _order(raw: dict[str, Any], where: str, ctx: ImportContext) -> dict[str, Any] | None:
    if not is_woocommerce_order(str(raw.get("status") or "")):
        return None
    number = order_number(ctx, raw.get("number") or raw.get("id"), where, "number")
    where = f"{where} (number {number})"
    billing, shipping = _obj(raw, "billing", where), _obj(raw, "shipping", where)
    email = str(billing.get("email") or "")
    ship = shipping if any(shipping.get(k) for k in ("address_1", "postcode", "country")) else billing
    address = {
        "name": " ".join(str(ship.get(k) or "") for k in ("first_name", "last_name")).strip(),
        "line1": str(ship.get("address_1") or ""),
        "city": str(ship.get("city") or ""),
        "postcode": str(ship.get("postcode") or ""),
        "country": country(ship.get("country"), where, "shipping.country"),
    }
    email_norm = normalize_email(email)
    if not email_norm and not address["postcode"]:
        raise row_error(where, "billing.email", "neither an email nor a postcode to prove ownership")
    lines = raw.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise row_error(where, "line_items", "an order needs at least one line item")
    items: list[dict[str, Any]] = []
    for j, line in enumerate(lines):
        w = f"{where} line_items[{j}]"
        if not isinstance(line, dict):
            raise ImportError_(f"{w}: expected an object")
        sku = str(line.get("sku") or "")
        quantity = whole(line.get("quantity"), w, "quantity", positive=True)
        price = line.get("price")
        if price in (None, ""):
            price = money(line.get("total"), w, "total", required=True) / quantity
        pid = str(line.get("product_id") or "") if str(line.get("product_id") or "0") != "0" else ""
        items.append(
            {
                "product_id": pid or ctx.sku_index.get(sku) or sku or "item-" + slug(str(line.get("name") or "")),
                "sku": sku,
                "title": str(line.get("name") or ""),
                "quantity": quantity,
                "unit_price": money(price, w, "price", required=True),
            }
        )
    shipments: list[dict[str, Any]] = []
    for meta in raw.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == "_wc_shipment_tracking_items":
            for k, t in enumerate(meta.get("value") or []):
                if isinstance(t, dict):
                    shipped = t.get("date_shipped")
                    if isinstance(shipped, (int, float)) or (isinstance(shipped, str) and shipped.isdigit()):
                        from datetime import datetime, timezone

                        shipped = datetime.fromtimestamp(int(shipped), tz=timezone.utc).isoformat()
                    shipments.append(
                        {
                            "carrier": str(t.get("tracking_provider") or t.get("custom_tracking_provider") or ""),
                            "tracking_number": str(t.get("tracking_number") or ""),
                            "shipped_at": iso_time(shipped, f"{where} tracking [{k}]", "date_shipped"),
                            "events": [],
                        }
                    )
    completed = iso_time(raw.get("date_completed_gmt") or raw.get("date_completed"), where, "date_completed")
    status = woocommerce_status(str(raw.get("status") or ""), completed=bool(completed))
    if status in ("delivered", "returned") and completed:
        # Completion is the delivery the return window counts from (platform_status.py, as the live adapter).
        if not shipments:
            shipments.append({"carrier": "", "tracking_number": "", "shipped_at": completed, "events": []})
        shipments[0]["delivered_at"] = completed
    subtotal = sum(i["quantity"] * i["unit_price"] for i in items)
    cid = str(raw.get("customer_id") or "0")
    return {
        "number": number,
        "customer_id": f"wc-{cid}" if cid != "0" else customer_id(email_norm, "guest-" + slug(number)),
        "email": email,
        "phone": str(billing.get("phone") or shipping.get("phone") or ""),
        "placed_at": iso_time(
            raw.get("date_created_gmt") or raw.get("date_created"), where, "date_created", required=True
        ),
        "status": status,
        "currency": currency(raw.get("currency"), where, "currency"),
        "items": items,
        "subtotal": round(subtotal, 2),
        "shipping_cost": money(raw.get("shipping_total"), where, "shipping_total"),
        "taxes": money(raw.get("total_tax"), where, "total_tax"),
        "total": money(raw.get("total"), where, "total", required=True),
        "shipping_address": address,
        "shipments": shipments,
        "paid_at": iso_time(raw.get("date_paid_gmt") or raw.get("date_paid"), where, "date_paid"),
        "platform_id": str(raw.get("id") or ""),
    }


# ---------- orders (Customer/Order/Coupon Export CSV, one row per line item) ----------

ORDER_CSV_COLUMNS = ("order_number", "order_date", "status", "item_name", "item_quantity", "item_total")


def read_orders_csv(path: Path, ctx: ImportContext) -> ShopRecords:
    """Rows grouped by order number into the REST shape, then read like the REST export (one mapping)."""
    sheet = CsvFile(path, ORDER_CSV_COLUMNS)
    grouped: dict[str, dict[str, Any]] = {}
    wheres: dict[str, str] = {}
    for where, row in sheet.rows():
        key = row.get("order_number") or row.get("order_id", "")
        if not key:
            raise row_error(where, "order_number", "missing")
        order = grouped.get(key)
        if order is None:
            wheres[key] = where
            order = grouped[key] = {
                "id": row.get("order_id", ""),
                "number": key,
                "status": row.get("status", ""),
                "currency": row.get("order_currency", ""),
                "date_created": row.get("order_date", ""),
                "date_completed": row.get("completed_date", ""),
                "date_paid": row.get("paid_date", ""),
                "shipping_total": row.get("shipping_total", ""),
                "total_tax": row.get("tax_total", ""),
                "total": row.get("order_total", ""),
                "customer_id": row.get("customer_id", "") or "0",
                "billing": {k: row.get(f"billing_{k}", "") for k in _ADDRESS_KEYS + ("email", "phone")},
                "shipping": {k: row.get(f"shipping_{k}", "") for k in _ADDRESS_KEYS},
                "line_items": [],
            }
        quantity = whole(row.get("item_quantity"), where, "item_quantity", positive=True)
        order["line_items"].append(
            {
                "product_id": row.get("item_product_id", ""),
                "sku": row.get("item_sku", ""),
                "name": row.get("item_name", ""),
                "quantity": quantity,
                "price": round(money(row.get("item_total"), where, "item_total", required=True) / quantity, 4),
            }
        )
    out = ShopRecords()
    customers: dict[str, dict[str, Any]] = {}
    for key, raw in grouped.items():
        _add_order(out, customers, raw, wheres[key], ctx)
    return out


_ADDRESS_KEYS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country")
