"""Platform order statuses → the project's order lifecycle (backends/orders/platform_status.py)."""

from __future__ import annotations

import pytest

from backends.orders.platform_status import LIFECYCLE, shopify_status, woocommerce_status


@pytest.mark.parametrize(
    ("financial", "fulfillment", "cancelled", "shipments", "expected"),
    [
        ("PENDING", "UNFULFILLED", False, [], "pending"),
        ("AUTHORIZED", "UNFULFILLED", False, [], "pending"),
        ("PAID", "UNFULFILLED", False, [], "paid"),
        ("paid", None, False, [], "paid"),  # REST/CSV: fulfillment_status null
        ("PAID", "IN_PROGRESS", False, [], "packed"),
        ("PAID", "FULFILLED", False, [], "shipped"),
        ("paid", "fulfilled", False, [], "shipped"),  # order CSV export
        ("paid", "partial", False, [], "shipped"),
        ("PAID", "FULFILLED", False, ["IN_TRANSIT"], "in_transit"),
        ("PAID", "FULFILLED", False, ["OUT_FOR_DELIVERY"], "out_for_delivery"),
        ("PAID", "FULFILLED", False, ["DELIVERED"], "delivered"),
        ("PAID", "FULFILLED", False, ["DELIVERED", "IN_TRANSIT"], "in_transit"),  # as far as the slowest parcel
        ("PAID", "PARTIALLY_FULFILLED", False, ["DELIVERED"], "shipped"),  # the rest has not left
        ("PAID", "FULFILLED", False, ["DELIVERED", "CANCELED"], "delivered"),
        ("REFUNDED", "FULFILLED", False, ["DELIVERED"], "returned"),
        ("REFUNDED", "UNFULFILLED", False, [], "cancelled"),
        ("PAID", "UNFULFILLED", True, [], "cancelled"),
        ("SOMETHING_NEW", "UNFULFILLED", False, [], "paid"),
    ],
)
def test_shopify(financial: str, fulfillment: str | None, cancelled: bool, shipments: list[str], expected: str) -> None:
    status = shopify_status(financial=financial, fulfillment=fulfillment, cancelled=cancelled, shipments=shipments)
    assert status == expected and status in LIFECYCLE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pending", "pending"),
        ("on-hold", "pending"),
        ("wc-on-hold", "pending"),
        ("On hold", "pending"),
        ("failed", "pending"),
        ("processing", "paid"),
        ("Processing", "paid"),
        ("completed", "delivered"),
        ("wc-completed", "delivered"),
        ("cancelled", "cancelled"),
        ("refunded", "returned"),
        ("checkout-draft", "pending"),
        ("awaiting-shipment", "paid"),  # a plugin's custom status
        (None, "paid"),
    ],
)
def test_woocommerce(raw: str | None, expected: str) -> None:
    assert woocommerce_status(raw) == expected
