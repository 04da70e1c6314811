"""Which messages the NLU hands to E5IntentClassifier: LanguageDetector's priors and the English-confidence cut.

E5IntentClassifier answers every message that is not confidently English; DIET (trained on English) keeps the
rest. A non-English message left with DIET is almost always misread, an English message handed to e5 is still
answered by a classifier trained on the same English examples, so the cut favours handing over. This prints, for
LanguageDetector's `other_language_weight` and E5IntentClassifier's `min_english_confidence`, on the development
sets only (never the held-out set `intents_heldout_langs.jsonl`):
- language ID accuracy (shop languages) and how often a non-English message comes out as English;
- non-English messages kept by DIET (bad) and English messages handed to e5 (harmless, but DIET is better at
  English).

Run (Rasa venv): .venv-rasa/bin/python benchmarks/multilingual_routing.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.multilingual_common import header, load_jsonl  # noqa: E402
from bot.components.language_detector import LanguageDetector, detect_language  # noqa: E402

DEV_SETS = ("langid.jsonl", "intents.jsonl", "intents_dev_langs.jsonl")
WEIGHTS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)
CUTS = (0.3, 0.5, 0.7, 0.9)


def main() -> None:
    header("Routing between DIET and E5IntentClassifier (development sets)")
    config = LanguageDetector.get_default_config()
    served = list(config["languages"])
    rows = [r for name in DEV_SETS for r in load_jsonl(name)]
    english = [r for r in rows if r["language"] == "en"]
    others = [r for r in rows if r["language"] != "en"]
    in_shop = [r for r in rows if r["language"] in served]
    print(f"{len(rows)} messages ({', '.join(DEV_SETS)}): {len(english)} English, {len(others)} other")
    print(f"{len(in_shop)} in the shop's {len(served)} languages")
    print()
    head = f"{'weight':>7}{'langid (shop langs)':>21}{'non-en -> en':>14}"
    head += "".join(f"{f'cut {c}: kept/handed':>22}" for c in CUTS)
    print(head)
    for weight in WEIGHTS:
        guesses = {r["text"]: detect_language(r["text"], served, "en", 0.4, weight) for r in rows}
        ok = sum(guesses[r["text"]][0] == r["language"] for r in in_shop)
        as_en = sum(guesses[r["text"]][0] == "en" for r in others)
        line = f"{weight:>7}{f'{ok}/{len(in_shop)}':>21}{as_en:>14}"
        for cut in CUTS:
            confident_en = {t for t, (lang, conf, _) in guesses.items() if lang == "en" and conf >= cut}
            kept = sum(r["text"] in confident_en for r in others)
            handed = sum(r["text"] not in confident_en for r in english)
            line += f"{f'{kept}/{len(others)} {handed}/{len(english)}':>22}"
        print(line)
    print()
    weight = config["other_language_weight"]
    print(f"non-English messages read as English at the default weight {weight}:")
    for r in others:
        lang, conf, _ = detect_language(r["text"], served, "en", 0.4, weight)
        if lang == "en":
            print(f"  [{r['language']}] en {conf:.2f}: {r['text']}")


if __name__ == "__main__":
    main()
