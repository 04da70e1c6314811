"""Dense index: exact for small collections, tuned IVF beyond the threshold; fusion and filters."""

import numpy as np
import pytest

from retrieval.dense import DenseIndex, choose_params, exact_topk, recall_at_k
from retrieval.filters import mask
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.types import Chunk, SearchFilters


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """Points around 50 fixed centres (like embeddings of a few topics); `seed` varies only the points."""
    centers = np.random.default_rng(99).normal(size=(50, dim))
    rng = np.random.default_rng(seed)
    x = centers[rng.integers(0, 50, n)] + rng.normal(scale=0.6, size=(n, dim))
    x = x.astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_collections_use_exact_search() -> None:
    vectors = clustered(300)
    index = DenseIndex.build(vectors)
    assert index.params.kind == "flat"
    scores, ids = index.search(vectors[:5], 1)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)


def test_parameters_grow_with_size() -> None:
    assert choose_params(10_000).kind == "flat"
    small, big = choose_params(100_000), choose_params(1_000_000)
    assert small.kind == big.kind == "hnsw"  # no GPU here: graph search on the CPU
    assert big.m > small.m
    ivf_small, ivf_big = choose_params(100_000, ann="ivf"), choose_params(1_000_000, ann="ivf")
    assert ivf_big.nlist > ivf_small.nlist


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_large_collections_use_approximate_search_with_high_recall(tmp_path, ann: str) -> None:
    vectors = clustered(6000, seed=1)
    index = DenseIndex.build(vectors, exact_threshold=1000, target_recall=0.95, ann=ann)
    assert index.params.kind == ann
    assert (index.params.ef_search if ann == "hnsw" else index.params.nprobe) >= 1
    queries = clustered(100, seed=2)
    _, found = index.search(queries, 10)
    assert recall_at_k(found, exact_topk(vectors, queries, 10)) >= 0.9
    index.save(tmp_path)
    reloaded = DenseIndex.load(tmp_path, use_gpu=False)
    assert reloaded.params == index.params
    assert np.array_equal(reloaded.search(queries, 10)[1], found)


def test_empty_index_returns_no_ids() -> None:
    index = DenseIndex.build(np.zeros((0, 8), np.float32))
    _, ids = index.search(np.ones((1, 8), np.float32), 3)
    assert (ids == -1).all()


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion({"dense": [1, 2, 3], "lexical": [2, 9, 3]})
    assert [i for i, _ in fused][:2] == [2, 3]
    assert {i for i, _ in fused} == {1, 2, 3, 9}
    only_lexical = reciprocal_rank_fusion({"dense": [1], "lexical": [2]}, {"dense": 0.0, "lexical": 1.0})
    assert only_lexical[0][0] == 2


def test_metadata_filters() -> None:
    chunks = [
        Chunk("a#x", "a", "policy", "A", "t", metadata={"language": "en"}),
        Chunk("P1", "P1", "product", "Jacket", "t", metadata={"category": "apparel", "stock": 2, "ships_to": ["DE"]}),
        Chunk("P2", "P2", "product", "Mug", "t", metadata={"category": "Home", "stock": 0, "ships_to": ["NL", "DE"]}),
    ]
    assert mask(chunks, SearchFilters()) is None
    assert mask(chunks, SearchFilters(type=("product",))).tolist() == [False, True, True]
    assert mask(chunks, SearchFilters(type=("product",), in_stock=True)).tolist() == [False, True, False]
    assert mask(chunks, SearchFilters(ships_to="NL")).tolist() == [True, False, True]
    assert mask(chunks, SearchFilters(category=("home",))).tolist() == [False, False, True]
