"""Passage vectors kept on disk by embedder and passage text.

A snapshot reuses the vectors of its predecessor (retrieval/snapshot.py), but an index built from nothing — a new
replica, a fresh var/, every test stack — embeds every passage again: 587 passages of the demo shop take 2–3
minutes of e5 on 2 cores. This cache keeps each vector under the embedder's name and the passage's content hash
(`Chunk.content_hash`), so a build embeds only passages that no earlier build on the machine embedded. A vector
is a pure function of (embedder, text), so a hit is always right; a changed passage has a new hash and misses.

Layout: `<root>/<embedder>/<hash[:2]>/<hash>.npy`, each written to a temporary file and renamed, so concurrent
builds never read half a vector; anything unreadable or of the wrong shape is a miss.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class VectorCache:
    """Vectors of one embedder (`dim` floats each) under `root`."""

    def __init__(self, root: Path, embedder: str, dim: int) -> None:
        self.dir = Path(root) / (_UNSAFE.sub("_", embedder) or "embedder")
        self.dim = dim

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.npy"

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for key in keys:
            if key and not _UNSAFE.search(key):
                try:
                    vector = np.load(self._path(key), allow_pickle=False)
                except (OSError, ValueError):
                    continue
                if vector.shape == (self.dim,) and vector.dtype == np.float32 and np.isfinite(vector).all():
                    found[key] = vector
        return found

    def put_many(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Stores the vectors; a cache that cannot be written (read-only disk, full disk) is skipped quietly."""
        for key, vector in vectors.items():
            if _UNSAFE.search(key) or not key:
                continue
            path = self._path(key)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
                    tmp = Path(fh.name)
                    np.save(fh, np.asarray(vector, dtype=np.float32).reshape(self.dim), allow_pickle=False)
                os.replace(tmp, path)
            except OSError:
                return
