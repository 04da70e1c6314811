"""Dense-index speed: build time, single-query p50/p99 latency and recall@10 against exact search.

Synthetic, clustered unit vectors (like sentence embeddings: many topics, points spread around them)
at 10k / 100k / 1M × 384 dimensions. The index is what retrieval.dense.DenseIndex.build chooses for the
size (exact IndexFlatIP up to 20k vectors, IVF with tuned nprobe beyond). Queries come from the same
mixture but are not in the collection. Prints what it measured; asserts nothing.

    .venv/bin/python benchmarks/retrieval_speed.py                      # 10k, 100k
    .venv/bin/python benchmarks/retrieval_speed.py --sizes 1000000      # the heavy one
    .venv/bin/python benchmarks/retrieval_speed.py --action             # answer action, see --help
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402

from retrieval.dense import DenseIndex, exact_topk, recall_at_k  # noqa: E402


def clustered(n: int, dim: int, centers: np.ndarray, seed: int, spread: float = 0.9) -> np.ndarray:
    """`n` unit vectors around `centers`, generated in blocks to keep memory flat."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        block = centers[rng.integers(0, len(centers), m)] + rng.normal(scale=spread / np.sqrt(dim), size=(m, dim))
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def latent(n: int, dim: int, mixing: np.ndarray, seed: int, noise: float = 0.1) -> np.ndarray:
    """`n` unit vectors on a low-dimensional manifold: Gaussian latent points mixed up to `dim` dimensions
    plus a little noise. Neighbourhoods are continuous rather than clustered — closer to sentence
    embeddings, and much harder for IVF than well-separated clusters."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        block = rng.normal(size=(m, mixing.shape[0])) @ mixing
        block += rng.normal(scale=noise * np.sqrt(mixing.shape[0] / dim), size=(m, dim))
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def bench_size(
    n: int,
    dim: int,
    queries: int,
    seed: int,
    spread: float = 0.9,
    cluster_size: int = 500,
    latent_dim: int = 0,
    ann: str = "auto",
) -> dict[str, float | int | str]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    if latent_dim:
        mixing = rng.normal(size=(latent_dim, dim))
        base = latent(n, dim, mixing, seed + 1)
        q = latent(queries, dim, mixing, seed + 2)
    else:
        centers = rng.normal(size=(max(100, n // cluster_size), dim)).astype(np.float32)
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
        base = clustered(n, dim, centers, seed + 1, spread)
        q = clustered(queries, dim, centers, seed + 2, spread)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = DenseIndex.build(base, use_gpu=False, ann=ann)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    truth = exact_topk(base, q, 10)
    exact_batch_s = time.perf_counter() - t0
    lat = []
    found = np.empty((queries, 10), dtype=np.int64)
    for i in range(queries):
        t = time.perf_counter()
        _, ids = index.search(q[i : i + 1], 10)
        lat.append((time.perf_counter() - t) * 1000)
        found[i] = ids[0]
    return {
        "vectors": n,
        "index": index.params.kind,
        "params": (
            f"M={index.params.m},efC={index.params.ef_construction},efSearch={index.params.ef_search}"
            if index.params.kind == "hnsw"
            else f"nlist={index.params.nlist},nprobe={index.params.nprobe}"
            if index.params.kind == "ivf"
            else "-"
        ),
        "generate_s": round(gen_s, 2),
        "build_s": round(build_s, 2),
        "p50_ms": round(statistics.median(lat), 3),
        "p99_ms": round(percentile(lat, 99), 3),
        "recall@10": round(recall_at_k(found, truth), 4),
        "exact_ms_per_query_batched": round(exact_batch_s * 1000 / queries, 3),
    }


def bench_action(url: str | None, questions: Path, repeats: int) -> dict[str, float | int | str]:
    """p50/p99 of ActionAnswerQuestion.run() (Tracker + CollectingDispatcher) against a knowledge service."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.knowledge_answer import ActionAnswerQuestion
    from clients.registry import close_process_clients
    from tests.support import free_port, http_ok, wait_until

    rows = [json.loads(line) for line in questions.read_text().splitlines() if line.strip()]
    proc = None
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KNOWLEDGE_PORT": str(port), "REDIS_URL": ""}
        proc = subprocess.Popen(
            [sys.executable, "-m", "knowledge", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: http_ok(f"{url}/health"), 120, "knowledge service")

    # The action uses the process's knowledge client, which takes the service's URL from the environment.
    os.environ["KNOWLEDGE_URL"] = url
    os.environ["BACKEND_TIMEOUT_S"] = "5.0"

    async def run_all() -> list[float]:
        action = ActionAnswerQuestion()
        times = []
        for _ in range(repeats):
            for row in rows:
                tracker = Tracker(
                    "bench",
                    {"language": "en"},
                    {
                        "text": row["question"],
                        "intent": {"name": "product_question" if row.get("kind") == "product" else "ask_shipping"},
                        "entities": [],
                    },
                    [],
                    False,
                    None,
                    {},
                    "action_listen",
                )
                t = time.perf_counter()
                await action.run(CollectingDispatcher(), tracker, {})
                times.append((time.perf_counter() - t) * 1000)
        await close_process_clients()
        return times

    try:
        times = asyncio.run(run_all())
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "knowledge_url": url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated collection sizes")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2, help="FAISS/OpenMP threads (the target box has 2 cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ann", choices=["auto", "hnsw", "ivf"], default="auto", help="approximate index type")
    parser.add_argument("--spread", type=float, default=0.9, help="noise around cluster centres (larger = harder)")
    parser.add_argument("--cluster-size", type=int, default=500, help="vectors per cluster centre (smaller = harder)")
    parser.add_argument(
        "--latent-dim",
        type=int,
        default=0,
        help="instead of clusters: a continuous manifold of this dimension (harder)",
    )
    parser.add_argument("--action", action="store_true", help="time the answer action instead of the index")
    parser.add_argument("--knowledge-url", help="use a running knowledge service (default: start one)")
    parser.add_argument("--questions", default=str(ROOT / "benchmarks" / "data" / "retrieval_questions.jsonl"))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"# machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores visible, faiss {faiss.__version__} threads={args.threads}; "
        + (
            "answer action against a knowledge service on loopback"
            if args.action
            else f"synthetic data: latent manifold of dimension {args.latent_dim}"
            if args.latent_dim
            else f"synthetic data: clusters, spread={args.spread} cluster_size={args.cluster_size}"
        )
    )
    if args.action:
        result = bench_action(args.knowledge_url, Path(args.questions), args.repeats)
        result["load_avg_1m"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result))
        return
    header = ("vectors", "index", "params", "build_s", "p50_ms", "p99_ms", "recall@10", "load_avg_1m")
    print(" | ".join(header))
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        row = bench_size(
            size, args.dim, args.queries, args.seed, args.spread, args.cluster_size, args.latent_dim, args.ann
        )
        row["load_avg_1m"] = round(os.getloadavg()[0], 2)  # the box is shared: latency depends on it
        print(" | ".join(str(row[h]) for h in header), flush=True)
        print("# " + json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
