"""Intent accuracy per language next to English, for one or more trained Rasa models.

Run (Rasa venv): .venv-rasa/bin/python benchmarks/multilingual_intents.py [--model trained/xyz.tar.gz ...]
Without --model it uses the newest model in trained/. Data (both written for this project; none of it is
in bot/data), chosen with --data:
- intents.jsonl ("dev"): the set the multilingual NLU was developed against; some training examples in
  bot/data/nlu/multilingual.yml were written after reading its misses, so its figures are optimistic;
- intents_heldout.jsonl ("held-out", the default): written afterwards by someone who read neither bot/data
  nor the dev set, and not used to change anything — the honest figure;
- intents_dev_langs.jsonl / intents_heldout_langs.jsonl: 25 languages, 12 / 20 short shop messages each; the
  second is held out (never used for tuning). See benchmarks/data/multilingual/README.md.
A message counts as correct when the predicted intent (after FallbackClassifier) is the expected one;
nlu_fallback counts as wrong. Rows marked `one_word` (a one-word greeting) are also reported on their own.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks.multilingual_common import REPO_ROOT, header, latency_line, load_jsonl, ordered  # noqa: E402


def newest_model() -> Path:
    models = sorted((REPO_ROOT / "trained").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model in trained/: pass --model")
    return models[-1]


async def evaluate(model: Path, rows: list[dict]) -> tuple[list[dict], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    await agent.parse_message("warm up")
    out, times = [], []
    for row in rows:
        start = time.perf_counter()
        parsed = await agent.parse_message(row["text"])
        times.append(time.perf_counter() - start)
        ranking = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        out.append(
            {
                **row,
                "predicted": parsed["intent"]["name"],
                "confidence": parsed["intent"].get("confidence", 0.0),
                "top": ranking[0] if ranking else None,
                "detected": parsed.get("language"),
            }
        )
    return out, times


def report(name: str, results: list[dict], times: list[float]) -> None:
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_lang[r["language"]].append(r)

    def acc(rs: list[dict], key: str) -> float:
        return 100 * sum(r[key] == r["intent"] for r in rs) / max(len(rs), 1)

    en = acc(by_lang.get("en", []), "predicted")
    print(f"## {name}")
    print(f"{'language':<10}{'n':>4}{'accuracy':>10}{'vs en':>8}{'top-1 before fallback':>24}{'fallback':>10}")
    for lang in ordered(set(by_lang)):
        rs = by_lang[lang]
        a = acc(rs, "predicted")
        fb = 100 * sum(r["predicted"] == "nlu_fallback" for r in rs) / len(rs)
        print(f"{lang:<10}{len(rs):>4}{a:>9.1f}%{a - en:>+8.1f}{acc(rs, 'top'):>23.1f}%{fb:>9.1f}%")
    print(f"{'all':<10}{len(results):>4}{acc(results, 'predicted'):>9.1f}%")
    gaps = {lang: acc(by_lang[lang], "predicted") - en for lang in by_lang if lang != "en"}
    if gaps:
        behind = sorted((g, lang) for lang, g in gaps.items() if g < -10)
        worst = min(gaps, key=lambda lang: gaps[lang])
        line = f"within 10 points of English: {len(gaps) - len(behind)}/{len(gaps)} languages; "
        line += f"worst {worst} {gaps[worst]:+.1f}"
        print(line + (f"; behind: {', '.join(lang for _, lang in behind)}" if behind else ""))
    one_word = [r for r in results if r.get("one_word")]
    if one_word:
        right = [r for r in one_word if r["predicted"] == r["intent"]]
        misses = ", ".join(f"{r['text']} -> {r['predicted']}" for r in one_word if r["predicted"] != r["intent"])
        print(f"one-word greetings: {len(right)}/{len(one_word)} right" + (f"; missed: {misses}" if misses else ""))
    families = sorted({r["family"] for r in results})
    langs = ordered(set(by_lang))
    print()
    print("accuracy by intent family and language")
    print(f"{'family':<22}" + "".join(f"{lang:>6}" for lang in langs))
    for fam in families:
        cells = []
        for lang in langs:
            rs = [r for r in by_lang[lang] if r["family"] == fam]
            cells.append(f"{acc(rs, 'predicted'):>6.0f}")
        print(f"{fam:<22}" + "".join(cells))
    print()
    print(latency_line("parse_message (whole NLU pipeline)", times))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", action="append", type=Path, help="trained model (.tar.gz); repeatable")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument(
        "--data",
        action="append",
        choices=["intents_heldout.jsonl", "intents.jsonl", "intents_dev_langs.jsonl", "intents_heldout_langs.jsonl"],
        help="test set(s) in benchmarks/data/multilingual; repeatable (default: the held-out set)",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import structlog

    # Rasa logs every parse at debug level through structlog; keep the report readable.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    header("Multilingual intent accuracy (Rasa NLU)")
    for data in args.data or ["intents_heldout.jsonl"]:
        rows = load_jsonl(data)
        for model in args.model or [newest_model()]:
            results, times = asyncio.run(evaluate(model, rows))
            report(f"{model} on {data}", results, times)
            if args.errors:
                for r in results:
                    if r["predicted"] != r["intent"]:
                        miss = f"{r['intent']} -> {r['predicted']} ({r['confidence']:.2f})"
                        print(f"  [{r['language']}] {miss}: {r['text']}")
                print()


if __name__ == "__main__":
    main()
