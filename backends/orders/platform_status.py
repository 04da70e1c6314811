"""Order statuses of shop platforms mapped onto the project's one order lifecycle.

Owns the only mapping from Shopify's and WooCommerce's order states to the lifecycle the orders service and
its policy rules speak (`pending`, `paid`, `packed`, `shipped`, `in_transit`, `out_for_delivery`, `delivered`,
`cancelled`, `returned`). The live adapters (backends/orders/adapters/) and the file importers both call it,
so an order reads the same whether it was imported from an export or fetched from the platform's API.

Inputs are accepted in every spelling the platforms use: GraphQL enums (`PAID`, `PARTIALLY_FULFILLED`),
REST/CSV values (`paid`, `partial`, `fulfilled`), WooCommerce slugs with or without `wc-` and its labels
(`On hold`). An unknown value never raises: it maps to the most cautious lifecycle state that fits what is
known (a policy check then refuses rather than allows).

File importers (backends/orders/imports/) add two things a live API does not need: `check_shopify_values`
refuses a Shopify export's status outside Shopify's closed sets (a shifted column or a wrong file, reported
with its file, row and field through `UnknownPlatformStatus`), and `is_woocommerce_order` tells drafts and
trashed orders, which are not imported, from orders. A Shopify order partially refunded after fulfilment with
a refunded amount (the export's "Refunded Amount") is `returned`; a WooCommerce refund of an order known never
to have been completed is `cancelled`.
"""

from __future__ import annotations

from collections.abc import Iterable

LIFECYCLE = (
    "pending",
    "paid",
    "packed",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
)
ORDER_STATUSES = frozenset(LIFECYCLE)


class UnknownPlatformStatus(ValueError):
    """A platform status value outside the platform's known set: `field` names it, `problem` says what is accepted."""

    def __init__(self, field: str, value: str | None, accepted: Iterable[str]) -> None:
        self.field = field
        self.problem = f"unknown value {value!r}; expected one of {', '.join(sorted(accepted))}"
        super().__init__(f"{field}: {self.problem}")


def _key(value: str | None) -> str:
    return (value or "").strip().lower().replace("-", "_").replace(" ", "_")


# ---------- Shopify ----------

# Order.displayFinancialStatus (GraphQL) / financial_status (REST, order CSV "Financial Status").
_SHOPIFY_UNPAID = {"pending", "authorized", "partially_paid", "expired", "voided", ""}
_SHOPIFY_REFUNDED = {"refunded"}
# Order.displayFulfillmentStatus / fulfillment_status (REST: null = unfulfilled; CSV: "partial").
_SHOPIFY_NOT_SHIPPED = {"unfulfilled", "", "null", "none", "pending_fulfillment", "scheduled", "on_hold", "open"}
_SHOPIFY_PACKING = {"in_progress", "request_declined"}
_SHOPIFY_SHIPPED = {"fulfilled", "partially_fulfilled", "partial", "shipped", "restocked"}
# Fulfillment.displayStatus / shipment_status, furthest first; an order with several parcels is as far as its
# least advanced one.
_SHOPIFY_SHIPMENT_ORDER = (
    ("delivered", "delivered"),
    ("out_for_delivery", "out_for_delivery"),
    ("attempted_delivery", "out_for_delivery"),
    ("ready_for_pickup", "out_for_delivery"),
    ("picked_up", "delivered"),
    ("in_transit", "in_transit"),
    ("carrier_picked_up", "in_transit"),
    ("confirmed", "shipped"),
    ("label_printed", "shipped"),
    ("label_purchased", "shipped"),
    ("fulfilled", "shipped"),
    ("marked_as_fulfilled", "shipped"),
    ("failure", "shipped"),
)


def shopify_status(
    *,
    financial: str | None,
    fulfillment: str | None,
    cancelled: bool = False,
    shipments: Iterable[str | None] = (),
    refunded_amount: float = 0.0,
) -> str:
    """The lifecycle state of a Shopify order.

    `financial`: displayFinancialStatus / financial_status; `fulfillment`: displayFulfillmentStatus /
    fulfillment_status; `cancelled`: cancelledAt is set; `shipments`: each fulfillment's displayStatus (or
    shipment_status). A refunded order that had shipped is `returned`; a refunded one that never shipped was
    cancelled. Delivered only when every shipment is delivered (a partial delivery is still on its way).
    """
    fin, ful = _key(financial), _key(fulfillment)
    parcels = [_key(s) for s in shipments if _key(s) and _key(s) not in ("canceled", "cancelled", "error")]
    if cancelled:
        return "cancelled"
    if ful in _SHOPIFY_SHIPPED or parcels:
        if fin in _SHOPIFY_REFUNDED or (fin == "partially_refunded" and refunded_amount > 0):
            return "returned"
        if parcels and all(p in ("delivered", "picked_up") for p in parcels) and ful != "partially_fulfilled":
            return "delivered"
        ranks = {name: i for i, (name, _) in enumerate(_SHOPIFY_SHIPMENT_ORDER)}
        known = [p for p in parcels if p in ranks and p not in ("delivered", "picked_up")]
        if known:
            return dict(_SHOPIFY_SHIPMENT_ORDER)[max(known, key=ranks.__getitem__)]
        return "shipped"
    if fin in _SHOPIFY_REFUNDED:
        return "cancelled"
    if ful in _SHOPIFY_PACKING:
        return "packed"
    if fin in _SHOPIFY_UNPAID:
        return "pending"
    # paid, partially_refunded (nothing shipped yet), or a state this mapping does not know: not shipped,
    # and paid is the furthest it can safely be.
    return "paid"


# ---------- WooCommerce ----------

# Core order statuses (wc/v3 `status`, without the `wc-` post-status prefix) and their admin labels.
_WOO = {
    "pending": "pending",  # Pending payment
    "pending_payment": "pending",
    "on_hold": "pending",  # awaiting payment confirmation (e.g. bank transfer)
    "failed": "pending",  # payment failed; the shopper may pay again
    "checkout_draft": "pending",
    "draft": "pending",
    "processing": "paid",  # paid, being prepared
    # Completed = fulfilled. Core WooCommerce has no shipment tracking, so completion is the delivery the
    # return window counts from (date_completed).
    "completed": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "refunded": "returned",
    "trash": "cancelled",
}


def _woo_key(status: str | None) -> str:
    key = _key(status)
    return key[3:] if key.startswith("wc_") else key


def woocommerce_status(status: str | None, completed: bool | None = None) -> str:
    """The lifecycle state of a WooCommerce order status (slug, `wc-` prefixed slug or label).

    Unknown (custom) statuses map to `paid`: not shipped, not yet cancellable beyond what the rules allow.
    `completed`: whether the order was ever completed (`date_completed`), when known: a refund of an order
    that never was is a cancellation, not a return.
    """
    key = _woo_key(status)
    if key == "refunded" and completed is False:
        return "cancelled"
    return _WOO.get(key, "paid")


# ---------- for file importers ----------

_SHOPIFY_FINANCIAL_KNOWN = _SHOPIFY_UNPAID | _SHOPIFY_REFUNDED | {"paid", "partially_refunded"}
_SHOPIFY_FULFILLMENT_KNOWN = _SHOPIFY_NOT_SHIPPED | _SHOPIFY_PACKING | _SHOPIFY_SHIPPED | {"unshipped"}
WOOCOMMERCE_NOT_ORDERS = frozenset({"checkout_draft", "draft", "auto_draft", "trash"})


def check_shopify_values(financial: str | None, fulfillment: str | None) -> None:
    """Raises UnknownPlatformStatus (naming the export's column) for a value Shopify never writes."""
    if _key(financial) not in _SHOPIFY_FINANCIAL_KNOWN:
        raise UnknownPlatformStatus("Financial Status", financial, _SHOPIFY_FINANCIAL_KNOWN - {""})
    if _key(fulfillment) not in _SHOPIFY_FULFILLMENT_KNOWN:
        raise UnknownPlatformStatus(
            "Fulfillment Status", fulfillment, _SHOPIFY_FULFILLMENT_KNOWN - {"", "null", "none"}
        )


def is_woocommerce_order(status: str | None) -> bool:
    """False for checkout drafts and trashed orders, which importers leave out."""
    return _woo_key(status) not in WOOCOMMERCE_NOT_ORDERS


__all__ = [
    "LIFECYCLE",
    "ORDER_STATUSES",
    "UnknownPlatformStatus",
    "check_shopify_values",
    "is_woocommerce_order",
    "shopify_status",
    "woocommerce_status",
]
