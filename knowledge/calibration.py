"""Calibrating the "not sure" thresholds on any shop's content, with questions generated from its own articles.

The hand-labelled calibration (benchmarks/calibrate_answer_thresholds.py) fits the demo shop; another shop's
text sits at other cosines. This fits the thresholds on the served index itself:

1. `generate_questions`: from every article passage (policies, FAQs, text; not products) — an FAQ heading
   that is a question, as it is; another section heading as the short query a shopper types; and the first
   and the most content-rich sentence as a keyword query (its content words, at most six).
   With a `translate` function (the models service, where it has a route) every question is also asked in
   the shop's other languages.
2. Each question is searched twice, as the service searches: on the whole index (answerable: right when the
   best hit is its own article) and with its own article left out (then it is a question this knowledge
   base cannot answer: the best remaining hit's cosine is what "I'm not sure" must stay above).
3. `best_threshold` (knowledge/evaluation.py, shared with the hand-labelled calibration) picks the threshold
   with the most right decisions while declining ≥ `min_idk` of the unanswerable questions; a 2-fold
   cross-validation by article (fit on half the articles, judge the other half) reports how well it holds.
4. Non-English questions get their own threshold when translations exist; otherwise the English threshold
   minus the embedder's cross-lingual gap measured in the reference calibration (knowledge/answer_thresholds.json),
   and the report says so.

The result is stored with the snapshot (`calibration.json` in its folder) and served from there.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from knowledge.base import load_thresholds
from knowledge.evaluation import Outcome, Question, best_threshold, metrics
from retrieval.compose import split_units, strip_list_marker
from retrieval.snapshot import Searcher
from retrieval.text import STOP_WORDS
from retrieval.types import Chunk

CALIBRATION_FILE = "calibration.json"
MIN_DOCUMENTS = 4  # leaving one article out needs others to fall back on
MIN_QUESTIONS = 20
MAX_KEYWORDS = 6
# Translate: (English texts, target language) -> texts in that language, or None when there is no route.
Translate = Callable[[list[str], str], list[str] | None]
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


@dataclass(frozen=True)
class GeneratedQuestion:
    text: str
    doc_id: str
    chunk_id: str
    origin: str  # "faq-heading", "heading" or "sentence"
    language: str = "en"


def keyword_query(sentence: str) -> str:
    """A sentence as the keywords a shopper types: its content words in order, at most `MAX_KEYWORDS`."""
    plain = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", strip_list_marker(sentence)).replace("**", "")
    words = [w for w in _WORD.findall(plain) if w.lower() not in STOP_WORDS and len(w) > 2]
    return " ".join(words[:MAX_KEYWORDS]).lower()


def generate_questions(chunks: Sequence[Chunk]) -> list[GeneratedQuestion]:
    """Questions from the article passages of an index, deterministic for the same content."""
    out: list[GeneratedQuestion] = []
    seen: set[str] = set()

    def add(text: str, chunk: Chunk, origin: str) -> None:
        text = text.strip()
        key = text.casefold()
        if len(text.split()) >= 2 and key not in seen:
            seen.add(key)
            out.append(GeneratedQuestion(text, chunk.doc_id, chunk.chunk_id, origin))

    for chunk in chunks:
        if chunk.type == "product":
            continue
        if chunk.section.endswith("?"):
            add(chunk.section, chunk, "faq-heading")
        elif chunk.section:
            add(chunk.section.lower(), chunk, "heading")
        sentences = [u.text for u in split_units(chunk) if u.kind in ("sentence", "item")]
        if not sentences:
            continue
        richest = max(sentences, key=lambda s: len(keyword_query(s).split()))
        for sentence in dict.fromkeys([sentences[0], richest]):
            add(keyword_query(sentence), chunk, "sentence")
    return out


def with_translations(
    questions: list[GeneratedQuestion], languages: Sequence[str], translate: Translate | None
) -> tuple[list[GeneratedQuestion], list[str]]:
    """The questions plus their translations into `languages` (those with a route); the languages reached."""
    if translate is None:
        return questions, []
    english = [q for q in questions if q.language == "en"]
    out = list(questions)
    reached = []
    for language in languages:
        if language == "en":
            continue
        texts = translate([q.text for q in english], language)
        if not texts or len(texts) != len(english):
            continue
        reached.append(language)
        for q, text in zip(english, texts, strict=True):
            if text.strip():
                out.append(GeneratedQuestion(text.strip(), q.doc_id, q.chunk_id, q.origin, language))
    return out, reached


def _half(doc_id: str) -> bool:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 == 0


def outcomes_for(
    searcher: Searcher,
    questions: Sequence[GeneratedQuestion],
    lexical_weight: Callable[[str], float],
    candidates: int = 50,
) -> list[tuple[Outcome, str]]:
    """Two outcomes per question, with the question's article: answerable (whole index) and unanswerable
    (its article left out of the ranking)."""
    out: list[tuple[Outcome, str]] = []
    for n, q in enumerate(questions):
        hits = searcher.search(q.text, top_k=candidates, lexical_weight=lexical_weight(q.language))
        if not hits:
            continue
        asked = Question(f"g{n}", q.text, [{"doc": q.doc_id}], q.origin, q.language)
        top_chunk, top_hit = hits[0]
        rank = 1 if top_chunk.doc_id == q.doc_id else None
        out.append((Outcome(asked, rank, float(top_hit.dense_score or 0.0), top_chunk.chunk_id), q.doc_id))
        rest = [(c, h) for c, h in hits if c.doc_id != q.doc_id]
        if rest:
            blind = Question(f"g{n}-out", q.text, [], q.origin, q.language)
            chunk, hit = rest[0]
            out.append((Outcome(blind, None, float(hit.dense_score or 0.0), chunk.chunk_id), q.doc_id))
    return out


def _rounded(m: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}


def _fit(pairs: list[tuple[Outcome, str]], min_idk: float) -> dict[str, Any]:
    outcomes = [o for o, _ in pairs]
    threshold = best_threshold(outcomes, min_idk)
    half_a = [o for o, d in pairs if _half(d)]
    half_b = [o for o, d in pairs if not _half(d)]
    t_a, t_b = best_threshold(half_a, min_idk), best_threshold(half_b, min_idk)
    # Out of sample: each article's questions judged with the threshold fitted on the other half's articles.
    judged = [(o, t_b if _half(d) else t_a) for o, d in pairs]
    unanswerable = [(o, t) for o, t in judged if not o.question.answerable]
    answerable = [(o, t) for o, t in judged if o.question.answerable]
    cv = {
        "half_thresholds": [t_a, t_b],
        "no_answer_idk": round(sum(o.top_score < t for o, t in unanswerable) / max(1, len(unanswerable)), 4),
        "answered_correctly": round(
            sum(o.rank == 1 and o.top_score >= t for o, t in answerable) / max(1, len(answerable)), 4
        ),
    }
    return {"min_score": threshold, "in_sample": _rounded(metrics(outcomes, threshold)), "cross_validated": cv}


def calibrate(
    searcher: Searcher,
    *,
    lexical_weight: Callable[[str], float],
    languages: Sequence[str] = (),
    translate: Translate | None = None,
    min_idk: float = 0.9,
    reference: Path,
) -> dict[str, Any] | None:
    """Thresholds fitted on questions generated from the searcher's own articles, or None when the index has
    too few articles to judge (then the reference thresholds stay in force)."""
    chunks = searcher.snapshot.chunks
    documents = {c.doc_id for c in chunks if c.type != "product"}
    questions = generate_questions(chunks)
    if len(documents) < MIN_DOCUMENTS or len(questions) < MIN_QUESTIONS:
        return None
    questions, reached = with_translations(questions, languages, translate)
    pairs = outcomes_for(searcher, questions, lexical_weight)
    english = [(o, d) for o, d in pairs if o.question.language == "en"]
    result: dict[str, Any] = {
        "embedder": searcher.embedder.name,
        "version": searcher.version,
        "documents": len(documents),
        "questions": sum(1 for q in questions if q.language == "en"),
        "min_idk_on_unanswerable": min_idk,
        **_fit(english, min_idk),
    }
    other = [(o, d) for o, d in pairs if o.question.language != "en"]
    if other:
        fitted = _fit(other, min_idk)
        result["min_score_non_english"] = fitted["min_score"]
        result["non_english"] = {"method": "translated questions", "languages": reached, **fitted}
    else:
        ref = load_thresholds(reference, searcher.embedder.name)
        gap = ref["min_score"] - ref["min_score_non_english"]
        result["min_score_non_english"] = round(result["min_score"] - gap, 4)
        result["non_english"] = {
            "method": "offset: no translation route; the embedder's cross-lingual gap in the reference calibration",
            "gap": round(gap, 4),
        }
    return result


def models_translator(url: str, timeout_s: float = 30.0, batch: int = 64) -> Translate:
    """Translation through the models service's `POST /v1/translate` (from English); None for a language it
    has no route to, or when it cannot be reached — calibration then falls back to the offset."""

    def translate(texts: list[str], language: str) -> list[str] | None:
        out: list[str] = []
        try:
            for start in range(0, len(texts), batch):
                body = {"texts": texts[start : start + batch], "source": "en", "target": language}
                reply = requests.post(f"{url}/v1/translate", json=body, timeout=timeout_s)
                if reply.status_code != 200:
                    return None
                items = reply.json().get("translations") or []
                if not all(isinstance(i, dict) and i.get("translated") for i in items):
                    return None
                out.extend(str(i.get("text", "")) for i in items)
        except (requests.RequestException, ValueError):
            return None
        return out

    return translate


def write_calibration(folder: Path, result: dict[str, Any]) -> Path:
    path = Path(folder) / CALIBRATION_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def read_calibration(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(folder) / CALIBRATION_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def summary(result: dict[str, Any] | None) -> str:
    """One line for the CLI and logs."""
    if result is None:
        return "calibration: too few articles to calibrate; using the reference thresholds"
    cv = result["cross_validated"]
    return (
        f"calibration v{result['version']} ({result['embedder']}, {result['documents']} articles, "
        f"{result['questions']} generated questions): min_score={result['min_score']} "
        f"min_score_non_english={result['min_score_non_english']} ({result['non_english']['method']}); "
        f"cross-validated: answered correctly {cv['answered_correctly']:.1%}, "
        f"declined when the article is missing {cv['no_answer_idk']:.1%}"
    )
