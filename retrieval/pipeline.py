"""Search as plain typed steps, composed per mode so that each mode runs only the retrievers it uses.

    hybrid   embed → mask → dense search + lexical search → fuse → filter
    dense    embed → mask → dense search                  → fuse → filter
    lexical  embed → mask → lexical search                → fuse → filter

The filter mask is computed up front so restrictive filters still return `top_k` results; the last
step drops anything that slipped through. Lexical mode embeds the query too: every returned hit
carries its cosine (`Hit.dense_score`), on which the knowledge base judges its confidence. Fusion is
weighted reciprocal-rank fusion; over a single ranking it keeps that ranking's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder
from retrieval.filters import mask, matches
from retrieval.fusion import RRF_K, reciprocal_rank_fusion
from retrieval.lexical import LexicalIndex
from retrieval.types import Chunk, Hit, SearchFilters

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = get_args(Mode)


@dataclass(frozen=True)
class Ranking:
    """Chunk indexes best first, with the retriever's own score for each."""

    ids: list[int]
    scores: dict[int, float]


def dense_ranking(
    index: DenseIndex, vectors: np.ndarray, vector: np.ndarray, allowed: np.ndarray | None, candidates: int
) -> Ranking:
    """FAISS search; with a filter mask, exact scoring over the allowed chunks instead."""
    if allowed is None:
        scores, ids = index.search(vector[None, :], candidates)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=False) if i >= 0]
    else:
        subset = np.flatnonzero(allowed)
        sims = vectors[subset] @ vector if len(subset) else np.zeros(0, np.float32)
        top = np.argsort(-sims)[:candidates]
        pairs = [(int(subset[j]), float(sims[j])) for j in top]
    return Ranking([i for i, _ in pairs], dict(pairs))


def lexical_ranking(index: LexicalIndex, query: str, allowed: np.ndarray | None, candidates: int) -> Ranking:
    """BM25 over every chunk; chunks outside the mask and chunks without a matching term are left out."""
    scores = index.scores(query)
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    positive = np.flatnonzero(scores > 0)
    top = positive[np.argsort(-scores[positive], kind="stable")][:candidates]
    return Ranking([int(i) for i in top], {int(i): float(scores[i]) for i in top})


def fuse(
    vectors: np.ndarray,
    vector: np.ndarray,
    *,
    dense: Ranking | None,
    lexical: Ranking | None,
    weights: Mapping[str, float],
    top_k: int,
    k: int = RRF_K,
) -> list[Hit]:
    """Weighted reciprocal-rank fusion of the rankings that ran; one with weight 0 is left out of the score.

    A hit's `dense_score` is its cosine even when dense search did not rank it; `lexical_score` and the
    ranks are None for a retriever that did not run.
    """
    ran = {name: r for name, r in (("dense", dense), ("lexical", lexical)) if r is not None}
    rankings = {name: r.ids for name, r in ran.items() if weights.get(name, 1.0) > 0}
    fused = reciprocal_rank_fusion(rankings, weights, k=k)[:top_k]
    dense_rank = {i: n for n, i in enumerate(dense.ids, start=1)} if dense is not None else {}
    lexical_rank = {i: n for n, i in enumerate(lexical.ids, start=1)} if lexical is not None else {}
    return [
        Hit(
            index=i,
            score=score,
            dense_score=dense.scores.get(i, float(vectors[i] @ vector))
            if dense is not None
            else float(vectors[i] @ vector),
            lexical_score=lexical.scores.get(i, 0.0) if lexical is not None else None,
            dense_rank=dense_rank.get(i),
            lexical_rank=lexical_rank.get(i),
        )
        for i, score in fused
    ]


def keep_matching(hits: list[Hit], chunks: Sequence[Chunk], filters: SearchFilters) -> list[Hit]:
    """Last safety net: drops any hit that does not match the filters."""
    if filters.is_empty():
        return hits
    return [h for h in hits if matches(chunks[h.index], filters)]


@dataclass(frozen=True)
class SearchPipeline:
    """The steps above over one snapshot's chunks, vectors and indexes."""

    embedder: Embedder
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    dense: DenseIndex
    lexical: LexicalIndex
    rrf_k: int = RRF_K

    def run(
        self,
        query: str,
        *,
        mode: Mode = "hybrid",
        filters: SearchFilters,
        top_k: int,
        candidates: int,
        lexical_weight: float = 1.0,
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; expected one of {', '.join(MODES)}")
        vector = self.embedder.embed_queries([query])[0]
        allowed = mask(self.chunks, filters)
        dense = (
            dense_ranking(self.dense, self.vectors, vector, allowed, candidates)
            if mode in ("hybrid", "dense")
            else None
        )
        lexical = lexical_ranking(self.lexical, query, allowed, candidates) if mode in ("hybrid", "lexical") else None
        weights = {"dense": 1.0, "lexical": lexical_weight if mode == "hybrid" else 1.0}
        hits = fuse(self.vectors, vector, dense=dense, lexical=lexical, weights=weights, top_k=top_k, k=self.rrf_k)
        return keep_matching(hits, self.chunks, filters)
