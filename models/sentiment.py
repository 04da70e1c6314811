"""Sentiment routed per language: VADER (English lexicon), a logistic-regression head over multilingual-e5
embeddings (trained on a labelled set written for this project), or a transformers sequence classifier.

Every backend answers the same shape: a label (negative | neutral | positive) and a score in [-1, 1]
(P(positive) - P(negative) for the classifiers, VADER's compound score for VADER).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from models.config import SENTIMENT_LABELS, SentimentConfig, SentimentRoute, resolve_model, resolve_path
from models.embeddings import Embedder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentimentResult:
    label: str
    score: float
    model: str
    # True when the caller's own embedding of the text was used instead of embedding it again.
    reused_embedding: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "model": self.model,
            "reused_embedding": self.reused_embedding,
        }


class SentimentBackend(Protocol):
    name: str

    def predict(self, texts: list[str]) -> list[SentimentResult]: ...


class VaderBackend:
    """VADER's English lexicon; compound >= 0.05 is positive, <= -0.05 negative (its authors' thresholds)."""

    def __init__(self, route: SentimentRoute) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()
        self.name = route.name

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        out = []
        for text in texts:
            compound = float(self._analyzer.polarity_scores(text)["compound"])
            label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
            out.append(SentimentResult(label, compound, self.name))
        return out


def _probabilities_to_results(probs: np.ndarray, classes: list[str], name: str) -> list[SentimentResult]:
    idx = {c: i for i, c in enumerate(classes)}
    results = []
    for row in probs:
        label = classes[int(np.argmax(row))]
        pos = float(row[idx["positive"]]) if "positive" in idx else 0.0
        neg = float(row[idx["negative"]]) if "negative" in idx else 0.0
        results.append(SentimentResult(label, pos - neg, name))
    return results


def _data_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def read_labelled(path: Path) -> tuple[list[str], list[str], list[str]]:
    """texts, labels, languages from a JSONL file of {"text", "label", "language"}."""
    texts, labels, langs = [], [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in SENTIMENT_LABELS:
            raise ValueError(f"{path}:{n}: label {row['label']!r} is not one of {SENTIMENT_LABELS}")
        texts.append(row["text"])
        labels.append(row["label"])
        langs.append(row.get("language", "?"))
    return texts, labels, langs


def train_e5_classifier(route: SentimentRoute, embedder: Embedder, *, c: float = 4.0) -> Path:
    """Fits the logistic-regression head on the route's training data and writes its artefact (npz)."""
    from sklearn.linear_model import LogisticRegression

    assert route.training_data and route.artefact
    data_path = resolve_path(route.training_data)
    texts, labels, _ = read_labelled(data_path)
    x = embedder.embed(texts, "query")
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, labels)
    out = resolve_path(route.artefact)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        coef=clf.coef_.astype(np.float32),
        intercept=clf.intercept_.astype(np.float32),
        classes=np.array(clf.classes_, dtype=str),
        embedder=np.array(embedder.name),
        data_digest=np.array(_data_digest(data_path)),
    )
    tmp.replace(out)  # never a half-written artefact
    log.info("trained %s on %d examples from %s -> %s", route.name, len(texts), data_path, out)
    return out


class E5ClassifierBackend:
    """Softmax regression over multilingual-e5 sentence embeddings: one set of weights for every language.

    The artefact is retrained (a few seconds) when missing, when it was made with another embedder, or
    when the training data changed since.
    """

    def __init__(self, route: SentimentRoute, embedder: Embedder) -> None:
        assert route.artefact and route.training_data
        self.name = route.name
        self._embedder = embedder
        path = resolve_path(route.artefact)
        data_path = resolve_path(route.training_data)
        if not self._fresh(path, data_path, embedder.name):
            train_e5_classifier(route, embedder)
        with np.load(path) as art:
            self._coef = art["coef"]
            self._intercept = art["intercept"]
            self._classes = [str(c) for c in art["classes"]]
        self.dim = int(self._coef.shape[1])

    @staticmethod
    def _fresh(path: Path, data_path: Path, embedder_name: str) -> bool:
        if not path.exists():
            return False
        with np.load(path) as art:
            return str(art["embedder"]) == embedder_name and str(art["data_digest"]) == _data_digest(data_path)

    @property
    def embedder_name(self) -> str:
        """The embedder whose "query" vectors this head reads; callers holding such vectors may pass them."""
        return self._embedder.name

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        return self.predict_vectors(self._embedder.embed(texts, "query"))

    def head(self) -> dict[str, object]:
        """The weights, for a caller that holds `embedder_name` query vectors and applies the head itself
        (the Rasa process, bot/components/sentiment_annotator.py): softmax(x @ coef.T + intercept) over
        `classes`, score P(positive) - P(negative), as `predict_vectors`."""
        return {
            "embedder": self.embedder_name,
            "classes": list(self._classes),
            "coef": self._coef.astype(float).tolist(),
            "intercept": self._intercept.astype(float).tolist(),
        }

    def predict_vectors(self, x: np.ndarray) -> list[SentimentResult]:
        """Sentiment from L2-normalised query embeddings of `embedder_name`, shape (n, dim)."""
        logits = x @ self._coef.T + self._intercept
        if logits.shape[1] == 1:  # binary logistic regression keeps one row of weights
            logits = np.concatenate([-logits, logits], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return _probabilities_to_results(probs, self._classes, self.name)


_STARS = re.compile(r"^([1-5])\s*stars?$")


def default_label(name: str, n_labels: int, index: int) -> str | None:
    """Maps common model label names (negative/NEG, '4 stars', LABEL_0..) onto our three labels."""
    low = name.strip().lower()
    if low.startswith("neg"):
        return "negative"
    if low.startswith("neu"):
        return "neutral"
    if low.startswith("pos"):
        return "positive"
    star = _STARS.match(low)
    if star:
        stars = int(star.group(1))
        return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    if low.startswith("label_"):
        return {3: SENTIMENT_LABELS, 2: ("negative", "positive")}.get(n_labels, (None,) * (index + 1))[index]
    return None


class TransformersBackend:
    """A transformers sequence-classification model; its labels are mapped onto negative/neutral/positive."""

    def __init__(self, route: SentimentRoute, *, cache_dir: Path, device: str) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        assert route.model is not None
        path = resolve_model(route.model, cache_dir)
        self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self._model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        self._model.to(device).eval()
        self._device = device
        self._max_len = route.max_input_tokens
        self.name = route.name
        id2label = {int(k): str(v) for k, v in self._model.config.id2label.items()}
        n = len(id2label)
        self._target: list[str] = []
        for i in range(n):
            raw = id2label[i]
            label = route.label_map.get(raw) or default_label(raw, n, i)
            if label is None:
                raise ValueError(f"{route.model}: cannot map model label {raw!r}; set `label_map` in models.yaml")
            self._target.append(label)

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        import torch

        batch = self._tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=self._max_len).to(
            self._device
        )
        with torch.inference_mode():
            logits = self._model(**batch).logits
        probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        # Sum the model's labels into ours (e.g. 1 and 2 stars are both negative).
        merged = np.zeros((probs.shape[0], len(SENTIMENT_LABELS)), dtype=np.float32)
        for i, label in enumerate(self._target):
            merged[:, SENTIMENT_LABELS.index(label)] += probs[:, i]
        return _probabilities_to_results(merged, list(SENTIMENT_LABELS), self.name)


def build_backend(
    route: SentimentRoute, *, embedders: dict[str, Embedder], cache_dir: Path, device: str
) -> SentimentBackend:
    if route.backend == "vader":
        return VaderBackend(route)
    if route.backend == "e5-classifier":
        return E5ClassifierBackend(route, embedders[route.embedder])
    return TransformersBackend(route, cache_dir=cache_dir, device=device)


class SentimentRouter:
    """The first route serving a language answers for it."""

    def __init__(self, config: SentimentConfig, backends: dict[str, SentimentBackend]) -> None:
        self._routes = [r for r in config.routes if r.name in backends]
        self._backends = backends

    def route_for(self, language: str) -> SentimentBackend | None:
        for route in self._routes:
            if route.serves(language):
                return self._backends[route.name]
        return None

    def languages(self) -> dict[str, list[str] | str]:
        return {r.name: r.languages for r in self._routes}

    def heads(self) -> list[dict[str, object]]:
        """The routes in order, each with its languages and, for a head over sentence embeddings, the head's
        weights (None for the others): a caller holding such embeddings answers those languages itself."""
        out: list[dict[str, object]] = []
        for route in self._routes:
            backend = self._backends[route.name]
            head = backend.head() if isinstance(backend, E5ClassifierBackend) else None
            out.append({"name": route.name, "languages": route.languages, "head": head})
        return out

    def predict(
        self,
        texts: list[str],
        languages: list[str],
        vectors: list[tuple[str, np.ndarray] | None] | None = None,
    ) -> list[SentimentResult | None]:
        """Results in input order; None where no route serves the language.

        `vectors[i]`, when given, is (embedder name, L2-normalised query embedding) of `texts[i]`, computed by the
        caller: a head over the same embedder uses it instead of embedding the text again.
        """
        out: list[SentimentResult | None] = [None] * len(texts)
        groups: dict[tuple[str, bool], list[int]] = {}
        for i, lang in enumerate(languages):
            backend = self.route_for(lang)
            if backend is not None:
                reuse = self._reusable(backend, vectors[i] if vectors else None)
                groups.setdefault((backend.name, reuse), []).append(i)
        for (name, reuse), idxs in groups.items():
            backend = self._backends[name]
            if reuse and isinstance(backend, E5ClassifierBackend) and vectors is not None:
                rows = np.stack([v[1] for v in (vectors[i] for i in idxs) if v is not None])  # reusable: not None
                results = [replace(r, reused_embedding=True) for r in backend.predict_vectors(rows)]
            else:
                results = backend.predict([texts[i] for i in idxs])
            for i, result in zip(idxs, results, strict=True):
                out[i] = result
        return out

    @staticmethod
    def _reusable(backend: SentimentBackend, vector: tuple[str, np.ndarray] | None) -> bool:
        if vector is None or not isinstance(backend, E5ClassifierBackend):
            return False
        name, row = vector
        return name == backend.embedder_name and row.shape == (backend.dim,)
