"""What a translation must never change, and masking it from engines that would.

Owns the patterns for protected tokens (URLs, e-mail addresses, and any token carrying a digit: order and
tracking numbers, SKUs, prices, dates, quantities; a shop's own order-number format is its profile's,
`borderless/order_numbers.py`). `actions/localize.py` uses the same patterns to
check that a translation kept every token; a rule-based engine such as Apertium gets the tokens masked
before it runs (`mask`) and put back afterwards (`unmask`), because it would otherwise split a URL at its
punctuation and translate the words inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Tracking numbers, SKUs, product ids, prices and dates: any token that carries a digit.
DIGIT_TOKEN = re.compile(r"[^\s,;:()]*\d[^\s,;:()]*")

# What `mask` hides: the patterns above in one alternation, where a number token also spans thousands
# separators ("$1,299.00" is one token, not "$1" and "299.00").
_MASKABLE = re.compile(
    "|".join((URL.pattern, EMAIL.pattern, r"[^\s,;:()]*\d(?:[^\s,;:()]|,(?=\d))*")),
    re.IGNORECASE,
)
# Sentence punctuation after a token belongs to the sentence, not to the token ("see https://x.example.").
_TRAILING = ".,!?;:…'\")]}"
# Placeholders are plain numbers: every engine tested passes numbers through unchanged and, unlike an
# unknown word, a number does not disturb the capitalisation of the word after it. No digit is left in
# masked text, so a placeholder can never collide with one of the text's own numbers.
_PLACEHOLDER_BASE = 80400
_PLACEHOLDER = re.compile(r"(?<!\d)8(?:04|05|06|07)\d{2}(?!\d)")


@dataclass(frozen=True)
class Masked:
    """A text with its protected tokens replaced by placeholders, and the tokens in order."""

    text: str
    tokens: tuple[str, ...]


def _placeholder(index: int) -> str:
    return str(_PLACEHOLDER_BASE + index)


def mask(text: str) -> Masked:
    """Replaces every protected token of `text` by a numeric placeholder (at most 400 per text)."""
    tokens: list[str] = []

    def hide(match: re.Match[str]) -> str:
        token = match.group(0)
        core = token.rstrip(_TRAILING)
        if not core or len(tokens) >= 400:
            return token
        tokens.append(core)
        return _placeholder(len(tokens) - 1) + token[len(core) :]

    return Masked(_MASKABLE.sub(hide, text), tuple(tokens))


def unmask(text: str, tokens: tuple[str, ...]) -> tuple[str, int]:
    """Puts the tokens back; returns the text and how many tokens the engine lost (0 when all came back)."""
    seen: set[int] = set()

    def restore(match: re.Match[str]) -> str:
        index = int(match.group(0)) - _PLACEHOLDER_BASE
        if 0 <= index < len(tokens):
            seen.add(index)
            return tokens[index]
        return match.group(0)

    return _PLACEHOLDER.sub(restore, text), len(tokens) - len(seen)


def protected_tokens(text: str) -> list[str]:
    """The tokens of `text` a translation must reproduce exactly."""
    return list(mask(text).tokens)
