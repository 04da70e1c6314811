"""A local fake of the Shopify Admin GraphQL API (the subset the orders adapter uses), from in-memory orders.

`POST /admin/api/{version}/graphql.json` with `X-Shopify-Access-Token`. Queries are really executed
(graphql-core) against a schema written from Shopify's 2025-01 reference for the types, fields, arguments
and enums used (`orders`, `orderCancel`, `orderUpdate`, `returnRequest`), so an unknown field, a wrong
argument or a variable of the wrong type fails as on Shopify: HTTP 200 with `{"errors": [...]}`.
Documented error shapes: a wrong token → 401 `{"errors": "[API] Invalid API key or access token …"}`; an
unknown version → 404 `{"errors": "Not Found"}`; `fault()` queues a 429 (with Retry-After), a 503, or a
GraphQL THROTTLED answer with its `extensions.cost`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from graphql import build_schema, graphql

SCHEMA = build_schema(
    """
scalar DateTime
scalar Decimal
scalar UnsignedInt64
scalar URL

enum CurrencyCode { AUD CAD CHF EUR GBP JPY MXN USD }
enum CountryCode { AT AU BE CA CH DE DK ES FI FR GB IE IT JP MX NL NO PL PT SE US }
enum OrderDisplayFinancialStatus { AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED }
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED RESTOCKED SCHEDULED
  UNFULFILLED
}
enum FulfillmentStatus { CANCELLED ERROR FAILURE OPEN PENDING SUCCESS }
enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY CANCELED CONFIRMED DELIVERED FAILURE FULFILLED IN_TRANSIT LABEL_PRINTED LABEL_PURCHASED
  LABEL_VOIDED MARKED_AS_FULFILLED NOT_DELIVERED OUT_FOR_DELIVERY PICKED_UP READY_FOR_PICKUP SUBMITTED
}
enum FulfillmentEventStatus {
  ATTEMPTED_DELIVERY CARRIER_PICKED_UP CONFIRMED DELAYED DELIVERED FAILURE IN_TRANSIT LABEL_PRINTED
  LABEL_PURCHASED OUT_FOR_DELIVERY PICKED_UP READY_FOR_PICKUP
}
enum ReturnStatus { CANCELED CLOSED DECLINED OPEN REQUESTED }
enum ReturnReason {
  COLOR DEFECTIVE NOT_AS_DESCRIBED OTHER SIZE_TOO_LARGE SIZE_TOO_SMALL STYLE UNKNOWN UNWANTED WRONG_ITEM
}
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum OrderSortKeys { CREATED_AT CUSTOMER_NAME ID NUMBER PROCESSED_AT TOTAL_PRICE UPDATED_AT }
enum OrderCancelUserErrorCode { INVALID NOT_FOUND NO_REFUND_PERMISSION }
enum ReturnErrorCode { INVALID NOT_FOUND TOO_MANY_ARGUMENTS }

type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type Customer { id: ID! legacyResourceId: UnsignedInt64! email: String phone: String }
type MailingAddress {
  name: String firstName: String lastName: String address1: String address2: String city: String zip: String
  countryCodeV2: CountryCode phone: String
}
type Product { id: ID! legacyResourceId: UnsignedInt64! title: String! productType: String! tags: [String!]! }
type LineItem {
  id: ID! name: String! quantity: Int! sku: String originalUnitPriceSet: MoneyBag! product: Product
}
type LineItemConnection { nodes: [LineItem!]! }
type FulfillmentTrackingInfo { company: String number: String url: URL }
type FulfillmentLineItem { id: ID! quantity: Int lineItem: LineItem! }
type FulfillmentLineItemConnection { nodes: [FulfillmentLineItem!]! }
type FulfillmentEvent {
  id: ID! happenedAt: DateTime! status: FulfillmentEventStatus! message: String city: String country: String
}
type FulfillmentEventConnection { nodes: [FulfillmentEvent!]! }
type Fulfillment {
  id: ID! status: FulfillmentStatus! displayStatus: FulfillmentDisplayStatus createdAt: DateTime!
  deliveredAt: DateTime inTransitAt: DateTime estimatedDeliveryAt: DateTime
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
  fulfillmentLineItems(first: Int, after: String): FulfillmentLineItemConnection!
  events(first: Int, after: String): FulfillmentEventConnection!
}
interface ReturnLineItemType { id: ID! quantity: Int! customerNote: String returnReason: ReturnReason! }
type ReturnLineItem implements ReturnLineItemType {
  id: ID! quantity: Int! customerNote: String returnReason: ReturnReason! fulfillmentLineItem: FulfillmentLineItem!
}
type ReturnLineItemTypeConnection { nodes: [ReturnLineItemType!]! }
type Return {
  id: ID! name: String! status: ReturnStatus! totalQuantity: Int!
  returnLineItems(first: Int, after: String): ReturnLineItemTypeConnection!
}
type ReturnConnection { nodes: [Return!]! }
type Order {
  id: ID! legacyResourceId: UnsignedInt64! name: String! email: String phone: String createdAt: DateTime!
  cancelledAt: DateTime closed: Boolean!
  displayFinancialStatus: OrderDisplayFinancialStatus displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  currencyCode: CurrencyCode!
  subtotalPriceSet: MoneyBag totalShippingPriceSet: MoneyBag! totalPriceSet: MoneyBag!
  customer: Customer shippingAddress: MailingAddress
  lineItems(first: Int, after: String): LineItemConnection!
  fulfillments(first: Int): [Fulfillment!]!
  returns(first: Int, after: String): ReturnConnection!
}
type OrderConnection { nodes: [Order!]! }
type Job { id: ID! done: Boolean! }
type UserError { field: [String!] message: String! }
type OrderCancelUserError { field: [String!] message: String! code: OrderCancelUserErrorCode }
type ReturnUserError { field: [String!] message: String! code: ReturnErrorCode }
type OrderCancelPayload { job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]! }
type OrderUpdatePayload { order: Order userErrors: [UserError!]! }
type ReturnRequestPayload { return: Return userErrors: [ReturnUserError!]! }

input MailingAddressInput {
  address1: String address2: String city: String company: String countryCode: CountryCode firstName: String
  lastName: String phone: String provinceCode: String zip: String
}
input OrderInput { id: ID! email: String note: String shippingAddress: MailingAddressInput tags: [String!] }
input ReturnRequestLineItemInput {
  fulfillmentLineItemId: ID! quantity: Int! returnReason: ReturnReason! customerNote: String
}
input ReturnRequestInput { orderId: ID! returnLineItems: [ReturnRequestLineItemInput!]! }

type Query {
  orders(first: Int, after: String, query: String, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  order(id: ID!): Order
}
type Mutation {
  orderCancel(
    orderId: ID!, reason: OrderCancelReason!, refund: Boolean!, restock: Boolean!, notifyCustomer: Boolean,
    staffNote: String
  ): OrderCancelPayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  returnRequest(input: ReturnRequestInput!): ReturnRequestPayload
}
"""
)

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."


def _money(amount: float, currency: str) -> dict[str, Any]:
    money = {"amount": f"{amount:.2f}", "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class ShopifyFake:
    """In-memory shop: `orders` are Order objects in the GraphQL shape (dicts), keyed by gid."""

    token: str
    api_version: str = "2025-01"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Queued answers for the next requests: (status, body, headers) or ("throttled", seconds-of-cost-missing).
    faults: list[tuple[Any, ...]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: int = 1000

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def add_order(
        self,
        name: str,
        *,
        email: str,
        customer_id: int | None = None,
        phone: str | None = None,
        financial: str = "PAID",
        fulfillment: str = "UNFULFILLED",
        currency: str = "USD",
        created_at: str = "2025-03-01T10:00:00Z",
        address: dict[str, str] | None = None,
        lines: list[dict[str, Any]] | None = None,
        shipped: dict[str, Any] | None = None,
        shipping: float = 5.0,
    ) -> dict[str, Any]:
        """One order; `lines`: [{title, quantity, price, product_type, tags}]; `shipped`: one fulfillment of
        every line ({status, created_at, delivered_at, company, number, url})."""
        oid = self._id()
        line_items = []
        for line in lines or [{"title": "Canvas tote", "quantity": 1, "price": 40.0}]:
            pid = self._id()
            line_items.append(
                {
                    "id": f"gid://shopify/LineItem/{self._id()}",
                    "name": line["title"],
                    "quantity": line.get("quantity", 1),
                    "sku": line.get("sku"),
                    "originalUnitPriceSet": _money(line.get("price", 10.0), currency),
                    "product": {
                        "id": f"gid://shopify/Product/{pid}",
                        "legacyResourceId": str(pid),
                        "title": line["title"],
                        "productType": line.get("product_type", ""),
                        "tags": line.get("tags", []),
                    },
                }
            )
        subtotal = sum(float(li["originalUnitPriceSet"]["shopMoney"]["amount"]) * li["quantity"] for li in line_items)
        fulfillments = []
        if shipped:
            fid = self._id()
            events = [
                {
                    "id": f"gid://shopify/FulfillmentEvent/{self._id()}",
                    "happenedAt": shipped.get("delivered_at") or shipped.get("created_at"),
                    "status": shipped.get("status", "IN_TRANSIT"),
                    "message": "Parcel update",
                    "city": "Chicago",
                    "country": "US",
                }
            ]
            fulfillments.append(
                {
                    "id": f"gid://shopify/Fulfillment/{fid}",
                    "status": "SUCCESS",
                    "displayStatus": shipped.get("status", "IN_TRANSIT"),
                    "createdAt": shipped.get("created_at", created_at),
                    "deliveredAt": shipped.get("delivered_at"),
                    "inTransitAt": shipped.get("created_at", created_at),
                    "estimatedDeliveryAt": shipped.get("estimated_delivery_at"),
                    "trackingInfo": [
                        {
                            "company": shipped.get("company", "UPS"),
                            "number": shipped.get("number", "1Z999"),
                            "url": shipped.get("url", "https://www.ups.com/track?tracknum=1Z999"),
                        }
                    ],
                    "fulfillmentLineItems": {
                        "nodes": [
                            {
                                "id": f"gid://shopify/FulfillmentLineItem/{self._id()}",
                                "quantity": li["quantity"],
                                "lineItem": li,
                            }
                            for li in line_items
                        ]
                    },
                    "events": {"nodes": events},
                }
            )
        cid = customer_id or self._id()
        order: dict[str, Any] = {
            "id": f"gid://shopify/Order/{oid}",
            "legacyResourceId": str(oid),
            "name": name,
            "email": email,
            "phone": phone,
            "createdAt": created_at,
            "cancelledAt": None,
            "closed": False,
            "displayFinancialStatus": financial,
            "displayFulfillmentStatus": fulfillment,
            "currencyCode": currency,
            "subtotalPriceSet": _money(subtotal, currency),
            "totalShippingPriceSet": _money(shipping, currency),
            "totalPriceSet": _money(subtotal + shipping, currency),
            "customer": {
                "id": f"gid://shopify/Customer/{cid}",
                "legacyResourceId": str(cid),
                "email": email,
                "phone": phone,
            },
            "shippingAddress": {
                "name": "Jamie Rivera",
                "firstName": "Jamie",
                "lastName": "Rivera",
                "address1": "1 Main St",
                "address2": None,
                "city": "Springfield",
                "zip": "62701",
                "countryCodeV2": "US",
                "phone": phone,
                **(address or {}),
            },
            "lineItems": {"nodes": line_items},
            "fulfillments": fulfillments,
            "returns": {"nodes": []},
        }
        self.orders[order["id"]] = order
        return order

    def by_name(self, name: str) -> dict[str, Any]:
        return next(o for o in self.orders.values() if o["name"] == name)

    # ---------- resolvers (Query and Mutation fields; graphql-core calls them with info and the arguments) ----------

    def _orders(self, _info: Any, first: int | None = None, query: str | None = None, **_: Any) -> dict[str, Any]:
        found = list(self.orders.values())
        for term in (query or "").split():
            key, _sep, value = term.partition(":")
            value = value.strip('"')
            if key == "name":
                found = [o for o in found if o["name"].lstrip("#") == value.lstrip("#")]
            elif key == "customer_id":
                found = [o for o in found if o["customer"]["legacyResourceId"] == value]
        found.sort(key=lambda o: o["createdAt"], reverse=True)
        return {"nodes": found[: first or 50]}

    def _order_cancel(self, _info: Any, orderId: str, reason: str, refund: bool, restock: bool, **_: Any) -> dict:  # noqa: N803
        order = self.orders.get(orderId)
        if order is None:
            return {
                "job": None,
                "orderCancelUserErrors": [{"field": ["orderId"], "message": "Order not found", "code": "NOT_FOUND"}],
                "userErrors": [],
            }
        if order["cancelledAt"]:
            error = {"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}
            return {"job": None, "orderCancelUserErrors": [error], "userErrors": []}
        order["cancelledAt"] = _now()
        order["closed"] = True
        if refund and order["displayFinancialStatus"] == "PAID":
            order["displayFinancialStatus"] = "REFUNDED"
        elif order["displayFinancialStatus"] in ("PENDING", "AUTHORIZED"):
            order["displayFinancialStatus"] = "VOIDED"
        return {
            "job": {"id": f"gid://shopify/Job/{self._id()}", "done": False},
            "orderCancelUserErrors": [],
            "userErrors": [],
        }

    def _order_update(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        order = self.orders.get(input["id"])
        if order is None:
            return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
        new = input.get("shippingAddress")
        if new is not None:
            address = order["shippingAddress"]
            for key, target in (
                ("address1", "address1"),
                ("address2", "address2"),
                ("city", "city"),
                ("zip", "zip"),
                ("countryCode", "countryCodeV2"),
                ("firstName", "firstName"),
                ("lastName", "lastName"),
                ("phone", "phone"),
            ):
                if key in new:
                    address[target] = new[key]
            address["name"] = " ".join(x for x in (address.get("firstName"), address.get("lastName")) if x)
        return {"order": order, "userErrors": []}

    def _return_request(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        order = self.orders.get(input["orderId"])
        if order is None:
            return {
                "return": None,
                "userErrors": [{"field": ["input", "orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}],
            }
        known = {fl["id"]: fl for f in order["fulfillments"] for fl in f["fulfillmentLineItems"]["nodes"]}
        taken: dict[str, int] = {}
        for ret in order["returns"]["nodes"]:
            if ret["status"] not in ("CANCELED", "DECLINED"):
                for rl in ret["returnLineItems"]["nodes"]:
                    taken[rl["fulfillmentLineItem"]["id"]] = (
                        taken.get(rl["fulfillmentLineItem"]["id"], 0) + rl["quantity"]
                    )
        lines = []
        for i, line in enumerate(input["returnLineItems"]):
            fl = known.get(line["fulfillmentLineItemId"])
            if fl is None or line["quantity"] > fl["quantity"] - taken.get(fl["id"], 0) or line["quantity"] < 1:
                where = ["input", "returnLineItems", str(i), "quantity" if fl else "fulfillmentLineItemId"]
                return {
                    "return": None,
                    "userErrors": [{"field": where, "message": "Line item is not returnable", "code": "INVALID"}],
                }
            lines.append(
                {
                    "__typename": "ReturnLineItem",
                    "id": f"gid://shopify/ReturnLineItem/{self._id()}",
                    "quantity": line["quantity"],
                    "customerNote": line.get("customerNote"),
                    "returnReason": line["returnReason"],
                    "fulfillmentLineItem": fl,
                }
            )
        ret = {
            "id": f"gid://shopify/Return/{self._id()}",
            "name": f"{order['name']}-R{len(order['returns']['nodes']) + 1}",
            "status": "REQUESTED",
            "totalQuantity": sum(rl["quantity"] for rl in lines),
            "returnLineItems": {"nodes": lines},
        }
        order["returns"]["nodes"].append(ret)
        return {"return": ret, "userErrors": []}

    # ---------- HTTP ----------

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["version"] != self.api_version:
            return web.json_response({"errors": "Not Found"}, status=404)
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return web.json_response({"errors": INVALID_TOKEN}, status=401)
        body = await request.json()
        self.requests.append(body)
        if self.faults:
            fault = self.faults.pop(0)
            if fault[0] == "throttled":
                missing = float(fault[1])
                return web.json_response(
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                                },
                            }
                        ],
                        "extensions": {
                            "cost": {
                                "requestedQueryCost": 100,
                                "actualQueryCost": None,
                                "throttleStatus": {
                                    "maximumAvailable": 2000.0,
                                    "currentlyAvailable": 100 - missing * 100,
                                    "restoreRate": 100.0,
                                },
                            }
                        },
                    }
                )
            status, payload, headers = fault
            return web.json_response(payload, status=status, headers=headers)
        root = {
            "orders": self._orders,
            "orderCancel": self._order_cancel,
            "orderUpdate": self._order_update,
            "returnRequest": self._return_request,
        }
        result = await graphql(SCHEMA, body.get("query", ""), root_value=root, variable_values=body.get("variables"))
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        out["extensions"] = {
            "cost": {
                "requestedQueryCost": 10,
                "actualQueryCost": 5,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1995, "restoreRate": 100.0},
            }
        }
        return web.Response(text=json.dumps(out), content_type="application/json")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/admin/api/{version}/graphql.json", self.handle)
        return app
