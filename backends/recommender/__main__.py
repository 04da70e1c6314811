"""Command line of the recommender.

python -m backends.recommender train       train on RECOMMENDER_DATA_DIR, save to var/recommender/
python -m backends.recommender bootstrap   train only when no artefacts exist
python -m backends.recommender serve       run the HTTP API (RECOMMENDER_PORT, default 8102)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from backends.recommender.data import DataError, load_dataset
from backends.recommender.model import train_and_evaluate
from backends.recommender.settings import Settings
from svc.app import configure_logging

log = logging.getLogger("backends.recommender")


def train(settings: Settings) -> int:
    if not (settings.data_dir / "products.jsonl").exists():
        print(
            f"no shop catalog in {settings.data_dir}: run `make data` (python -m borderless shop data)", file=sys.stderr
        )
        return 2
    try:
        dataset = load_dataset(settings.data_dir)
    except DataError as exc:
        print(f"training failed: {exc}", file=sys.stderr)
        return 2
    log.info("training on %d products, %d events", len(dataset.products), len(dataset.events))
    model, report = train_and_evaluate(dataset, settings)
    model.save(settings.artefacts_dir)
    print(json.dumps({"weights": report.weights, "test": report.test, "seconds": round(report.seconds, 1)}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends.recommender", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("train", help="train and save artefacts")
    sub.add_parser("bootstrap", help="train if no artefacts exist")
    sub.add_parser("serve", help="run the HTTP API")
    args = parser.parse_args(argv)
    configure_logging()
    settings = Settings.from_env()
    if args.command == "train":
        return train(settings)
    if args.command == "bootstrap":
        if (settings.artefacts_dir / "meta.json").exists():
            log.info("artefacts present in %s; nothing to do", settings.artefacts_dir)
            return 0
        return train(settings)
    if args.command == "serve":
        if not (settings.artefacts_dir / "meta.json").exists():
            print(
                f"no trained model in {settings.artefacts_dir}: run `python -m backends.recommender bootstrap` first",
                file=sys.stderr,
            )
            return 2
        from backends.recommender.api import create_app
        from svc.app import run

        run(lambda: create_app(settings), settings.host, settings.port)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
