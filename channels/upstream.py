"""HTTP clients the console uses: the Rasa HTTP API, the models service (translation), the knowledge
service (suggested answers) and the orders service (a verified customer's orders).

Only the Rasa calls are essential; the others degrade to "not available" with a note for the agent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)


class UpstreamError(Exception):
    """A service did not give a usable answer."""


@dataclass
class Upstreams:
    session: aiohttp.ClientSession
    rasa_url: str
    rasa_token: str | None
    models_url: str
    knowledge_url: str
    orders_url: str
    timeout_s: float

    async def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            async with self.session.request(
                method, url, timeout=aiohttp.ClientTimeout(total=self.timeout_s), **kwargs
            ) as resp:
                body = await resp.json(content_type=None)
                if resp.status >= 400:
                    raise UpstreamError(f"{method} {url.split('?')[0]}: {resp.status} {str(body)[:300]}")
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(f"{method} {url.split('?')[0]}: {exc}") from exc

    # --- Rasa HTTP API -------------------------------------------------------------------------------
    def _rasa(self, path: str, **params: str) -> tuple[str, dict[str, str]]:
        if self.rasa_token:
            params["token"] = self.rasa_token
        return self.rasa_url.rstrip("/") + path, params

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        url, params = self._rasa(f"/conversations/{quote(conversation_id, safe='')}/tracker", include_events="ALL")
        return await self._json("GET", url, params=params)

    async def append_events(
        self, conversation_id: str, events: list[dict[str, Any]], *, deliver: bool
    ) -> dict[str, Any]:
        """Appends events to the conversation; `deliver` also sends bot events out on the shopper's latest channel."""
        extra = {"output_channel": "latest", "execute_side_effects": "true"} if deliver else {}
        url, params = self._rasa(f"/conversations/{quote(conversation_id, safe='')}/tracker/events", **extra)
        return await self._json("POST", url, params=params, json=events)

    # --- models service --------------------------------------------------------------------------------
    async def translate(self, texts: list[str], target: str, source: str | None = None) -> list[dict[str, Any]]:
        """One result per text: {"text", "translated": bool, "source"?}; UpstreamError when unreachable or refused."""
        if not texts:
            return []
        body: dict[str, Any] = {"texts": texts, "target": target}
        if source:
            body["source"] = source
        answer = await self._json("POST", self.models_url.rstrip("/") + "/v1/translate", json=body)
        items = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != len(texts):
            raise UpstreamError("translate: unexpected answer shape")
        out = []
        for original, item in zip(texts, items, strict=True):
            if isinstance(item, str):
                out.append({"text": item, "translated": item != original})
            elif isinstance(item, dict):
                out.append(
                    {
                        "text": str(item.get("text", original)),
                        "translated": bool(item.get("translated", item.get("text") != original)),
                        "source": item.get("source"),
                        "reason": item.get("reason"),
                    }
                )
            else:
                raise UpstreamError("translate: unexpected item")
        return out

    # --- knowledge service -----------------------------------------------------------------------------
    async def suggestions(self, query: str, top_k: int = 3) -> list[dict[str, Any]]:
        answer = await self._json(
            "POST", self.knowledge_url.rstrip("/") + "/v1/search", json={"query": query, "top_k": top_k}
        )
        results = answer.get("results", []) if isinstance(answer, dict) else []
        return [{k: r.get(k) for k in ("title", "url", "text", "score")} for r in results if isinstance(r, dict)][
            :top_k
        ]

    # --- orders service ----------------------------------------------------------------------------------
    async def customer_orders(self, customer_token: str, limit: int = 5) -> tuple[str | None, list[dict[str, Any]]]:
        """(customer id, recent orders) for a signed customer token; UpstreamError when invalid or unreachable."""
        answer = await self._json(
            "POST",
            self.orders_url.rstrip("/") + "/v1/orders/mine",
            json={"customer_token": customer_token, "limit": limit},
        )
        orders = answer.get("orders", []) if isinstance(answer, dict) else []
        keep = ("number", "status", "status_label", "placed_at", "total", "currency", "items", "shipments")
        customer_id = answer.get("customer_id") if isinstance(answer, dict) else None
        return customer_id, [{k: o.get(k) for k in keep if k in o} for o in orders if isinstance(o, dict)]
