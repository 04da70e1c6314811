"""Writing systems: which Unicode script a message's letters are in, and which languages can be written in it.

The script of the letters is a near-certain fact about a message, where a language detector's score is a guess:
Devanagari text is not English, Hangul is Korean, Greek letters are Greek. LanguageDetector uses this as a prior
on the detector's candidates, so a short Hindi question can never come out as English. Stdlib only (unicodedata).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

LATIN = "LATIN"
# Japanese text mixes kana and Han ideographs; any kana at all makes it Japanese.
KANA = "KANA"
HAN = "CJK"

# Languages written in a script other than Latin (fastText lid.176 codes). Every language not listed is assumed to
# be written in Latin letters. The first language of each script is the one a message in that script is given
# when the detector proposes none that fits (the most widely used language of the script).
LANGUAGES_BY_SCRIPT: dict[str, tuple[str, ...]] = {
    "CYRILLIC": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg", "tt", "ba", "cv", "ce", "os", "sah"),
    "GREEK": ("el",),
    "ARABIC": ("ar", "fa", "ur", "ps", "ckb", "sd", "ug", "arz", "azb", "mzn", "pnb", "glk"),
    "HEBREW": ("he", "yi"),
    "DEVANAGARI": ("hi", "mr", "ne", "sa", "new", "bh", "mai", "gom"),
    "BENGALI": ("bn", "as", "bpy"),
    "GURMUKHI": ("pa",),
    "GUJARATI": ("gu",),
    "ORIYA": ("or",),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "KANNADA": ("kn",),
    "MALAYALAM": ("ml",),
    "SINHALA": ("si",),
    "THAI": ("th",),
    "LAO": ("lo",),
    "MYANMAR": ("my",),
    "KHMER": ("km",),
    "TIBETAN": ("bo",),
    "GEORGIAN": ("ka",),
    "ARMENIAN": ("hy",),
    "ETHIOPIC": ("am",),
    "THAANA": ("dv",),
    "HANGUL": ("ko",),
    KANA: ("ja",),
    HAN: ("zh", "ja", "wuu", "yue"),
}
_SCRIPT_OF_LANGUAGE = {lang: script for script, langs in LANGUAGES_BY_SCRIPT.items() for lang in langs if script != HAN}
# Unicode names whose first word is not the script's name.
_ALIASES = {"HIRAGANA": KANA, "KATAKANA": KANA, "KATAKANA-HIRAGANA": KANA, "HALFWIDTH": None, "FULLWIDTH": LATIN}
# Text written mostly in another script often carries Latin brand names or codes ("PayPalで支払えますか"):
# the other script decides once it has this share of the letters.
MIN_SHARE_OVER_LATIN = 0.3


@lru_cache(maxsize=4096)
def _char_script(ch: str) -> str | None:
    if not unicodedata.category(ch).startswith(("L", "M")):
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    if first in _ALIASES:
        return _ALIASES[first]
    if first == "CJK":
        return HAN
    if first == "HANGUL":
        return "HANGUL"
    return first


def script_counts(text: str) -> Counter[str]:
    """Letters (and combining marks) per script."""
    return Counter(s for s in map(_char_script, text) if s is not None)


def dominant_script(text: str) -> str | None:
    """The script a message is written in; None when it has no letters."""
    counts = script_counts(text)
    if not counts:
        return None
    if counts.get(KANA):
        return KANA
    total = sum(counts.values())
    others = [(n, s) for s, n in counts.items() if s != LATIN]
    if others:
        n, script = max(others)
        if n / total >= MIN_SHARE_OVER_LATIN or not counts.get(LATIN):
            return script
    return LATIN


def writes(language: str, script: str | None) -> bool:
    """Whether `language` is written in `script` (any language fits a message without letters)."""
    if script is None:
        return True
    if script == HAN:
        return language in LANGUAGES_BY_SCRIPT[HAN]
    return _SCRIPT_OF_LANGUAGE.get(language, LATIN) == script


def default_language(script: str | None) -> str | None:
    """The language a message in `script` is given when nothing better is known (None for Latin: too many)."""
    if script is None or script == LATIN:
        return None
    return LANGUAGES_BY_SCRIPT.get(script, (None,))[0]
