"""Typed client of the knowledge service (POST /v1/search), over the shared HTTP core."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clients.errors import ServiceError, ServiceUnavailable
from clients.http import ServiceClient

__all__ = ["KnowledgeClient", "SearchAnswer", "Passage", "ServiceError", "ServiceUnavailable"]


@dataclass(frozen=True)
class Passage:
    doc_id: str
    chunk_id: str
    type: str
    title: str
    url: str
    text: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        return cls(
            doc_id=str(data.get("doc_id", "")),
            chunk_id=str(data.get("chunk_id", "")),
            type=str(data.get("type", "")),
            title=str(data.get("title", "")),
            url=str(data.get("url") or ""),
            text=str(data.get("text", "")),
            score=float(data.get("score") or 0.0),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True)
class SearchAnswer:
    results: list[Passage]
    version: int | None
    confident: bool


class KnowledgeClient(ServiceClient):
    """The knowledge service's client; a view over the process's one knowledge pool and breaker."""

    async def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: dict[str, Any] | None = None,
        language: str | None = None,
        prefer_doc_ids: Sequence[str] = (),
    ) -> SearchAnswer:
        """Best passages for `query`; ServiceUnavailable when the service cannot answer.

        `prefer_doc_ids`: documents whose passages the service puts first when its best hit is another
        policy document (at most 10; `confident` still judges the search's own best hit).
        """
        body: dict[str, Any] = {"query": query, "top_k": top_k}
        if filters:
            body["filters"] = filters
        if language:
            body["language"] = language
        if prefer_doc_ids:
            body["prefer_doc_ids"] = list(prefer_doc_ids)
        # A search changes nothing, so it may be retried like a GET.
        data = await self._request("POST", "/v1/search", json=body, idempotent=True)
        return SearchAnswer(
            results=[Passage.from_json(r) for r in data.get("results") or [] if isinstance(r, dict)],
            version=data.get("version"),
            confident=bool(data.get("confident")),
        )
