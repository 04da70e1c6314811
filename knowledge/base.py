"""The knowledge base as one object: SQL store + snapshot folder + the searcher being served.

Reindex: record a new version in SQL → chunk and embed (reusing vectors of unchanged chunks) → write the
snapshot aside → point CURRENT at it → swap the in-process searcher. Until the swap, searches keep using
the previous searcher; a crash at any step leaves CURRENT (and every running process) on the previous
version. Builds are serialised across processes on this host by a file lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from knowledge.answers import Answer, Answerer, load_fact_tables
from knowledge.db import KnowledgeStore
from knowledge.documents import Document, to_chunks
from knowledge.settings import KnowledgeSettings
from retrieval.embedders import Embedder, RecentQueries, load_embedder
from retrieval.pipeline import Mode
from retrieval.snapshot import Searcher, Snapshot, SnapshotStore, build_snapshot
from retrieval.types import Chunk, SearchFilters
from retrieval.vector_cache import VectorCache

log = logging.getLogger(__name__)

DEFAULT_MIN_SCORE = {"minilm": 0.5, "e5": 0.85, "e5-enpt": 0.85}


class VersionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SearchResult:
    version: int | None
    confident: bool
    results: list[dict[str, Any]]


@dataclass(frozen=True)
class AnswerResult:
    """A search plus the answer composed from it; `confident` also holds for a rule-table fact."""

    search: SearchResult
    answer: Answer | None

    @property
    def confident(self) -> bool:
        if self.answer is None:
            # No text answer (the best hits are products): the search's own confidence decides.
            return self.search.confident
        return self.search.confident or self.answer.kind == "fact"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer.to_dict() if self.answer is not None else None,
            "confident": self.confident,
            "search_confident": self.search.confident,
            "version": self.search.version,
            "results": self.search.results,
        }


def result_chunk(result: dict[str, Any]) -> Chunk:
    """A search result (as served) back as the chunk it came from."""
    meta = dict(result.get("metadata") or {})
    return Chunk(
        chunk_id=result["chunk_id"],
        doc_id=result["doc_id"],
        type=result["type"],
        title=result["title"],
        text=result["text"],
        url=result.get("url") or "",
        section=str(meta.pop("section", "") or ""),
        metadata=meta,
    )


def lexical_weight_for(language: str | None, base: float) -> float:
    """BM25's weight in the fusion. The KB is written in English: for other languages lexical matches are
    mostly noise (product names aside), so the multilingual dense ranking leads."""
    return base if not language or language.lower().startswith("en") else base * 0.3


def prefer_documents(results: list[dict[str, Any]], preferred: Collection[str]) -> list[dict[str, Any]]:
    """Moves the passages of `preferred` documents to the front when the best hit is another policy document.

    Only a policy document outside `preferred` is outranked, and only by passages the search itself returned
    (kept in their own order); FAQ, product and text hits on top, and a preferred document already on top,
    leave the order as it is.
    """
    if not preferred or not results or results[0]["doc_id"] in preferred or results[0]["type"] != "policy":
        return results
    own = [r for r in results if r["doc_id"] in preferred]
    return [*own, *(r for r in results if r["doc_id"] not in preferred)] if own else results


def load_thresholds(path: Path, embedder: str) -> dict[str, float]:
    """Thresholds for `embedder` from the calibrated file, or conservative defaults when absent."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        data = {}
    entry = (data.get("embedders") or {}).get(embedder) or {}
    min_score = float(entry.get("min_score", DEFAULT_MIN_SCORE.get(embedder, 0.5)))
    return {"min_score": min_score, "min_score_non_english": float(entry.get("min_score_non_english", min_score))}


class KnowledgeBase:
    def __init__(self, settings: KnowledgeSettings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = KnowledgeStore(settings.database_url)
        self.snapshots = SnapshotStore(settings.index_dir)
        self._embedder = embedder
        self._thresholds: dict[str, float] | None = None
        self._searcher: Searcher | None = None
        self._answerer: Answerer | None = None
        self._swap_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        # Loaded on first use: listing versions from the CLI should not wait for a model. The search and the
        # answer composed from it embed the same question: RecentQueries makes that one model call.
        if self._embedder is None:
            self._embedder = RecentQueries(load_embedder(self.settings.embedder))
        elif not isinstance(self._embedder, RecentQueries):
            self._embedder = RecentQueries(self._embedder)
        return self._embedder

    @property
    def thresholds(self) -> dict[str, float]:
        """With KNOWLEDGE_USE_CALIBRATION, the served version's own calibration (knowledge/calibration.py) when it
        has one for this embedder; else the reference file (KNOWLEDGE_THRESHOLDS)."""
        if self._thresholds is None:
            calibrated = self.calibration if self.settings.use_calibration else None
            if calibrated is not None and calibrated.get("embedder") == self.embedder.name:
                self._thresholds = {
                    "min_score": float(calibrated["min_score"]),
                    "min_score_non_english": float(calibrated["min_score_non_english"]),
                }
            else:
                self._thresholds = load_thresholds(self.settings.thresholds_path, self.embedder.name)
        return self._thresholds

    @property
    def calibration(self) -> dict[str, Any] | None:
        """The calibration stored with the served snapshot, if one was made."""
        from knowledge.calibration import read_calibration

        version = self.version
        return read_calibration(self.snapshots.path(version)) if version is not None else None

    def calibrate(self, translate: Any = None) -> dict[str, Any] | None:
        """Fits the thresholds on questions generated from the served version's articles, stores them with its
        snapshot and serves them (None when there are too few articles; the reference thresholds stay)."""
        from knowledge.calibration import calibrate, write_calibration

        searcher = self._searcher
        if searcher is None:
            return None
        base = self.settings.lexical_weight
        result = calibrate(
            searcher,
            lexical_weight=lambda language: lexical_weight_for(language, base),
            languages=self.settings.languages,
            translate=translate,
            reference=self.settings.thresholds_path,
        )
        if result is not None and searcher.version in self.snapshots.versions():
            write_calibration(self.snapshots.path(searcher.version), result)
        self._thresholds = None  # re-read: the served version's calibration, or the reference file
        return result

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            tables = load_fact_tables(self.settings.rules_dir, self.settings.languages)
            self._answerer = Answerer(self.embedder, tables)
        return self._answerer

    # serving ---------------------------------------------------------------------------------------

    @property
    def version(self) -> int | None:
        searcher = self._searcher
        return searcher.version if searcher is not None else None

    @property
    def searcher(self) -> Searcher | None:
        return self._searcher

    def ensure_loaded(self) -> int | None:
        """Serves what CURRENT names, else the version SQL names (rebuilt here), else nothing yet."""
        self.snapshots.cleanup()
        target = self.snapshots.current_version() or self.store.current_version()
        if target is None:
            return None
        if self.snapshot_embedder(target) not in (None, self.embedder.name):
            # KNOWLEDGE_EMBEDDER changed since the last build: vectors of another model are useless here.
            log.warning("version %s was built with another embedder; rebuilding with %s", target, self.embedder.name)
            return self.reindex(f"embedder changed to {self.embedder.name}")
        self.activate(target)
        return self.version

    def snapshot_embedder(self, version: int) -> str | None:
        """The embedder a version's snapshot (on this host) or SQL record was built with."""
        if version in self.snapshots.versions():
            return str(self.snapshots.manifest(version).get("embedder"))
        info = self.store.version_info(version)
        return info["embedder"] if info else None

    def refresh(self) -> bool:
        """Follows CURRENT on disk; True when the served version changed."""
        target = self.snapshots.current_version()
        if target is None or target == self.version:
            return False
        self.activate(target)
        return True

    def activate(self, version: int) -> None:
        """Loads (or, if this host lacks it, rebuilds from SQL) snapshot `version` and swaps it in."""
        with self._swap_lock:
            if self.version == version:
                return
            if version not in self.snapshots.versions():
                info = self.store.version_info(version)
                if info is None or info["status"] != "ready":
                    raise VersionNotFound(f"version {version} is not a ready version")
                with self.build_lock():
                    if version not in self.snapshots.versions():
                        docs = self.store.documents_at(version)
                        snapshot = self._build(version, docs, note=f"rebuilt v{version} from SQL")
                        self.snapshots.write(snapshot)
            snapshot = self.snapshots.load(version)
            self._install(snapshot)
            if self.snapshots.current_version() != version:
                self.snapshots.set_current(version)

    def _install(self, snapshot: Snapshot) -> None:
        if snapshot.embedder != self.embedder.name:
            raise ValueError(
                f"snapshot v{snapshot.version} was built with {snapshot.embedder}; this process embeds with "
                f"{self.embedder.name} (run `python -m knowledge reindex`)"
            )
        snapshot.dense.to_gpu()  # no-op without faiss-gpu and a CUDA device
        searcher = Searcher(snapshot, self.embedder, rrf_k=self.settings.rrf_k)
        self._searcher = searcher  # one reference assignment: a search sees the old or the new index, never neither
        self._thresholds = None  # each version may carry its own calibration
        log.info("serving knowledge version %d (%d chunks)", snapshot.version, len(snapshot.chunks))

    def search(
        self,
        query: str,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        language: str | None = None,
        mode: Mode = "hybrid",
        prefer_doc_ids: Collection[str] = (),
    ) -> SearchResult:
        """The best `top_k` passages; `confident` judges the search's own best hit (its cosine against the
        calibrated threshold), before `prefer_doc_ids` may reorder the passages (see `prefer_documents`)."""
        searcher = self._searcher
        if searcher is None:
            return SearchResult(version=None, confident=False, results=[])
        weight = lexical_weight_for(language, self.settings.lexical_weight)
        hits = searcher.search(query, top_k=top_k, filters=filters, mode=mode, lexical_weight=weight)
        results = [_result(chunk, hit.score, hit.dense_score, hit.lexical_score) for chunk, hit in hits]
        english = not language or language.lower().startswith("en")
        min_score = self.thresholds["min_score" if english else "min_score_non_english"]
        confident = bool(hits) and (hits[0][1].dense_score or 0.0) >= min_score
        results = prefer_documents(results, frozenset(prefer_doc_ids))
        return SearchResult(version=searcher.version, confident=confident, results=results)

    def answer(
        self,
        query: str,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        language: str | None = None,
        prefer_doc_ids: Collection[str] = (),
        reply_language: str | None = None,
    ) -> AnswerResult:
        """The search for `query` and the short answer composed from its passages (see knowledge/answers.py);
        a rule-table fact is written in `reply_language` (default: `language`)."""
        found = self.search(query, top_k, filters, language, "hybrid", prefer_doc_ids)
        results = found.results
        # The shopper's intent named the topic's article: the answer is composed from it alone, so a sentence
        # of another article that happens to score higher ("how long does it take?") cannot answer instead.
        preferred = [r for r in results if r["doc_id"] in set(prefer_doc_ids)]
        chunks = [result_chunk(r) for r in (preferred or results)]
        answer = (
            self.answerer.answer(query, chunks, version=found.version, language=language, reply_language=reply_language)
            if chunks
            else None
        )
        return AnswerResult(search=found, answer=answer)

    # changing --------------------------------------------------------------------------------------

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        path = Path(self.settings.index_dir) / ".build.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def reindex(self, note: str = "reindex", *, force: bool = True, progress: bool = False) -> int:
        """Builds and serves a new version from the live documents; returns the version now served."""
        with self.build_lock():
            current = self.snapshots.current_version()
            if not force and current is not None and self.store.live_matches_version(current):
                if self.version != current:
                    self.activate(current)
                return current
            version, docs = self.store.begin_version(note, self.embedder.name)
            try:
                snapshot = self._build(version, docs, note=note, progress=progress)
                self.snapshots.write(snapshot)
                self.snapshots.set_current(version)
            except BaseException:
                self.store.finish_version(version, "failed")
                raise
            self.store.finish_version(version, "ready", chunks=len(snapshot.chunks))
        with self._swap_lock:
            # Another process may already have published (and this one followed) a newer version.
            if self.version is None or self.version < version:
                self._install(snapshot)
        self.snapshots.cleanup()
        return version

    def rollback(self, version: int, progress: bool = False) -> int:
        """Serves `version` again and makes the live documents equal to it (so the next reindex keeps it)."""
        info = self.store.version_info(version)
        if info is None or info["status"] != "ready":
            raise VersionNotFound(f"version {version} does not exist or never finished building")
        self.store.restore_documents(version)
        self.activate(version)
        self.store.set_current_version(version)
        return version

    def put(self, docs: Sequence[Document], note: str) -> tuple[int, int | None]:
        """Stores documents; reindexes when anything changed. Returns (changed, version served)."""
        changed = self.store.upsert(docs)
        version = self.reindex(note) if changed else self.version
        return changed, version

    def delete(self, doc_id: str) -> tuple[bool, int | None]:
        removed = self.store.delete(doc_id)
        return removed, (self.reindex(f"delete {doc_id}") if removed else self.version)

    def _build(self, version: int, docs: Sequence[Document], note: str, progress: bool = False) -> Snapshot:
        chunks: list[Chunk] = []
        for doc in docs:
            chunks.extend(to_chunks(doc))
        previous = self._searcher.snapshot if self._searcher is not None else self._load_current_quietly()
        bar = tqdm(total=len(chunks), desc=f"embedding v{version}", unit="chunk", disable=not progress)
        try:
            return build_snapshot(
                version,
                chunks,
                self.embedder,
                previous=previous,
                exact_threshold=self.settings.exact_threshold,
                progress=bar.update,
                meta={"note": note, "documents": len(docs)},
                vector_cache=self._vector_cache(),
            )
        finally:
            bar.close()

    def _vector_cache(self) -> VectorCache | None:
        root = self.settings.vector_cache_dir
        return None if root is None else VectorCache(root, self.embedder.name, self.embedder.dim)

    def _load_current_quietly(self) -> Snapshot | None:
        current = self.snapshots.current_version()
        if current is None:
            return None
        try:
            return self.snapshots.load(current, use_gpu=False)
        except (OSError, ValueError) as exc:
            log.warning("could not reuse vectors of v%s: %s", current, exc)
            return None

    def close(self) -> None:
        self.store.close()


def _result(chunk: Chunk, score: float, dense: float | None, lexical: float | None) -> dict[str, Any]:
    meta = {k: v for k, v in chunk.metadata.items() if k != "source"}
    meta.update(
        {
            "section": chunk.section,
            "dense_score": round(float(dense or 0.0), 4),
            "lexical_score": round(float(lexical or 0.0), 4),
        }
    )
    return {
        "doc_id": chunk.doc_id,
        "chunk_id": chunk.chunk_id,
        "type": chunk.type,
        "title": chunk.title,
        "url": chunk.url,
        "text": chunk.text,
        "score": round(float(score), 6),
        "metadata": meta,
    }
