"""Passage vectors on disk (retrieval/vector_cache.py): an index built from nothing embeds only new passages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.embedders import normalise
from retrieval.snapshot import build_snapshot
from retrieval.types import Chunk
from retrieval.vector_cache import VectorCache


class CountingEmbedder:
    """A deterministic embedder that counts the passages it was asked to embed."""

    name = "counting:v1"
    dim = 8

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim) for t in texts]
        return normalise(np.array(rows))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += list(texts)
        return self._vectors(texts)


def chunks(texts: list[str]) -> list[Chunk]:
    return [Chunk(f"doc#{i}", "doc", "policy", "Doc", text) for i, text in enumerate(texts)]


def test_a_build_from_nothing_embeds_only_what_no_earlier_build_embedded(tmp_path) -> None:
    first_embedder, second_embedder = CountingEmbedder(), CountingEmbedder()
    cache = VectorCache(tmp_path / "vectors", first_embedder.name, first_embedder.dim)
    first = build_snapshot(1, chunks(["returns within 30 days", "shipping in 2-5 days"]), first_embedder,
                           vector_cache=cache)  # fmt: skip
    assert len(first_embedder.embedded) == 2
    # Another process, no previous snapshot: only the changed passage is embedded, the vectors are the same.
    second = build_snapshot(1, chunks(["returns within 30 days", "shipping in 1-3 days"]), second_embedder,
                            vector_cache=VectorCache(tmp_path / "vectors", "counting:v1", 8))  # fmt: skip
    assert second_embedder.embedded == ["Doc\nshipping in 1-3 days"]
    np.testing.assert_array_equal(second.vectors[0], first.vectors[0])


def test_another_embedder_and_damaged_files_are_misses(tmp_path) -> None:
    embedder = CountingEmbedder()
    cache = VectorCache(tmp_path, embedder.name, embedder.dim)
    build_snapshot(1, chunks(["gift cards are valid for two years"]), embedder, vector_cache=cache)
    other = VectorCache(tmp_path, "another:model", embedder.dim)
    key = chunks(["gift cards are valid for two years"])[0].content_hash()
    assert other.get_many([key]) == {}
    assert set(cache.get_many([key, "../../etc/passwd", ""])) == {key}
    for path in (tmp_path / "counting_v1").rglob("*.npy"):
        path.write_bytes(b"not a vector")
    assert cache.get_many([key]) == {}
    again = CountingEmbedder()
    build_snapshot(1, chunks(["gift cards are valid for two years"]), again, vector_cache=cache)
    assert len(again.embedded) == 1 and set(cache.get_many([key])) == {key}  # embedded again and stored again
