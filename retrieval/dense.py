"""FAISS dense index over L2-normalised vectors (inner product = cosine).

Up to `exact_threshold` vectors (20k) search is exact (IndexFlatIP). Beyond it an approximate index is
built, chosen and sized by collection size and hardware:
- CPU: HNSW (IndexHNSWFlat), M = 16 below 200k vectors and 32 above; efSearch is tuned at build time.
- GPU (faiss-gpu with a CUDA device): IVF-Flat with nlist ≈ 4·√n lists trained on a sample, moved to
  the GPU; nprobe is tuned at build time. (HNSW has no GPU version in faiss.)
Tuning picks the smallest efSearch / nprobe whose recall@10 against exact search reaches
`target_recall` on probe queries (perturbed collection vectors), so a harder collection gets a wider
search instead of a silent loss of recall.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import faiss
import numpy as np

log = logging.getLogger(__name__)

EXACT_THRESHOLD = 20_000


@dataclass(frozen=True)
class IndexParams:
    kind: str  # "flat" | "ivf" | "hnsw"
    nlist: int = 0
    nprobe: int = 0
    train_size: int = 0
    m: int = 0
    ef_construction: int = 0
    ef_search: int = 0


def gpu_available() -> bool:
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def choose_params(n: int, exact_threshold: int = EXACT_THRESHOLD, ann: str = "auto") -> IndexParams:
    """Index type and sizes for `n` vectors (nprobe / efSearch are starting points; build() tunes them).

    `ann` forces "ivf" or "hnsw" for approximate search; "auto" is IVF on a GPU, HNSW on a CPU.
    """
    if n <= exact_threshold:
        return IndexParams(kind="flat")
    kind = ann if ann in ("ivf", "hnsw") else ("ivf" if gpu_available() else "hnsw")
    if kind == "hnsw":
        big = n > 200_000
        return IndexParams(kind="hnsw", m=32 if big else 16, ef_construction=40 if big else 64, ef_search=32)
    nlist = int(min(65_536, max(64, 4 * math.sqrt(n))))
    # faiss wants ≥ 39 training points per centroid; more buys little and costs build time.
    train_size = int(min(n, max(50 * nlist, 50_000)))
    return IndexParams(kind="ivf", nlist=nlist, nprobe=max(1, nlist // 64), train_size=train_size)


def exact_topk(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ground-truth ids by brute force (no copy of `base`, so 1M vectors fit in memory)."""
    _, ids = faiss.knn(np.ascontiguousarray(queries), np.ascontiguousarray(base), k, metric=faiss.METRIC_INNER_PRODUCT)
    return ids


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    hits = sum(len(set(f[:k].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=False))
    return hits / float(truth.size)


class DenseIndex:
    """A built FAISS index plus the parameters it was built with."""

    def __init__(self, index: faiss.Index, params: IndexParams, dim: int, on_gpu: bool = False) -> None:
        self._index = index
        self.params = params
        self.dim = dim
        self.on_gpu = on_gpu
        self._gpu_res: faiss.StandardGpuResources | None = None

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        *,
        exact_threshold: int = EXACT_THRESHOLD,
        target_recall: float = 0.98,
        use_gpu: bool | None = None,
        ann: str = "auto",
        seed: int = 1234,
    ) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
        params = choose_params(n, exact_threshold, ann)
        rng = np.random.default_rng(seed)
        if params.kind == "flat":
            index: faiss.Index = faiss.IndexFlatIP(max(dim, 1))
            if n:
                index.add(vectors)
        elif params.kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, params.m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = params.ef_construction
            for start in range(0, n, 100_000):
                hnsw.add(vectors[start : start + 100_000])
            ef = _tune(lambda v: setattr(hnsw.hnsw, "efSearch", v), hnsw, vectors, target_recall, rng, 16, 4096)
            hnsw.hnsw.efSearch = ef
            index = hnsw
            params = IndexParams(kind="hnsw", m=params.m, ef_construction=params.ef_construction, ef_search=ef)
        else:
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, params.nlist, faiss.METRIC_INNER_PRODUCT)
            sample = vectors[rng.choice(n, size=params.train_size, replace=False)]
            ivf.train(sample)
            for start in range(0, n, 100_000):
                ivf.add(vectors[start : start + 100_000])
            nprobe = _tune(lambda v: setattr(ivf, "nprobe", v), ivf, vectors, target_recall, rng, 1, params.nlist)
            ivf.nprobe = nprobe
            index = ivf
            params = IndexParams(kind="ivf", nlist=params.nlist, nprobe=nprobe, train_size=params.train_size)
        dense = cls(index, params, dim)
        if use_gpu or (use_gpu is None and gpu_available()):
            dense.to_gpu()
        return dense

    def to_gpu(self) -> None:
        if self.on_gpu or not gpu_available() or self.params.kind == "hnsw":
            return
        self._gpu_res = faiss.StandardGpuResources()
        self._index = faiss.index_cpu_to_gpu(self._gpu_res, 0, self._index)
        if self.params.kind == "ivf":
            faiss.GpuParameterSpace().set_index_parameter(self._index, "nprobe", self.params.nprobe)
        self.on_gpu = True

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (m, k); ids are -1 where fewer than k vectors exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.size == 0:
            return np.zeros((len(queries), k), np.float32), -np.ones((len(queries), k), np.int64)
        return self._index.search(queries, min(k, self.size))

    def save(self, directory: Path) -> None:
        index = faiss.index_gpu_to_cpu(self._index) if self.on_gpu else self._index
        faiss.write_index(index, str(directory / "dense.faiss"))
        (directory / "dense.json").write_text(json.dumps({"dim": self.dim, **asdict(self.params)}))

    @classmethod
    def load(cls, directory: Path, use_gpu: bool | None = None) -> DenseIndex:
        meta = json.loads((directory / "dense.json").read_text())
        dim = int(meta.pop("dim"))
        params = IndexParams(**meta)
        index = faiss.read_index(str(directory / "dense.faiss"))  # of the subclass it was written as
        if params.kind == "ivf":
            cast(faiss.IndexIVFFlat, index).nprobe = params.nprobe
        elif params.kind == "hnsw":
            cast(faiss.IndexHNSWFlat, index).hnsw.efSearch = params.ef_search
        dense = cls(index, params, dim)
        if use_gpu or (use_gpu is None and gpu_available()):
            dense.to_gpu()
        return dense


def _tune(
    apply: Callable[[int], None],
    index: faiss.Index,
    vectors: np.ndarray,
    target: float,
    rng: np.random.Generator,
    start: int,
    limit: int,
) -> int:
    """Smallest search width (doubling from `start`) reaching `target` recall@10 on probe queries:
    perturbed collection vectors, so a probe is not trivially its own nearest neighbour."""
    n, dim = vectors.shape
    probes = vectors[rng.choice(n, size=min(200, n), replace=False)]
    probes = probes + rng.normal(scale=0.5 / math.sqrt(dim), size=probes.shape).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    truth = exact_topk(vectors, probes, 10)
    width = start
    while width < limit:
        apply(width)
        _, ids = index.search(probes, 10)
        if recall_at_k(ids, truth) >= target:
            break
        width *= 2
    width = min(width, limit)
    log.info("%s tuned search width %d for recall@10 >= %.2f", type(index).__name__, width, target)
    return width
