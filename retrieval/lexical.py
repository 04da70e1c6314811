"""BM25 lexical ranking (bm25s) over chunk texts, with the tokenizer from retrieval.text."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

from retrieval.text import tokenize

# bm25s logs every index build at DEBUG on its own handler; one line per reindex is noise in services.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores for every chunk; rebuilt from texts (cheap at knowledge-base sizes)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._bm25: bm25s.BM25 | None = None
        tokens = [tokenize(t) or ["∅"] for t in texts]
        if tokens:
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when nothing matches)."""
        terms = tokenize(query)
        if self._bm25 is None or not terms:
            return np.zeros(self.size, dtype=np.float32)
        known = [t for t in terms if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
