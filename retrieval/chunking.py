"""Splitting documents into passages.

Markdown is split by `## ` section, each chunk keeps the document title (and carries the section heading)
so it can stand alone in an answer. Plain text is split by paragraphs into chunks of bounded length.
Chunk ids are `<doc_id>#<section-slug>`: stable as long as the heading stays the same.
"""

from __future__ import annotations

import re
from typing import Any

from retrieval.types import Chunk

MAX_CHARS = 1500


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def _split_long(text: str, max_chars: int) -> list[str]:
    """Paragraph-aligned pieces of at most ~max_chars (a single huge paragraph is cut by sentences)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    pieces: list[str] = []
    current = ""
    for para in paragraphs:
        units = [para] if len(para) <= max_chars else re.split(r"(?<=[.!?])\s+", para)
        for unit in units:
            if current and len(current) + len(unit) + 2 > max_chars:
                pieces.append(current)
                current = ""
            current = f"{current}\n\n{unit}" if current else unit
    if current:
        pieces.append(current)
    return pieces or [text.strip()]


def chunk_markdown(
    doc_id: str,
    title: str,
    body: str,
    *,
    doc_type: str = "policy",
    url: str = "",
    metadata: dict[str, Any] | None = None,
    max_chars: int = MAX_CHARS,
) -> list[Chunk]:
    """Chunks of a Markdown body by `## ` headings; text before the first heading is the intro."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if match and not line.startswith("###"):
            sections.append((match.group(1).strip(), []))
        elif re.match(r"^#\s+", line) and not sections[-1][1] and sections[-1][0] == "":
            continue  # the H1 repeats the title; the title is kept on every chunk anyway
        else:
            sections[-1][1].append(line)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for heading, lines in sections:
        text = "\n".join(lines).strip()
        if not text:
            continue
        base = slugify(heading) if heading else "intro"
        for n, piece in enumerate(_split_long(text, max_chars)):
            slug = base if n == 0 else f"{base}-{n + 1}"
            seen[slug] = seen.get(slug, 0) + 1
            if seen[slug] > 1:  # two sections with the same heading
                slug = f"{slug}-{seen[slug]}"
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}#{slug}",
                    doc_id=doc_id,
                    type=doc_type,
                    title=title,
                    section=heading,
                    text=piece,
                    url=f"{url}#{slugify(heading)}" if url and heading else url,
                    metadata=dict(metadata or {}),
                )
            )
    return chunks


def chunk_text(
    doc_id: str,
    title: str,
    body: str,
    *,
    doc_type: str = "text",
    url: str = "",
    metadata: dict[str, Any] | None = None,
    max_chars: int = MAX_CHARS,
) -> list[Chunk]:
    """Plain text: one chunk when short, else paragraph-aligned parts `<doc_id>#part-N`."""
    pieces = _split_long(body, max_chars)
    return [
        Chunk(
            chunk_id=doc_id if len(pieces) == 1 else f"{doc_id}#part-{n + 1}",
            doc_id=doc_id,
            type=doc_type,
            title=title,
            text=piece,
            url=url,
            metadata=dict(metadata or {}),
        )
        for n, piece in enumerate(pieces)
        if piece.strip()
    ]
