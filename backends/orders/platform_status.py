"""Order states of Shopify and WooCommerce mapped to the order service's lifecycle (one place for both the file
importers and the live API adapters).

The lifecycle (rules `orders.yaml`): pending, paid, packed, shipped, in_transit, out_for_delivery, delivered,
plus the end states cancelled and returned. A platform knows less than that about parcels (Shopify's order
export and WooCommerce's order status stop at "fulfilled"/"completed"), so those map to `shipped`; a live
adapter that sees Shopify's per-fulfillment `shipment_status` passes it in and gets the finer state.

Shopify (order `financial_status`, `fulfillment_status`, `cancelled_at`; the CSV export's "Financial Status",
"Fulfillment Status", "Cancelled at"):

| cancelled_at set, or financial voided, or fulfillment restocked | cancelled |
| financial refunded and something was fulfilled (fulfilled/partial) | returned  |
| partially_refunded after fulfilment with a Refunded Amount > 0      | returned (items came back) |
| financial refunded, nothing fulfilled                               | cancelled |
| fulfilled or partial (some items shipped)                           | shipped, or the shipment_status's state |
| unfulfilled and paid / partially_refunded / authorized              | paid (authorized: secured) |
| unfulfilled and pending / partially_paid / expired / empty          | pending (awaiting payment) |

WooCommerce (order `status`, REST API v3 and the admin's order list):

| pending, on-hold, failed     | pending (awaiting payment or its confirmation; a failed payment can be retried) |
| processing                   | paid                                                                           |
| completed                    | shipped                                                                        |
| cancelled                    | cancelled                                                                      |
| refunded                     | returned when the order had been completed (`date_completed`), else cancelled  |
| checkout-draft, trash        | not an order: skipped by importers (None)                                      |
| a lifecycle name (e.g. a plugin's `shipped`, `delivered`, `packed`) | itself                                   |
"""

from __future__ import annotations

LIFECYCLE = ("pending", "paid", "packed", "shipped", "in_transit", "out_for_delivery", "delivered")
END_STATES = ("cancelled", "returned")
ORDER_STATUSES = frozenset(LIFECYCLE + END_STATES)


class UnknownPlatformStatus(ValueError):
    """A platform status value this module does not know: `field` names it, `problem` says what is accepted."""

    def __init__(self, field: str, value: str | None, accepted: list[str]) -> None:
        self.field = field
        self.problem = f"unknown value {value!r}; expected one of {', '.join(accepted)}"
        super().__init__(f"{field}: {self.problem}")


SHOPIFY_FINANCIAL = frozenset(
    {"pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided", "expired", ""}
)
SHOPIFY_FULFILLMENT = frozenset({"fulfilled", "unfulfilled", "partial", "restocked", "unshipped", "null", ""})
# Shopify fulfillment `shipment_status` (carrier tracking) → lifecycle; the rest (label_printed, confirmed,
# failure, …) leave an order at `shipped`.
SHOPIFY_SHIPMENT = {
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "attempted_delivery": "out_for_delivery",
    "ready_for_pickup": "out_for_delivery",
    "delivered": "delivered",
}

WOOCOMMERCE_STATUS = {
    "pending": "pending",
    "on-hold": "pending",
    "failed": "pending",
    "processing": "paid",
    "completed": "shipped",
    "cancelled": "cancelled",
}
WOOCOMMERCE_NOT_ORDERS = frozenset({"checkout-draft", "trash", "auto-draft"})


def _clean(value: str | None) -> str:
    return (value or "").strip().lower().replace(" ", "_")


def shopify_status(
    financial_status: str | None,
    fulfillment_status: str | None,
    cancelled_at: str | None = None,
    shipment_status: str | None = None,
    refunded_amount: float = 0.0,
) -> str:
    """The lifecycle state of a Shopify order (see the module docstring)."""
    financial, fulfillment = _clean(financial_status), _clean(fulfillment_status)
    if financial not in SHOPIFY_FINANCIAL:
        raise UnknownPlatformStatus("Financial Status", financial_status, sorted(SHOPIFY_FINANCIAL - {""}))
    if fulfillment not in SHOPIFY_FULFILLMENT:
        accepted = sorted(SHOPIFY_FULFILLMENT - {"", "null"})
        raise UnknownPlatformStatus("Fulfillment Status", fulfillment_status, accepted)
    shipped = fulfillment in ("fulfilled", "partial")
    if (cancelled_at or "").strip() or financial == "voided" or fulfillment == "restocked":
        return "cancelled"
    if financial == "refunded":
        return "returned" if shipped else "cancelled"
    if financial == "partially_refunded" and shipped and refunded_amount > 0:
        return "returned"
    if shipped:
        return SHOPIFY_SHIPMENT.get(_clean(shipment_status), "shipped")
    if financial in ("paid", "partially_refunded", "authorized"):
        return "paid"
    return "pending"


def woocommerce_status(status: str | None, date_completed: str | None = None) -> str | None:
    """The lifecycle state of a WooCommerce order; None for drafts and trashed orders (not orders to import)."""
    value = (status or "").strip().lower()
    if value.startswith("wc-"):  # the database's post_status form, as some exporters write it
        value = value[3:]
    if value in WOOCOMMERCE_NOT_ORDERS:
        return None
    if value == "refunded":
        return "returned" if (date_completed or "").strip() else "cancelled"
    if value in WOOCOMMERCE_STATUS:
        return WOOCOMMERCE_STATUS[value]
    if value.replace("-", "_") in ORDER_STATUSES:
        return value.replace("-", "_")
    known = sorted({*WOOCOMMERCE_STATUS, "refunded", *WOOCOMMERCE_NOT_ORDERS, *ORDER_STATUSES})
    raise UnknownPlatformStatus("status", status, known)
