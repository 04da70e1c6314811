"""Retrieval quality on the labelled question set: hit@1, hit@5, MRR and "I don't know" on questions the
knowledge base cannot answer, for dense, lexical and hybrid ranking side by side.

The corpus is shops/lumen-goods/content (policies, FAQs) plus the demo catalog var/demo_shop/products.jsonl
(`.venv/bin/python -m backends.demo_shop.generate` writes it). "I don't know" is decided as the service
does: the best result's cosine below the calibrated min_score in knowledge/answer_thresholds.json.

`--shop shops/<name>` measures another shop instead: the corpus is that shop's content/ (policies and FAQs,
chunked and indexed as the knowledge service does), the questions benchmarks/data/retrieval_questions/<name>.jsonl.

    .venv/bin/python benchmarks/retrieval_quality.py [--embedders e5,minilm] [--by-kind] [--shop shops/kettle-and-crane]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge.base import load_thresholds  # noqa: E402
from knowledge.evaluation import (  # noqa: E402
    add_labelled_set_arguments,
    build_searcher,
    evaluate,
    load_corpus,
    load_labelled_set,
    load_questions,
    metrics,
)
from retrieval.embedders import load_embedder  # noqa: E402
from svc.settings import var_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", default="e5,minilm")
    parser.add_argument("--modes", default="dense,lexical,hybrid")
    add_labelled_set_arguments(parser)
    parser.add_argument("--thresholds", default=str(ROOT / "knowledge" / "answer_thresholds.json"))
    parser.add_argument("--by-kind", action="store_true", help="hit@1/hit@5 per question kind (hybrid)")
    parser.add_argument("--misses", action="store_true", help="list hybrid questions missed at 5")
    parser.add_argument(
        "--shop",
        help="a shop directory: index its content/ (no catalog), ask retrieval_questions/<name>.jsonl",
    )
    args = parser.parse_args()
    cache_dir = var_dir() / "cache" / "retrieval_eval"
    if args.shop:
        shop = Path(args.shop).resolve()
        questions = load_questions(ROOT / "benchmarks" / "data" / "retrieval_questions" / f"{shop.name}.jsonl")
        docs = load_corpus(shop / "content", None)
        cache_dir = cache_dir / shop.name  # its own snapshot: the demo shop's cached vectors stay
    else:
        questions, docs = load_labelled_set(args)
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# machine: {platform.platform()}, {os.cpu_count()} cores visible")
    print(
        f"# corpus: {len(docs)} documents; questions: {len(questions)} "
        f"({sum(1 for q in questions if not q.answerable)} without an answer in the KB)"
        + (f"; shop: {args.shop}" if args.shop else "")
    )
    header = (
        f"{'embedder':<8} {'mode':<8} {'hit@1':>6} {'hit@5':>6} {'MRR':>6} {'idk_noans':>9} {'idk_prec':>8} "
        f"{'min_score':>9}"
    )
    rows = []
    for spec in args.embedders.split(","):
        embedder = load_embedder(spec.strip())
        min_score = load_thresholds(Path(args.thresholds), embedder.name)["min_score"]
        searcher = build_searcher(docs, embedder, cache_dir=cache_dir)
        for mode in args.modes.split(","):
            outcomes = evaluate(searcher, questions, mode)
            m = metrics(outcomes, min_score)
            rows.append(
                f"{embedder.name:<8} {mode:<8} {m['hit@1']:>6.3f} {m['hit@5']:>6.3f} {m['mrr']:>6.3f} "
                f"{m['no_answer_idk']:>9.3f} {m['idk_precision']:>8.3f} {min_score:>9.4f}"
            )
            if mode == "hybrid" and args.by_kind:
                by_kind = defaultdict(list)
                for o in outcomes:
                    if o.question.answerable:
                        by_kind[o.question.kind].append(o)
                for kind, items in sorted(by_kind.items()):
                    h1 = sum(o.rank == 1 for o in items) / len(items)
                    h5 = sum(o.rank is not None for o in items) / len(items)
                    rows.append(
                        f"    {embedder.name} hybrid kind={kind:<13} n={len(items):<4} hit@1={h1:.3f} hit@5={h5:.3f}"
                    )
            if mode == "hybrid" and args.misses:
                for o in outcomes:
                    if o.question.answerable and o.rank != 1:
                        rows.append(
                            f"    miss@1 {o.question.id} rank={o.rank} {o.question.question!r} -> {o.top_chunk}"
                        )
    print(header)
    for row in rows:
        print(row)
    print('# idk_noans: share of unanswerable questions answered with "I don\'t know" (target >= 0.90)')
    print('# idk_prec: share of "I don\'t know" replies that were for unanswerable questions')


if __name__ == "__main__":
    main()
