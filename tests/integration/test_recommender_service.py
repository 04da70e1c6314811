"""Recommender end to end: `train` and `bootstrap` commands, the HTTP service, and RecommenderClient.

Runs on a small generated shop with TF-IDF embeddings, so the service starts without loading torch;
the default all-MiniLM-L6-v2 path is covered by tests/unit/test_recommender_embeddings.py.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clients.recommender import UnknownProduct
from tests.integration.conftest import GenerateShop, StartRecommender
from tests.support import REPO_ROOT, http_json, python_module, service_clients


@pytest.fixture(scope="module")
def service(generate_shop: GenerateShop, start_recommender: StartRecommender) -> Iterator[tuple[str, Path]]:
    shop = generate_shop("rec", products=80, customers=60, orders=200)
    with start_recommender(shop, RECOMMENDER_FACTORS="16", RECOMMENDER_ITERATIONS="8") as recommender:
        assert "hybrid" in json.loads(recommender.trained)["test"]
        meta = recommender.var / "recommender" / "meta.json"
        stamp = meta.stat().st_mtime_ns
        subprocess.run(
            python_module("backends.recommender", "bootstrap"), cwd=REPO_ROOT, env=recommender.env, check=True
        )
        assert meta.stat().st_mtime_ns == stamp  # bootstrap does not retrain when artefacts exist
        yield recommender.url, shop


def _products(shop: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (shop / "products.jsonl").read_text().splitlines() if line.strip()]


async def test_all_modes_through_the_client(service: tuple[str, Path]) -> None:
    base, shop = service
    products = _products(shop)
    customer = json.loads((shop / "interactions.jsonl").read_text().splitlines()[0])["customer_id"]
    async with service_clients(recommender=base) as holder:
        client = holder.recommender().using(timeout_s=10)
        res = await client.for_shopper(customer, limit=4)
        assert res.strategy == "hybrid" and len(res.products) == 4
        assert set(res.products[0]) == {
            "id",
            "title",
            "type",
            "price",
            "currency",
            "image_url",
            "url",
            "score",
            "reason",
        }
        assert (await client.for_shopper(None, limit=2)).strategy == "popularity"
        similar = await client.similar(products[0]["id"], limit=3)
        assert products[0]["id"] not in {p["id"] for p in similar.products}
        assert (await client.goes_with(products[0]["id"], limit=3)).products
        tent = next(p for p in products if (p.get("attributes") or {}).get("type") == "tent")
        found = await client.search("tent", limit=5, filters={"currency": "GBP", "ships_to": "GB"})
        assert found.strategy == "content" and found.products[0]["currency"] == "GBP"
        assert any(p["title"].endswith("Tent") for p in found.products), (tent["title"], found)
        with pytest.raises(UnknownProduct):
            await client.similar("P9999")


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "nope"},
        {"mode": "similar"},
        {"mode": "query", "query": ""},
        {"mode": "for_shopper", "limit": 0},
        {"mode": "for_shopper", "limit": 10_000},
        {"mode": "for_shopper", "filters": {"max_price": -1}},
        {"mode": "for_shopper", "filters": {"currency": "XXX"}},
        {"mode": "for_shopper", "filters": {"ships_to": "Germany"}},
        {"mode": "for_shopper", "filters": {"colour": "red"}},
        {"mode": "for_shopper", "customer_id": ["C1"]},
        {"mode": "for_shopper", "filters": {"type": []}},
        {"mode": "for_shopper", "filters": {"persons": 0}},
        {"mode": "for_shopper", "filters": {"size": ""}},
    ],
)
def test_bad_requests_are_4xx(service: tuple[str, Path], body: dict[str, Any]) -> None:
    base, _ = service
    status, answer = http_json("POST", base + "/v1/recommendations", body, timeout_s=10)
    assert status == 422
    assert "error" in answer


def test_no_hostile_value_causes_a_5xx(service: tuple[str, Path]) -> None:
    base, _ = service
    template: dict[str, Any] = {"mode": "query", "query": "tent", "customer_id": "C0001", "product_id": "P0001"}
    values: list[Any] = [None, 0, -1, 1e308, True, "", "\x00", "💥" * 40, "' OR 1=1", [], {}, "a" * 5000]
    cases = [{**template, field: v} for field in template for v in values]
    cases += [
        {**template, "filters": {f: v}}
        for f in ("max_price", "currency", "ships_to", "in_stock", "type", "size", "persons", "exclude_ids")
        for v in values
    ]
    for body in cases:
        status, _ = http_json("POST", base + "/v1/recommendations", body, timeout_s=10)
        assert status < 500, body
    for body in [{"texts": v} for v in values] + [{"texts": ["tent"], "embedding": v} for v in values]:
        status, _ = http_json("POST", base + "/v1/types/match", body, timeout_s=10)
        assert status < 500, body


async def test_every_product_meets_every_constraint(service: tuple[str, Path]) -> None:
    """Type, size, persons and price filter the catalogue; the ranking never lets another kind through."""
    base, shop = service
    products = {p["id"]: p for p in _products(shop)}
    sized = next(p for p in products.values() if (p.get("attributes") or {}).get("sizes") and p.get("stock"))
    kind, size = sized["attributes"]["type"], sized["attributes"]["sizes"][0]
    async with service_clients(recommender=base) as holder:
        client = holder.recommender().using(timeout_s=10)
        found = await client.search("something warm", filters={"type": kind, "size": size, "in_stock": True}, limit=5)
        assert found.products
        for p in found.products:
            attrs = products[p["id"]]["attributes"]
            assert attrs["type"] == kind == p["type"] and size in attrs["sizes"], p
        cheapest = min(p["price"] for p in found.products)
        cheaper = await client.search("x", filters={"type": kind, "max_price": cheapest - 0.01}, limit=5)
        assert all(p["price"] < cheapest and p["type"] == kind for p in cheaper.products)
        tents = await client.search("tent", filters={"type": ["tent"], "persons": 2}, limit=10)
        assert tents.products
        assert all(products[p["id"]]["attributes"].get("capacity_persons") == 2 for p in tents.products)


async def test_product_types_are_found_in_the_shoppers_words(service: tuple[str, Path]) -> None:
    base, _ = service
    async with service_clients(recommender=base) as holder:
        client = holder.recommender().using(timeout_s=10)
        assert (await client.match_types(["can you recommend tents for two?"])).types == ["tent"]
        named = await client.match_types(["in size M", "rain jackets please"], embedding=False)
        assert (named.types, named.how) == (["rain_jacket"], "words")
        assert (await client.match_types(["something cheaper"], embedding=False)).types == []
