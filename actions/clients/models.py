"""Typed client of the models service's translation endpoint (POST /v1/translate), over ServiceClient."""

from __future__ import annotations

from dataclasses import dataclass

from actions.clients.http import ServiceClient, ServiceError, ServiceUnavailable
from actions.settings import ActionSettings

__all__ = ["ModelsClient", "Translation", "ServiceError", "ServiceUnavailable"]


@dataclass(frozen=True)
class Translation:
    text: str
    translated: bool


class ModelsClient:
    """Async client; one instance per action (connection pool and circuit breaker).

    Translation is a courtesy on top of an answer that already exists in English, so the timeout is
    short and there is no retry: a slow models service costs the shopper English, never a long wait.
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 1.5, retries: int = 0) -> None:
        self.http = ServiceClient(
            name="models",
            base_url=base_url or ActionSettings.from_env().models_url,
            timeout=timeout,
            retries=retries,
        )

    async def close(self) -> None:
        await self.http.close()

    async def translate(self, texts: list[str], target: str, source: str | None = "en") -> list[Translation]:
        """One translation per text, in order.

        Raises ServiceError (422: no route for the pair) and ServiceUnavailable (down, slow, breaker open).
        """
        body: dict[str, object] = {"texts": texts, "target": target}
        if source:
            body["source"] = source
        data = await self.http.request("POST", "/v1/translate", json=body, idempotent=True)
        items = [t for t in data.get("translations") or [] if isinstance(t, dict)]
        if len(items) != len(texts):
            raise ServiceUnavailable(f"models: {len(items)} translations for {len(texts)} texts")
        return [
            Translation(text=str(t.get("text") or original), translated=bool(t.get("translated")))
            for t, original in zip(items, texts, strict=True)
        ]
