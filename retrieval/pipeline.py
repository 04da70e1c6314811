"""Search as a pipeline of small components with typed inputs and outputs (Haystack-2 shape).

Each component declares `outputs` and has a `run(**inputs) -> dict`. A `Pipeline` wires outputs to
inputs by name ("embed.vector" → the dense retriever's `vector`) and runs the components in the order
they were added. The default hybrid pipeline is embed → mask → (dense search, lexical search) → fuse →
filter; the filter mask is computed up front so restrictive filters still return top_k results.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder
from retrieval.filters import mask, matches
from retrieval.fusion import RRF_K, reciprocal_rank_fusion
from retrieval.lexical import LexicalIndex
from retrieval.types import Chunk, Hit, SearchFilters


class Component(Protocol):
    outputs: tuple[str, ...]

    def run(self, **inputs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Ranking:
    """Chunk indexes best first, with the retriever's own score for each."""

    ids: list[int]
    scores: dict[int, float]


class QueryEmbedder:
    outputs = ("vector",)

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def run(self, query: str) -> dict[str, Any]:
        return {"vector": self.embedder.embed_queries([query])[0]}


class FilterMask:
    outputs = ("allowed",)

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = chunks

    def run(self, filters: SearchFilters) -> dict[str, Any]:
        return {"allowed": mask(self.chunks, filters)}


class DenseRetriever:
    """FAISS search; with a filter mask, exact scoring over the allowed chunks instead."""

    outputs = ("ranking",)

    def __init__(self, index: DenseIndex, vectors: np.ndarray) -> None:
        self.index = index
        self.vectors = vectors

    def run(self, vector: np.ndarray, allowed: np.ndarray | None, candidates: int) -> dict[str, Any]:
        if allowed is None:
            scores, ids = self.index.search(vector[None, :], candidates)
            pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=False) if i >= 0]
        else:
            subset = np.flatnonzero(allowed)
            sims = self.vectors[subset] @ vector if len(subset) else np.zeros(0, np.float32)
            top = np.argsort(-sims)[:candidates]
            pairs = [(int(subset[j]), float(sims[j])) for j in top]
        return {"ranking": Ranking([i for i, _ in pairs], dict(pairs))}


class LexicalRetriever:
    outputs = ("ranking",)

    def __init__(self, index: LexicalIndex) -> None:
        self.index = index

    def run(self, query: str, allowed: np.ndarray | None, candidates: int) -> dict[str, Any]:
        scores = self.index.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        top = positive[np.argsort(-scores[positive], kind="stable")][:candidates]
        return {"ranking": Ranking([int(i) for i in top], {int(i): float(scores[i]) for i in top})}


class RankFuser:
    """Weighted reciprocal-rank fusion; a retriever with weight 0 is left out (dense-only, lexical-only)."""

    outputs = ("hits",)

    def __init__(self, vectors: np.ndarray, k: int = RRF_K) -> None:
        self.vectors = vectors
        self.k = k

    def run(
        self, vector: np.ndarray, dense: Ranking, lexical: Ranking, weights: dict[str, float], top_k: int
    ) -> dict[str, Any]:
        rankings = {name: r.ids for name, r in (("dense", dense), ("lexical", lexical)) if weights.get(name, 1.0) > 0}
        fused = reciprocal_rank_fusion(rankings, weights, k=self.k)[:top_k]
        dense_rank = {i: n for n, i in enumerate(dense.ids, start=1)}
        lexical_rank = {i: n for n, i in enumerate(lexical.ids, start=1)}
        hits = [
            Hit(
                index=i,
                score=score,
                # Cosine for every returned hit, including lexical-only ones: confidence is judged on it.
                dense_score=dense.scores.get(i, float(self.vectors[i] @ vector)),
                lexical_score=lexical.scores.get(i, 0.0),
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
            )
            for i, score in fused
        ]
        return {"hits": hits}


class MetadataFilter:
    """Last safety net: drops any hit that does not match the filters."""

    outputs = ("hits",)

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = chunks

    def run(self, hits: list[Hit], filters: SearchFilters) -> dict[str, Any]:
        if filters.is_empty():
            return {"hits": hits}
        return {"hits": [h for h in hits if matches(self.chunks[h.index], filters)]}


class Pipeline:
    """Components wired by name; `run(**inputs)` returns the outputs of the last component."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Component, dict[str, str]]] = []
        self._outputs: dict[str, tuple[str, ...]] = {}

    def add(self, name: str, component: Component, **wiring: str) -> Pipeline:
        """`wiring` maps each run() parameter to "input.<name>" or "<component>.<output>"."""
        params = set(inspect.signature(component.run).parameters)
        if set(wiring) != params:
            raise ValueError(f"{name}: wire exactly {sorted(params)}, got {sorted(wiring)}")
        for source in wiring.values():
            origin, _, field = source.partition(".")
            if origin != "input" and field not in self._outputs.get(origin, ()):
                raise ValueError(f"{name}: unknown source {source!r}")
        self._steps.append((name, component, wiring))
        self._outputs[name] = component.outputs
        return self

    def run(self, **inputs: Any) -> dict[str, Any]:
        results: dict[str, dict[str, Any]] = {"input": inputs}
        last: dict[str, Any] = {}
        for name, component, wiring in self._steps:
            args = {param: results[src.split(".")[0]][src.split(".", 1)[1]] for param, src in wiring.items()}
            last = component.run(**args)
            results[name] = last
        return last


def hybrid_pipeline(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    dense: DenseIndex,
    lexical: LexicalIndex,
    rrf_k: int = RRF_K,
) -> Pipeline:
    return (
        Pipeline()
        .add("embed", QueryEmbedder(embedder), query="input.query")
        .add("mask", FilterMask(chunks), filters="input.filters")
        .add(
            "dense",
            DenseRetriever(dense, vectors),
            vector="embed.vector",
            allowed="mask.allowed",
            candidates="input.candidates",
        )
        .add(
            "lexical",
            LexicalRetriever(lexical),
            query="input.query",
            allowed="mask.allowed",
            candidates="input.candidates",
        )
        .add(
            "fuse",
            RankFuser(vectors, k=rrf_k),
            vector="embed.vector",
            dense="dense.ranking",
            lexical="lexical.ranking",
            weights="input.weights",
            top_k="input.top_k",
        )
        .add("filter", MetadataFilter(chunks), hits="fuse.hits", filters="input.filters")
    )
