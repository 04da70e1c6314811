"""Composed answers: what `POST /v1/answer` returns — the short answer first, one citation, the passage behind it.

Order of the steps: a rule-table fact when the question names a country and asks for a fact the tables hold
(knowledge/facts.py, cited with the best policy passage of the search), else the sentences, list items or table
rows of the ranked passages that answer it (retrieval/compose.py). Products are not composed: the assistant
shows them as cards from the passages.

The answer's `id` is a hash of the served version and the answer text, so a "Helpful?" vote names exactly
what the shopper saw.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderless.countries import country_names
from borderless.rules import RulesError, load_rules
from knowledge.facts import Fact, FactTables, TopicDetector, answer_fact
from retrieval.compose import AnswerComposer, Citation, ComposedText, UnitScorer, cite
from retrieval.embedders import Embedder
from retrieval.text import tokenize
from retrieval.types import Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    id: str
    kind: str  # "fact" (from the rule tables) or "passage" (sentences/items/rows of the knowledge base)
    markdown: str
    sources: tuple[Citation, ...]
    more: str  # the whole passage the answer comes from, for a "More" tap
    doc_id: str
    chunk_id: str
    fact: Fact | None = None
    units: tuple[str, ...] = field(default_factory=tuple)  # kinds of the selected units (sentence/item/row)
    language: str = "en"  # the language `markdown` is in (a fact in the reply language; passages as written)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "answer": self.markdown,
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "more": self.more,
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "language": self.language,
        }
        if self.fact is not None:
            out["fact"] = {"topic": self.fact.topic, "country": self.fact.country, "values": self.fact.values}
        return out

    def words(self) -> int:
        return len(self.markdown.split())


def full_passage(chunk: Chunk) -> str:
    """The passage as Markdown under its section heading."""
    heading = f"**{chunk.section}**\n\n" if chunk.section else ""
    return heading + chunk.text.strip()


def answer_id(version: int | None, markdown: str, chunk_id: str) -> str:
    return hashlib.sha256(f"{version}\n{chunk_id}\n{markdown}".encode()).hexdigest()[:16]


def load_fact_tables(rules_dir: Path | None, languages: tuple[str, ...] = ()) -> FactTables | None:
    """The shop's rule tables as facts, or None (no tables configured, or unreadable: logged, text answers
    still work)."""
    if rules_dir is None or not Path(rules_dir).is_dir():
        return None
    try:
        rules = load_rules(Path(rules_dir))
    except RulesError as exc:
        log.warning("rule tables in %s unusable, answering from text only: %s", rules_dir, exc)
        return None
    return FactTables(rules, country_names(tuple(languages)))


def fact_source(fact: Fact, chunks: list[Chunk]) -> Chunk:
    """The passage to cite for a fact: the policy (else any text) passage among the results sharing the most
    words and numbers with the fact's sentence ("2–5 business days" is in the delivery-times table, not in
    the list of zones); the search's order breaks ties."""
    texts = [c for c in chunks if c.type == "policy"] or [c for c in chunks if c.type != "product"] or chunks
    wanted = set(tokenize(fact.markdown))
    return max(texts, key=lambda c: (len(wanted & set(tokenize(c.text))), -texts.index(c)))


class Answerer:
    """Turns a search's passages into an `Answer` (one per process and embedder)."""

    def __init__(self, embedder: Embedder, tables: FactTables | None) -> None:
        self.embedder = embedder
        self.tables = tables
        self.detector = TopicDetector(embedder)
        self.composer = AnswerComposer(UnitScorer(embedder))

    def answer(
        self,
        query: str,
        chunks: list[Chunk],
        *,
        version: int | None,
        language: str | None = None,
        reply_language: str | None = None,
    ) -> Answer | None:
        """The answer to `query` (written in `language`) from the ranked `chunks` (best first), or None when
        they hold no text. A rule-table fact is written in `reply_language` (the shopper's, which differs from
        `language` when the question was translated for the search) where knowledge/fact_texts.py has it."""
        if not chunks or chunks[0].type == "product":
            return None
        vector = self.embedder.embed_queries([query])[0]
        english = not language or language.lower().startswith("en")
        fact = (
            answer_fact(self.tables, self.detector, query, vector, language=reply_language or language)
            if self.tables is not None
            else None
        )
        if fact is not None:
            # The passage citing it shares words with the English sentence (the articles' language).
            in_english = fact
            if fact.language != "en" and self.tables is not None:
                in_english = self.tables.fact(fact.topic, fact.country) or fact
            source = fact_source(in_english, chunks)
            return Answer(
                id=answer_id(version, fact.markdown, source.chunk_id),
                kind="fact",
                markdown=fact.markdown,
                sources=(cite(source),),
                more=full_passage(source),
                doc_id=source.doc_id,
                chunk_id=source.chunk_id,
                fact=fact,
                language=fact.language,
            )
        composed: ComposedText | None = self.composer.compose(query, vector, chunks, lexical=english)
        if composed is None:
            return None
        chunk = composed.chunk
        return Answer(
            id=answer_id(version, composed.markdown, chunk.chunk_id),
            kind="passage",
            markdown=composed.markdown,
            sources=(composed.citation,),
            more=full_passage(chunk),
            doc_id=chunk.doc_id,
            chunk_id=chunk.chunk_id,
            units=tuple(s.unit.kind for s in composed.units),
            language=str(chunk.metadata.get("language") or "en"),
        )
