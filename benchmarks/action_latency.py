"""Latency of custom actions through the real action server, excluding Rasa itself.

Starts the services an action needs and `python -m rasa_sdk` on free loopback ports, then posts the
action-server webhook call Rasa would send (a tracker and the next action) and times the answers.

    .venv/bin/python benchmarks/action_latency.py --requests 300
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import REPO_ROOT, free_port, python_module, service_process  # noqa: E402

DEMO = REPO_ROOT / "var" / "demo_shop"


def tracker(text: str, intent: str, slots: dict, entities: list | None = None) -> dict:
    return {
        "sender_id": "bench",
        "slots": slots,
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
        "latest_event_time": time.time(),
    }


def cases() -> dict[str, dict]:
    with open(DEMO / "orders.jsonl", encoding="utf-8") as fh:
        order = next(o for o in map(json.loads, fh) if o["status"] == "in_transit")
    return {
        "action_order_status": tracker(
            order["number"], "inform", {"order_number": order["number"], "email": order["email"]}
        ),
        "action_answer_question": tracker("how long does shipping to Germany take?", "ask_shipping", {}),
        "action_recommend": tracker(
            "recommend a rain jacket under 150 euros",
            "recommend",
            {},
            [{"entity": "product", "value": "rain jacket"}, {"entity": "budget", "value": "150"}],
        ),
    }


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--actions", default="action_order_status,action_answer_question,action_recommend")
    args = parser.parse_args()
    import yaml

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-actions-"))
    ports = {name: free_port() for name in ("actions", "orders", "knowledge", "recommender")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **os.environ,
        "BORDERLESS_VAR": str(work / "var"),
        "HF_HUB_OFFLINE": "1",
        "ORDERS_NOW": "demo",
        "ORDERS_PORT": str(ports["orders"]),
        "KNOWLEDGE_PORT": str(ports["knowledge"]),
        "RECOMMENDER_PORT": str(ports["recommender"]),
        "ORDERS_URL": urls["orders"],
        "KNOWLEDGE_URL": urls["knowledge"],
        "RECOMMENDER_URL": urls["recommender"],
        # A benchmark conversation looks up the same order many times: lift the per-conversation limit.
        "ORDERS_RATE_LIMIT_ATTEMPTS": "1000000",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    (work / "var").mkdir()
    shutil.copytree(DEMO, work / "var" / "demo_shop")
    for module in ("backends.orders", "backends.recommender", "knowledge"):
        subprocess.run(python_module(module, "bootstrap"), cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    print(f"command: {' '.join(sys.argv)}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with ExitStack() as stack:
        for name, module in (
            ("orders", "backends.orders"),
            ("knowledge", "knowledge"),
            ("recommender", "backends.recommender"),
        ):
            stack.enter_context(service_process(python_module(module, "serve"), f"{urls[name]}/health", env=env))
        stack.enter_context(
            service_process(
                python_module("rasa_sdk", "--actions", "actions", "--port", str(ports["actions"])),
                f"{urls['actions']}/health",
                env=env,
            )
        )
        webhook = f"{urls['actions']}/webhook"
        print(f"{'action':<26} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
        for name, tracker_json in cases().items():
            if name not in args.actions.split(","):
                continue
            call = {
                "next_action": name,
                "sender_id": "bench",
                "tracker": tracker_json,
                "domain": domain,
                "version": "3.6.21",
            }
            for _ in range(args.warmup):
                post(webhook, call)
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                answer = post(webhook, call)
                times.append((time.perf_counter() - start) * 1000)
            assert answer.get("responses"), f"{name} answered nothing: {answer}"
            qs = statistics.quantiles(times, n=100)
            print(f"{name:<26} {len(times):>5} {statistics.median(times):>8.2f} {qs[89]:>8.2f} {qs[98]:>8.2f}")
            print(f"  sample answer: {answer['responses'][0].get('text', '')[:160]!r}")


if __name__ == "__main__":
    main()
