"""Typed client of the knowledge service (POST /v1/search, POST /v1/answer), over the shared HTTP core."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clients.errors import ServiceError, ServiceUnavailable
from clients.http import ServiceClient

__all__ = [
    "ComposedAnswer",
    "KnowledgeClient",
    "KnowledgeAnswer",
    "SearchAnswer",
    "Passage",
    "Source",
    "ServiceError",
    "ServiceUnavailable",
]


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


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class ComposedAnswer:
    """The short answer the knowledge service composed: Markdown, its citation, the passage behind it.

    `kind` is "fact" (from the shop's rule tables) or "passage" (sentences, list items or table rows);
    `fact` carries the topic, country and numbers of a fact answer.
    """

    id: str
    kind: str
    markdown: str
    sources: list[Source]
    more: str
    doc_id: str
    chunk_id: str
    fact: dict[str, Any] | None = None
    language: str = "en"  # the language `markdown` is written in

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComposedAnswer:
        return cls(
            id=str(data.get("id", "")),
            kind=str(data.get("kind", "passage")),
            markdown=str(data.get("answer", "")),
            sources=[
                Source(title=str(s.get("title", "")), url=str(s.get("url") or ""))
                for s in data.get("sources") or []
                if isinstance(s, dict)
            ],
            more=str(data.get("more", "")),
            doc_id=str(data.get("doc_id", "")),
            chunk_id=str(data.get("chunk_id", "")),
            fact=data.get("fact") if isinstance(data.get("fact"), dict) else None,
            language=str(data.get("language") or "en"),
        )


@dataclass(frozen=True)
class KnowledgeAnswer:
    """POST /v1/answer: the search's passages plus the composed answer (None for product hits or no text).

    `confident` holds when the search was confident or the answer is a rule-table fact; `search_confident`
    is the search's own verdict.
    """

    answer: ComposedAnswer | None
    results: list[Passage]
    version: int | None
    confident: bool
    search_confident: bool


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

    async def answer(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: dict[str, Any] | None = None,
        language: str | None = None,
        prefer_doc_ids: Sequence[str] = (),
        reply_language: str | None = None,
    ) -> KnowledgeAnswer:
        """The short answer to `query` composed by the service, with the passages it came from; the same
        arguments as `search`. ServiceUnavailable when the service cannot answer."""
        body: dict[str, Any] = {"query": query, "top_k": top_k}
        if filters:
            body["filters"] = filters
        if language:
            body["language"] = language
        if prefer_doc_ids:
            body["prefer_doc_ids"] = list(prefer_doc_ids)
        if reply_language:
            body["reply_language"] = reply_language
        data = await self._request("POST", "/v1/answer", json=body, idempotent=True)
        raw = data.get("answer")
        return KnowledgeAnswer(
            answer=ComposedAnswer.from_json(raw) if isinstance(raw, dict) else None,
            results=[Passage.from_json(r) for r in data.get("results") or [] if isinstance(r, dict)],
            version=data.get("version"),
            confident=bool(data.get("confident")),
            search_confident=bool(data.get("search_confident")),
        )
