"""Shopify and WooCommerce exports read into the order contract: good rows, continuation rows, malformed rows
(the error names file, row and field), the status mapping, and an import that fails leaves the store unchanged."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from backends.orders.db import count_orders, make_engine
from backends.orders.importer import import_records, validate
from backends.orders.imports import normalised
from backends.orders.imports.formats import read_sources
from backends.orders.imports.records import ImportContext, ImportError_
from backends.orders.platform_status import (
    UnknownPlatformStatus,
    check_shopify_values,
    is_woocommerce_order,
    shopify_status,
    woocommerce_status,
)
from borderless.order_numbers import OrderNumbers

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
SHOPIFY, WOO = DATA / "shopify", DATA / "woocommerce"
# A shop numbering its orders the Shopify way (#1001) and one using WooCommerce's plain numbers (727).
HASH_NUMBERS = OrderNumbers.from_config([{"pattern": r"#?\s*(\d{4,7})", "canonical": "#{1}", "example": "#1001"}])
PLAIN_NUMBERS = OrderNumbers.from_config([{"pattern": r"#?\s*(\d{3,7})", "canonical": "{1}", "example": "727"}])
SHOPIFY_CTX = ImportContext(HASH_NUMBERS.normalize, ("CA", "US"), currency="USD")
WOO_CTX = ImportContext(PLAIN_NUMBERS.normalize, ("DE", "NL"), currency="EUR")


def _by(records: list[tuple[str, dict[str, Any]]], key: str) -> dict[str, dict[str, Any]]:
    return {str(rec[key]): rec for _, rec in records}


# ---------- Shopify ----------


def test_shopify_products_group_variant_and_image_rows_by_handle() -> None:
    records = read_sources([("shopify_products_csv", SHOPIFY / "products.csv")], SHOPIFY_CTX)
    products = _by(records.products, "id")
    assert set(products) == {"trail-runner-tee", "stoneware-mug"}  # the draft parka is skipped
    assert records.skipped == {"products not published (Status draft/archived or Published FALSE)": 1}
    tee = products["trail-runner-tee"]
    assert [v["sku"] for v in tee["variants"]] == ["TEE-TRAIL-S", "TEE-TRAIL-M", "TEE-TRAIL-L"]
    assert tee["stock"] == 19 and tee["price"] == 24.0 and tee["weight_kg"] == 0.18
    assert tee["attributes"] == {"type": "t-shirt", "size": ["S", "M", "L"]}
    assert tee["image_url"].endswith("tee-front.jpg")  # the image-only continuation row adds no variant
    assert tee["description"] == "A light, quick-drying tee for long runs.\nRecycled polyester\nReflective logo"
    assert tee["ships_to"] == ["CA", "US"]  # the export does not say; the shop's zones do
    assert tee["currency"] == "USD"  # prices are in the shop's base currency
    assert products["stoneware-mug"]["attributes"] == {"type": "mug"}  # "Default Title" is no option


def test_shopify_orders_join_line_item_rows_and_map_states() -> None:
    records = read_sources(
        [("shopify_orders_csv", SHOPIFY / "orders.csv"), ("shopify_products_csv", SHOPIFY / "products.csv")],
        SHOPIFY_CTX,
    )
    orders = _by(records.orders, "number")
    assert list(orders) == ["#1001", "#1002", "#1003", "#1004"]
    first = orders["#1001"]
    assert [(i["product_id"], i["quantity"], i["unit_price"]) for i in first["items"]] == [
        ("trail-runner-tee", 2, 24.0),  # linked to the catalog through the variant SKU
        ("stoneware-mug", 1, 18.0),
    ]
    assert first["placed_at"] == "2026-03-01T15:14:55Z" and first["currency"] == "USD" and first["total"] == 75.62
    assert first["shipping_address"] == {
        "name": "Maria Lopez", "line1": "12 Pine St", "city": "Austin", "postcode": "78701", "country": "US",
    }  # fmt: skip
    assert first["shipments"][0]["shipped_at"] == "2026-03-02T14:00:00Z"
    assert {n: o["status"] for n, o in orders.items()} == {
        "#1001": "shipped", "#1002": "paid", "#1003": "cancelled", "#1004": "pending",
    }  # fmt: skip
    assert orders["#1003"]["currency"] == "CAD"
    assert orders["#1003"]["items"][1]["product_id"] == "item-gift-card"  # no SKU, no catalog product
    # One customer per email: #1001 and #1003 are Maria's.
    assert orders["#1001"]["customer_id"] == orders["#1003"]["customer_id"]
    assert len(records.customers) == 3
    rows = validate(records, HASH_NUMBERS.normalize)
    assert {o["number"]: o["email_norm"] for o in rows["orders"]}["#1004"] == "noor.haddad@example.net"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("orders_bad_quantity.csv", "orders_bad_quantity.csv row 6, field 'Lineitem quantity': not a whole number"),
        ("orders_bad_number.csv", "orders_bad_number.csv row 7, field 'Name': '#10O3' is not an order number"),
        ("orders_bad_status.csv", "orders_bad_status.csv row 5, field 'Financial Status': unknown value 'settled'"),
    ],
)
def test_malformed_shopify_orders_name_file_row_and_field(name: str, message: str) -> None:
    with pytest.raises(ImportError_) as exc:
        read_sources([("shopify_orders_csv", SHOPIFY / name)], SHOPIFY_CTX)
    assert str(exc.value).startswith(message)


def test_malformed_shopify_product_row_is_located_past_multiline_cells() -> None:
    with pytest.raises(ImportError_, match=r"^products_bad_price.csv row 4 \(line 5\), field 'Variant Price'"):
        read_sources([("shopify_products_csv", SHOPIFY / "products_bad_price.csv")], SHOPIFY_CTX)


def test_wrong_export_is_refused_by_its_header(tmp_path: Path) -> None:
    with pytest.raises(ImportError_, match=r"row 1: missing column\(s\) 'Name', 'Lineitem quantity'"):
        read_sources([("shopify_orders_csv", SHOPIFY / "products.csv")], SHOPIFY_CTX)


# ---------- WooCommerce ----------


def test_woocommerce_products_attach_variations_to_their_parent() -> None:
    records = read_sources([("woocommerce_products_csv", WOO / "products.csv")], WOO_CTX)
    products = _by(records.products, "id")
    assert set(products) == {"101", "110"}
    hoodie = products["101"]
    assert [(v["sku"], v["price"], v["stock"]) for v in hoodie["variants"]] == [
        ("HOODIE-NAVY", 49.0, 5),  # sale price wins; parent given as id:101
        ("HOODIE-GREY", 59.0, 3),  # parent given by SKU
    ]
    assert hoodie["stock"] == 8 and hoodie["price"] == 49.0 and hoodie["category"] == "Clothing"
    assert hoodie["tags"] == ["organic", "winter", "Hoodies"] and hoodie["attributes"] == {"color": ["Navy", "Grey"]}
    assert hoodie["image_url"] == "https://shop.example.org/img/hoodie.jpg" and hoodie["weight_kg"] == 0.6
    assert records.skipped == {"products not published (Published is not 1)": 1}
    with pytest.raises(ImportError_, match=r"^products_bad_parent.csv row 4, field 'Parent': no product 'id:999'"):
        read_sources([("woocommerce_products_csv", WOO / "products_bad_parent.csv")], WOO_CTX)


def test_woocommerce_rest_orders() -> None:
    records = read_sources([("woocommerce_orders_json", WOO / "orders.json")], WOO_CTX)
    orders = _by(records.orders, "number")
    assert {n: o["status"] for n, o in orders.items()} == {"727": "delivered", "728": "paid", "730": "returned"}
    assert records.skipped == {"draft or trashed orders": 1}
    done = orders["727"]
    assert done["shipments"] == [  # completion is the delivery the return window counts from
        {
            "carrier": "DHL", "tracking_number": "JD014600006281", "shipped_at": "2026-02-21T14:00:00Z",
            "delivered_at": "2026-02-21T14:00:00Z", "events": [],
        }
    ]  # fmt: skip
    assert done["customer_id"] == "wc-26" and done["placed_at"] == "2026-02-20T09:12:03Z"
    assert [(i["product_id"], i["sku"]) for i in done["items"]] == [("101", "HOODIE-NAVY"), ("110", "BEANIE")]
    guest = orders["728"]  # no shipping address: the billing address is where it goes
    assert guest["shipping_address"]["postcode"] == "3511 AB" and guest["customer_id"].startswith("cust-")
    with pytest.raises(ImportError_) as exc:
        read_sources([("woocommerce_orders_json", WOO / "orders_bad_quantity.json")], WOO_CTX)
    assert str(exc.value) == (
        "orders_bad_quantity.json order [1] (number 728) line_items[0], field 'quantity': must be at least 1, got 0"
    )


# ---------- status mapping: what the importers add (the base mapping: test_orders_platform_status.py) ----------


def test_shopify_export_values_outside_shopifys_sets_are_refused() -> None:
    check_shopify_values("partially_refunded", "fulfilled")
    check_shopify_values("Paid", None)
    with pytest.raises(UnknownPlatformStatus) as exc:
        check_shopify_values("settled", "fulfilled")
    assert exc.value.field == "Financial Status" and "partially_refunded" in exc.value.problem
    with pytest.raises(UnknownPlatformStatus) as exc:
        check_shopify_values("paid", "shipped-ish")
    assert exc.value.field == "Fulfillment Status"


def test_partial_refund_after_fulfilment_is_a_return() -> None:
    assert shopify_status(financial="partially_refunded", fulfillment="fulfilled", refunded_amount=25.0) == "returned"
    assert shopify_status(financial="partially_refunded", fulfillment="fulfilled") == "shipped"
    assert shopify_status(financial="partially_refunded", fulfillment="unfulfilled", refunded_amount=25.0) == "paid"


def test_woocommerce_refunds_drafts_and_trash() -> None:
    assert woocommerce_status("refunded") == "returned"  # unknown whether it was completed: as the adapter reads it
    assert woocommerce_status("refunded", completed=True) == "returned"
    assert woocommerce_status("refunded", completed=False) == "cancelled"
    assert [is_woocommerce_order(s) for s in ("checkout-draft", "wc-trash", "trash", "processing", "On hold")] == [
        False, False, False, True, True,
    ]  # fmt: skip


# ---------- into the store: all or nothing ----------


def test_a_bad_row_leaves_the_store_unchanged(tmp_path: Path) -> None:
    async def run() -> tuple[int, int]:
        engine = make_engine(f"sqlite:///{tmp_path / 'orders.db'}")
        try:
            good = read_sources([("shopify_orders_csv", SHOPIFY / "orders.csv")], SHOPIFY_CTX)
            report = await import_records(engine, good, HASH_NUMBERS.normalize)
            assert report.inserted == {"customers": 3, "products": 0, "orders": 4}
            before = await count_orders(engine)
            # A second file whose first rows are fine but whose last order is not: nothing of it lands.
            bad_file = tmp_path / "more_orders.csv"
            text = (SHOPIFY / "orders.csv").read_text(encoding="utf-8").replace("#100", "#200")
            bad_file.write_text(text.replace(",pending,,unfulfilled,", ",settled,,unfulfilled,"), encoding="utf-8")
            with pytest.raises(ImportError_, match=r"^more_orders.csv row 7, field 'Financial Status'"):
                await import_records(engine, read_sources([("shopify_orders_csv", bad_file)], SHOPIFY_CTX),
                                     HASH_NUMBERS.normalize)  # fmt: skip
            return before, await count_orders(engine)
        finally:
            await engine.dispose()

    before, after = asyncio.run(run())
    assert before == after == 4


def test_normalised_folder_round_trip(tmp_path: Path) -> None:
    records = read_sources(
        [("shopify_products_csv", SHOPIFY / "products.csv"), ("shopify_orders_csv", SHOPIFY / "orders.csv")],
        SHOPIFY_CTX,
    )
    manifest = normalised.write(tmp_path / "shop", records, [{"format": "shopify_orders_csv"}])
    assert manifest["counts"] == {"customers": 3, "products": 2, "orders": 4, "interactions": 4}
    again = normalised.load(tmp_path / "shop")
    assert [r["number"] for _, r in again.orders] == ["#1001", "#1002", "#1003", "#1004"]
    # Purchases for the recommender: every line of every order not cancelled.
    events = (tmp_path / "shop" / "interactions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(events) == 2 + 1 + 1
    # The folder is in the project's own layout: the native importer reads it back.
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "shop", copy)
    native = read_sources([("native", copy)], SHOPIFY_CTX)
    assert len(validate(native, HASH_NUMBERS.normalize)["orders"]) == 4


def test_woocommerce_order_export_csv_reads_like_the_rest_export() -> None:
    from_csv = read_sources([("woocommerce_orders_csv", WOO / "orders_export.csv")], WOO_CTX)
    from_json = read_sources([("woocommerce_orders_json", WOO / "orders.json")], WOO_CTX)
    csv_orders, json_orders = _by(from_csv.orders, "number"), _by(from_json.orders, "number")
    assert set(csv_orders) == {"727", "728"}
    for number in csv_orders:
        for key in ("status", "customer_id", "email", "currency", "total", "items", "shipping_address"):
            assert csv_orders[number][key] == json_orders[number][key], (number, key)
    assert csv_orders["727"]["placed_at"] == "2026-02-20T10:12:03Z"  # the export's local time, no zone given


def test_prepare_rebuilds_the_shops_folder_only_when_an_export_changed(tmp_path: Path) -> None:
    from backends.orders.imports.run import prepare

    exports = tmp_path / "exports"
    shutil.copytree(SHOPIFY, exports)
    sources = [("shopify_products_csv", exports / "products.csv"), ("shopify_orders_csv", exports / "orders.csv")]
    folder = tmp_path / "shop"
    assert prepare(sources, SHOPIFY_CTX, folder) is True
    assert prepare(sources, SHOPIFY_CTX, folder) is False  # same bytes: nothing to do
    orders = exports / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace("Maria Lopez", "María López"), encoding="utf-8")
    assert prepare(sources, SHOPIFY_CTX, folder) is True
    # A malformed export leaves the folder as it was.
    before = (folder / "orders.jsonl").read_bytes()
    shutil.copy(SHOPIFY / "orders_bad_quantity.csv", orders)
    with pytest.raises(ImportError_, match="row 6, field 'Lineitem quantity'"):
        prepare(sources, SHOPIFY_CTX, folder)
    assert (folder / "orders.jsonl").read_bytes() == before


def test_fulfilled_orders_arrive_after_the_zones_longest_transit() -> None:
    from dataclasses import replace
    from datetime import datetime, timezone

    # #1001 left on Monday 2026-03-02 for the US: 5 business days later it is there, not a day before.
    zones = {"US": 5, "CA": 9}
    before = replace(SHOPIFY_CTX, transit_days=zones, now=datetime(2026, 3, 9, 11, tzinfo=timezone.utc))
    after = replace(SHOPIFY_CTX, transit_days=zones, now=datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    shipped = _by(read_sources([("shopify_orders_csv", SHOPIFY / "orders.csv")], before).orders, "number")["#1001"]
    assert shipped["status"] == "shipped"
    assert shipped["shipments"][0]["estimated_delivery"] == "2026-03-09T12:00:00Z"
    assert "delivered_at" not in shipped["shipments"][0]
    arrived = _by(read_sources([("shopify_orders_csv", SHOPIFY / "orders.csv")], after).orders, "number")["#1001"]
    assert arrived["status"] == "delivered" and arrived["shipments"][0]["delivered_at"] == "2026-03-09T12:00:00Z"
