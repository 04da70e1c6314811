"""Typed values that flow between retrieval components: chunks, filters and hits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Chunk:
    """One searchable passage of a document (a Markdown section, a product record, a paragraph).

    `chunk_id` is stable across rebuilds (doc id + section slug) so evaluation labels survive
    regeneration of the content.
    """

    chunk_id: str
    doc_id: str
    type: str
    title: str
    text: str
    url: str = ""
    section: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def embed_text(self) -> str:
        """What the embedder sees: the document title keeps a section meaningful on its own."""
        head = self.title if not self.section or self.section == self.title else f"{self.title} — {self.section}"
        return f"{head}\n{self.text}"

    def content_hash(self) -> str:
        """Key for reusing a passage vector between snapshots when the text did not change."""
        return hashlib.sha256(self.embed_text().encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "type": self.type,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "section": self.section,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            chunk_id=data["chunk_id"],
            doc_id=data["doc_id"],
            type=data["type"],
            title=data["title"],
            text=data["text"],
            url=data.get("url", ""),
            section=data.get("section", ""),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; every field left as None matches everything.

    `type` accepts one type or several; `ships_to` is an ISO-3166 alpha-2 country that a product must
    ship to (documents without a ships_to list are not products and are unaffected).
    """

    type: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    language: str | None = None
    in_stock: bool | None = None
    ships_to: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.type, self.category, self.language, self.in_stock, self.ships_to))


@dataclass
class Hit:
    """A ranked chunk with the scores that produced its rank.

    `score` is the fused score used for ordering; `dense_score` is the cosine similarity between the
    query and the chunk (always computed for returned hits, so confidence can be judged on it).
    """

    index: int
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
