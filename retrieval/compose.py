"""Answer composition from ranked passages: split -> score -> select -> cite.

A passage (a Markdown section) is the unit search ranks; a shopper wants the one to three sentences, list
items or table rows that answer the question. Each step is a small typed component, in the manner of a
Haystack 2 pipeline, so each can be tested and replaced on its own:

- `split_units(chunk, rank)`: the passage's sentences, list items and table rows (`Unit`); a row keeps its
  table's header, a list item the sentence that introduces its list.
- `UnitScorer.score(query, query_vector, units)`: cosine between the query and each unit (the same embedder
  the search uses; unit vectors cached by text) plus lexical overlap with the query's words, minus a small
  penalty for units of lower-ranked passages.
- `select_units(scored)`: the best unit and, from the same passage, the units scoring close to it (at most
  three, in document order, within a word budget).
- `render(units)` and `cite(chunk)`: the Markdown of the answer (rows under their header, items as a list)
  and its one compact citation (title + url).

No HTTP, SQL or Rasa here: the knowledge service calls `AnswerComposer.compose` on its search hits.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from retrieval.embedders import Embedder
from retrieval.text import tokenize
from retrieval.types import Chunk

UnitKind = Literal["sentence", "item", "row"]

# A sentence ends at . ! ? followed by space and something that starts a sentence; decimals ("€12.38") and
# abbreviations followed by lower case ("e.g. a") do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(*\[]?[A-Z0-9€$£])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s")


@dataclass(frozen=True)
class Unit:
    """One answerable piece of a passage.

    `text` is the unit's own Markdown (`- item`, `| a | b |`, a sentence); `header` the table's header and
    separator lines for a row; `lead` the sentence introducing a list, for an item; `block` numbers the
    paragraphs, lists and tables of the passage, `position` the units in document order.
    """

    text: str
    kind: UnitKind
    passage: int  # rank of the passage among the hits (0 = best)
    block: int
    position: int
    header: tuple[str, str] | None = None
    lead: str = ""

    def words(self) -> int:
        return len(re.findall(r"\w+", self.text))

    def context_text(self, chunk: Chunk) -> str:
        """What the scorer compares with the question: a row reads as `column: value` pairs, so the header's
        meaning travels with it; every unit carries its section heading."""
        head = chunk.section or chunk.title
        if self.kind == "row" and self.header is not None:
            names = table_cells(self.header[0])
            values = table_cells(self.text)
            pairs = "; ".join(f"{n}: {v}" for n, v in zip(names, values, strict=False))
            return f"{head}. {pairs}"
        if self.kind == "item" and self.lead:
            return f"{head}. {self.lead} {strip_list_marker(self.text)}"
        return f"{head}. {self.text}"


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Citation:
    title: str
    url: str


@dataclass(frozen=True)
class ComposedText:
    """The answer composed from passages: Markdown, the passage it came from and its citation."""

    markdown: str
    chunk: Chunk
    units: tuple[ScoredUnit, ...]
    citation: Citation


def table_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def strip_list_marker(line: str) -> str:
    return _LIST_ITEM.sub("", line, count=1).strip()


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; a very short one ("No.", "Often, yes.") stays with the sentence after it,
    which says what it means."""
    out: list[str] = []
    pending = ""
    for sentence in (s.strip() for s in _SENTENCE_END.split(paragraph)):
        if not sentence:
            continue
        sentence = f"{pending} {sentence}" if pending else sentence
        pending = ""
        if len(sentence.split()) < 3:
            pending = sentence
            continue
        out.append(sentence)
    if pending:
        if out:
            out[-1] = f"{out[-1]} {pending}"
        else:
            out.append(pending)
    return out


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """Paragraphs, lists and tables of a Markdown passage, as (kind, lines); a list item's wrapped
    continuation lines are joined to it."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or _HEADING.match(line):
            blocks.append(("break", []))
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            kind = "table"
        elif _LIST_ITEM.match(line):
            kind = "list"
        elif blocks and blocks[-1][0] == "list" and raw[:1].isspace():
            blocks[-1][1][-1] += " " + stripped  # a wrapped item
            continue
        else:
            kind = "para"
        if blocks and blocks[-1][0] == kind:
            if kind == "para":
                blocks[-1][1][-1] += " " + stripped
            else:
                blocks[-1][1].append(stripped)
        else:
            blocks.append((kind, [stripped]))
    return [(kind, lines) for kind, lines in blocks if kind != "break"]


def split_units(chunk: Chunk, rank: int = 0) -> list[Unit]:
    """The sentences, list items and table rows of one passage, in document order."""
    units: list[Unit] = []
    last_sentence = ""
    for block_no, (kind, lines) in enumerate(_blocks(chunk.text)):
        if kind == "table":
            rows = [line for line in lines if not _TABLE_SEPARATOR.match(line)]
            has_header = len(lines) >= 2 and bool(_TABLE_SEPARATOR.match(lines[1]))
            header = (lines[0], lines[1]) if has_header else None
            for row in rows[1:] if has_header else rows:
                units.append(Unit(row, "row", rank, block_no, len(units), header=header))
        elif kind == "list":
            lead = last_sentence if last_sentence.endswith(":") else ""
            for item in lines:
                units.append(Unit(item, "item", rank, block_no, len(units), lead=lead))
        else:
            for sentence in split_sentences(lines[0]):
                units.append(Unit(sentence, "sentence", rank, block_no, len(units)))
                last_sentence = sentence
            continue
        last_sentence = ""
    return units


def lexical_overlap(query_tokens: set[str], text: str) -> float:
    """Share of the question's content words (stemmed, stop words removed) found in `text`."""
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)


class UnitScorer:
    """Scores units against a question with the search's embedder plus lexical overlap.

    Unit vectors are cached by text (bounded LRU): the same policy sentences answer many questions.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        lexical_weight: float = 0.15,
        rank_penalty: float = 0.01,
        lead_bonus: float = 0.01,
        cache_size: int = 20_000,
    ) -> None:
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.rank_penalty = rank_penalty
        self.lead_bonus = lead_bonus
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.embedder.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for text in texts:
                vector = self._cache.get(text)
                if vector is None:  # evicted by a concurrent call between the two locks
                    vector = self.embedder.embed_passages([text])[0]
                else:
                    self._cache.move_to_end(text)
                out.append(vector)
        return np.stack(out) if out else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def cached(self) -> dict[str, np.ndarray]:
        """The unit vectors embedded so far (for a benchmark to keep between runs)."""
        with self._lock:
            return dict(self._cache)

    def preload(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._cache.update(vectors)

    def score(
        self, query: str, query_vector: np.ndarray, units: Sequence[tuple[Unit, Chunk]], *, lexical: bool = True
    ) -> list[ScoredUnit]:
        """`lexical=False` for a question in another language than the passages: no words to share."""
        if not units:
            return []
        texts = [unit.context_text(chunk) for unit, chunk in units]
        dense = self.vectors(texts) @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        query_tokens = set(tokenize(query)) if lexical else set()
        out = []
        for (unit, _chunk), text, cos in zip(units, texts, dense, strict=True):
            overlap = lexical_overlap(query_tokens, text)
            # Help pages state the answer first: a section's opening unit gets a small bonus.
            lead = self.lead_bonus if unit.position == 0 else 0.0
            total = float(cos) + self.lexical_weight * overlap - self.rank_penalty * unit.passage + lead
            out.append(ScoredUnit(unit, total, float(cos), overlap))
        return out


def select_units(
    scored: Sequence[ScoredUnit], *, max_units: int = 3, margin: float = 0.02, max_words: int = 60
) -> list[ScoredUnit]:
    """The best unit plus same-passage units within `margin` of it (at most `max_units`, at most `max_words`
    words together), in document order.

    Rows stay with rows and items with items of the same table or list: a question about a zone gets that
    zone's row; two zones asked at once get both rows under one header.
    """
    if not scored:
        return []
    ranked = sorted(scored, key=lambda s: s.score, reverse=True)
    best = ranked[0]
    chosen = [best]
    words = best.unit.words()
    for candidate in ranked[1:]:
        if len(chosen) >= max_units or candidate.score < best.score - margin:
            break
        unit = candidate.unit
        if unit.passage != best.unit.passage:
            continue
        if best.unit.kind in ("row", "item") and (unit.kind != best.unit.kind or unit.block != best.unit.block):
            continue
        if best.unit.kind == "sentence" and unit.kind == "row":
            continue
        if words + unit.words() > max_words:
            continue
        chosen.append(candidate)
        words += unit.words()
    return sorted(chosen, key=lambda s: s.unit.position)


def render(units: Sequence[Unit]) -> str:
    """Markdown of the selected units: sentences of a paragraph joined, list items as a list (after their
    lead sentence when several were chosen), table rows under their header."""
    lines: list[str] = []
    previous: Unit | None = None
    for unit in units:
        same_block = previous is not None and previous.block == unit.block
        if unit.kind == "row":
            if not same_block and unit.header is not None:
                if lines:
                    lines.append("")
                lines.extend(unit.header)
            lines.append(unit.text)
        elif unit.kind == "item":
            if not same_block and lines:
                lines.append("")
            if not same_block and unit.lead and sum(u.block == unit.block for u in units) > 1:
                lines.append(unit.lead)
            lines.append(unit.text)
        elif same_block and previous is not None and previous.kind == "sentence":
            lines[-1] += " " + unit.text
        else:
            if lines:
                lines.append("")
            lines.append(unit.text)
        previous = unit
    return "\n".join(lines).strip()


def cite(chunk: Chunk) -> Citation:
    """One compact citation: the document title (with the section when it adds something) and its link."""
    title = chunk.title
    if chunk.section and chunk.section.casefold() not in title.casefold():
        title = f"{title} — {chunk.section}"
    return Citation(title=title, url=chunk.url)


class AnswerComposer:
    """split -> score -> select -> cite over the best passages of a search."""

    def __init__(self, scorer: UnitScorer, *, passages: int = 3, max_units: int = 3) -> None:
        self.scorer = scorer
        self.passages = passages
        self.max_units = max_units

    def warm(self, chunks: Sequence[Chunk], stop: threading.Event | None = None, batch: int = 16) -> int:
        """Embeds the units of every text passage ahead of the first questions (until `stop` is set); returns
        how many were embedded."""
        texts = [u.context_text(c) for c in chunks if c.type != "product" for u in split_units(c)]
        done = 0
        for start in range(0, len(texts), batch):
            if stop is not None and stop.is_set():
                break
            done += len(self.scorer.vectors(texts[start : start + batch]))
        return done

    def compose(
        self, query: str, query_vector: np.ndarray, chunks: Sequence[Chunk], *, lexical: bool = True
    ) -> ComposedText | None:
        """The answer from the first `passages` text passages (policies, FAQs, plain text; products are
        answered as cards elsewhere), or None when there is none."""
        texts = [c for c in chunks if c.type != "product"][: self.passages]
        units = [(unit, chunk) for rank, chunk in enumerate(texts) for unit in split_units(chunk, rank)]
        scored = self.scorer.score(query, query_vector, units, lexical=lexical)
        chosen = select_units(scored, max_units=self.max_units)
        if not chosen:
            return None
        chunk = texts[chosen[0].unit.passage]
        return ComposedText(
            markdown=render([s.unit for s in chosen]), chunk=chunk, units=tuple(chosen), citation=cite(chunk)
        )
