"""Typed client of the models service's translation endpoint (POST /v1/translate), over the shared HTTP core.

Used by the actions (replies and search queries) and by the agents' console (transcripts and agent replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clients.errors import ServiceError, ServiceUnavailable
from clients.http import ServiceClient

__all__ = ["ModelsClient", "Translation", "ServiceError", "ServiceUnavailable"]


@dataclass(frozen=True)
class Translation:
    text: str
    translated: bool
    # The detected source language, when the caller let the service detect it.
    source: str | None = None
    # Why a text came back untranslated (e.g. "same_language"), when the service says.
    reason: str | None = None


def _translation(item: Any, original: str) -> Translation:
    if isinstance(item, str):
        return Translation(text=item, translated=item != original)
    if not isinstance(item, dict):
        raise ServiceUnavailable("models: unexpected translation item")
    text = str(item.get("text") or original)
    source, reason = item.get("source"), item.get("reason")
    return Translation(
        text=text,
        translated=bool(item.get("translated", text != original)),
        source=str(source) if source else None,
        reason=str(reason) if reason else None,
    )


class ModelsClient(ServiceClient):
    """The models service's client; a view over the process's one models pool and breaker.

    Translation is a courtesy on top of an answer that already exists, so the default timeout is short and
    there is no retry (see clients/registry.py): a slow models service costs English, never a long wait.
    """

    async def translate(
        self, texts: list[str], target: str, source: str | None = "en", *, audience: str | None = None
    ) -> list[Translation]:
        """One translation per text, in order (`source=None`: the service detects the language).
        `audience`: "shopper" (text a shopper reads), "search" (a question for the knowledge search) or
        "products" (what a shopper looks for, for the recommender's product types); the
        service refuses the pairs its `translation.refuse` keeps from that audience (default: agent, all).

        Raises ServiceError (422: no route for the pair, or not for shoppers) and ServiceUnavailable (down,
        slow, breaker open).
        """
        if not texts:
            return []
        body: dict[str, object] = {"texts": texts, "target": target}
        if source:
            body["source"] = source
        if audience:
            body["audience"] = audience
        data = await self._request("POST", "/v1/translate", json=body, idempotent=True)
        items = data.get("translations")
        if not isinstance(items, list) or len(items) != len(texts):
            count = len(items) if isinstance(items, list) else 0
            raise ServiceUnavailable(f"models: {count} translations for {len(texts)} texts")
        return [_translation(item, original) for item, original in zip(items, texts, strict=True)]
