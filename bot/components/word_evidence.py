"""Word-frequency evidence for the language of a short message: which language's words are these?

fastText's lite model (LanguageDetector) reads character n-grams and leans to English on a few words:
"cancelar a encomenda" scores English 0.35 against Portuguese 0.06, "bestelling annuleren" English 0.33
against Dutch 0.08. Yet each of those words is common in one language and absent from English. This module
weighs the candidates with a unigram model: the likelihood of the message's words under each language's
word frequencies (wordfreq's lists, shipped inside the PyPI package; no download), a floor for words a list
lacks. LanguageDetector multiplies it into fastText's scores, so the two kinds of evidence add up: on a long
message both agree; on a short one the words decide where fastText is unsure.

Only for scripts written with spaces between words (Latin, Cyrillic, Greek…): Chinese, Japanese and Thai
need a word segmenter wordfreq does not install without extras, and their scripts already name the language.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Iterable
from typing import Any

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Zipf value (log10 of frequency per billion words) given to a word a language's list does not have: below
# every listed word (the small lists stop near 1), so an unknown word counts against a language, boundedly.
_FLOOR_ZIPF = 0.5
# One word is too little: "hi" is Catalan's most frequent word, "nee" Dutch and a misspelt English "knee".
MIN_WORDS = 2
# A message's words beyond this many add nothing: the point is short messages, and long ones are fastText's.
MAX_WORDS = 12
_LN10 = math.log(10.0)


# Languages whose words are not separated by spaces: wordfreq needs a segmenter for them (an extra).
_UNSPACED = frozenset({"zh", "ja", "ko", "th", "my", "km", "lo"})


@functools.lru_cache(maxsize=1)
def _wordfreq() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # wordfreq 3.0 imports pkg_resources
            import wordfreq
    except ImportError:  # the component still works on fastText alone
        return None
    return wordfreq


@functools.lru_cache(maxsize=1)
def covered() -> frozenset[str]:
    """The languages with a word list."""
    module = _wordfreq()
    if module is None:
        return frozenset()
    return frozenset(module.available_languages(wordlist="small")) - _UNSPACED


@functools.lru_cache(maxsize=64)
def _frequencies(language: str) -> dict[str, float]:
    """word -> frequency (a share of all words) in `language`, read once per language and process."""
    return dict(_wordfreq().get_frequency_dict(language, wordlist="small"))


def words(text: str) -> list[str]:
    """The message's words, lower-cased, without numbers, order numbers, e-mail addresses or links."""
    kept = [t for t in text.split() if not re.search(r"[\d@/]", t)]
    return [w.lower() for w in _WORD.findall(" ".join(kept))][:MAX_WORDS]


def _zipf(word: str, language: str) -> float:
    frequency = _frequencies(language).get(word, 0.0)
    return max(math.log10(frequency) + 9.0, _FLOOR_ZIPF) if frequency > 0.0 else _FLOOR_ZIPF


def log_likelihoods(text: str, languages: Iterable[str]) -> dict[str, float]:
    """Natural-log likelihood of the message's words under each of `languages` that has a word list; empty
    when the message has fewer than MIN_WORDS words or wordfreq is not installed."""
    tokens = words(text)
    usable = [lang for lang in languages if lang in covered()]
    if len(tokens) < MIN_WORDS or not usable:
        return {}
    return {lang: sum((_zipf(w, lang) - 9.0) * _LN10 for w in tokens) for lang in usable}


def reweigh(scores: dict[str, float], text: str) -> dict[str, float]:
    """`scores` (language -> fastText score, any scale) times the word evidence, among the languages that have
    a word list; the mass of those languages is kept, so languages without a list keep their share."""
    likelihoods = log_likelihoods(text, scores)
    if len(likelihoods) < 2:
        return scores
    mass = sum(scores[lang] for lang in likelihoods)
    if mass <= 0.0:
        return scores
    top = max(likelihoods.values())
    combined = {lang: scores[lang] * math.exp(value - top) for lang, value in likelihoods.items()}
    total = sum(combined.values())
    if total <= 0.0:
        return scores
    return {**scores, **{lang: mass * value / total for lang, value in combined.items()}}
