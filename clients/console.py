"""Typed client of the handoff API served by the agents' console (channels/console/handoff_api.py).

POST {CONSOLE_URL}/v1/handoff/requests with a bearer token: svc.secrets.handoff_api_token (HANDOFF_API_TOKEN,
else the token the console keeps in var/handoff_api_token; both processes run from the same checkout by
default). The registry (clients/registry.py) puts the token in the console pool's default headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clients.errors import ServiceError, ServiceUnavailable
from clients.http import ServiceClient

__all__ = ["HandoffClient", "QueueStatus", "ServiceError", "ServiceUnavailable"]


@dataclass(frozen=True)
class QueueStatus:
    status: str  # waiting | active | bot
    position: int | None
    agents_online: int
    expected_wait_s: float | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> QueueStatus:
        return cls(
            status=str(body.get("status", "waiting")),
            position=body.get("position"),
            agents_online=int(body.get("agents_online") or 0),
            expected_wait_s=body.get("expected_wait_s"),
        )


class HandoffClient(ServiceClient):
    """The console's handoff API client; a view over the process's one console pool and breaker."""

    async def request_agent(
        self,
        conversation_id: str,
        *,
        channel: str,
        reason: str,
        language: str,
        sentiment: dict[str, Any] | None,
        sentiment_history: list[dict[str, Any]] | None = None,
        customer_token: str | None,
        page_url: str | None,
        last_message: str,
    ) -> QueueStatus:
        """Queues the conversation for a person (idempotent: asking twice keeps the place)."""
        body: dict[str, Any] = {
            "conversation_id": conversation_id,
            "channel": channel,
            "reason": reason,
            "language": language,
            "last_message": last_message[:4000],
        }
        if sentiment and sentiment.get("label"):
            body["sentiment"] = {"label": str(sentiment["label"]), "score": sentiment.get("score")}
        if sentiment_history:
            body["sentiment_history"] = [
                {"label": str(h.get("label")), "score": h.get("score"), "at": h.get("at")} for h in sentiment_history
            ]
        if customer_token:
            body["customer_token"] = customer_token
        if page_url:
            body["page_url"] = page_url[:2048]
        # Enqueueing the same conversation twice keeps one ticket, so a retry is safe.
        answer = await self._request("POST", "/v1/handoff/requests", json=body, idempotent=True)
        return QueueStatus.from_body(answer)
