"""Answer quality: does the answer the shopper reads contain the fact the question asks for, and how long is it?

Questions: benchmarks/data/answer_quality/ — per shop, each question with the fact that must appear in the
answer, written from that shop's policy pages: `lumen-goods.jsonl` (the demo shop; `facts`: accepted forms,
matched as text) and `kettle-and-crane.yaml` (the second shop, written by its content's author; `fact`: a
regular expression), in several languages. Every question runs as the knowledge service runs it (hybrid search
with the service's fusion weights, top 5, then knowledge/answers.py with that shop's rule tables), over that
shop's articles only (shops/<name>/content, no product catalog).

Beside it, today's passage output measured the same way: the answer action's reply before composition (the
best passage clipped to 700 characters, plus a runner-up scoring ≥ 0.9 of it, clipped to 450). Words are
counted without citation lines and Markdown syntax (table pipes, separators, bold markers). Questions are
searched in the shopper's words (the action first translates them to English where the models service has a
route; that step is left out here). `confident` is the share the service would answer at all (the search's
reference threshold, or a rule-table fact). Figures only; nothing is asserted.

    .venv/bin/python benchmarks/answer_quality.py [--smoke] [--misses] [--embedder e5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from borderless.profile import load_shop  # noqa: E402
from knowledge.answers import Answerer, load_fact_tables  # noqa: E402
from knowledge.base import (  # noqa: E402
    _result,
    lexical_weight_for,  # noqa: E402
    load_thresholds,
    result_chunk,
)
from knowledge.evaluation import DEFAULTS, QueryCache, build_searcher  # noqa: E402
from knowledge.ingest import load_content_dir  # noqa: E402
from retrieval.embedders import load_embedder  # noqa: E402
from svc.settings import var_dir  # noqa: E402

QUESTIONS = ROOT / "benchmarks" / "data" / "answer_quality"
SMOKE_PER_SHOP = 8


def load_questions(folder: Path) -> list[dict[str, Any]]:
    """Every shop's questions as {id, shop, language, question, facts | fact}."""
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n, q in enumerate(data["questions"], start=1):
            rows.append({"id": f"{data['shop']}-{n:03d}", "shop": data["shop"], **q})
    return rows


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u00a0", " ")
    text = re.sub(r"\*\*|__", "", text)
    return re.sub(r"\s+", " ", text)


def contains_fact(answer: str, row: dict[str, Any]) -> bool:
    body = normalise(answer)
    if "fact" in row:  # a regular expression
        return re.search(row["fact"], body, flags=re.IGNORECASE) is not None
    return any(normalise(f) in body for f in row["facts"])


def words(markdown: str) -> int:
    """Words a shopper reads: no table separators, pipes or bold markers."""
    lines = [line for line in markdown.splitlines() if not re.match(r"^\s*\|?\s*:?-{2,}", line)]
    text = re.sub(r"[|*#]", " ", "\n".join(lines))
    return len(text.split())


def clip(text: str, limit: int) -> str:
    """The answer action's clipping before composition (actions/knowledge_answer.py `_clip`)."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0] + " …"


def passage_output(results: list[dict]) -> str:
    """The reply before composition, without its "Source:"/"See also:" lines."""
    best, others = results[0], results[1:]
    parts = [clip(best["text"], 700)]
    close = next((p for p in others[:1] if p["type"] != "product" and p["score"] >= 0.9 * best["score"]), None)
    if close is not None:
        parts.append(clip(close["text"], 450))
    return "\n\n".join(parts)


def load_vectors(path: Path) -> dict[str, np.ndarray]:
    """Vectors embedded by an earlier run (questions and answer units; keyed by text and embedder)."""
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))


def save_vectors(path: Path, vectors: dict[str, np.ndarray]) -> None:
    if not vectors:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = list(vectors)
    np.savez(path, texts=np.array(texts), vectors=np.stack([vectors[t] for t in texts]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(QUESTIONS), help="folder of per-shop question files")
    parser.add_argument("--embedder", default="e5")
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_PER_SHOP} questions per shop, for make bench-smoke"
    )
    parser.add_argument("--misses", action="store_true", help="list the questions whose answer lacks the fact")
    args = parser.parse_args()
    rows = load_questions(Path(args.questions))
    if args.smoke:
        by_shop: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_shop[row["shop"]].append(row)
        rows = [r for group in by_shop.values() for r in group[:SMOKE_PER_SHOP]]
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# machine: {platform.platform()}, {os.cpu_count()} cores visible, Python {platform.python_version()}")
    embedder = load_embedder(args.embedder)
    min_score = load_thresholds(ROOT / "knowledge" / "answer_thresholds.json", embedder.name)
    results: dict[str, list[dict]] = defaultdict(list)
    started = time.perf_counter()
    for name in dict.fromkeys(r["shop"] for r in rows):
        questions = [r for r in rows if r["shop"] == name]
        shop = load_shop(ROOT / "shops" / name)
        docs = load_content_dir(shop.content_dir)
        searcher = build_searcher(docs, embedder, cache_dir=var_dir() / "cache" / "answer_quality" / name)
        tables = load_fact_tables(shop.rules_dir, tuple(shop.languages.supported))
        # The searcher's embedder remembers each question: the answer reuses its vector, as in the service.
        answerer = Answerer(searcher.embedder, tables)
        # Vectors of an earlier run on this machine: a rerun embeds only what changed.
        cache = var_dir() / "cache" / "answer_quality" / name / f"vectors-{embedder.name}"
        answerer.composer.scorer.preload(load_vectors(cache.with_suffix(".units.npz")))
        if isinstance(searcher.embedder, QueryCache):
            searcher.embedder.preload(load_vectors(cache.with_suffix(".questions.npz")))
            searcher.embedder.prefill([r["question"] for r in questions])
            save_vectors(cache.with_suffix(".questions.npz"), searcher.embedder.cached())
        for row in questions:
            language = row["language"]
            weight = lexical_weight_for(language, DEFAULTS.lexical_weight)
            hits = searcher.search(row["question"], top_k=5, lexical_weight=weight)
            served = [_result(c, h.score, h.dense_score, h.lexical_score) for c, h in hits]
            answer = answerer.answer(row["question"], [result_chunk(r) for r in served], version=1, language=language)
            composed = answer.markdown if answer is not None else ""
            passage = passage_output(served) if served else ""
            threshold = min_score["min_score" if language == "en" else "min_score_non_english"]
            search_confident = bool(hits) and float(hits[0][1].dense_score or 0.0) >= threshold
            results[name].append(
                {
                    **row,
                    "composed": composed,
                    "kind": answer.kind if answer is not None else "",
                    "passage": passage,
                    "composed_ok": contains_fact(composed, row),
                    "passage_ok": contains_fact(passage, row),
                    "composed_words": words(composed),
                    "passage_words": words(passage),
                    "confident": search_confident or (answer is not None and answer.kind == "fact"),
                }
            )
        save_vectors(cache.with_suffix(".units.npz"), answerer.composer.scorer.cached())
    elapsed = time.perf_counter() - started
    everything = [r for rs in results.values() for r in rs]
    print(f"# {len(everything)} questions; embedder {embedder.name}; {elapsed:.1f} s including index builds")
    print()
    print(
        f"{'set':<22} {'n':>4} {'composed has fact':>18} {'passage has fact':>17} "
        f"{'median words (composed / passage)':>34} {'confident':>9}"
    )

    def line(label: str, group: list[dict]) -> None:
        n = len(group)
        if not n:
            return
        c = sum(r["composed_ok"] for r in group) / n
        p = sum(r["passage_ok"] for r in group) / n
        cw = statistics.median(r["composed_words"] for r in group)
        pw = statistics.median(r["passage_words"] for r in group)
        conf = sum(r["confident"] for r in group) / n
        print(f"{label:<22} {n:>4} {c:>18.1%} {p:>17.1%} {cw:>17.0f} / {pw:<14.0f} {conf:>9.1%}")

    line("all", everything)
    for name, group in results.items():
        line(f"shop {name}", group)
    for language in sorted({r["language"] for r in everything}):
        line(f"language {language}", [r for r in everything if r["language"] == language])
    facts = [r for r in everything if r["kind"] == "fact"]
    line("answered from rules", facts)
    line("answered from text", [r for r in everything if r["kind"] == "passage"])
    if args.misses:
        print()
        for r in everything:
            if not r["composed_ok"]:
                print(f"MISS {r['id']} [{r['language']}] {r['question']}  want {r.get('facts') or r.get('fact')}")
                print("     " + r["composed"].replace("\n", "\n     "))


if __name__ == "__main__":
    main()
