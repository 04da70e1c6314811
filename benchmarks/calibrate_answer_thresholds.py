"""Calibrates the answer-confidence threshold per embedder and writes knowledge/answer_thresholds.json.

The knowledge service marks a search `confident` when the best hybrid result's cosine similarity reaches
`min_score`. This picks the threshold that maximises right decisions (correct top answer given, or
"I don't know" on an unanswerable question) while saying "I don't know" to at least 90% of the
unanswerable questions, fitted on the whole labelled set. Because that is an in-sample fit, it also
reports a 2-fold cross-validation (fit on one fixed half, measure on the other, both ways) as the
out-of-sample estimate. Deterministic: same questions, corpus and embedders give the same file.

    .venv/bin/python benchmarks/calibrate_answer_thresholds.py [--embedders e5,minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge import evaluation  # noqa: E402
from knowledge.evaluation import best_threshold, build_searcher, evaluate, metrics  # noqa: E402
from retrieval.embedders import load_embedder  # noqa: E402
from svc.settings import var_dir  # noqa: E402


def rounded(m: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", default="e5,minilm")
    evaluation.add_labelled_set_arguments(parser)
    parser.add_argument("--min-idk", type=float, default=0.9)
    parser.add_argument("--out", default=str(ROOT / "knowledge" / "answer_thresholds.json"))
    args = parser.parse_args()
    questions, docs = evaluation.load_labelled_set(args)
    out_path = Path(args.out)
    existing = json.loads(out_path.read_text()) if out_path.exists() else {}
    result = {
        "about": "min_score = lowest cosine of the best hybrid result for which the knowledge service answers; "
        "written by benchmarks/calibrate_answer_thresholds.py",
        "questions": Path(args.questions).name,
        "min_idk_on_unanswerable": args.min_idk,
        "embedders": dict(existing.get("embedders") or {}),
    }
    for spec in args.embedders.split(","):
        embedder = load_embedder(spec.strip())
        searcher = build_searcher(docs, embedder, cache_dir=var_dir() / "cache" / "retrieval_eval")
        outcomes = evaluate(searcher, questions, "hybrid")
        threshold = best_threshold(outcomes, args.min_idk)
        half_a = [o for o in outcomes if o.question.in_calibration_half()]
        half_b = [o for o in outcomes if not o.question.in_calibration_half()]
        t_a, t_b = best_threshold(half_a, args.min_idk), best_threshold(half_b, args.min_idk)
        # Out-of-sample: every question judged with the threshold fitted on the other half.
        unans = [o for o in outcomes if not o.question.answerable]
        cv_idk = sum(1 for o in unans if o.top_score < (t_b if o.question.in_calibration_half() else t_a)) / max(
            1, len(unans)
        )
        answerable = [o for o in outcomes if o.question.answerable]
        cv_correct = sum(
            1 for o in answerable if o.rank == 1 and o.top_score >= (t_b if o.question.in_calibration_half() else t_a)
        ) / max(1, len(answerable))
        entry = {
            "min_score": threshold,
            "in_sample": rounded(metrics(outcomes, threshold)),
            "cross_validated": {
                "half_thresholds": [t_a, t_b],
                "no_answer_idk": round(cv_idk, 4),
                "answered_correctly": round(cv_correct, 4),
            },
        }
        # Cross-lingual cosines run lower than English ones, so one threshold silences nearly every
        # non-English question. Non-English questions get their own threshold, fitted on that subset only
        # (small: the figures below say how small).
        other = [o for o in outcomes if o.question.language != "en"]
        if other:
            t_other = best_threshold(other, args.min_idk)
            entry["min_score_non_english"] = t_other
            entry["non_english_in_sample"] = rounded(metrics(other, t_other)) | {
                "questions": len(other),
                "unanswerable": sum(1 for o in other if not o.question.answerable),
            }
        result["embedders"][embedder.name] = entry
        print(f"{embedder.name}: min_score={threshold}  in-sample {entry['in_sample']}")
        print(f"{embedder.name}: 2-fold cross-validated {entry['cross_validated']}")
        if "min_score_non_english" in entry:
            print(
                f"{embedder.name}: non-English min_score={entry['min_score_non_english']}  "
                f"in-sample {entry['non_english_in_sample']}"
            )
    out_path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
