"""Pivot translation for knowledge answers: does searching a non-English policy question in English (as
`action_answer_question` does where the models service has a route) find the intent's own article more often
than searching the shopper's own words?

Run against the running services (`make run`; or set KNOWLEDGE_URL / MODELS_URL):
    .venv/bin/python benchmarks/multilingual_retrieval.py
Data: the policy-intent questions (ask_shipping, ask_returns, ask_customs, ask_payment) of
benchmarks/data/multilingual/intents.jsonl and intents_heldout.jsonl. A question counts as found when the top
passage of the action's search (policy + FAQ filter, the intent's article preferred) is from that article.
Languages without a translation route to English are listed and skipped.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.knowledge_answer import INTENT_ARTICLE, KB_LANGUAGE  # noqa: E402
from benchmarks.multilingual_common import header, load_jsonl, ordered  # noqa: E402
from svc.endpoints import default_url  # noqa: E402

KNOWLEDGE_URL = default_url("knowledge")
MODELS_URL = default_url("models")


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def to_english(text: str, language: str) -> str | None:
    try:
        item = post(f"{MODELS_URL}/v1/translate", {"texts": [text], "source": language, "target": KB_LANGUAGE})
    except urllib.error.HTTPError as exc:
        if exc.code == 422:
            return None  # no route for this language
        raise
    result = item["translations"][0]
    return result["text"] if result.get("translated") else None


def search(query: str, language: str, article: str) -> tuple[bool, bool]:
    body = {
        "query": query,
        "top_k": 5,
        "filters": {"type": ["policy", "faq"]},
        "language": language,
        "prefer_doc_ids": [article],
    }
    answer = post(f"{KNOWLEDGE_URL}/v1/search", body)
    top = answer["results"][0]["doc_id"] if answer["results"] else None
    return top == article, bool(answer["confident"])


def main() -> None:
    header("Pivot translation for knowledge answers")
    print(f"knowledge service {KNOWLEDGE_URL}, models service {MODELS_URL}")
    rows = [r for f in ("intents.jsonl", "intents_heldout.jsonl") for r in load_jsonl(f)]
    rows = [r for r in rows if r["intent"] in INTENT_ARTICLE and r["language"] != KB_LANGUAGE]
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"own words": [0, 0, 0], "English": [0, 0, 0]})
    no_route: set[str] = set()
    for row in rows:
        lang = row["language"]
        if lang in no_route:
            continue
        english = to_english(row["text"], lang)
        if english is None:
            no_route.add(lang)
            continue
        article = INTENT_ARTICLE[row["intent"]]
        for name, query, qlang in (("own words", row["text"], lang), ("English", english, KB_LANGUAGE)):
            hit, confident = search(query, qlang, article)
            cell = found[lang][name]
            cell[0] += hit
            cell[1] += confident
            cell[2] += 1
    print(f"{'language':<10}{'n':>4}{'article first (own words)':>28}{'article first (English)':>26}{'confident':>18}")
    for lang in ordered(set(found)):
        own, eng = found[lang]["own words"], found[lang]["English"]
        n = own[2]
        print(
            f"{lang:<10}{n:>4}{own[0]:>18} {100 * own[0] / n:5.1f}%{eng[0]:>16} {100 * eng[0] / n:5.1f}%"
            f"{own[1]:>9} -> {eng[1]}"
        )
    if no_route:
        print(f"no translation route to English (searched in their own words only): {', '.join(ordered(no_route))}")


if __name__ == "__main__":
    main()
