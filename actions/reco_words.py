"""What a recommendation turn adds to the search: "cheaper", "like the first one", a budget, a colour, a size,
how many people.

Read from the shopper's own words and, where the models service translated them, from the English too, so a
refinement is understood in the languages the shop serves even where no translation route exists. The words
are general shopping language (a budget's currency, "size", "cheaper" in the shop languages), never a shop's
products: which product types exist is the recommender's to say (POST /v1/types/match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ALT = "|".join

# "cheaper", "less expensive" ... in en, es, pt, fr, de, nl, it.
CHEAPER = re.compile(
    r"\b("
    + _ALT(
        [
            r"cheaper",
            r"less\s+expensive",
            r"lower\s+price",
            r"too\s+expensive",
            r"more\s+affordable",
            r"m[aá]s\s+(?:barat[oa]s?|econ[oó]mic[oa]s?)",
            r"mais\s+(?:barat[oa]s?|econ[oó]mic[oa]s?|em\s+conta)",
            r"menos\s+caro",
            r"moins\s+ch[eè]re?s?",
            r"billiger\w*",
            r"g[uü]nstiger\w*",
            r"goedkoper\w*",
            r"pi[uù]\s+economic[oaie]",
            r"meno\s+car[oaie]",
        ]
    )
    + r")",
    re.IGNORECASE,
)

# A reference to one of the products shown: "like the first one", "similar to the second".
ORDINALS: dict[str, int] = {
    **dict.fromkeys(["first", "1st", "primero", "primera", "primer", "primeiro", "premier", "première"], 0),
    **dict.fromkeys(["erste", "ersten", "erstes", "eerste", "primo", "prima"], 0),
    **dict.fromkeys(["second", "2nd", "segundo", "segunda", "deuxième", "zweite", "zweiten", "tweede"], 1),
    **dict.fromkeys(["secondo", "seconda"], 1),
    **dict.fromkeys(["third", "3rd", "tercero", "tercera", "terceiro", "troisième", "dritte", "derde", "terzo"], 2),
    **dict.fromkeys(["terza", "last", "último", "última", "dernier", "dernière", "letzte", "laatste", "ultimo"], -1),
}
ORDINAL = re.compile(r"(?<!\w)(" + _ALT(sorted(map(re.escape, ORDINALS), key=len, reverse=True)) + r")(?!\w)", re.I)
LIKE = re.compile(
    r"\b(like|similar|parecid[oa]s?|semelhante|pareil|comme|similaire|wie|ähnlich|zoals|vergelijkbaar|soortgelijk"
    r"|come|simil[ei])\b",
    re.IGNORECASE,
)

# "size M", "talla 40", "taille 42", "Größe L", "maat 43", "taglia S", "tamanho L".
SIZE = re.compile(
    r"\b(?:size|talla|tamanho|taille|gr[öo]ß?s?e|groesse|maat|taglia)\s*:?\s*"
    r"(XXXL|XXL|XL|XXS|XS|[SML]|[2-4]XL|\d{1,3}(?:[.,]5)?)(?!\w)",
    re.IGNORECASE,
)

# "for 2 people", "2-person", "para 2 personas", "für 2 Personen", "pour 2 personnes", "voor 2 personen".
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
PERSONS = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six)[\s-]*(?:people|persons?|man|personas?|pessoas?|personnes?|personen"
    r"|persone)\b",
    re.IGNORECASE,
)

# A budget: an amount with its currency, either way round ("under 80 euros", "€80", "$90", "80 EUR").
CURRENCY_WORDS: dict[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
}
_CUR = _ALT(sorted(map(re.escape, CURRENCY_WORDS), key=len, reverse=True))
_AMOUNT = r"(\d{1,6}(?:[.,]\d{1,2})?)"
BUDGET = re.compile(rf"(?:({_CUR})\s*{_AMOUNT}|{_AMOUNT}\s*({_CUR})(?!\w))", re.IGNORECASE)
AMOUNT = re.compile(_AMOUNT)

# Basic colours in the shop languages → the English word the recommender's colour families know.
COLOURS: dict[str, str] = {}
for _english, _names in {
    "black": "black negro negra negros negras preto preta noir noire schwarz schwarze schwarzen zwart zwarte nero nera",
    "white": "white blanco blanca branco branca blanc blanche weiß weiss weiße weisse wit witte bianco bianca",
    "grey": "grey gray gris cinza grau grijs grigio grigia",
    "blue": "blue azul bleu bleue blau blaue blauw blauwe blu",
    "green": "green verde vert verte grün grüne gruen groen groene",
    "red": "red rojo roja vermelho vermelha rouge rot rote rood rode rosso rossa",
    "brown": "brown marrón marron castanho braun braune bruin bruine",
    "yellow": "yellow amarillo amarilla amarelo amarela jaune gelb gelbe geel gele giallo gialla",
    "orange": "orange naranja laranja oranje arancione",
    "pink": "pink rosa rose roze",
    "purple": "purple morado morada roxo roxa violet violette lila paars viola",
}.items():
    for _name in _names.split():
        COLOURS.setdefault(_name, _english)
COLOUR = re.compile(r"(?<!\w)(" + _ALT(sorted(map(re.escape, COLOURS), key=len, reverse=True)) + r")(?!\w)", re.I)


@dataclass(frozen=True)
class Refinement:
    """What one turn says about the products wanted, beyond the kind of product."""

    cheaper: bool = False
    like: int | None = None  # index into the products shown (-1: the last one)
    max_price: float | None = None
    currency: str | None = None
    color: str | None = None
    size: str | None = None
    persons: int | None = None

    @property
    def empty(self) -> bool:
        return self == Refinement()


def amount(value: str | None) -> float | None:
    """The number in a budget ("49,90 euros" → 49.9)."""
    if not value:
        return None
    match = AMOUNT.search(str(value))
    return float(match.group(1).replace(",", ".")) if match else None


def _budget(texts: list[str], entities: dict[str, Any]) -> tuple[float | None, str | None]:
    for text in texts:
        match = BUDGET.search(text)
        if match:
            cur = (match.group(1) or match.group(4) or "").casefold()
            return float((match.group(2) or match.group(3)).replace(",", ".")), CURRENCY_WORDS.get(cur)
    # The NLU's budget entity: an amount without a currency ("max 40"); not a number that is a size or a
    # number of people ("size 40", "for 2 people"), which the NLU sometimes tags as a budget.
    value = amount(entities.get("budget"))
    if value is None or any(_number_in(p, texts, value) for p in (SIZE, PERSONS)):
        return None, None
    return value, None


def _number_in(pattern: re.Pattern[str], texts: list[str], value: float) -> bool:
    for text in texts:
        for match in pattern.finditer(text):
            number = amount(match.group(1))
            if number is not None and abs(number - value) < 1e-9:
                return True
    return False


def _entity_colour(entities: dict[str, Any]) -> str | None:
    """The NLU's colour entity ("Navy"), for shades the word list does not hold."""
    value = entities.get("color")
    return str(value).strip().casefold() or None if value else None


def _first(pattern: re.Pattern[str], texts: list[str]) -> re.Match[str] | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match
    return None


def parse_refinement(text: str, english: str | None = None, entities: dict[str, Any] | None = None) -> Refinement:
    """The refinements a message states, read from its own words and its English translation."""
    entities = entities or {}
    texts = [t for t in (text, english) if t]
    max_price, currency = _budget(texts, entities)
    like: int | None = None
    ordinal = _first(ORDINAL, texts)
    # An ordinal alone ("is the first one waterproof?") asks about a product; with "like" it asks for more of it.
    if ordinal is not None and _first(LIKE, texts):
        like = ORDINALS[ordinal.group(1).casefold()]
    elif re.search(r"\b(similar|like (?:this|that|these|those))\b", " ".join(texts), re.IGNORECASE):
        like = 0
    colour = _first(COLOUR, texts)
    size = _first(SIZE, texts)
    persons = _first(PERSONS, texts)
    n_persons = None
    if persons is not None:
        word = persons.group(1).casefold()
        n_persons = NUMBER_WORDS.get(word) or int(word)
    return Refinement(
        cheaper=_first(CHEAPER, texts) is not None,
        like=like,
        max_price=max_price,
        currency=currency,
        color=COLOURS[colour.group(1).casefold()] if colour else _entity_colour(entities),
        size=size.group(1).upper().replace(",", ".") if size else None,
        persons=n_persons,
    )
