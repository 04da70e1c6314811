"""Shopify's CSV exports: products (Admin → Products → Export) and orders (Admin → Orders → Export).

Products: one row per variant; the first row of a Handle carries the product fields (Title, Body (HTML), Vendor,
Product Category, Type, Tags, Published, Status), later rows with the same Handle add a variant (Option values,
Variant SKU, Variant Price, Variant Inventory Qty, Variant Grams) or only an image. One product per Handle
(its id): price is the lowest variant price, stock the sum, options become attributes (Color → color: Red, Blue),
the variants are kept in `variants` for order lines. Draft and archived products, and unpublished ones, are skipped.

Orders: one row per line item; the order's fields (Email, Financial Status, Fulfillment Status, Currency,
Subtotal, Shipping, Total, Shipping address, Created at, Cancelled at …) only on its first row, the next rows
repeat only Name and the Lineitem columns. Name ("#1001") is normalised with the shop's order-number formats.
Customers are derived from the orders' emails (the export has no customer id). States: platform_status.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backends.orders.imports.csvfile import CsvFile
from backends.orders.imports.records import (
    ImportContext,
    ShopRecords,
    country,
    currency,
    customer_id,
    delivery,
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
from backends.orders.platform_status import UnknownPlatformStatus, check_shopify_values, shopify_status

PRODUCT_COLUMNS = ("Handle", "Title")
ORDER_COLUMNS = ("Name", "Lineitem quantity", "Lineitem name", "Lineitem price")


def _truthy(value: str) -> bool:
    return value.strip().lower() not in ("false", "0", "no", "n")


def read_products_csv(path: Path, ctx: ImportContext) -> ShopRecords:
    sheet = CsvFile(path, PRODUCT_COLUMNS)
    out = ShopRecords()
    products: dict[str, dict[str, Any]] = {}
    wheres: dict[str, str] = {}
    hidden: set[str] = set()
    for where, row in sheet.rows():
        handle = row.get("Handle", "")
        if not handle:
            raise row_error(where, "Handle", "missing")
        product = products.get(handle)
        if product is None and handle not in hidden:
            if not row.get("Title"):
                raise row_error(where, "Title", f"missing on the first row of product {handle!r}")
            status = row.get("Status", "").lower()
            if status in ("draft", "archived") or not _truthy(row.get("Published", "") or "true"):
                hidden.add(handle)
                out.skip("products not published (Status draft/archived or Published FALSE)")
                continue
            kind = row.get("Type", "")
            taxonomy = [p.strip() for p in row.get("Product Category", "").split(">") if p.strip()]
            product = {
                "id": handle,
                "title": row["Title"],
                "description": html_to_text(row.get("Body (HTML)", "")),
                "category": kind or (taxonomy[0] if taxonomy else ""),
                "brand": row.get("Vendor", ""),
                "tags": split_list(row.get("Tags", "")),
                "attributes": {"type": slug(kind)} if kind else {},
                "ships_to": list(ctx.ships_to),
                "currency": ctx.currency,
                "image_url": "",
                "variants": [],
                "_options": [row.get(f"Option{i} Name", "") for i in (1, 2, 3)],
            }
            products[handle], wheres[handle] = product, where
        if product is None:
            continue  # a later row of a skipped product
        if not product["image_url"] and row.get("Image Src"):
            product["image_url"] = row["Image Src"]
        if not any(row.get(c) for c in ("Variant SKU", "Variant Price", "Option1 Value")):
            continue  # an image-only row
        options = {}
        for i, name in enumerate(product["_options"], start=1):
            value = row.get(f"Option{i} Value", "")
            if name and value and not (name == "Title" and value == "Default Title"):
                options[name] = value
        product["variants"].append(
            {
                "sku": row.get("Variant SKU", ""),
                "price": money(row.get("Variant Price"), where, "Variant Price", required=True),
                "compare_at_price": money(row.get("Variant Compare At Price"), where, "Variant Compare At Price"),
                "stock": whole(row.get("Variant Inventory Qty"), where, "Variant Inventory Qty"),
                "grams": money(row.get("Variant Grams"), where, "Variant Grams"),
                "options": options,
            }
        )
    for handle, product in products.items():
        variants = product["variants"]
        if not variants:
            raise row_error(wheres[handle], "Variant Price", f"product {handle!r} has no variant with a price")
        product.pop("_options")
        product["price"] = min(v["price"] for v in variants)
        product["stock"] = sum(max(v["stock"], 0) for v in variants)
        product["sku"] = variants[0]["sku"]
        product["weight_kg"] = round(variants[0]["grams"] / 1000, 3)
        for v in variants:
            for name, value in v["options"].items():
                values = product["attributes"].setdefault(slug(name).replace("-", "_"), [])
                if isinstance(values, list) and value not in values:
                    values.append(value)
        product["attributes"] = {
            k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in product["attributes"].items()
        }
        out.products.append((wheres[handle], product))
    return out


def read_orders_csv(path: Path, ctx: ImportContext) -> ShopRecords:
    sheet = CsvFile(path, ORDER_COLUMNS)
    out = ShopRecords()
    orders: dict[str, dict[str, Any]] = {}
    wheres: dict[str, str] = {}
    for where, row in sheet.rows():
        number = order_number(ctx, row.get("Name"), where, "Name")
        order = orders.get(number)
        if order is None:
            order = orders[number] = _order_head(row, where, number, ctx)
            wheres[number] = where
        name = row.get("Lineitem name", "")
        if not name:
            raise row_error(where, "Lineitem name", "missing")
        sku = row.get("Lineitem sku", "")
        order["items"].append(
            {
                "product_id": ctx.sku_index.get(sku) or sku or "item-" + slug(name),
                "sku": sku,
                "title": name,
                "quantity": whole(row.get("Lineitem quantity"), where, "Lineitem quantity", positive=True),
                "unit_price": money(row.get("Lineitem price"), where, "Lineitem price", required=True),
            }
        )
    customers: dict[str, dict[str, Any]] = {}
    for number, order in orders.items():
        where = wheres[number]
        cust = customers.get(order["customer_id"])
        if cust is None:
            address = order["shipping_address"]
            customers[order["customer_id"]] = {
                "id": order["customer_id"],
                "email": order["email"],
                "name": order.pop("_billing_name") or address["name"],
                "postcode": address["postcode"],
                "country": address["country"],
                "currency": order["currency"],
                "created_at": order["placed_at"],
            }
            out.customers.append((where, customers[order["customer_id"]]))
        else:
            order.pop("_billing_name")
            cust["created_at"] = min(cust["created_at"], order["placed_at"])
        out.orders.append((where, order))
    return out


def _order_head(row: dict[str, str], where: str, number: str, ctx: ImportContext) -> dict[str, Any]:
    """The order-level fields, from the first row of an order."""
    email = row.get("Email", "")
    if not row.get("Created at"):
        raise row_error(where, "Created at", f"missing on the first row of order {number}")
    refunded = money(row.get("Refunded Amount"), where, "Refunded Amount")
    try:
        check_shopify_values(row.get("Financial Status"), row.get("Fulfillment Status"))
    except UnknownPlatformStatus as exc:
        raise row_error(where, exc.field, exc.problem) from None
    status = shopify_status(
        financial=row.get("Financial Status"),
        fulfillment=row.get("Fulfillment Status"),
        cancelled=bool(row.get("Cancelled at")),
        refunded_amount=refunded,
    )
    fulfilled_at = iso_time(row.get("Fulfilled at"), where, "Fulfilled at")
    placed_at = iso_time(row.get("Created at"), where, "Created at", required=True)
    address = {
        "name": row.get("Shipping Name", ""),
        "line1": row.get("Shipping Street", "") or row.get("Shipping Address1", ""),
        "city": row.get("Shipping City", ""),
        "postcode": row.get("Shipping Zip", "").lstrip("'"),  # spreadsheets keep leading zeros with a quote
        "country": country(row.get("Shipping Country"), where, "Shipping Country"),
    }
    email_norm = normalize_email(email)
    if not email_norm and not address["postcode"]:
        raise row_error(where, "Email", f"order {number} has neither an email nor a Shipping Zip to prove ownership")
    subtotal = money(row.get("Subtotal"), where, "Subtotal", required=True)
    shipping = money(row.get("Shipping"), where, "Shipping")
    order: dict[str, Any] = {
        "number": number,
        "customer_id": customer_id(email_norm, "guest-" + slug(number)),
        "email": email,
        "phone": row.get("Phone", "") or row.get("Shipping Phone", ""),
        "placed_at": placed_at,
        "status": status,
        "currency": currency(row.get("Currency"), where, "Currency"),
        "items": [],
        "subtotal": subtotal,
        "shipping_cost": shipping,
        "taxes": money(row.get("Taxes"), where, "Taxes"),
        "total": money(row.get("Total"), where, "Total", required=True),
        "discount_code": row.get("Discount Code", ""),
        "shipping_address": address,
        "shipments": _shipments(ctx, fulfilled_at, status, address["country"]),
        "cancelled_at": iso_time(row.get("Cancelled at"), where, "Cancelled at"),
        "paid_at": iso_time(row.get("Paid at"), where, "Paid at"),
        "platform_id": row.get("Id", ""),
        "_billing_name": row.get("Billing Name", ""),
    }
    if order["shipments"] and order["shipments"][0].get("delivered_at") and status == "shipped":
        order["status"] = "delivered"
    return order


def _shipments(ctx: ImportContext, fulfilled_at: str | None, status: str, country: str) -> list[dict[str, Any]]:
    """The parcel of a fulfilled order: when it left, and when it is estimated to arrive (records.delivery)."""
    if not fulfilled_at or status not in ("shipped", "returned"):
        return []
    estimate, arrived = delivery(ctx, fulfilled_at, country)
    shipment: dict[str, Any] = {"carrier": "", "tracking_number": "", "shipped_at": fulfilled_at, "events": []}
    if estimate:
        shipment["estimated_delivery"] = estimate
        if arrived or status == "returned":
            shipment["delivered_at"] = estimate
    return [shipment]


# The order export's header as Shopify writes it (Admin → Orders → Export, "CSV for Excel, Numbers, or other
# spreadsheet programs"); the example files and benchmarks/import_speed.py write exports with it.
_ORDER_EXPORT_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,"
    "Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,"
    "Payment References"
)
ORDER_EXPORT_HEADER = _ORDER_EXPORT_HEADER.split(",")
# Columns Shopify fills only on an order's first row; the rows after it repeat Name and the Lineitem columns.
ORDER_LEVEL_COLUMNS = frozenset(
    c for c in ORDER_EXPORT_HEADER if not c.startswith("Lineitem") and c not in ("Name", "Lineitem discount")
)
