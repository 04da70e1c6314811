"""Calibration for any shop's content (knowledge/calibration.py), checked against hand-labelled questions.

For each shop: the thresholds `python -m knowledge calibrate` would choose on that shop's articles (questions
generated from the articles, own article left out for "unanswerable", 2-fold cross-validation by article;
no translation route here, so the non-English threshold keeps the reference's cross-lingual gap), then both
those and the reference thresholds (knowledge/answer_thresholds.json, fitted on the demo shop's labelled
questions) judged on the shop's hand-labelled retrieval questions: share answered with the right article
first, and share of unanswerable questions declined ("I'm not sure"), English and non-English apart.
Corpus: the shop's articles only (questions labelled with a product are left out). Figures only.

    .venv/bin/python benchmarks/calibrate_any_shop.py [--shops lumen-goods,kettle-and-crane]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from borderless.profile import load_shop  # noqa: E402
from knowledge.base import lexical_weight_for, load_thresholds  # noqa: E402
from knowledge.calibration import calibrate, summary  # noqa: E402
from knowledge.evaluation import DEFAULTS, Outcome, build_searcher, evaluate, load_questions, metrics  # noqa: E402
from knowledge.ingest import load_content_dir  # noqa: E402
from retrieval.embedders import load_embedder  # noqa: E402
from svc.settings import var_dir  # noqa: E402

LABELLED = {
    "lumen-goods": ROOT / "benchmarks" / "data" / "retrieval_questions.jsonl",
    "kettle-and-crane": ROOT / "benchmarks" / "data" / "retrieval_questions" / "kettle-and-crane.jsonl",
}
REFERENCE = ROOT / "knowledge" / "answer_thresholds.json"


def judged(outcomes: list[Outcome], english: float, other: float) -> dict[str, str]:
    out = {}
    for label, group, threshold in (
        ("en", [o for o in outcomes if o.question.language == "en"], english),
        ("other", [o for o in outcomes if o.question.language != "en"], other),
    ):
        if not group:
            continue
        m = metrics(group, threshold)
        out[label] = (
            f"answered correctly {m['answered_correctly']:.1%} of {m['answerable']}, "
            f"declined {m['no_answer_idk']:.1%} of {m['unanswerable']} unanswerable"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", default=",".join(LABELLED))
    parser.add_argument("--embedder", default="e5")
    args = parser.parse_args()
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# machine: {platform.platform()}, {os.cpu_count()} cores visible, Python {platform.python_version()}")
    embedder = load_embedder(args.embedder)
    reference = load_thresholds(REFERENCE, embedder.name)
    for name in args.shops.split(","):
        shop = load_shop(ROOT / "shops" / name)
        docs = load_content_dir(shop.content_dir)
        ids = {d.id for d in docs}
        questions = [q for q in load_questions(LABELLED[name]) if all(r.get("doc") in ids for r in q.relevant)]
        searcher = build_searcher(docs, embedder, cache_dir=var_dir() / "cache" / "calibrate_any_shop" / name)
        started = time.perf_counter()
        result = calibrate(
            searcher, lexical_weight=lambda lang: lexical_weight_for(lang, DEFAULTS.lexical_weight), reference=REFERENCE
        )
        took = time.perf_counter() - started
        print(f"\n## {name}: {len(docs)} articles; {summary(result)} ({took:.0f} s)")
        outcomes = evaluate(searcher, questions, "hybrid")
        print(f"labelled questions: {len(questions)} ({sum(not q.answerable for q in questions)} unanswerable)")
        candidates = {"reference": (reference["min_score"], reference["min_score_non_english"])}
        if result is not None:
            candidates["calibrated"] = (result["min_score"], result["min_score_non_english"])
        for label, (english, other) in candidates.items():
            for lang, text in judged(outcomes, english, other).items():
                print(f"  {label:<10} ({english:.4f} / {other:.4f}) {lang:<5} {text}")


if __name__ == "__main__":
    main()
