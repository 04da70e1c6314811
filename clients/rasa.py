"""Typed client of Rasa's HTTP API, as the agents' console uses it: read a conversation's tracker, append events.

Rasa's API always requires its token (svc.secrets.rasa_api_token); Rasa takes it as the `token` query
parameter. Appending events is not idempotent (a repeated append repeats the messages), so it is never retried.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from clients.http import CallPolicy, JsonObject, ServiceClient, ServiceHttp

__all__ = ["RasaClient"]


class RasaClient(ServiceClient):
    """Rasa's HTTP API; a view over the process's one Rasa pool and breaker, with the API token."""

    def __init__(self, http: ServiceHttp, policy: CallPolicy | None = None, *, token: str | None = None) -> None:
        super().__init__(http, policy)
        self.token = token

    def _params(self, **params: str) -> dict[str, str]:
        if self.token:
            params["token"] = self.token
        return params

    @staticmethod
    def _conversation(conversation_id: str) -> str:
        return f"/conversations/{quote(conversation_id, safe='')}"

    async def tracker(self, conversation_id: str) -> JsonObject:
        """The conversation's tracker with every event (Rasa's tracker JSON, as transcripts read it)."""
        path = self._conversation(conversation_id) + "/tracker"
        return await self._request("GET", path, params=self._params(include_events="ALL"))

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]], *, deliver: bool) -> JsonObject:
        """Appends events; `deliver` also sends bot events out on the shopper's latest channel."""
        extra = {"output_channel": "latest", "execute_side_effects": "true"} if deliver else {}
        path = self._conversation(conversation_id) + "/tracker/events"
        return await self._request("POST", path, params=self._params(**extra), json=events, idempotent=False)
