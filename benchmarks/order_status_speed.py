"""Order-status lookup latency through the orders HTTP service (POST /v1/orders/lookup).

Starts `python -m backends.orders serve` on a free loopback port with a fresh database imported
from the demo shop, then sends lookups one at a time (latency) and with several in flight
(throughput). It also times wrong-proof lookups, whose 404 must cost about what a success costs
(so timing does not reveal which order numbers exist).

    .venv/bin/python benchmarks/order_status_speed.py [--data var/demo_shop] [--requests 1000]
        [--concurrency 8] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed(session: aiohttp.ClientSession, url: str, body: dict) -> tuple[float, int]:
    start = time.perf_counter()
    async with session.post(url, json=body) as resp:
        await resp.read()
        return (time.perf_counter() - start) * 1000, resp.status


def _shuffled_digits(number: str, rng: random.Random) -> str:
    digits = [ch for ch in number if ch.isdigit()]
    rng.shuffle(digits)
    it = iter(digits)
    return "".join(next(it) if ch.isdigit() else ch for ch in number)


async def run(base: str, orders: list[dict], n: int, concurrency: int) -> dict[str, object]:
    url = base + "/v1/orders/lookup"
    rng = random.Random(1)
    good = [{"order_number": o["number"], "email": o["email"]} for o in rng.choices(orders, k=n)]
    bad = [{"order_number": o["number"], "email": "nobody@example.com"} for o in rng.choices(orders, k=n // 4)]
    known = {o["number"] for o in orders}
    # Numbers of the shop's own format that no order has: the known ones with their digits shuffled.
    unknown_numbers = [n for n in (_shuffled_digits(o["number"], rng) for o in orders) if n not in known]
    unknown = [{"order_number": num, "email": "x@example.com"} for num in rng.choices(unknown_numbers, k=n // 4)]
    async with aiohttp.ClientSession() as session:
        for body in good[:50]:  # warm-up: connection pool, SQLite page cache
            await timed(session, url, body)
        seq = [await timed(session, url, b) for b in good]
        # Wrong-pair and unknown-number lookups interleaved, so both see the same database state.
        mixed = [("wrong", b) for b in bad] + [("unknown", b) for b in unknown]
        rng.shuffle(mixed)
        timings = [(kind, await timed(session, url, b)) for kind, b in mixed]
        wrong = [t for kind, t in timings if kind == "wrong"]
        missing = [t for kind, t in timings if kind == "unknown"]
        sem = asyncio.Semaphore(concurrency)

        async def one(body: dict) -> tuple[float, int]:
            async with sem:
                return await timed(session, url, body)

        start = time.perf_counter()
        conc = await asyncio.gather(*(one(b) for b in good))
        elapsed = time.perf_counter() - start
    assert all(s == 200 for _, s in seq + conc), "a correct lookup failed"
    assert all(s == 404 for _, s in wrong + missing), "a wrong lookup did not get 404"
    lat = [t for t, _ in seq]
    return {
        "p50": statistics.median(lat),
        "p95": pct(lat, 0.95),
        "p99": pct(lat, 0.99),
        "mean": statistics.mean(lat),
        "wrong_p50": statistics.median(t for t, _ in wrong),
        "unknown_p50": statistics.median(t for t, _ in missing),
        "conc_p50": statistics.median(t for t, _ in conc),
        "throughput": len(conc) / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "var" / "demo_shop")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    orders = [json.loads(line) for line in (args.data / "orders.jsonl").read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        schema = None
        env = {
            **os.environ,
            "BORDERLESS_VAR": tmp,
            "ORDERS_PORT": str(port),
            "ORDERS_RATE_LIMIT_ATTEMPTS": "100000000",  # the benchmark's wrong proofs must not hit the limit
            "ORDERS_TOKEN_SECRET": "benchmark-secret-0123456789-0123456789",
        }
        if args.database_url:
            schema = f"orders_bench_{uuid.uuid4().hex[:8]}"
            env.update({"ORDERS_DATABASE_URL": args.database_url, "ORDERS_DB_SCHEMA": schema})
        else:
            env["ORDERS_DATABASE_URL"] = f"sqlite:///{tmp}/orders.db"
        py = sys.executable
        subprocess.run([py, "-m", "backends.orders", "import", "--from", str(args.data)], cwd=REPO, env=env, check=True)
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([py, "-m", "backends.orders", "serve"], cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("orders service did not start") from None
                    time.sleep(0.1)
            res = asyncio.run(run(f"http://127.0.0.1:{port}", orders, args.requests, args.concurrency))
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()
            if schema:
                import psycopg2

                conn = psycopg2.connect(args.database_url)
                conn.autocommit = True
                conn.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                conn.close()

    db = "PostgreSQL" if args.database_url else "SQLite"
    print("# Order-status lookup through the orders HTTP service")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores; database {db}; {len(orders)} orders")
    print(f"sequential lookups: {args.requests} (after 50 warm-up), client and server on the same machine")
    print()
    print("| measure | ms |")
    print("|---|---|")
    for key, label in (
        ("p50", "lookup p50 (found, sequential)"),
        ("p95", "lookup p95"),
        ("p99", "lookup p99"),
        ("mean", "lookup mean"),
        ("wrong_p50", "wrong email p50 (404)"),
        ("unknown_p50", "unknown number p50 (404)"),
        ("conc_p50", f"lookup p50 with {args.concurrency} in flight"),
    ):
        print(f"| {label} | {res[key]:.2f} |")
    print(f"\nthroughput with {args.concurrency} in flight: {res['throughput']:.0f} lookups/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
