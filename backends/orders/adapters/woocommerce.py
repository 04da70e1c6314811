"""Orders from a WooCommerce store through its REST API v3 (`{url}/wp-json/wc/v3`).

Owns the requests and the mapping of a WooCommerce order into the service's order shape:
- lookup: `GET /orders/{id}` when the number's digits are an order id, else `GET /orders?search=…`; either
  way the order whose `number` normalises to the asked number (a numbering plugin may differ from the id);
- details after the proof: `GET /products?include=…` (categories, tags) and `GET /orders/{id}/notes`
  (returns this service requested before);
- cancel: `PUT /orders/{id}` `{"status": "cancelled"}` plus a private order note with the reason;
- address change: `PUT /orders/{id}` `{"shipping": {first_name, last_name, address_1, city, postcode, country}}`;
- return: a private order note `POST /orders/{id}/notes` naming the items (the merchant refunds through
  `/orders/{id}/refunds` once the goods are back; WooCommerce core has no return object);
- a token's customer's orders: `GET /orders?customer={id}&orderby=date&order=desc`.
Authentication: consumer key and secret as HTTP Basic over https; as `consumer_key`/`consumer_secret` query
parameters only over plain http to a loopback address (config.py refuses any other http).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, cast

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders.adapters.config import WooCommerceConfig
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
from backends.orders.platform_status import woocommerce_status
from backends.orders.views import parse_ts
from svc.errors import ApiError

SYSTEM = "WooCommerce"
# The order note that records a return request: a readable sentence, then the items as JSON.
RETURN_NOTE = re.compile(
    r"^Return (?P<id>R-\S+) requested through the shop assistant\..* Items: (?P<items>\[.*\])$", re.S
)
# The WooCommerce Shipment Tracking extension keeps its parcels in this order meta key.
TRACKING_META = "_wc_shipment_tracking_items"


def _float(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _gmt(value: Any) -> datetime | None:
    """WooCommerce's `*_gmt` fields are UTC without an offset."""
    parsed = parse_ts(value)
    return None if parsed is None else parsed.replace(tzinfo=timezone.utc)


def _carried(updated: PlatformOrder, before: PlatformOrder) -> PlatformOrder:
    """The order as the platform answered a change, with the details already read for it (not read twice)."""
    ref = {**updated.ref, "details": before.ref.get("details")}
    return dataclasses.replace(updated, products=before.products, returns=before.returns, ref=ref)


def refused(message: str, **details: Any) -> ApiError:
    return ApiError(409, "order_system_refused", f"The shop's order system refused the change: {message}", **details)


class WooCommerceSource:
    kind = "woocommerce"

    def __init__(self, config: WooCommerceConfig, normalize_number: Callable[[str], str | None]) -> None:
        self.config = config
        self.normalize_number = normalize_number
        query = config.query_string_auth
        self.http = PlatformHttp(
            SYSTEM,
            timeout_s=config.timeout_s,
            max_retry_wait_s=config.max_retry_wait_s,
            auth=None if query else aiohttp.BasicAuth(config.consumer_key, config.consumer_secret),
            params={"consumer_key": config.consumer_key, "consumer_secret": config.consumer_secret} if query else None,
        )

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json_body: Any = None
    ) -> tuple[int, Any]:
        return await self.http.request(method, self.config.api_base + path, params=params, json=json_body)

    async def _change(self, method: str, path: str, body: Any) -> Any:
        status, answer = await self._call(method, path, json_body=body)
        if status >= 400:
            message = answer.get("message") if isinstance(answer, dict) else None
            raise refused(str(message or f"status {status}"), platform_code=(answer or {}).get("code"))
        return answer

    # ---------- reading ----------

    def _order(self, raw: dict[str, Any]) -> PlatformOrder:
        items = [
            {
                "product_id": str(line.get("product_id") or f"line-{line.get('id')}"),
                "title": str(line.get("name") or ""),
                "quantity": int(line.get("quantity") or 0),
                "unit_price": _float(line.get("price")),
            }
            for line in raw.get("line_items") or []
        ]
        shipping = raw.get("shipping") or {}
        billing = raw.get("billing") or {}
        completed = _gmt(raw.get("date_completed_gmt"))
        status = woocommerce_status(raw.get("status"), completed=completed is not None)
        shipments: list[dict[str, Any]] = []
        for meta in raw.get("meta_data") or []:
            if meta.get("key") == TRACKING_META and isinstance(meta.get("value"), list):
                for parcel in meta["value"]:
                    shipped = parcel.get("date_shipped")
                    shipments.append(
                        {
                            "carrier": parcel.get("tracking_provider") or parcel.get("custom_tracking_provider") or "",
                            "tracking_number": parcel.get("tracking_number") or "",
                            "tracking_url": parcel.get("custom_tracking_link") or None,
                            "shipped_at": datetime.fromtimestamp(int(shipped), timezone.utc).isoformat()
                            if str(shipped or "").isdigit()
                            else None,
                            "estimated_delivery": None,
                            "delivered_at": None,
                            "events": [],
                        }
                    )
        if status == "delivered" and completed is not None:
            # Completion is the delivery the return window counts from (see platform_status.py).
            stamp = completed.isoformat()
            if shipments:
                for s in shipments:
                    s["delivered_at"] = stamp
            else:
                shipments.append(
                    {
                        "carrier": "",
                        "tracking_number": "",
                        "shipped_at": None,
                        "estimated_delivery": None,
                        "delivered_at": stamp,
                        "events": [],
                    }
                )
        customer = str(raw.get("customer_id") or "")
        phones = {normalize_phone(str(p)) for p in (billing.get("phone"), shipping.get("phone")) if p}
        number = str(raw.get("number") or raw.get("id") or "")
        name = " ".join(x for x in (shipping.get("first_name"), shipping.get("last_name")) if x)
        return PlatformOrder(
            number=self.normalize_number(number) or number,
            status=status,
            placed_at=_gmt(raw.get("date_created_gmt")) or datetime.now(timezone.utc),
            currency=str(raw.get("currency") or ""),
            items=items,
            subtotal=round(sum(_float(line.get("subtotal")) for line in raw.get("line_items") or []), 2),
            shipping_cost=_float(raw.get("shipping_total")),
            total=_float(raw.get("total")),
            shipping_address={
                "name": name,
                "line1": shipping.get("address_1") or "",
                "city": shipping.get("city") or "",
                "postcode": shipping.get("postcode") or "",
                "country": shipping.get("country") or "",
            },
            shipments=shipments,
            proof=ProofFacts(
                # 0 is a guest order: no customer token opens it.
                customer_id="" if customer in ("", "0") else customer,
                email=normalize_email(str(billing.get("email") or "")),
                postcodes=tuple(p for p in (normalize_postcode(str(shipping.get("postcode") or "")),) if p),
                phones=tuple(sorted(p for p in phones if p)),
            ),
            ref={"id": raw.get("id"), "details": None},
        )

    async def find(self, session: AsyncSession, number: str, *, lock: bool = False) -> OrderRecord | None:
        digits = re.sub(r"\D", "", number)
        if digits and len(digits) <= 18:
            status, body = await self._call("GET", f"/orders/{int(digits)}")
            if status == 200 and isinstance(body, dict) and self.normalize_number(str(body.get("number"))) == number:
                return self._order(body)
        status, body = await self._call("GET", "/orders", params={"search": number.lstrip("#"), "per_page": "20"})
        if status != 200 or not isinstance(body, list):
            raise unavailable(SYSTEM, f"order search answered {status}")
        for raw in body:
            if isinstance(raw, dict) and self.normalize_number(str(raw.get("number"))) == number:
                return self._order(raw)
        return None

    def proof_facts(self, order: OrderRecord) -> ProofFacts:
        return cast(PlatformOrder, order).proof

    async def details(self, session: AsyncSession, order: OrderRecord) -> Details:
        platform = cast(PlatformOrder, order)
        if platform.ref.get("details") is None:
            ids = sorted({i["product_id"] for i in platform.items if str(i["product_id"]).isdigit()})
            if ids:
                status, body = await self._call(
                    "GET", "/products", params={"include": ",".join(ids), "per_page": str(min(100, len(ids)))}
                )
                for product in body if status == 200 and isinstance(body, list) else []:
                    categories = [c.get("name", "") for c in product.get("categories") or []]
                    platform.products[str(product.get("id"))] = PlatformProduct(
                        category=categories[0] if categories else "",
                        tags=[t.get("slug") or t.get("name") for t in product.get("tags") or []],
                    )
            status, notes = await self._call("GET", f"/orders/{platform.ref['id']}/notes", params={"type": "internal"})
            for note in notes if status == 200 and isinstance(notes, list) else []:
                match = RETURN_NOTE.match(str(note.get("note") or ""))
                if match:
                    try:
                        lines = json.loads(match.group("items"))
                    except ValueError:
                        continue
                    at = _gmt(note.get("date_created_gmt"))
                    platform.returns.append(
                        PlatformReturn(id=match.group("id"), status="requested", items=lines, created_at=at)
                    )
            platform.ref["details"] = True
        return Details(products=platform.products, returns=platform.returns)

    async def recent(self, session: AsyncSession, customer_id: str, limit: int) -> list[OrderRecord]:
        if not customer_id.isdigit() or customer_id == "0":
            return []
        params = {"customer": customer_id, "per_page": str(limit), "orderby": "date", "order": "desc"}
        status, body = await self._call("GET", "/orders", params=params)
        if status != 200 or not isinstance(body, list):
            raise unavailable(SYSTEM, f"order list answered {status}")
        return [self._order(raw) for raw in body if isinstance(raw, dict)]

    # ---------- changes ----------

    async def _note(self, order_id: Any, text: str) -> None:
        await self._change("POST", f"/orders/{order_id}/notes", {"note": text, "customer_note": False})

    async def cancel(self, session: AsyncSession, order: OrderRecord, reason: str, now: datetime) -> OrderRecord:
        platform = cast(PlatformOrder, order)
        raw = await self._change("PUT", f"/orders/{platform.ref['id']}", {"status": "cancelled"})
        await self._note(
            platform.ref["id"],
            f"Cancelled by the customer through the shop assistant. Reason: {reason or '(none given)'}. "
            "Refund the payment to the original payment method.",
        )
        updated = self._order(raw) if isinstance(raw, dict) else dataclasses.replace(platform, status="cancelled")
        return _carried(updated, platform)

    async def change_address(
        self, session: AsyncSession, order: OrderRecord, address: dict[str, str], now: datetime
    ) -> OrderRecord:
        platform = cast(PlatformOrder, order)
        first, _, last = address.get("name", "").strip().rpartition(" ")
        shipping = {
            "first_name": first or last,
            "last_name": last if first else "",
            "address_1": address["line1"],
            "address_2": "",
            "city": address["city"],
            "postcode": address["postcode"],
            "country": address["country"],
        }
        raw = await self._change("PUT", f"/orders/{platform.ref['id']}", {"shipping": shipping})
        updated = self._order(raw) if isinstance(raw, dict) else platform
        return _carried(updated, platform)

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
        rid = f"R-{platform.ref['id']}-{len(platform.returns) + 1}"
        label = "free return label" if free_label else "return shipping paid by the customer"
        await self._note(
            platform.ref["id"],
            f"Return {rid} requested through the shop assistant. Reason: {reason or '(none given)'}; {label}. "
            f"Items: {json.dumps(items, separators=(',', ':'))}",
        )
        record = PlatformReturn(id=rid, status="requested", items=items, free_label=free_label, created_at=now)
        platform.returns.append(record)
        return record

    async def aclose(self) -> None:
        await self.http.aclose()
