"""The knowledge base: versions, reindex with swap, rollback, crash safety, SQLite and PostgreSQL."""

import threading
from dataclasses import replace

import pytest

from knowledge.base import KnowledgeBase, VersionNotFound
from knowledge.documents import Document
from knowledge.ingest import load_content_dir, load_file
from knowledge.settings import KnowledgeSettings
from retrieval.embedders import load_embedder
from retrieval.snapshot import SnapshotStore
from retrieval.types import SearchFilters
from tests.knowledge_samples import write_sample
from tests.support import POSTGRES_URL, require_server


def settings_for(tmp_path, url: str | None = None) -> KnowledgeSettings:
    return KnowledgeSettings(
        database_url=url or f"sqlite:///{tmp_path / 'kb.db'}", index_dir=tmp_path / "index", embedder="e5"
    )


@pytest.fixture
def kb(tmp_path):
    base = KnowledgeBase(settings_for(tmp_path), embedder=load_embedder("e5"))
    content, catalog = write_sample(tmp_path / "sample")
    base.store.sync_source("content", load_content_dir(content))
    base.store.sync_source("catalog", load_file(catalog, source="catalog"))
    yield base
    base.close()


def test_reindex_serves_a_new_version_and_records_it(kb) -> None:
    assert kb.version is None
    assert kb.search("refund").results == []
    v1 = kb.reindex("first")
    assert kb.version == v1 == 1
    result = kb.search("how long until I get my refund", top_k=3)
    assert result.version == 1 and result.results[0]["chunk_id"] == "returns#refunds"
    assert [v["status"] for v in kb.store.versions()] == ["ready"]
    assert kb.store.live_matches_version(1)
    assert kb.reindex("again", force=False) == 1  # nothing changed: no new version


def test_put_and_delete_make_a_new_version(kb) -> None:
    kb.reindex("first")
    doc = Document(
        id="gift-cards",
        type="policy",
        title="Gift cards",
        body="## Gift cards\nGift cards never expire and cannot be returned.",
    )
    changed, version = kb.put([doc], "add gift cards")
    assert changed == 1 and version == 2
    assert kb.search("do gift cards expire", top_k=1).results[0]["doc_id"] == "gift-cards"
    assert kb.put([doc], "same again") == (0, 2)
    removed, version = kb.delete("gift-cards")
    assert removed and version == 3
    assert all(r["doc_id"] != "gift-cards" for r in kb.search("do gift cards expire", top_k=5).results)


def test_rollback_restores_the_documents_and_the_index(kb) -> None:
    kb.reindex("first")
    kb.delete("returns")
    assert kb.version == 2
    assert kb.rollback(1) == 1
    assert kb.version == 1 and kb.store.get("returns") is not None
    assert kb.search("refund", top_k=1).results[0]["doc_id"] == "returns"
    with pytest.raises(VersionNotFound):
        kb.rollback(99)


def test_a_crash_during_reindex_keeps_the_previous_version_serving(kb, monkeypatch) -> None:
    kb.reindex("first")
    kb.store.upsert([Document(id="new", type="text", title="New", body="brand new text")])

    def explode(texts):
        raise RuntimeError("power cut while embedding")

    monkeypatch.setattr(kb.embedder, "embed_passages", explode)
    with pytest.raises(RuntimeError):
        kb.reindex("doomed")
    assert kb.version == 1 and kb.snapshots.current_version() == 1
    assert kb.store.versions()[0]["status"] == "failed"
    assert kb.search("refund", top_k=1).results  # still answering from v1


def test_searches_during_reindex_all_succeed(kb) -> None:
    kb.reindex("first")
    errors: list[BaseException] = []
    empties = 0
    stop = threading.Event()

    def searching() -> None:
        nonlocal empties
        while not stop.is_set():
            try:
                if not kb.search("shipping costs", top_k=3).results:
                    empties += 1
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(3):
        kb.put([Document(id=f"note-{n}", type="text", title=f"Note {n}", body=f"note number {n}")], f"note {n}")
    stop.set()
    for t in threads:
        t.join()
    assert not errors and empties == 0
    assert kb.version == 4


def test_another_process_follows_current_and_rebuilds_missing_versions(kb, tmp_path) -> None:
    kb.reindex("first")
    # A replica with its own (empty) snapshot folder and the same database, like another host.
    other = KnowledgeBase(replace(kb.settings, index_dir=tmp_path / "other-index"), embedder=kb.embedder)
    assert other.ensure_loaded() == 1
    assert SnapshotStore(tmp_path / "other-index").versions() == [1]
    kb.delete("returns")
    other.activate(2)
    assert other.search("refund", top_k=3).version == 2
    other.close()


def test_store_on_postgresql(tmp_path) -> None:
    url = require_server(POSTGRES_URL, "PostgreSQL").replace("postgresql://", "postgresql+psycopg2://", 1)
    kb = KnowledgeBase(
        settings_for(tmp_path, url),
        embedder=load_embedder("e5"),
    )
    try:
        kb.store.delete_all()
        content, _ = write_sample(tmp_path / "sample")
        kb.store.sync_source("content", load_content_dir(content))
        assert kb.reindex("pg") == 1
        kb.delete("returns")
        assert kb.rollback(1) == 1 and kb.store.get("returns") is not None
        assert [v["version"] for v in kb.store.versions()] == [2, 1]
    finally:
        kb.store.delete_all()
        kb.close()


def test_non_english_queries_have_their_own_calibrated_threshold(tmp_path) -> None:
    from knowledge.base import load_thresholds

    path = tmp_path / "t.json"
    path.write_text(
        '{"embedders": {"e5": {"min_score": 0.85, "min_score_non_english": 0.83}, "minilm": {"min_score": 0.4}}}'
    )
    assert load_thresholds(path, "e5") == {"min_score": 0.85, "min_score_non_english": 0.83}
    # Without a separate calibration, every language uses the one threshold.
    assert load_thresholds(path, "minilm") == {"min_score": 0.4, "min_score_non_english": 0.4}


POLICY_OR_FAQ = SearchFilters(type=("policy", "faq"))


def chunk_ids(result) -> list[str]:
    return [r["chunk_id"] for r in result.results]


def test_a_preferred_document_outranks_another_policy_document_on_top(kb) -> None:
    kb.reindex("first")
    plain = kb.search("how long does it take?", top_k=5, filters=POLICY_OR_FAQ)
    assert plain.results[0]["doc_id"] == "shipping" and plain.results[0]["type"] == "policy"
    preferred = kb.search("how long does it take?", top_k=5, filters=POLICY_OR_FAQ, prefer_doc_ids=["returns"])
    # The returns passages the search found come first in their own order, then the rest in theirs; each
    # passage keeps its score, and the answerability is still that of the search's own best hit.
    own = [c for c in chunk_ids(plain) if c.startswith("returns#")]
    assert len(own) >= 1
    assert chunk_ids(preferred) == own + [c for c in chunk_ids(plain) if c not in own]
    assert sorted(preferred.results, key=lambda r: r["chunk_id"]) == sorted(plain.results, key=lambda r: r["chunk_id"])
    assert preferred.confident == plain.confident and preferred.version == plain.version
    # Without a preference the search's order stands.
    assert chunk_ids(kb.search("how long does it take?", top_k=5, filters=POLICY_OR_FAQ, prefer_doc_ids=[])) == (
        chunk_ids(plain)
    )


@pytest.mark.parametrize(
    ("query", "top_k", "prefer"),
    [
        ("can I pay with PayPal", 5, ["returns"]),  # a FAQ on top keeps its place
        ("how long do refunds take", 5, ["returns"]),  # the preferred document is already on top
        ("how long do refunds take", 5, ["shipping", "returns"]),
        ("how long do refunds take", 2, ["shipping"]),  # no passage of it among the results: nothing to move
        ("how long do refunds take", 5, ["no-such-document"]),
    ],
)
def test_a_preference_leaves_other_orders_alone(kb, query: str, top_k: int, prefer: list[str]) -> None:
    kb.reindex("first")
    plain = kb.search(query, top_k=top_k, filters=POLICY_OR_FAQ)
    assert plain.results[0]["type"] == "faq" or plain.results[0]["doc_id"] == "returns"
    assert kb.search(query, top_k=top_k, filters=POLICY_OR_FAQ, prefer_doc_ids=prefer) == plain
