"""Shop-specific Rasa training data, generated from the shop profile and its catalog.

`bot/data/` holds what every shop shares. What differs per shop is generated into one folder that is
trained together with it (`scripts/train_if_changed.sh`):
- `bot/templates/**.yml`: training data with `{order_number}` where a shop's order number goes, rendered
  with numbers in the shop's own formats as shoppers type them (`#1001`, `1001`, `bl-100245` …);
- `shop_entities.yml`: the order-number regex (one alternative per format), the catalog's categories as
  synonyms of their slug, and product types, titles' product words and brands as the `product` lookup;
- the shop's own extra NLU data, `shops/<name>/nlu/*.yml`, copied as it is.
Deterministic: the same profile and catalog give the same files (the training hash depends on them).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import yaml

from borderless.order_numbers import OrderNumberFormat
from borderless.profile import REPO_ROOT, Shop

TEMPLATES_DIR = REPO_ROOT / "bot" / "templates"
PLACEHOLDER = "{order_number}"
NUMBERS_PER_FORMAT = 24


def order_number_variants(fmt: OrderNumberFormat, count: int, seed: int = 7) -> list[str]:
    """`count` different numbers of the format as shoppers type them: canonical, lower case, without
    separators — each still normalising to a number of the format (so training never teaches a shape the
    regex rejects)."""
    rng = random.Random(f"{seed}:{fmt.pattern}")
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 20):
        if len(out) >= count:
            break
        digits = "".join(str(rng.randint(0, 9)) if ch.isdigit() else ch for ch in fmt.example)
        if digits[:1] == "0" or (digits[:1] == "#" and digits[1:2] == "0"):
            continue
        canonical = fmt.normalize(digits)
        if canonical is None:
            continue
        style = len(out) % 4
        shown = {
            0: canonical,
            1: canonical.lower(),
            2: re.sub(r"[\s\-_]", "", canonical),
            3: canonical.lstrip("#"),
        }[style]
        # Each shape must stand on its own in a sentence, as the NLU regex extracts it (a shop whose free-text
        # pattern needs the '#' never sees a bare "1001" taught as an order number).
        if fmt.normalize(shown) != canonical or fmt.find(f"about {shown} please") != (6, canonical):
            shown = canonical
        if shown not in seen:
            seen.add(shown)
            out.append(shown)
    return out


def shop_order_numbers(shop: Shop) -> list[str]:
    numbers: list[str] = []
    for fmt in shop.order_numbers.formats:
        numbers.extend(order_number_variants(fmt, NUMBERS_PER_FORMAT))
    return numbers


def render_template(text: str, numbers: list[str]) -> str:
    """Each `{order_number}` replaced by the next number (cycling), quoted for YAML where needed."""
    counter = iter(range(10**9))

    def take(match: re.Match[str]) -> str:
        number = numbers[next(counter) % len(numbers)]
        # A leading '#' would start a YAML comment in a plain scalar (stories' slot values).
        return number if not match.group(1) or not number.startswith("#") else f'"{number}"'

    return re.sub(r"(: )?" + re.escape(PLACEHOLDER), lambda m: (m.group(1) or "") + take(m), text)


def _catalog(path: Path | None) -> list[dict[str, object]]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _words(values: Iterable[object]) -> list[str]:
    out = sorted({str(v).strip().casefold() for v in values if v and str(v).strip()})
    return [w for w in out if 1 < len(w) <= 60 and not w.isdigit()]


def catalog_entities(shop: Shop, products: list[dict[str, object]]) -> list[dict[str, str]]:
    """The order-number regex and, from the catalog, category synonyms and the product lookup."""
    nlu: list[dict[str, str]] = [
        {
            "regex": "order_number",
            "examples": "".join(f"- {_rasa_regex(fmt.free_text_pattern)}\n" for fmt in shop.order_numbers.formats),
        }
    ]
    categories: dict[str, set[str]] = {}
    for p in products:
        raw = str(p.get("category") or "")
        for part in re.split(r"\s*(?:>|,)\s*", raw):
            if not part:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", part.casefold()).strip("-")
            names = categories.setdefault(slug, set())
            names.update({part.casefold(), part.casefold().replace("-", " "), part.casefold().replace("&", "and")})
    for slug, names in sorted(categories.items()):
        names.discard(slug)
        if names:
            nlu.append({"synonym": slug, "examples": "".join(f"- {n}\n" for n in sorted(names))})
    types = _words(
        str(t).replace("-", " ")
        for t in [p.get("type") for p in products] + [_attributes(p).get("type") for p in products]
        if t
    )
    product_words = sorted({*types, *(_plural(t) for t in types), *_words([p.get("brand") for p in products])})
    if product_words:
        nlu.append({"lookup": "product", "examples": "".join(f"- {w}\n" for w in product_words)})
    return nlu


def _attributes(product: dict[str, object]) -> dict[str, object]:
    value = product.get("attributes")
    return value if isinstance(value, dict) else {}


def _plural(word: str) -> str:
    """English plural of a product type ("tent" → "tents", "box" → "boxes"); a word ending in s is taken as
    already plural ("filters")."""
    if word.endswith("s"):
        return word
    if word.endswith(("x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _rasa_regex(pattern: str) -> str:
    """A format's pattern with word boundaries, as RegexEntityExtractor matches inside a message."""
    return rf"(?<![\w-])(?:{pattern})(?!\w)"


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


def generate(shop: Shop, out: Path, catalog: Path | None = None) -> list[Path]:
    """Writes the shop's generated training data into `out` (replacing what was there); returns the files."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    numbers = shop_order_numbers(shop)
    written: list[Path] = []
    for template in sorted(TEMPLATES_DIR.rglob("*.yml")):
        target = out / template.relative_to(TEMPLATES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_template(template.read_text(encoding="utf-8"), numbers), encoding="utf-8")
        written.append(target)
    items = [
        {k: (_Literal(v) if k == "examples" else v) for k, v in item.items()}
        for item in catalog_entities(shop, _catalog(catalog))
    ]
    entities = {"version": "3.1", "nlu": items}
    target = out / "nlu" / "shop_entities.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Generated by `python -m borderless shop nlu` for {shop.id}; do not edit.\n"
    target.write_text(header + yaml.safe_dump(entities, sort_keys=False, allow_unicode=True), encoding="utf-8")
    written.append(target)
    extra = shop.root / "nlu"
    if extra.is_dir():
        for path in sorted(extra.rglob("*.yml")):
            target = out / "nlu" / f"shop_{path.name}"
            shutil.copyfile(path, target)
            written.append(target)
    return written
