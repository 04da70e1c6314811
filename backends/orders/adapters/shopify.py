"""Orders from a Shopify store through the Admin GraphQL API (version from the shop profile, e.g. 2025-01).

Owns the queries and mutations sent to `POST https://{shop_domain}/admin/api/{version}/graphql.json` (header
`X-Shopify-Access-Token`) and the mapping of Shopify's Order into the service's order shape:
- lookup: `orders(first:, query: "name:…")`, the node whose `name` normalises to the asked number;
- cancel: `orderCancel(orderId, reason: CUSTOMER, refund: true, restock: true, notifyCustomer: true, staffNote)`;
- address change: `orderUpdate(input: {id, shippingAddress: MailingAddressInput})`;
- return: `returnRequest(input: {orderId, returnLineItems: [{fulfillmentLineItemId, quantity, returnReason: OTHER,
  customerNote}]})` — a return the merchant then sees as REQUESTED;
- a token's customer's orders: `orders(first:, sortKey: CREATED_AT, reverse: true, query: "customer_id:…")`.
Throttling: HTTP 429 (Retry-After) and GraphQL `THROTTLED` errors (wait computed from `extensions.cost`).
Access scopes needed: read_orders, write_orders, read_returns, write_returns, read_products.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders.adapters.config import ShopifyConfig
from backends.orders.adapters.http import PlatformHttp
from backends.orders.adapters.source import (
    Details,
    OrderRecord,
    PlatformOrder,
    PlatformProduct,
    PlatformReturn,
    ProofFacts,
    ReturnRecord,
    unavailable,
)
from backends.orders.normalize import normalize_email, normalize_phone, normalize_postcode
from backends.orders.platform_status import shopify_status
from backends.orders.views import parse_ts
from svc.errors import ApiError

log = logging.getLogger(__name__)

SYSTEM = "Shopify"

ORDER_FIELDS = """
fragment OrderFields on Order {
  id
  name
  email
  phone
  createdAt
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  currencyCode
  subtotalPriceSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  totalPriceSet { shopMoney { amount } }
  customer { legacyResourceId email phone }
  shippingAddress { name address1 city zip countryCodeV2 phone }
  lineItems(first: 100) {
    nodes {
      id
      name
      quantity
      originalUnitPriceSet { shopMoney { amount } }
      product { legacyResourceId productType tags }
    }
  }
  fulfillments(first: 20) {
    id
    displayStatus
    createdAt
    deliveredAt
    estimatedDeliveryAt
    trackingInfo(first: 5) { company number url }
    fulfillmentLineItems(first: 100) { nodes { id quantity lineItem { id } } }
    events(first: 20) { nodes { happenedAt status message city country } }
  }
  returns(first: 20) {
    nodes {
      id
      name
      status
      returnLineItems(first: 100) {
        nodes { ... on ReturnLineItem { quantity fulfillmentLineItem { id lineItem { id } } } }
      }
    }
  }
}
"""

FIND_QUERY = (
    """
query OrderByName($query: String!) {
  orders(first: 5, query: $query) { nodes { ...OrderFields } }
}
"""
    + ORDER_FIELDS
)

RECENT_QUERY = (
    """
query CustomerOrders($query: String!, $first: Int!) {
  orders(first: $first, sortKey: CREATED_AT, reverse: true, query: $query) { nodes { ...OrderFields } }
}
"""
    + ORDER_FIELDS
)

CANCEL_MUTATION = """
mutation CancelOrder($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!,
                     $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

UPDATE_ADDRESS_MUTATION = """
mutation UpdateShippingAddress($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id shippingAddress { name address1 city zip countryCodeV2 phone } }
    userErrors { field message }
  }
}
"""

RETURN_MUTATION = """
mutation RequestReturn($input: ReturnRequestInput!) {
  returnRequest(input: $input) {
    return { id name status }
    userErrors { field message code }
  }
}
"""

# Returns Shopify no longer counts against the order's items.
_VOID_RETURNS = {"CANCELED", "CANCELLED", "DECLINED"}


def _money(obj: dict[str, Any] | None) -> float:
    try:
        return float(((obj or {}).get("shopMoney") or {}).get("amount") or 0)
    except (TypeError, ValueError):
        return 0.0


def _tail(gid: str | None) -> str:
    """The numeric tail of a global id: gid://shopify/LineItem/123 → 123."""
    return str(gid or "").rsplit("/", 1)[-1]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def throttle_wait(body: Any) -> float | None:
    """Seconds to wait when a GraphQL answer says THROTTLED: until the bucket holds the query's cost."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors
    ):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
        rate = float(status.get("restoreRate") or 0)
        return max(needed, 1.0) / rate if rate > 0 else 1.0
    except (TypeError, ValueError):
        return 1.0


def refused(message: str, **details: Any) -> ApiError:
    """409: Shopify itself refused a change our rules allowed (e.g. a payment still pending)."""
    return ApiError(409, "order_system_refused", f"The shop's order system refused the change: {message}", **details)


class ShopifySource:
    kind = "shopify"

    def __init__(self, config: ShopifyConfig, normalize_number: Callable[[str], str | None]) -> None:
        self.config = config
        self.normalize_number = normalize_number
        self.http = PlatformHttp(
            SYSTEM,
            timeout_s=config.timeout_s,
            max_retry_wait_s=config.max_retry_wait_s,
            headers={"X-Shopify-Access-Token": config.access_token, "Content-Type": "application/json"},
        )

    async def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.http.request(
            "POST", self.config.graphql_url, json={"query": query, "variables": variables}, throttled=throttle_wait
        )
        if status != 200 or not isinstance(body, dict):
            raise unavailable(SYSTEM, f"status {status}")
        if body.get("errors"):
            # A query Shopify cannot run (version drift, missing access scope): our side, not the shopper's.
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"]]
            log.error("Shopify rejected a query: %s", "; ".join(messages)[:500])
            raise unavailable(SYSTEM, "query rejected")
        data = body.get("data")
        if not isinstance(data, dict):
            raise unavailable(SYSTEM, "no data")
        return data

    # ---------- reading ----------

    def _order(self, node: dict[str, Any]) -> PlatformOrder:
        line_product: dict[str, str] = {}
        items: list[dict[str, Any]] = []
        products: dict[str, PlatformProduct] = {}
        for line in (node.get("lineItems") or {}).get("nodes") or []:
            product = line.get("product") or {}
            pid = str(product.get("legacyResourceId") or f"line-{_tail(line.get('id'))}")
            line_product[str(line.get("id"))] = pid
            items.append(
                {
                    "product_id": pid,
                    "title": str(line.get("name") or ""),
                    "quantity": int(line.get("quantity") or 0),
                    "unit_price": _money(line.get("originalUnitPriceSet")),
                }
            )
            products[pid] = PlatformProduct(
                category=str(product.get("productType") or ""), tags=list(product.get("tags") or [])
            )
        fulfillments = [f for f in node.get("fulfillments") or [] if f]
        shipments: list[dict[str, Any]] = []
        # Fulfillment line items per product, for return requests: [(id, quantity)].
        fli: dict[str, list[list[Any]]] = {}
        for f in fulfillments:
            if str(f.get("displayStatus") or "").upper() in ("CANCELED", "CANCELLED"):
                continue
            tracking = (f.get("trackingInfo") or [{}])[0] or {}
            events = [
                {
                    "at": e.get("happenedAt"),
                    "location": ", ".join(x for x in (e.get("city"), e.get("country")) if x),
                    "status": str(e.get("status") or "").lower(),
                    "description": e.get("message") or "",
                }
                for e in (f.get("events") or {}).get("nodes") or []
            ]
            shipments.append(
                {
                    "carrier": tracking.get("company") or "",
                    "tracking_number": tracking.get("number") or "",
                    "tracking_url": tracking.get("url") or None,
                    "shipped_at": f.get("createdAt"),
                    "estimated_delivery": f.get("estimatedDeliveryAt"),
                    "delivered_at": f.get("deliveredAt"),
                    "events": events,
                }
            )
            for fl in (f.get("fulfillmentLineItems") or {}).get("nodes") or []:
                owner = line_product.get(str((fl.get("lineItem") or {}).get("id")))
                if owner is not None:
                    fli.setdefault(owner, []).append([fl.get("id"), int(fl.get("quantity") or 0)])
        returns: list[PlatformReturn] = []
        returned_fli: dict[str, int] = {}
        for ret in (node.get("returns") or {}).get("nodes") or []:
            if str(ret.get("status") or "").upper() in _VOID_RETURNS:
                continue
            lines: dict[str, int] = {}
            for rl in (ret.get("returnLineItems") or {}).get("nodes") or []:
                fl = rl.get("fulfillmentLineItem") or {}
                owner = line_product.get(str((fl.get("lineItem") or {}).get("id")))
                qty = int(rl.get("quantity") or 0)
                if owner is not None:
                    lines[owner] = lines.get(owner, 0) + qty
                    returned_fli[str(fl.get("id"))] = returned_fli.get(str(fl.get("id")), 0) + qty
            returns.append(
                PlatformReturn(
                    id=str(ret.get("name") or ret.get("id")),
                    status=str(ret.get("status") or "").lower(),
                    items=[{"product_id": p, "quantity": q} for p, q in lines.items()],
                )
            )
        address = node.get("shippingAddress") or {}
        customer = node.get("customer") or {}
        given = (node.get("phone"), address.get("phone"), customer.get("phone"))
        phones = {normalize_phone(str(p)) for p in given if p}
        name = str(node.get("name") or "")
        placed = parse_ts(node.get("createdAt")) or datetime.now(timezone.utc)
        return PlatformOrder(
            number=self.normalize_number(name) or name,
            status=shopify_status(
                financial=node.get("displayFinancialStatus"),
                fulfillment=node.get("displayFulfillmentStatus"),
                cancelled=bool(node.get("cancelledAt")),
                shipments=[f.get("displayStatus") for f in fulfillments],
            ),
            placed_at=placed,
            currency=str(node.get("currencyCode") or ""),
            items=items,
            subtotal=_money(node.get("subtotalPriceSet")),
            shipping_cost=_money(node.get("totalShippingPriceSet")),
            total=_money(node.get("totalPriceSet")),
            shipping_address={
                "name": address.get("name") or "",
                "line1": address.get("address1") or "",
                "city": address.get("city") or "",
                "postcode": address.get("zip") or "",
                "country": address.get("countryCodeV2") or "",
            },
            shipments=shipments,
            proof=ProofFacts(
                customer_id=str(customer.get("legacyResourceId") or ""),
                email=normalize_email(str(node.get("email") or customer.get("email") or "")),
                postcodes=tuple(p for p in (normalize_postcode(str(address.get("zip") or "")),) if p),
                phones=tuple(sorted(p for p in phones if p)),
            ),
            products=products,
            returns=returns,
            ref={"id": node.get("id"), "fulfillment_line_items": fli, "returned": returned_fli},
        )

    async def find(self, session: AsyncSession, number: str, *, lock: bool = False) -> OrderRecord | None:
        data = await self._graphql(FIND_QUERY, {"query": f"name:{_quote(number)}"})
        for node in (data.get("orders") or {}).get("nodes") or []:
            if self.normalize_number(str(node.get("name") or "")) == number:
                return self._order(node)
        return None

    def proof_facts(self, order: OrderRecord) -> ProofFacts:
        return cast(PlatformOrder, order).proof

    async def details(self, session: AsyncSession, order: OrderRecord) -> Details:
        platform = cast(PlatformOrder, order)
        return Details(products=platform.products, returns=platform.returns)

    async def recent(self, session: AsyncSession, customer_id: str, limit: int) -> list[OrderRecord]:
        if not customer_id.isdigit():
            return []
        data = await self._graphql(RECENT_QUERY, {"query": f"customer_id:{customer_id}", "first": limit})
        return [self._order(n) for n in (data.get("orders") or {}).get("nodes") or []]

    # ---------- changes ----------

    async def cancel(self, session: AsyncSession, order: OrderRecord, reason: str, now: datetime) -> OrderRecord:
        platform = cast(PlatformOrder, order)
        data = await self._graphql(
            CANCEL_MUTATION,
            {
                "orderId": platform.ref["id"],
                "reason": "CUSTOMER",
                "refund": True,
                "restock": True,
                "notifyCustomer": True,
                "staffNote": f"Cancelled by the customer through the shop assistant. {reason}".strip()[:255],
            },
        )
        payload = data.get("orderCancel") or {}
        errors = payload.get("orderCancelUserErrors") or []
        if errors:
            codes = [e.get("code") for e in errors]
            raise refused("; ".join(str(e.get("message")) for e in errors), platform_codes=codes)
        # orderCancel runs as a background job: the order is cancelled once it finishes.
        return dataclasses.replace(platform, status="cancelled")

    async def change_address(
        self, session: AsyncSession, order: OrderRecord, address: dict[str, str], now: datetime
    ) -> OrderRecord:
        platform = cast(PlatformOrder, order)
        first, _, last = address.get("name", "").strip().rpartition(" ")
        mailing = {
            "firstName": first or None,
            "lastName": last or None,
            "address1": address["line1"],
            "city": address["city"],
            "zip": address["postcode"],
            "countryCode": address["country"],
        }
        data = await self._graphql(
            UPDATE_ADDRESS_MUTATION,
            {"input": {"id": platform.ref["id"], "shippingAddress": {k: v for k, v in mailing.items() if v}}},
        )
        payload = data.get("orderUpdate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise refused("; ".join(str(e.get("message")) for e in errors))
        shipping = {k: address.get(k, "") for k in ("name", "line1", "city", "postcode", "country")}
        old = normalize_postcode(str(platform.shipping_address.get("postcode") or ""))
        # The postcode the order was placed with still proves ownership, as in the builtin store.
        proof = dataclasses.replace(
            platform.proof,
            postcodes=tuple(dict.fromkeys([*platform.proof.postcodes, old, normalize_postcode(address["postcode"])])),
        )
        return dataclasses.replace(platform, shipping_address=shipping, proof=proof)

    async def create_return(
        self,
        session: AsyncSession,
        order: OrderRecord,
        items: list[dict[str, Any]],
        reason: str,
        free_label: bool,
        now: datetime,
    ) -> ReturnRecord:
        platform = cast(PlatformOrder, order)
        available: dict[str, list[list[Any]]] = platform.ref.get("fulfillment_line_items", {})
        returned: dict[str, int] = dict(platform.ref.get("returned", {}))
        lines: list[dict[str, Any]] = []
        for item in items:
            want = int(item["quantity"])
            for fl_id, qty in available.get(item["product_id"], []):
                free = qty - returned.get(str(fl_id), 0)
                take = min(want, free)
                if take > 0:
                    lines.append(
                        {
                            "fulfillmentLineItemId": fl_id,
                            "quantity": take,
                            "returnReason": "OTHER",
                            "customerNote": reason[:300] or "Requested through the shop assistant",
                        }
                    )
                    returned[str(fl_id)] = returned.get(str(fl_id), 0) + take
                    want -= take
            if want > 0:
                # Ordered and within the rules, but Shopify has not fulfilled that many: nothing to send back yet.
                raise refused(f"{item['product_id']} has not been fulfilled", product_id=item["product_id"])
        request = {"input": {"orderId": platform.ref["id"], "returnLineItems": lines}}
        data = await self._graphql(RETURN_MUTATION, request)
        payload = data.get("returnRequest") or {}
        errors = payload.get("userErrors") or []
        if errors or not payload.get("return"):
            raise refused("; ".join(str(e.get("message")) for e in errors) or "no return created")
        ret = payload["return"]
        record = PlatformReturn(
            id=str(ret.get("name") or ret.get("id")),
            status=str(ret.get("status") or "requested").lower(),
            items=items,
            free_label=free_label,
            created_at=now,
        )
        platform.returns.append(record)
        return record

    async def aclose(self) -> None:
        await self.http.aclose()
