"""The recommender's hard constraints (type, size, persons, colour family) and its product-type matching."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from backends.recommender.model import Model
from backends.recommender.recommend import Filters, Pricing, Recommender
from backends.recommender.vocabulary import TypeMatcher


def product(pid: str, ptype: str, price: float, **attributes: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "title": f"{ptype} {pid}",
        "category": "outdoor",
        "price": price,
        "stock": attributes.pop("stock", 5),
        "attributes": {"type": ptype, **attributes},
        "ships_to": ["NL", "US"],
    }


CATALOGUE = [
    product("P1", "tent", 300.0, capacity_persons=2, color="Sage Green"),
    product("P2", "tent", 200.0, capacity_persons=1, color="Slate Grey"),
    product("P3", "tent", 150.0, capacity_persons=2, color="Olive"),
    product("P4", "rain_jacket", 90.0, sizes=["S", "M", "L"], color="Black"),
    product("P5", "down_jacket", 80.0, sizes=["M"], color="Black"),
    product("P6", "rain_jacket", 70.0, sizes=["L"], color="Navy"),
    product("P7", "rain_jacket", 60.0, sizes=["M"], color="Black", stock=0),
    # As a platform import keeps them: every variant's colour and size in a list.
    product("P8", "kettles", 149.0, size=["0.6 L", "0.9 L"], color=["Matte Black", "Sage"]),
]


def recommender() -> Recommender:
    n = len(CATALOGUE)
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(n, 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    empty = sp.csr_matrix((1, n), dtype=np.float32)
    model = Model(
        products=CATALOGUE,
        embeddings=embeddings,
        user_factors=np.zeros((1, 4), dtype=np.float32),
        item_factors=rng.normal(size=(n, 4)).astype(np.float32),
        users={"C1": 0},
        history=empty,
        purchased=empty,
        pop=np.arange(n, dtype=np.float32),
        cooc=sp.csr_matrix((n, n), dtype=np.float32),
        weights={"cf": 0.0, "content": 0.0, "pop": 1.0},
    )
    return Recommender(model=model, pricing=Pricing(rates={"EUR": 1.0}, zero_decimal=frozenset(), base_currency="EUR"))


def kept(f: Filters) -> set[str]:
    rec = recommender()
    return {CATALOGUE[i]["id"] for i in np.nonzero(rec.mask(f))[0]}


def test_type_size_and_stock_are_hard_filters() -> None:
    assert kept(Filters(type=("rain_jacket",), size="m", in_stock=True)) == {"P4"}
    assert kept(Filters(type=("rain_jacket", "down_jacket"), size="M")) == {"P4", "P5", "P7"}


def test_persons_and_price_together() -> None:
    assert kept(Filters(type=("tent",), persons=2, max_price=299.99)) == {"P3"}


def test_a_basic_colour_finds_its_shades_only() -> None:
    assert kept(Filters(type=("tent",), color="green")) == {"P1", "P3"}
    assert kept(Filters(color="grey")) == {"P2"}
    assert kept(Filters(color="blue")) == {"P6"}


def test_variant_lists_count_each_value() -> None:
    assert kept(Filters(color="green", size="0.9 l")) == {"P8"}
    assert kept(Filters(type=("kettles",), color="white")) == set()


def test_excluded_products_never_come_back_and_items_carry_their_type() -> None:
    rec = recommender()
    products, _ = rec.for_shopper(None, Filters(type=("tent",), exclude_ids=("P1",)), 5)
    assert {p["id"] for p in products} == {"P2", "P3"}
    assert {p["type"] for p in products} == {"tent"}


class Keyword:
    """A stand-in embedder: one dimension per keyword, so similarity is keyword overlap."""

    name = "keywords"
    keys = ["rain", "jacket", "tent", "regen", "zelt", "down"]

    def _vec(self, texts: list[str]) -> np.ndarray:
        rows = np.asarray([[float(k in t.lower()) for k in self.keys] for t in texts], dtype=np.float32) + 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def queries(self, texts: list[str]) -> np.ndarray:
        # "regen" and "zelt" stand for the words in another language.
        texts = [t.lower().replace("regen", "rain ").replace("zelt", "tent") for t in texts]
        return self._vec(texts)

    def labels(self, texts: list[str]) -> np.ndarray:
        return self._vec(texts)


def test_type_words_win_plural_and_head_nouns_match_every_type_with_that_head() -> None:
    matcher = TypeMatcher(["tent", "rain_jacket", "down_jacket", "hiking_boots", "rain_boots", "mug_set"])
    assert matcher.by_words("can you recommend tents for two?") == ["tent"]
    assert matcher.by_words("a rain jacket in black") == ["rain_jacket"]
    assert sorted(matcher.by_words("boots under 100")) == ["hiking_boots", "rain_boots"]
    assert matcher.by_words("a set of plates") == []  # a short head noun alone says too little
    assert matcher.by_words("in size M") == []


def test_the_embedding_names_a_type_only_when_it_clearly_leads() -> None:
    matcher = TypeMatcher(["tent", "rain_jacket", "down_jacket"], Keyword(), min_margin=0.05)
    found = matcher.match(["regenjacke unter 100 euro"])
    assert (found.types, found.how) == (["rain_jacket"], "embedding")
    assert matcher.match(["in size M"]).types == []
    assert matcher.match(["regenjacke"], embedding=False).types == []
    assert matcher.match(["ein zelt", "a tent"]).how == "words"


def test_part_of_a_name_gives_way_to_an_embedding_that_names_another_type() -> None:
    matcher = TypeMatcher(["tent", "rain_jacket", "down_jacket"], Keyword(), min_margin=0.05)
    # "jacket" alone names both jackets; the embedding (regen = rain) says which.
    assert matcher.match(["a regen jacket"]).types == ["rain_jacket"]
    assert matcher.match(["a regen jacket"], embedding=False).types == ["down_jacket", "rain_jacket"]
    # A whole name is never overruled.
    assert matcher.match(["a down jacket for the regen"]).types == ["down_jacket"]
