"""Sentiment accuracy per language for each configured backend (e5 head, VADER), plus latency.

Run: .venv/bin/python benchmarks/multilingual_sentiment.py
Data: benchmarks/data/multilingual/sentiment.jsonl (written for this project; disjoint from the training set
models/data/sentiment_train.jsonl). Labels: negative / neutral / positive. Rows marked "hard" (negation,
sarcasm, mild complaints, factual statements) are also reported on their own. "polarity" counts only
whether a negative message was called negative and a positive one positive (what frustration detection needs).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.multilingual_common import header, latency_line, load_jsonl, ordered  # noqa: E402
from models.config import load_config  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402


def main() -> None:
    header("Sentiment per language")
    config = load_config()
    # Only what sentiment needs: the default config minus the torch-backed English embedder.
    config = config.model_copy(update={"embeddings": {"multilingual": config.embeddings["multilingual"]}})
    registry = ModelRegistry.load(config)
    rows = load_jsonl("sentiment.jsonl")
    langs = ordered({r["language"] for r in rows})
    print(f"{'backend':<14}{'language':<10}{'n':>4}{'accuracy':>10}{'polarity':>10}{'neg recall':>12}")
    latencies: dict[str, list[float]] = defaultdict(list)
    for name, backend in registry.sentiment_backends.items():
        route = next(r for r in config.sentiment.routes if r.name == name)
        total = [0, 0]
        for lang in langs:
            if not route.serves(lang):
                continue
            subset = [r for r in rows if r["language"] == lang]
            preds = []
            for r in subset:
                start = time.perf_counter()
                (pred,) = backend.predict([r["text"]])
                latencies[name].append(time.perf_counter() - start)
                preds.append(pred.label)
            ok = sum(p == r["label"] for p, r in zip(preds, subset, strict=True))
            polar = [(p, r["label"]) for p, r in zip(preds, subset, strict=True) if r["label"] != "neutral"]
            pol_ok = sum(p == g for p, g in polar)
            negs = [(p, g) for p, g in polar if g == "negative"]
            total[0] += ok
            total[1] += len(subset)
            neg_recall = 100 * sum(p == g for p, g in negs) / max(len(negs), 1)
            print(
                f"{name:<14}{lang:<10}{len(subset):>4}{100 * ok / len(subset):>9.1f}%"
                f"{100 * pol_ok / max(len(polar), 1):>9.1f}%{neg_recall:>11.1f}%"
            )
        print(f"{name:<14}{'all':<10}{total[1]:>4}{100 * total[0] / max(total[1], 1):>9.1f}%")
        hard = [r for r in rows if r.get("hard") and route.serves(r["language"])]
        if hard:
            hard_ok = sum(backend.predict([r["text"]])[0].label == r["label"] for r in hard)
            print(f"{name:<14}{'hard only':<10}{len(hard):>4}{100 * hard_ok / len(hard):>9.1f}%")
        print()
    frustration_bands(registry, rows)
    print("## latency (in-process, one message at a time)")
    for name, times in latencies.items():
        print(latency_line(f"sentiment {name}", times))
    start_langid = []
    for r in rows:
        start = time.perf_counter()
        guess = registry.language_id.detect(r["text"])
        backend = registry.sentiment.route_for(guess.language)
        if backend is not None:
            backend.predict([r["text"]])
        start_langid.append(time.perf_counter() - start)
    print(latency_line("language ID + routed sentiment", start_langid))


def frustration_bands(registry: ModelRegistry, rows: list[dict]) -> None:
    """How many messages of each true label the frustration rule (actions/frustration.py) counts as
    negative or angry, with the routed backend's scores: a neutral or positive message counted angry
    would bring an unwanted offer of a person."""
    from actions.frustration import ANGRY_SCORE, NEGATIVE_SCORE

    print(f"## frustration thresholds (actions/frustration.py): negative <= {NEGATIVE_SCORE}, angry <= {ANGRY_SCORE}")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        backend = registry.sentiment.route_for(r["language"])
        if backend is None:
            continue
        (pred,) = backend.predict([r["text"]])
        cell = counts[r["label"]]
        cell[0] += 1
        cell[1] += pred.label == "negative" and pred.score <= NEGATIVE_SCORE
        cell[2] += pred.label == "negative" and pred.score <= ANGRY_SCORE
    print(f"{'true label':<12}{'n':>5}{'negative':>12}{'angry':>12}")
    for label in ("negative", "neutral", "positive"):
        n, neg, angry = counts[label]
        print(f"{label:<12}{n:>5}{neg:>5} {100 * neg / max(n, 1):5.1f}%{angry:>5} {100 * angry / max(n, 1):5.1f}%")
    print()


if __name__ == "__main__":
    main()
