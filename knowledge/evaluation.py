"""Evaluation of retrieval on the labelled question set (benchmarks/data/retrieval_questions.jsonl).

A question is labelled with stable ids: `{"doc": "<slug or product id>", "section": "<## heading>"}`
(section optional; "(intro)" for the text before the first heading), so labels survive regeneration
of the content and of the demo catalog. Questions with no answer in the knowledge base have
`"relevant": []`. Shared by benchmarks/retrieval_quality.py and benchmarks/calibrate_answer_thresholds.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from borderless.profile import current_shop
from knowledge.base import lexical_weight_for
from knowledge.documents import Document, to_chunks
from knowledge.ingest import load_content_dir, load_file
from knowledge.settings import KnowledgeSettings
from retrieval.embedders import Embedder
from retrieval.pipeline import Mode
from retrieval.snapshot import Searcher, SnapshotStore, build_snapshot
from retrieval.types import Chunk
from svc.settings import REPO_ROOT

DEFAULTS = KnowledgeSettings()


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    relevant: list[dict[str, str]]
    kind: str
    language: str

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    def in_calibration_half(self) -> bool:
        """Deterministic half of the set, for 2-fold cross-validation of the thresholds."""
        return int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 0


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first relevant result within top_k, None if absent
    top_score: float  # cosine of the best result (what the confidence threshold looks at)
    top_chunk: str


def load_questions(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(
            Question(
                id=row.get("id", f"q{n}"),
                question=row["question"],
                relevant=row.get("relevant", []),
                kind=row.get("kind", ""),
                language=row.get("language", "en"),
            )
        )
    return out


def load_corpus(content: Path, products: Path | None) -> list[Document]:
    docs = load_content_dir(content)
    if products is not None and products.exists():
        docs += load_file(products, source="catalog")
    return docs


def add_labelled_set_arguments(parser: argparse.ArgumentParser) -> None:
    """--questions, --content and --products: the labelled questions and the corpus they are asked of."""
    parser.add_argument("--questions", default=str(REPO_ROOT / "benchmarks" / "data" / "retrieval_questions.jsonl"))
    parser.add_argument("--content", default=None)
    parser.add_argument("--products", default=str(current_shop().data_dir / "products.jsonl"))


def load_labelled_set(args: argparse.Namespace) -> tuple[list[Question], list[Document]]:
    """The questions and the corpus that `add_labelled_set_arguments` named, for a benchmark's command line:
    exits with a hint when the demo catalog has not been generated."""
    products = Path(args.products)
    if not products.exists():
        sys.exit(f"{products} is missing: run .venv/bin/python -m backends.demo_shop.generate first")
    return load_questions(Path(args.questions)), load_corpus(
        Path(args.content) if args.content else current_shop().content_dir, products
    )


class QueryCache:
    """Wraps an embedder so each question is embedded once per run, whatever the number of modes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.inner.embed_queries(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def cached(self) -> dict[str, np.ndarray]:
        """The question vectors embedded so far (for a benchmark to keep between runs)."""
        return dict(self._cache)

    def preload(self, vectors: dict[str, np.ndarray]) -> None:
        self._cache.update(vectors)

    def prefill(self, texts: Sequence[str], batch: int = 64) -> None:
        """Embeds many questions in batches (much faster than one by one)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            for text, vector in zip(part, self.inner.embed_queries(part), strict=True):
                self._cache[text] = vector


def build_searcher(
    docs: list[Document], embedder: Embedder, cache_dir: Path | None = None, rrf_k: int = DEFAULTS.rrf_k
) -> Searcher:
    """A searcher over `docs`; passage vectors are kept in `cache_dir` so later runs embed only changes."""
    chunks: list[Chunk] = [c for d in docs for c in to_chunks(d)]
    previous = None
    store = SnapshotStore(cache_dir / embedder.name) if cache_dir is not None else None
    if store is not None and store.versions():
        previous = store.load(store.versions()[-1], use_gpu=False)
    bar = tqdm(total=len(chunks), desc=f"embedding ({embedder.name})", unit="chunk")
    try:
        version = (store.versions()[-1] + 1) if store is not None and store.versions() else 1
        snapshot = build_snapshot(version, chunks, embedder, previous=previous, progress=bar.update)
    finally:
        bar.close()
    if store is not None:
        store.write(snapshot)
        store.cleanup(keep=1)
    return Searcher(snapshot, QueryCache(embedder), rrf_k=rrf_k)


def is_relevant(chunk: Chunk, labels: list[dict[str, str]]) -> bool:
    for label in labels:
        if chunk.doc_id != label.get("doc"):
            continue
        section = label.get("section")
        # Text before the first ## heading has no heading of its own: its label is "(intro)".
        heading = chunk.section.strip().lower() or "(intro)"
        if not section or heading == section.strip().lower():
            return True
    return False


def evaluate(
    searcher: Searcher,
    questions: list[Question],
    mode: Mode,
    top_k: int = 5,
    lexical_weight: float = DEFAULTS.lexical_weight,
) -> list[Outcome]:
    """Runs every question as the service would (same fusion weights, same language handling)."""
    out = []
    if isinstance(searcher.embedder, QueryCache):
        searcher.embedder.prefill([q.question for q in questions])
    for q in tqdm(questions, desc=f"{mode}", unit="q", leave=False):
        weight = lexical_weight_for(q.language, lexical_weight)
        hits = searcher.search(q.question, top_k=top_k, mode=mode, lexical_weight=weight)
        rank = next((n for n, (chunk, _) in enumerate(hits, start=1) if is_relevant(chunk, q.relevant)), None)
        top_score = float(hits[0][1].dense_score or 0.0) if hits else 0.0
        out.append(Outcome(q, rank, top_score, hits[0][0].chunk_id if hits else ""))
    return out


def metrics(outcomes: list[Outcome], min_score: float) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    n = max(1, len(answerable))
    idk = [o for o in outcomes if o.top_score < min_score]
    correct_answers = [o for o in answerable if o.rank == 1 and o.top_score >= min_score]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": sum(1 for o in answerable if o.rank == 1) / n,
        "hit@5": sum(1 for o in answerable if o.rank is not None and o.rank <= 5) / n,
        "mrr": sum(1.0 / o.rank for o in answerable if o.rank) / n,
        # Share of unanswerable questions where the assistant says "I don't know" instead of guessing.
        "no_answer_idk": sum(1 for o in unanswerable if o.top_score < min_score) / max(1, len(unanswerable)),
        # Of all "I don't know" replies, how many were for questions the KB really cannot answer.
        "idk_precision": sum(1 for o in idk if not o.question.answerable) / max(1, len(idk)),
        "answered_correctly": len(correct_answers) / n,
    }


def best_threshold(outcomes: list[Outcome], min_idk: float = 0.9) -> float:
    """The threshold that maximises right decisions (correct top answer given, or "I don't know" on an
    unanswerable question) among those keeping "I don't know" on ≥ `min_idk` of unanswerable questions."""
    candidates = sorted({round(o.top_score, 4) for o in outcomes} | {0.0})
    best: tuple[float, float] | None = None
    for t in candidates:
        t_eff = t + 1e-4  # strictly above the score of the question that sets it
        good = sum(
            1
            for o in outcomes
            if (o.question.answerable and o.rank == 1 and o.top_score >= t_eff)
            or (not o.question.answerable and o.top_score < t_eff)
        )
        unans = [o for o in outcomes if not o.question.answerable]
        idk = sum(1 for o in unans if o.top_score < t_eff) / max(1, len(unans))
        if idk < min_idk:
            continue
        if best is None or good > best[1]:
            best = (round(t_eff, 4), good)
    return best[0] if best else 1.0
