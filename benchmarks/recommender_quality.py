"""Recommender quality on the held-out split: recall@10 and NDCG@10 for popularity, content-only,
CF-only and hybrid, side by side.

Split: for every customer with a purchase and at least 3 earlier products, the last purchased product
is held out; training keeps only that customer's earlier events (never the target). Hybrid weights
are tuned on a validation split carved out of the training events, never on the test targets.

    .venv/bin/python benchmarks/recommender_quality.py [--data var/demo_shop] [--embedder minilm|tfidf]
        [--seeds 7,8,9]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backends.recommender.data import load_dataset  # noqa: E402
from backends.recommender.model import embed_products, held_out_report  # noqa: E402
from backends.recommender.settings import Settings  # noqa: E402

STRATEGIES = ("popularity", "content", "cf", "hybrid")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="folder with products.jsonl and interactions.jsonl")
    parser.add_argument("--embedder", choices=("minilm", "tfidf"), default=None)
    parser.add_argument("--seeds", default="7", help="comma-separated ALS seeds; figures are averaged over them")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = Settings.from_env()
    if args.data:
        settings = replace(settings, data_dir=args.data.resolve())
    if args.embedder:
        settings = replace(settings, embedder=args.embedder)
    dataset = load_dataset(settings.data_dir)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]

    start = time.monotonic()
    embeddings, embedder_name = embed_products(dataset.products, settings)
    runs = []
    for seed in seeds:
        runs.append(held_out_report(dataset, replace(settings, seed=seed), embeddings))
    seconds = time.monotonic() - start

    print("# Recommender quality (held-out leave-last-purchase-out split)")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"data: {settings.data_dir} — {len(dataset.products)} products, {len(dataset.events)} events; "
        f"embedder {embedder_name}; ALS factors {settings.factors}, iterations {settings.iterations}; seeds {seeds}"
    )
    digest = hashlib.sha256((settings.data_dir / "interactions.jsonl").read_bytes()).hexdigest()[:12]
    print(f"interactions.jsonl sha256 {digest}…")
    customers = runs[0][2]["hybrid"]["customers"]
    print(f"test customers: {customers}; tuned hybrid weights (seed {seeds[0]}): {runs[0][0]}")
    print()
    print(f"| strategy | recall@10 | NDCG@10 |{' NDCG@10 sd |' if len(seeds) > 1 else ''}")
    print(f"|---|---|---|{'---|' if len(seeds) > 1 else ''}")
    means = {}
    for name in STRATEGIES:
        recall = statistics.mean(r[2][name]["recall@10"] for r in runs)
        ndcgs = [r[2][name]["ndcg@10"] for r in runs]
        means[name] = statistics.mean(ndcgs)
        sd = f" {statistics.pstdev(ndcgs):.4f} |" if len(seeds) > 1 else ""
        print(f"| {name} | {recall:.4f} | {means[name]:.4f} |{sd}")
    ratio = means["hybrid"] / means["popularity"] if means["popularity"] > 0 else float("inf")
    print()
    print(f"hybrid NDCG@10 / popularity NDCG@10 = {ratio:.2f} (target ≥ 1.3)")
    print(f"wall time: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
