"""Recommender training and answering on a small generated shop (TF-IDF embeddings: fast, no torch)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from backends.recommender.api import load_pricing
from backends.recommender.data import Event, leave_last_out, load_dataset
from backends.recommender.model import Model, train_and_evaluate
from backends.recommender.recommend import Filters, Recommender, UnknownProduct
from backends.recommender.settings import Settings
from tests.support import REPO_ROOT, python_module


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shop")
    subprocess.run(
        python_module(
            "backends.demo_shop.generate", "--out", str(out), "--products", "80", "--customers", "60",
            "--orders", "200", "--quiet",
        ),
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def trained(shop: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Model, object]:
    settings = Settings(
        data_dir=shop, artefacts_dir=tmp_path_factory.mktemp("art"), embedder="tfidf", factors=16, iterations=8
    )
    model, report = train_and_evaluate(load_dataset(shop), settings)
    model.save(settings.artefacts_dir)
    return settings, Model.load(settings.artefacts_dir), report


@pytest.fixture(scope="module")
def rec(trained: tuple[Settings, Model, object]) -> Recommender:
    settings, model, _ = trained
    return Recommender(model=model, pricing=load_pricing(settings))


def test_leave_last_out_hides_the_target_and_the_future() -> None:
    events = [
        Event("a", "p1", "view", 1),
        Event("a", "p2", "purchase", 2),
        Event("a", "p3", "view", 3),
        Event("a", "p4", "view", 4),
        Event("a", "p5", "view", 5),
        Event("a", "p5", "purchase", 6),
        Event("a", "p6", "view", 7),  # after the held-out purchase: dropped
        Event("b", "p5", "purchase", 1),
    ]
    split = leave_last_out(events, min_history=3)
    assert split.targets == {"a": "p5"}
    a_train = [(e.product_id, e.at) for e in split.train if e.customer_id == "a"]
    assert a_train == [("p1", 1), ("p2", 2), ("p3", 3), ("p4", 4)]
    assert any(e.customer_id == "b" for e in split.train)  # customers without a target keep everything


def test_report_has_every_strategy(trained: tuple[Settings, Model, object]) -> None:
    _, model, report = trained
    assert set(report.test) == {"popularity", "content", "cf", "hybrid"}
    for metrics in report.test.values():
        assert 0.0 <= metrics["ndcg@10"] <= metrics["recall@10"] <= 1.0
        assert metrics["customers"] > 0
    assert model.meta["embedder"] == "tfidf" and model.weights


def test_for_shopper_never_repeats_purchases(rec: Recommender) -> None:
    cid = next(c for c, u in rec.model.users.items() if rec.model.purchased[u].nnz)
    products, strategy = rec.for_shopper(cid, Filters(), 10)
    assert strategy == "hybrid" and len(products) == 10
    bought = {rec.model.products[i]["id"] for i in rec.model.purchased[rec.model.users[cid]].indices}
    assert not bought & {p["id"] for p in products}
    assert all(p["reason"] for p in products)
    assert [p["score"] for p in products] == sorted((p["score"] for p in products), reverse=True)


def test_new_shopper_gets_popular_products(rec: Recommender) -> None:
    products, strategy = rec.for_shopper("C-never-seen", Filters(), 3)
    assert strategy == "popularity" and len(products) == 3


def test_filters_are_respected(rec: Recommender) -> None:
    products = rec.model.products

    def qualifies(p: dict, category: str) -> bool:  # what the filter below asks for, USD = 1.08 EUR
        return p["category"] == category and "DE" in p["ships_to"] and p["stock"] > 0 and p["price"] * 1.08 <= 60.0

    # A category where some products pass and an out-of-stock one would pass but for its stock: the result
    # below is never empty, and the in-stock filter has something to drop.
    kept = {p["category"] for p in products if qualifies(p, p["category"])}
    category = next(
        p["category"]
        for p in products
        if p["category"] in kept and qualifies({**p, "stock": 1}, p["category"]) and p["stock"] <= 0
    )
    f = Filters(max_price=60.0, currency="USD", category=category, ships_to="DE", in_stock=True)
    result, _ = rec.for_shopper("C-new", f, len(products))
    by_id = {p["id"]: p for p in products}
    assert result and {item["id"] for item in result} == {p["id"] for p in products if qualifies(p, category)}
    for item in result:
        source = by_id[item["id"]]
        assert item["currency"] == "USD" and item["price"] <= 60.0
        assert item["price"] == pytest.approx(source["price"] * 1.08, abs=0.01)
        assert source["category"] == category and "DE" in source["ships_to"] and source["stock"] > 0


def test_prices_outside_the_eu_exclude_dutch_vat(rec: Recommender) -> None:
    everything = len(rec.model.products)
    eu = {p["id"]: p["price"] for p in rec.for_shopper("C-new", Filters(ships_to="DE"), everything)[0]}
    non_eu = {p["id"]: p["price"] for p in rec.for_shopper("C-new", Filters(ships_to="US"), everything)[0]}
    both = sorted(eu.keys() & non_eu.keys())
    assert both, "no product ships to both DE and US"
    for product_id in both:
        assert non_eu[product_id] == pytest.approx(eu[product_id] / 1.21, abs=0.01)


def test_similar_prefers_the_same_type_and_goes_with_another(rec: Recommender) -> None:
    # An anchor whose type another product shares, so "the same type first" is always checked.
    a = next(i for i, t in enumerate(rec.types) if t is not None and rec.types.count(t) > 1)
    anchor = rec.model.products[a]
    similar, _ = rec.similar(anchor["id"], Filters(), 3)
    assert similar and anchor["id"] not in {p["id"] for p in similar}
    assert rec.types[rec.model.item_index[similar[0]["id"]]] == rec.types[a]
    goes, strategy = rec.goes_with(anchor["id"], Filters(), 5)
    assert goes and strategy in ("copurchase", "copurchase+cf", "cf")
    assert all(rec.types[rec.model.item_index[p["id"]]] != rec.types[a] for p in goes)
    with pytest.raises(UnknownProduct):
        rec.similar("P-nope", Filters(), 3)


def test_impossible_filters_give_an_empty_list(rec: Recommender) -> None:
    assert rec.for_shopper("C-new", Filters(max_price=0.001), 5) == ([], "popularity")


def test_artefacts_round_trip(trained: tuple[Settings, Model, object]) -> None:
    settings, model, _ = trained
    again = Model.load(settings.artefacts_dir)
    u = next(iter(again.users.values()))
    assert np.allclose(again.hybrid_scores(u), model.hybrid_scores(u))
