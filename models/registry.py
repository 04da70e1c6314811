"""Builds every configured model once and answers what is loaded (for /health)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from models.apertium import ApertiumBackend, EngineUnavailable
from models.config import ModelsConfig
from models.device import resolve_device
from models.embeddings import Embedder, build_embedder
from models.langid import LanguageIdentifier
from models.sentiment import SentimentBackend, SentimentRouter
from models.sentiment import build_backend as build_sentiment
from models.translation import TranslationBackend, TranslationRouter
from models.translation import build_backend as build_translation

log = logging.getLogger(__name__)


def _needs_torch(config: ModelsConfig) -> bool:
    return (
        any(e.backend == "sentence-transformers" for e in config.embeddings.values())
        or any(r.backend in ("marian", "m2m100", "nllb") for r in config.translation.routes)
        or any(r.backend == "transformers" for r in config.sentiment.routes)
    )


@dataclass
class ModelRegistry:
    config: ModelsConfig
    device: str
    language_id: LanguageIdentifier
    embedders: dict[str, Embedder]
    translation: TranslationRouter
    sentiment: SentimentRouter
    translation_backends: dict[str, TranslationBackend] = field(default_factory=dict)
    translation_unavailable: dict[str, str] = field(default_factory=dict)  # engine -> why it did not load
    sentiment_backends: dict[str, SentimentBackend] = field(default_factory=dict)
    load_seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, config: ModelsConfig) -> ModelRegistry:
        """Loads every model now: a missing model fails start-up, never a request."""
        # torch is imported only when a configured model needs it (the defaults do not).
        device = resolve_device(config.device) if _needs_torch(config) else "cpu"
        cache_dir = config.cache_path()
        timings: dict[str, float] = {}

        def timed(name: str, build: Any) -> Any:
            start = time.perf_counter()
            obj = build()
            timings[name] = round(time.perf_counter() - start, 3)
            log.info("loaded %s in %.2fs", name, timings[name])
            return obj

        langid = timed("language_id", lambda: LanguageIdentifier(config.language_id, cache_dir))
        embedders = {
            name: timed(f"embeddings:{name}", lambda e=emb: build_embedder(e, cache_dir=cache_dir, device=device))
            for name, emb in config.embeddings.items()
        }
        tr_backends: dict[str, TranslationBackend] = {}
        unavailable: dict[str, str] = {}
        for r in config.translation.routes:
            try:
                tr_backends[r.name] = timed(
                    f"translation:{r.name}", lambda r=r: build_translation(r, cache_dir=cache_dir, device=device)
                )
            except EngineUnavailable as exc:  # an optional engine (Apertium) this machine lacks: serve without it
                log.warning("translation engine %s unavailable: %s", r.name, exc)
                unavailable[r.name] = str(exc)
        se_backends = {
            r.name: timed(
                f"sentiment:{r.name}",
                lambda r=r: build_sentiment(r, embedders=embedders, cache_dir=cache_dir, device=device),
            )
            for r in config.sentiment.routes
        }
        return cls(
            config=config,
            device=device,
            language_id=langid,
            embedders=embedders,
            translation=TranslationRouter(config.translation, tr_backends),
            sentiment=SentimentRouter(config.sentiment, se_backends),
            translation_backends=tr_backends,
            translation_unavailable=unavailable,
            sentiment_backends=se_backends,
            load_seconds=timings,
        )

    def describe(self) -> dict[str, Any]:
        """Loaded models and the languages each capability serves."""
        return {
            "device": self.device,
            "language_id": {"model": self.language_id.name, "languages": self.language_id.languages()},
            "translation": {
                "models": sorted(self.translation_backends),
                "languages": self.translation.languages(),
                "pairs": self.translation.supported_pairs(),
                "pivot": self.config.translation.pivot,
                "routes": self.translation.routes(),
                "refuse": self.translation.refused(),
                "engines": {
                    name: {
                        "available": True,
                        "pairs": [f"{s}-{t}" for s, t in b.pairs],
                        **({"stats": b.stats.as_dict()} if isinstance(b, ApertiumBackend) else {}),
                        **(
                            {"lost_tokens": self.translation.lost_tokens[name]}
                            if name in self.translation.lost_tokens
                            else {}
                        ),
                    }
                    for name, b in self.translation_backends.items()
                }
                | {name: {"available": False, "reason": why} for name, why in self.translation_unavailable.items()},
            },
            "sentiment": {"models": self.sentiment.languages()},
            "embeddings": {
                name: {"model": e.name, "dim": e.dim, "languages": e.languages} for name, e in self.embedders.items()
            },
            "load_seconds": self.load_seconds,
        }
