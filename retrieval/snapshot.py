"""Versioned, immutable index snapshots on disk, and the searcher that serves one.

Layout under a root folder:
    snapshots/v00000042/{manifest.json, chunks.jsonl, vectors.npy, dense.faiss, dense.json}
    CURRENT            the served version number (replaced atomically with os.replace)
A snapshot is written into a temporary folder next to its final place and renamed when complete, so a
crash mid-build leaves only a `.tmp-*` folder (ignored and cleaned later) and CURRENT still names the
previous, complete version.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.dense import EXACT_THRESHOLD, DenseIndex
from retrieval.embedders import Embedder
from retrieval.fusion import RRF_K
from retrieval.lexical import LexicalIndex
from retrieval.pipeline import Mode, SearchPipeline
from retrieval.types import Chunk, Hit, SearchFilters
from retrieval.vector_cache import VectorCache

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass
class Snapshot:
    version: int
    embedder: str
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: DenseIndex
    created_at: float = field(default_factory=time.time)
    meta: dict[str, Any] = field(default_factory=dict)

    def vector_cache(self) -> dict[str, np.ndarray]:
        return {c.content_hash(): self.vectors[i] for i, c in enumerate(self.chunks)}


def build_snapshot(
    version: int,
    chunks: Sequence[Chunk],
    embedder: Embedder,
    *,
    previous: Snapshot | None = None,
    exact_threshold: int = EXACT_THRESHOLD,
    progress: Callable[[int], object] | None = None,
    meta: dict[str, Any] | None = None,
    vector_cache: VectorCache | None = None,
) -> Snapshot:
    """Embeds the chunks (reusing vectors of unchanged chunks from `previous`, then from `vector_cache`) and
    builds the index; vectors it had to compute go into `vector_cache`."""
    chunks = list(chunks)
    cache = previous.vector_cache() if previous is not None and previous.embedder == embedder.name else {}
    if vector_cache is not None:
        missing = {c.content_hash() for c in chunks} - cache.keys()
        cache = {**cache, **vector_cache.get_many(missing)}
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo: list[int] = []
    for i, c in enumerate(chunks):
        cached = cache.get(c.content_hash())
        if cached is None:
            todo.append(i)
        else:
            vectors[i] = cached
    if progress:
        progress(len(chunks) - len(todo))
    for start in range(0, len(todo), 128):
        batch = todo[start : start + 128]
        vectors[batch] = embedder.embed_passages([chunks[i].embed_text() for i in batch])
        if vector_cache is not None:
            vector_cache.put_many({chunks[i].content_hash(): vectors[i] for i in batch})
        if progress:
            progress(len(batch))
    dense = DenseIndex.build(vectors, exact_threshold=exact_threshold, use_gpu=False)
    return Snapshot(
        version=version, embedder=embedder.name, chunks=chunks, vectors=vectors, dense=dense, meta=dict(meta or {})
    )


class SnapshotStore:
    """Snapshots under `root`; writing is crash-safe, switching the served version is atomic."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.snapshots = self.root / "snapshots"
        self.snapshots.mkdir(parents=True, exist_ok=True)

    def path(self, version: int) -> Path:
        return self.snapshots / f"v{version:08d}"

    def versions(self) -> list[int]:
        out = []
        for p in self.snapshots.iterdir():
            if p.name.startswith("v") and p.name[1:].isdigit() and (p / "manifest.json").exists():
                out.append(int(p.name[1:]))
        return sorted(out)

    def current_version(self) -> int | None:
        try:
            raw = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return int(raw) if raw.isdigit() else None

    def current_marker_mtime(self) -> float:
        try:
            return (self.root / "CURRENT").stat().st_mtime_ns / 1e9
        except FileNotFoundError:
            return 0.0

    def write(self, snapshot: Snapshot) -> Path:
        final = self.path(snapshot.version)
        if final.exists():
            raise FileExistsError(f"snapshot v{snapshot.version} already exists")
        tmp = self.snapshots / f".tmp-v{snapshot.version:08d}-{os.getpid()}-{time.monotonic_ns()}"
        tmp.mkdir(parents=True)
        try:
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for chunk in snapshot.chunks:
                    fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
            np.save(tmp / "vectors.npy", snapshot.vectors)
            snapshot.dense.save(tmp)
            manifest = {
                "format": FORMAT,
                "version": snapshot.version,
                "embedder": snapshot.embedder,
                "dim": int(snapshot.vectors.shape[1]) if snapshot.vectors.ndim == 2 else 0,
                "chunks": len(snapshot.chunks),
                "created_at": snapshot.created_at,
                "index": snapshot.dense.params.kind,
                "meta": snapshot.meta,
            }
            # The manifest is written last: a folder without one is never treated as a snapshot.
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
            _fsync_dir(tmp)
            os.rename(tmp, final)
            _fsync_dir(self.snapshots)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def set_current(self, version: int) -> None:
        if not (self.path(version) / "manifest.json").exists():
            raise FileNotFoundError(f"no snapshot v{version}")
        tmp = self.root / f".CURRENT.{os.getpid()}.{time.monotonic_ns()}"
        tmp.write_text(f"{version}\n")
        os.replace(tmp, self.root / "CURRENT")

    def load(self, version: int, use_gpu: bool | None = None) -> Snapshot:
        path = self.path(version)
        manifest = json.loads((path / "manifest.json").read_text())
        with open(path / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
        vectors = np.load(path / "vectors.npy")
        return Snapshot(
            version=int(manifest["version"]),
            embedder=manifest["embedder"],
            chunks=chunks,
            vectors=vectors,
            dense=DenseIndex.load(path, use_gpu=use_gpu),
            created_at=float(manifest.get("created_at", 0)),
            meta=manifest.get("meta", {}),
        )

    def manifest(self, version: int) -> dict[str, Any]:
        return json.loads((self.path(version) / "manifest.json").read_text())

    def cleanup(self, keep: int = 20) -> None:
        """Removes leftovers of crashed builds (older than a minute) and all but the newest `keep` versions."""
        now = time.time()
        for p in self.snapshots.iterdir():
            if p.name.startswith(".tmp-") and now - p.stat().st_mtime > 60:
                shutil.rmtree(p, ignore_errors=True)
        current = self.current_version()
        for version in self.versions()[:-keep]:
            if version != current:
                shutil.rmtree(self.path(version), ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Searcher:
    """Serves one snapshot: hybrid, dense-only or lexical-only search with filters."""

    def __init__(self, snapshot: Snapshot, embedder: Embedder, rrf_k: int = RRF_K) -> None:
        if snapshot.embedder != embedder.name:
            raise ValueError(f"snapshot v{snapshot.version} was built with {snapshot.embedder}, not {embedder.name}")
        self.snapshot = snapshot
        self.embedder = embedder
        self.lexical = LexicalIndex([c.embed_text() for c in snapshot.chunks])
        self.pipeline = SearchPipeline(
            embedder, snapshot.chunks, snapshot.vectors, snapshot.dense, self.lexical, rrf_k=rrf_k
        )

    @property
    def version(self) -> int:
        return self.snapshot.version

    def search(
        self,
        query: str,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        *,
        mode: Mode = "hybrid",
        lexical_weight: float = 1.0,
        candidates: int = 50,
    ) -> list[tuple[Chunk, Hit]]:
        """Best `top_k` chunks; `lexical_weight` weighs the lexical ranking in hybrid mode only."""
        hits = self.pipeline.run(
            query,
            mode=mode,
            filters=filters or SearchFilters(),
            top_k=top_k,
            candidates=max(candidates, top_k),
            lexical_weight=lexical_weight,
        )
        return [(self.snapshot.chunks[h.index], h) for h in hits]
