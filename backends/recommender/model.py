"""Training the hybrid recommender, scoring, evaluation, and its artefacts on disk.

Signals (each a score per product, z-normalised before blending):
- cf: implicit ALS on the customer × product confidence matrix (data.py weights);
- content: cosine between a product's embedding and the shopper's profile (weighted mean of the
  embeddings of what they viewed, carted and bought);
- pop: log popularity (weighted event counts).
Hybrid = w_cf·cf + w_content·content + w_pop·pop, weights chosen on a validation split carved out
of the training data (never on the test targets).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from backends.recommender.content import make_embedder, product_text
from backends.recommender.data import Dataset, Event, build_matrix, leave_last_out
from backends.recommender.settings import Settings

log = logging.getLogger(__name__)

WEIGHT_GRID = [
    {"cf": cf, "content": ct, "pop": pp}
    for cf in (0.0, 1.0)
    for ct in (0.0, 0.25, 0.5, 1.0)
    for pp in (0.0, 0.25, 0.5)
    if cf or ct or pp
]


def zscore(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return (x - float(x.mean())) / std if std > 1e-12 else np.zeros_like(x)


def fit_als(matrix: sp.csr_matrix, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """User and item factors from implicit's ALS (CPU, single BLAS thread: the machine is shared)."""
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=settings.factors,
            regularization=settings.regularization,
            iterations=settings.iterations,
            random_state=settings.seed,
            num_threads=1,
        )
        model.fit(matrix, show_progress=False)
    return np.asarray(model.user_factors, dtype=np.float32), np.asarray(model.item_factors, dtype=np.float32)


def popularity(events: list[Event], items: dict[str, int]) -> np.ndarray:
    from backends.recommender.data import KIND_WEIGHT

    pop = np.zeros(len(items), dtype=np.float32)
    for e in events:
        pop[items[e.product_id]] += KIND_WEIGHT[e.kind]
    return pop


def copurchase(events: list[Event], items: dict[str, int]) -> sp.csr_matrix:
    """Item × item counts of customers who bought (or carted) both."""
    users: dict[str, int] = {}
    rows, cols = [], []
    for e in events:
        if e.kind in ("purchase", "cart"):
            rows.append(users.setdefault(e.customer_id, len(users)))
            cols.append(items[e.product_id])
    basket = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(len(users), len(items)),
    )
    basket.data[:] = 1.0  # one customer counts once per pair
    basket.sum_duplicates()
    basket.data[:] = 1.0
    cooc = (basket.T @ basket).tocsr()
    cooc.setdiag(0)
    cooc.eliminate_zeros()
    return cooc


def purchased_matrix(events: list[Event], users: dict[str, int], items: dict[str, int]) -> sp.csr_matrix:
    rows, cols = [], []
    for e in events:
        if e.kind == "purchase" and e.customer_id in users:
            rows.append(users[e.customer_id])
            cols.append(items[e.product_id])
    m = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(len(users), len(items)),
    )
    m.sum_duplicates()
    return m


@dataclass
class Model:
    """Everything scoring needs; saved to and loaded from the artefacts directory."""

    products: list[dict[str, Any]]
    embeddings: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    users: dict[str, int]
    history: sp.csr_matrix  # users × items confidences
    purchased: sp.csr_matrix  # users × items, 1 where bought
    pop: np.ndarray
    cooc: sp.csr_matrix
    weights: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    item_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.item_index = {p["id"]: i for i, p in enumerate(self.products)}
        self._pop_z = zscore(np.log1p(self.pop))
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self._item_factors_n = self.item_factors / np.maximum(norms, 1e-9)

    # ---- signals ----

    def pop_scores(self) -> np.ndarray:
        return self._pop_z

    def cf_scores(self, u: int) -> np.ndarray:
        return self.item_factors @ self.user_factors[u]

    def content_profile(self, u: int) -> np.ndarray | None:
        row = self.history[u]
        if row.nnz == 0:
            return None
        profile = row.data @ self.embeddings[row.indices]
        norm = float(np.linalg.norm(profile))
        return None if norm < 1e-9 else profile / norm

    def content_scores(self, u: int) -> np.ndarray | None:
        profile = self.content_profile(u)
        return None if profile is None else self.embeddings @ profile

    def hybrid_scores(self, u: int, weights: dict[str, float] | None = None) -> np.ndarray:
        w = weights or self.weights
        total = w.get("pop", 0.0) * self._pop_z
        if w.get("cf"):
            total = total + w["cf"] * zscore(self.cf_scores(u))
        if w.get("content"):
            content = self.content_scores(u)
            if content is not None:
                total = total + w["content"] * zscore(content)
        return total

    def item_similarity(self, i: int) -> np.ndarray:
        """Content cosine plus half the CF item-factor cosine (z-scored), for "similar" products."""
        content = zscore(self.embeddings @ self.embeddings[i])
        cf = zscore(self._item_factors_n @ self._item_factors_n[i])
        return content + 0.5 * cf

    # ---- persistence ----

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / ".tmp"
        tmp.mkdir(exist_ok=True)
        np.save(tmp / "embeddings.npy", self.embeddings)
        np.save(tmp / "user_factors.npy", self.user_factors)
        np.save(tmp / "item_factors.npy", self.item_factors)
        np.save(tmp / "popularity.npy", self.pop)
        sp.save_npz(tmp / "history.npz", self.history)
        sp.save_npz(tmp / "purchased.npz", self.purchased)
        sp.save_npz(tmp / "copurchase.npz", self.cooc)
        (tmp / "products.json").write_text(json.dumps(self.products, ensure_ascii=False))
        (tmp / "users.json").write_text(json.dumps(self.users))
        (tmp / "meta.json").write_text(json.dumps({**self.meta, "weights": self.weights}, indent=2))
        # Files move into place one by one; meta.json last, so a reader never sees a half-written set.
        for f in sorted(tmp.iterdir(), key=lambda p: p.name == "meta.json"):
            f.replace(directory / f.name)
        tmp.rmdir()

    @classmethod
    def load(cls, directory: Path) -> Model:
        meta = json.loads((directory / "meta.json").read_text())
        return cls(
            products=json.loads((directory / "products.json").read_text()),
            embeddings=np.load(directory / "embeddings.npy"),
            user_factors=np.load(directory / "user_factors.npy"),
            item_factors=np.load(directory / "item_factors.npy"),
            users=json.loads((directory / "users.json").read_text()),
            history=_load_csr(directory / "history.npz"),
            purchased=_load_csr(directory / "purchased.npz"),
            pop=np.load(directory / "popularity.npy"),
            cooc=_load_csr(directory / "copurchase.npz"),
            weights=dict(meta.get("weights", {"cf": 1.0, "content": 0.5, "pop": 0.25})),
            meta=meta,
        )


def embed_products(products: list[dict[str, Any]], settings: Settings) -> tuple[np.ndarray, str]:
    embedder = make_embedder(settings.embedder, settings.embedder_path)
    texts = [product_text(p) for p in products]
    embedder.fit(texts)
    return embedder.encode(texts), embedder.name


def build_model(
    products: list[dict[str, Any]],
    events: list[Event],
    embeddings: np.ndarray,
    settings: Settings,
    weights: dict[str, float],
) -> Model:
    items = {p["id"]: i for i, p in enumerate(products)}
    matrix = build_matrix(events, items)
    user_factors, item_factors = fit_als(matrix.csr, settings)
    return Model(
        products=products,
        embeddings=embeddings,
        user_factors=user_factors,
        item_factors=item_factors,
        users=matrix.users,
        history=matrix.csr,
        purchased=purchased_matrix(events, matrix.users, items),
        pop=popularity(events, items),
        cooc=copurchase(events, items),
        weights=weights,
    )


# ---- evaluation ----


def evaluate(
    model: Model, targets: dict[str, str], scorer: Callable[[Model, int], np.ndarray | None], k: int = 10
) -> dict[str, float]:
    """recall@k and NDCG@k of one held-out product per customer; already-seen products are excluded."""
    hits, ndcg, n = 0.0, 0.0, 0
    for cid, target in targets.items():
        u = model.users.get(cid)
        t = model.item_index.get(target)
        if u is None or t is None:
            continue
        scores = scorer(model, u)
        if scores is None:
            scores = model.pop_scores()
        scores = np.array(scores, dtype=np.float64, copy=True)
        row = model.history[u]
        scores[row.indices] = -np.inf
        n += 1
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        where = np.nonzero(top == t)[0]
        if where.size:
            hits += 1
            ndcg += 1.0 / np.log2(where[0] + 2)
    return {"recall@10": hits / max(n, 1), "ndcg@10": ndcg / max(n, 1), "customers": n}


SCORERS: dict[str, Callable[[Model, int], np.ndarray | None]] = {
    "popularity": lambda m, u: m.pop_scores(),
    "content": lambda m, u: m.content_scores(u),
    "cf": lambda m, u: m.cf_scores(u),
    "hybrid": lambda m, u: m.hybrid_scores(u),
}


def _load_csr(path: Path) -> sp.csr_matrix:
    """A matrix that save() wrote (always a csr_matrix)."""
    return sp.csr_matrix(sp.load_npz(path))


def tune_weights(
    dataset: Dataset, train: list[Event], embeddings: np.ndarray, settings: Settings
) -> tuple[dict[str, float], float]:
    """Weights with the best validation NDCG@10 (validation = leave-last-out inside `train`)."""
    val = leave_last_out(train)
    model = build_model(dataset.products, val.train, embeddings, settings, {"cf": 1.0, "content": 0.5, "pop": 0.25})
    best, best_ndcg = WEIGHT_GRID[0], -1.0
    for weights in WEIGHT_GRID:
        score = evaluate(model, val.targets, partial(Model.hybrid_scores, weights=weights))["ndcg@10"]
        if score > best_ndcg:
            best, best_ndcg = weights, score
    return best, best_ndcg


@dataclass
class TrainReport:
    weights: dict[str, float]
    validation_ndcg: float
    test: dict[str, dict[str, float]]
    seconds: float


def held_out_report(
    dataset: Dataset, settings: Settings, embeddings: np.ndarray
) -> tuple[dict[str, float], float, dict[str, dict[str, float]]]:
    """(tuned weights, validation NDCG@10, test metrics per strategy) on the leave-last-out split."""
    split = leave_last_out(dataset.events)
    weights, val_ndcg = tune_weights(dataset, split.train, embeddings, settings)
    test_model = build_model(dataset.products, split.train, embeddings, settings, weights)
    test = {name: evaluate(test_model, split.targets, fn) for name, fn in SCORERS.items()}
    return weights, val_ndcg, test


def train_and_evaluate(dataset: Dataset, settings: Settings) -> tuple[Model, TrainReport]:
    """Tunes on validation, reports every strategy on the held-out test split, refits on all data."""
    start = time.monotonic()
    embeddings, embedder_name = embed_products(dataset.products, settings)
    weights, val_ndcg, test = held_out_report(dataset, settings, embeddings)
    final = build_model(dataset.products, dataset.events, embeddings, settings, weights)
    seconds = time.monotonic() - start
    final.meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": embedder_name,
        "products": len(dataset.products),
        "events": len(dataset.events),
        "customers": len(final.users),
        "factors": settings.factors,
        "iterations": settings.iterations,
        "validation_ndcg@10": val_ndcg,
        "test": test,
        "split": "leave-last-purchase-out per customer (history before it, target excluded)",
        "train_seconds": round(seconds, 1),
    }
    return final, TrainReport(weights, val_ndcg, test, seconds)
