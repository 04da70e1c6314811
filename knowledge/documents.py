"""The knowledge-base document: what is stored in SQL, validated, and turned into retrieval chunks."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from retrieval.chunking import chunk_markdown, chunk_text
from retrieval.types import Chunk

DOC_TYPES = ("policy", "faq", "product", "text")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
MAX_BODY_CHARS = 200_000


class DocumentError(ValueError):
    """A document (or a file being imported) is not acceptable; the message says why."""


@dataclass(frozen=True)
class Document:
    id: str
    type: str
    title: str
    body: str
    url: str = ""
    language: str = "en"
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = "api"

    def validate(self) -> Document:
        if not ID_PATTERN.match(self.id or ""):
            raise DocumentError(f"invalid document id {self.id!r}: letters, digits and . _ : - (max 128)")
        if self.type not in DOC_TYPES:
            raise DocumentError(f"{self.id}: type must be one of {', '.join(DOC_TYPES)}, got {self.type!r}")
        if not self.title.strip():
            raise DocumentError(f"{self.id}: title is empty")
        if self.type != "product" and not self.body.strip():
            raise DocumentError(f"{self.id}: body is empty")
        if len(self.body) > MAX_BODY_CHARS:
            raise DocumentError(f"{self.id}: body longer than {MAX_BODY_CHARS} characters")
        return self

    def content_hash(self) -> str:
        payload = json.dumps(
            [self.type, self.title, self.body, self.url, self.language, self.metadata], sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "language": self.language,
            "metadata": self.metadata,
            "source": self.source,
        }


def product_text(doc: Document) -> str:
    """The searchable text of a product record: description, facts and attributes in words."""
    meta = doc.metadata
    parts = [doc.body.strip()] if doc.body.strip() else []
    facts = []
    for key, label in (("category", "Category"), ("brand", "Brand")):
        if meta.get(key):
            facts.append(f"{label}: {meta[key]}.")
    if meta.get("price") is not None:
        facts.append(f"Price: {float(meta['price']):.2f} {meta.get('currency', 'EUR')}.")
    if "stock" in meta:
        facts.append("In stock." if int(meta.get("stock") or 0) > 0 else "Out of stock.")
    attributes = meta.get("attributes") or {}
    attr_words = []
    for key, value in attributes.items():
        name = str(key).replace("_", " ")
        if isinstance(value, bool):
            attr_words.append(f"{name}: {'yes' if value else 'no'}" + (f" ({name})" if value else f" (not {name})"))
        elif isinstance(value, list):
            attr_words.append(f"{name}: {', '.join(map(str, value))}")
        else:
            attr_words.append(f"{name}: {value}")
    if attr_words:
        facts.append("; ".join(attr_words) + ".")
    if meta.get("weight_kg") is not None:
        facts.append(f"Weight: {meta['weight_kg']} kg.")
    if meta.get("tags"):
        facts.append("Tags: " + ", ".join(map(str, meta["tags"])) + ".")
    parts.append(" ".join(facts))
    return "\n".join(p for p in parts if p)


def to_chunks(doc: Document) -> list[Chunk]:
    meta = {**doc.metadata, "language": doc.language, "source": doc.source}
    if doc.type == "product":
        meta["in_stock"] = int(doc.metadata.get("stock") or 0) > 0
        return [
            Chunk(
                chunk_id=doc.id,
                doc_id=doc.id,
                type="product",
                title=doc.title,
                text=product_text(doc),
                url=doc.url,
                metadata=meta,
            )
        ]
    if doc.type in ("policy", "faq"):
        return chunk_markdown(doc.id, doc.title, doc.body, doc_type=doc.type, url=doc.url, metadata=meta)
    return chunk_text(doc.id, doc.title, doc.body, doc_type=doc.type, url=doc.url, metadata=meta)
