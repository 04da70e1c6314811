"""A local fake of the WooCommerce REST API v3 (the subset the orders adapter uses), from in-memory data.

Routes under `/wp-json/wc/v3`: `GET /orders` (`search`, `customer`, `per_page`, `orderby`, `order`),
`GET|PUT /orders/{id}`, `GET|POST /orders/{id}/notes`, `GET /products` (`include`). Authentication as
WooCommerce documents it: HTTP Basic with the consumer key and secret, or — which the fake, like
WooCommerce over http, only accepts in tests on loopback — `consumer_key`/`consumer_secret` query
parameters. Errors have WooCommerce's shape `{"code", "message", "data": {"status"}}`
(`woocommerce_rest_authentication_error` 401, `woocommerce_rest_shop_order_invalid_id` 404,
`rest_invalid_param` 400). `faults` queues answers (429 with Retry-After, 503) for the next requests.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft")


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "data": {"status": status}}, status=status)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class WooCommerceFake:
    consumer_key: str
    consumer_secret: str
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    auth_seen: list[str] = field(default_factory=list)
    _ids: int = 700

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def add_product(
        self, name: str, price: float, *, categories: list[str] | None = None, tags: list[str] | None = None
    ) -> int:
        pid = self._id()
        self.products[pid] = {
            "id": pid,
            "name": name,
            "price": f"{price:.2f}",
            "categories": [
                {"id": self._id(), "name": c, "slug": c.lower().replace(" ", "-")} for c in categories or []
            ],
            "tags": [{"id": self._id(), "name": t, "slug": t.lower().replace(" ", "-")} for t in tags or []],
        }
        return pid

    def add_order(
        self,
        *,
        email: str,
        status: str = "processing",
        customer_id: int = 0,
        number: str | None = None,
        lines: list[tuple[int, int]] | None = None,
        created: str = "2025-03-01T10:00:00",
        completed: str | None = None,
        shipping_address: dict[str, str] | None = None,
        phone: str = "",
        currency: str = "USD",
    ) -> dict[str, Any]:
        """One order; `lines`: [(product id, quantity)]."""
        oid = self._id()
        items = []
        for pid, qty in lines or []:
            product = self.products[pid]
            price = float(product["price"])
            items.append(
                {
                    "id": self._id(),
                    "name": product["name"],
                    "product_id": pid,
                    "variation_id": 0,
                    "quantity": qty,
                    "subtotal": f"{price * qty:.2f}",
                    "total": f"{price * qty:.2f}",
                    "price": price,
                    "sku": "",
                    "meta_data": [],
                }
            )
        subtotal = sum(float(i["subtotal"]) for i in items)
        address = {
            "first_name": "Ana",
            "last_name": "Lopez",
            "company": "",
            "address_1": "5 Calle Mayor",
            "address_2": "",
            "city": "Austin",
            "state": "TX",
            "postcode": "78701",
            "country": "US",
            "phone": phone,
            **(shipping_address or {}),
        }
        order = {
            "id": oid,
            "parent_id": 0,
            "number": number or str(oid),
            "order_key": f"wc_order_{oid}",
            "created_via": "checkout",
            "status": status,
            "currency": currency,
            "date_created": created,
            "date_created_gmt": created,
            "date_modified_gmt": created,
            "date_completed_gmt": completed,
            "date_paid_gmt": created if status not in ("pending", "failed") else None,
            "discount_total": "0.00",
            "shipping_total": "6.00",
            "total": f"{subtotal + 6:.2f}",
            "customer_id": customer_id,
            "billing": {**address, "email": email, "phone": phone},
            "shipping": address,
            "payment_method": "stripe",
            "line_items": items,
            "shipping_lines": [{"id": self._id(), "method_title": "Flat rate", "total": "6.00"}],
            "refunds": [],
            "meta_data": [],
        }
        self.orders[oid] = order
        self.notes[oid] = []
        return order

    # ---------- HTTP ----------

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            self.auth_seen.append("basic")
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return (key, secret) == (self.consumer_key, self.consumer_secret)
        if "consumer_key" in request.query:
            self.auth_seen.append("query")
            return (request.query.get("consumer_key"), request.query.get("consumer_secret")) == (
                self.consumer_key,
                self.consumer_secret,
            )
        return False

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        if not self._authorized(request):
            return error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if self.faults:
            status, body, headers = self.faults.pop(0)
            return web.json_response(body, status=status, headers=headers)
        return await handler(request)

    def _order_or_404(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            order = self.orders.get(int(request.match_info["id"]))
        except ValueError:
            order = None
        return order if order is not None else error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    async def list_orders(self, request: web.Request) -> web.Response:
        found = list(self.orders.values())
        if search := request.query.get("search"):
            needle = search.lower()
            found = [
                o
                for o in found
                if needle in str(o["id"]) or needle in o["number"].lower() or needle in o["billing"]["email"].lower()
            ]
        if customer := request.query.get("customer"):
            found = [o for o in found if str(o["customer_id"]) == customer]
        found.sort(key=lambda o: o["date_created_gmt"], reverse=request.query.get("order", "desc") == "desc")
        per_page = int(request.query.get("per_page", "10"))
        return web.json_response(found[:per_page], headers={"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})

    async def get_order(self, request: web.Request) -> web.Response:
        order = self._order_or_404(request)
        return order if isinstance(order, web.Response) else web.json_response(order)

    async def update_order(self, request: web.Request) -> web.Response:
        order = self._order_or_404(request)
        if isinstance(order, web.Response):
            return order
        body = await request.json()
        if "status" in body:
            if body["status"] not in STATUSES:
                return error(400, "rest_invalid_param", "Invalid parameter(s): status")
            order["status"] = body["status"]
            if body["status"] == "completed":
                order["date_completed_gmt"] = _now()
        if "shipping" in body:
            if not isinstance(body["shipping"], dict):
                return error(400, "rest_invalid_param", "Invalid parameter(s): shipping")
            order["shipping"] = {**order["shipping"], **body["shipping"]}
        order["date_modified_gmt"] = _now()
        return web.json_response(order)

    async def list_notes(self, request: web.Request) -> web.Response:
        order = self._order_or_404(request)
        if isinstance(order, web.Response):
            return order
        kind = request.query.get("type", "any")
        notes = [n for n in self.notes[order["id"]] if kind == "any" or (kind == "customer") == n["customer_note"]]
        return web.json_response(notes)

    async def add_note(self, request: web.Request) -> web.Response:
        order = self._order_or_404(request)
        if isinstance(order, web.Response):
            return order
        body = await request.json()
        if not str(body.get("note", "")).strip():
            return error(400, "rest_missing_callback_param", "Missing parameter(s): note")
        note = {
            "id": self._id(),
            "author": "WooCommerce",
            "date_created": _now(),
            "date_created_gmt": _now(),
            "note": body["note"],
            "customer_note": bool(body.get("customer_note", False)),
        }
        self.notes[order["id"]].append(note)
        return web.json_response(note, status=201)

    async def list_products(self, request: web.Request) -> web.Response:
        found = list(self.products.values())
        if include := request.query.get("include"):
            ids = {int(i) for i in include.split(",") if i.strip().isdigit()}
            found = [p for p in found if p["id"] in ids]
        return web.json_response(found[: int(request.query.get("per_page", "10"))])

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.middleware])
        base = "/wp-json/wc/v3"
        app.router.add_get(f"{base}/orders", self.list_orders)
        app.router.add_get(f"{base}/orders/{{id}}", self.get_order)
        app.router.add_put(f"{base}/orders/{{id}}", self.update_order)
        app.router.add_get(f"{base}/orders/{{id}}/notes", self.list_notes)
        app.router.add_post(f"{base}/orders/{{id}}/notes", self.add_note)
        app.router.add_get(f"{base}/products", self.list_products)
        return app
