"""Order-number formats of a shop: recognising, normalising and giving examples of what shoppers type.

Each format is a regular expression of what a shopper may type (its capture groups hold the significant part)
and a canonical template (`{1}`, `{2}` … are the groups), e.g. `W\\s*-?\\s*(\\d{7})` → `W{1}`, or
`#?\\s*(\\d{4,6})` → `#{1}`. Normalisation only removes noise (case, spaces, a missing dash); it never widens a
match, so a number one digit short stays unmatched.

A format may add a stricter `find` pattern (same groups) for numbers inside free text: a bare `1001` is a
fine answer to "what is your order number?", but inside "my zip is 97214" it is not an order number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_GROUP = re.compile(r"\{(\d+)\}")


class OrderNumberFormatError(ValueError):
    """A format in the shop profile cannot be used (bad regex, template naming a missing group)."""


@dataclass(frozen=True)
class OrderNumberFormat:
    pattern: str
    canonical: str
    example: str
    # Stricter pattern for free text (find/mentions/NLU); None means `pattern`.
    find_pattern: str | None = None
    _whole: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _inside: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            whole = re.compile(rf"(?:{self.pattern})", re.IGNORECASE)
        except re.error as exc:
            raise OrderNumberFormatError(f"pattern {self.pattern!r} is not a valid regular expression: {exc}") from exc
        try:
            # Inside free text the number must stand alone: no letter or digit glued to either end.
            inside = re.compile(rf"(?<![\w-])(?:{self.free_text_pattern})(?![\w])", re.IGNORECASE)
        except re.error as exc:
            raise OrderNumberFormatError(
                f"find {self.find_pattern!r} is not a valid regular expression: {exc}"
            ) from exc
        if inside.groups != whole.groups:
            raise OrderNumberFormatError(
                f"find {self.find_pattern!r} must have the same groups as pattern {self.pattern!r}"
            )
        missing = [int(g) for g in _GROUP.findall(self.canonical) if int(g) > whole.groups or int(g) == 0]
        if missing:
            raise OrderNumberFormatError(
                f"canonical {self.canonical!r} names group {{{missing[0]}}} but pattern {self.pattern!r} "
                f"has {whole.groups} group(s)"
            )
        object.__setattr__(self, "_whole", whole)
        object.__setattr__(self, "_inside", inside)
        if self.normalize(self.example) is None:
            raise OrderNumberFormatError(f"example {self.example!r} does not match pattern {self.pattern!r}")
        if self.find(f"about {self.example} please") is None:
            raise OrderNumberFormatError(
                f"example {self.example!r} is not found in a sentence by {self.free_text_pattern!r}"
            )

    @property
    def free_text_pattern(self) -> str:
        return self.find_pattern or self.pattern

    def _render(self, match: re.Match[str]) -> str:
        return _GROUP.sub(lambda g: (match.group(int(g.group(1))) or "").upper(), self.canonical)

    def normalize(self, raw: str) -> str | None:
        match = self._whole.fullmatch(_clean(raw))
        return self._render(match) if match else None

    def find(self, text: str) -> tuple[int, str] | None:
        match = self._inside.search(unicodedata.normalize("NFKC", text))
        return (match.start(), self._render(match)) if match else None

    def mentions(self, text: str) -> list[str]:
        """The order numbers in `text` exactly as written (e.g. to keep them out of a translation)."""
        return [m.group(0) for m in self._inside.finditer(text)]


def _clean(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip()


@dataclass(frozen=True)
class OrderNumbers:
    """The shop's formats, tried in order: the first that matches gives the canonical number."""

    formats: tuple[OrderNumberFormat, ...]

    def normalize(self, raw: str) -> str | None:
        """The canonical order number `raw` denotes, or None when it is not one of the shop's numbers."""
        for fmt in self.formats:
            number = fmt.normalize(raw)
            if number is not None:
                return number
        return None

    def find(self, text: str) -> str | None:
        """The first of the shop's order numbers in free text, canonical; None when there is none."""
        hits = [hit for hit in (fmt.find(text) for fmt in self.formats) if hit is not None]
        return min(hits)[1] if hits else None

    def find_all(self, texts: Iterable[str]) -> str | None:
        """The first order number in the first text that has one."""
        for text in texts:
            number = self.find(text)
            if number is not None:
                return number
        return None

    def mentions(self, text: str) -> list[str]:
        """Every order number in `text` as written, in any of the formats."""
        return [m for fmt in self.formats for m in fmt.mentions(text)]

    @property
    def examples(self) -> tuple[str, ...]:
        return tuple(fmt.example for fmt in self.formats)

    @property
    def nlu_regex(self) -> str:
        """One regex matching any of the formats, for Rasa's RegexFeaturizer/RegexEntityExtractor."""
        return "|".join(f"(?:{fmt.free_text_pattern})" for fmt in self.formats)

    @classmethod
    def from_config(cls, items: list[dict[str, str]]) -> OrderNumbers:
        if not items:
            raise OrderNumberFormatError("at least one order-number format is needed")
        return cls(
            tuple(
                OrderNumberFormat(str(i["pattern"]), str(i["canonical"]), str(i["example"]), i.get("find") or None)
                for i in items
            )
        )
