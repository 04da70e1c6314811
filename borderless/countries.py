"""Country names in many languages -> ISO 3166 alpha-2 codes, from the Unicode CLDR tables shipped in Babel.

"shipping to Germany", "envío a Alemania", "Versand nach Deutschland", "доставка в Германию", "ドイツへの配送"
all name DE. The table is CLDR's territory names in `LANGUAGES` (the languages multilingual-e5 serves well)
plus the shop's own; nothing here is a hand-written list of names. Codes a shopper types in capitals
("DE", "USA", "UK") are read through CLDR's territory aliases.

Matching folds case and accents; a name is found as whole words (or, in scripts written without spaces,
as a substring), and a long single-word name also in an inflected form sharing all but its last two
letters (Russian "Германию" for "Германия").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

from babel import Locale, UnknownLocaleError
from babel.core import get_global

# Languages whose country names are recognised, besides the shop's own.
LANGUAGES = tuple(
    [
        "en",
        "es",
        "de",
        "fr",
        "pt",
        "it",
        "nl",
        "pl",
        "sv",
        "da",
        "fi",
        "nb",
        "ru",
        "uk",
        "cs",
        "sk",
        "hu",
        "ro",
        "bg",
        "el",
        "tr",
        "ar",
        "he",
        "hi",
        "bn",
        "ja",
        "ko",
        "zh",
        "vi",
        "th",
        "id",
        "ms",
        "ca",
        "hr",
        "sr",
        "sl",
        "lt",
        "lv",
        "et",
        "fa",
        "ur",
        "ta",
    ]
)
# What shoppers call a country that CLDR does not list as its name (CLDR's own aliases cover codes: UK, USA).
COLLOQUIAL: dict[str, str] = {
    "holland": "NL",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "america": "US",
    "the states": "US",
    "emirates": "AE",
    "uae": "AE",
    "korea": "KR",
}
# English names that take "the" in a sentence ("to the Netherlands").
_THE = re.compile(
    r"^(United |Czech |Dominican |Central African )|(lands|Islands|Philippines|Bahamas|Maldives|Emirates)$"
)
# Scripts written without spaces between words: names are found as substrings.
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_MAX_WORDS = 5
_INFLECTION_MIN = 7  # single-word names at least this long also match a token sharing all but 2 letters


def fold(text: str) -> str:
    """Lower case without accents (Unicode compatibility form, combining marks removed)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class CountryNames:
    """Finds the country a message names; `codes` limits the answer to those (e.g. the countries a shop
    knows about) when given."""

    def __init__(self, languages: Iterable[str] = (), codes: Iterable[str] | None = None) -> None:
        wanted = frozenset(c.upper() for c in codes) if codes is not None else None
        self.wanted = wanted
        self.names: dict[str, str] = {}  # folded name -> code
        self.substrings: dict[str, str] = {}  # names in scripts without spaces
        self.stems: dict[str, str] = {}  # folded name minus its last two letters -> code
        for language in dict.fromkeys([*LANGUAGES, *languages]):
            for code, name in _territories(language).items():
                if wanted is not None and code not in wanted:
                    continue
                self._add(name, code)
        aliases: Mapping[str, list[str]] = get_global("territory_aliases")
        self.aliases = {
            alias: targets[0]
            for alias, targets in aliases.items()
            if alias.isalpha() and len(targets) == 1 and (wanted is None or targets[0] in wanted)
        }
        self.english = {code: name for code, name in _territories("en").items()}
        for name, code in COLLOQUIAL.items():
            if wanted is None or code in wanted:
                self._add(name, code)

    def _add(self, name: str, code: str) -> None:
        folded = fold(name)
        for variant in {folded, re.sub(r"\s*\(.*?\)", "", folded).strip()}:
            if not variant:
                continue
            if _NO_SPACES.search(variant):
                self.substrings.setdefault(variant, code)
                continue
            words = _TOKEN.findall(variant)
            key = " ".join(words)
            self.names.setdefault(key, code)
            if len(words) == 1 and len(key) >= _INFLECTION_MIN:
                self.stems.setdefault(key[:-2], code)

    def name(self, code: str, language: str = "en") -> str:
        """A code's name in `language` (CLDR), by default English (the knowledge base's language)."""
        code = code.upper()
        names = self.english if language == "en" else _territories(language) or self.english
        return names.get(code) or self.english.get(code, code)

    def in_sentence(self, code: str, language: str = "en") -> str:
        """The name as a sentence says it: "the Netherlands", "the United States" in English; CLDR's name
        in other languages."""
        name = self.name(code, language)
        return f"the {name}" if language == "en" and _THE.search(name) else name

    def named(self, text: str) -> str | None:
        """The code when `text` is a country's name and nothing else ("Deutschland", "the UK", "USA")."""
        bare = re.sub(r"^the\s+", "", text.strip(" .!?"), flags=re.IGNORECASE)
        folded = fold(bare)
        key = " ".join(_TOKEN.findall(folded))
        if key in self.names:
            return self.names[key]
        if _NO_SPACES.search(folded):
            return self.substrings.get(folded)
        return self._code_or_alias(bare.upper()) if len(key.split()) == 1 else None

    def find(self, text: str) -> str | None:
        """The first country `text` names (the longest name wins at a position), else None."""
        found = self.find_all(text)
        return found[0] if found else None

    def find_all(self, text: str) -> list[str]:
        hits: list[tuple[int, str]] = []
        raw_tokens = list(_TOKEN.finditer(text))
        folded = [fold(m.group()) for m in raw_tokens]
        n = 0
        while n < len(folded):
            match = None
            for size in range(min(_MAX_WORDS, len(folded) - n), 0, -1):
                code = self.names.get(" ".join(folded[n : n + size]))
                if code is not None:
                    match = (size, code)
                    break
            if match is None:
                token = raw_tokens[n].group()
                code = self._code_or_alias(token) or self._inflected(folded[n])
                if code is not None:
                    match = (1, code)
            if match is not None:
                hits.append((raw_tokens[n].start(), match[1]))
                n += match[0]
            else:
                n += 1
        folded_text = fold(text)
        for name, code in self.substrings.items():
            where = folded_text.find(name)
            if where >= 0:
                hits.append((where, code))
        ordered = [code for _pos, code in sorted(hits)]
        return list(dict.fromkeys(ordered))

    def _code_or_alias(self, token: str) -> str | None:
        # Only capitals: "in", "no", "it" and "at" are words; "IN" or "USA" written so are codes.
        if not token.isupper() or not token.isascii() or len(token) not in (2, 3):
            return None
        if len(token) == 2 and token in self.english and token not in self.aliases:
            code: str | None = token
        else:
            code = self.aliases.get(token)
        return code if code is not None and (self.wanted is None or code in self.wanted) else None

    def _inflected(self, token: str) -> str | None:
        if len(token) < _INFLECTION_MIN - 1:
            return None
        for cut in (2, 1, 3):
            code = self.stems.get(token[:-cut]) if len(token) > cut else None
            if code is not None and abs(len(token) - (len(token[:-cut]) + 2)) <= 2:
                return code
        return None


@functools.lru_cache(maxsize=128)
def _territories(language: str) -> dict[str, str]:
    """CLDR's country names in one language (ISO alpha-2 codes only; regions like "150" are left out)."""
    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return {}
    return {code: name for code, name in territories.items() if len(code) == 2 and code.isalpha()}


@functools.lru_cache(maxsize=16)
def country_names(languages: tuple[str, ...] = ()) -> CountryNames:
    """A shared table per language set (building one reads ~40 CLDR files, about half a second)."""
    return CountryNames(languages)
