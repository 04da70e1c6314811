"""The demo shop generator: determinism, the data contract, internal consistency with the shop's
facts (shops/lumen-goods/README.md), and the hand-written policy and FAQ articles."""

from __future__ import annotations

import collections
import json
import math
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from backends.demo_shop import facts
from backends.demo_shop.generate import DEFAULT_TODAY, FILES, generate, now_for
from backends.demo_shop.lifecycle import add_business_days

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "shops" / "lumen-goods" / "content"
STATUSES = (
    "pending",
    "paid",
    "packed",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
)
SMALL = ["--products", "90", "--customers", "50", "--orders", "150", "--quiet"]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_cli(out: Path, *args: str, hash_seed: str = "0") -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    cmd = [sys.executable, "-m", "backends.demo_shop.generate", "--out", str(out), *args]
    subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run with the default sizes, seed and date."""
    out = tmp_path_factory.mktemp("demo_shop")
    manifest = generate(out, progress=False)
    data: dict[str, Any] = {name.removesuffix(".jsonl"): read_jsonl(out / name) for name in FILES}
    data["manifest"] = manifest
    data["dir"] = out
    data["products_by_id"] = {p["id"]: p for p in data["products"]}
    data["customers_by_id"] = {c["id"]: c for c in data["customers"]}
    return data


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_across_processes(tmp_path: Path) -> None:
    run_cli(tmp_path / "a", *SMALL, hash_seed="1")
    run_cli(tmp_path / "b", *SMALL, hash_seed="2")
    for name in (*FILES, "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_other_seed_or_date_changes_the_data(tmp_path: Path) -> None:
    run_cli(tmp_path / "a", *SMALL)
    run_cli(tmp_path / "b", *SMALL, "--seed", "7")
    run_cli(tmp_path / "c", *SMALL, "--today", "2027-03-01")
    a_orders = (tmp_path / "a" / "orders.jsonl").read_bytes()
    assert a_orders != (tmp_path / "b" / "orders.jsonl").read_bytes()
    assert a_orders != (tmp_path / "c" / "orders.jsonl").read_bytes()
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["today"] == "2027-03-01"
    for order in read_jsonl(tmp_path / "c" / "orders.jsonl"):
        assert ts(order["placed_at"]) <= now_for(date(2027, 3, 1))


def test_cli_rejects_bad_sizes(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "backends.demo_shop.generate", "--out", str(tmp_path), "--orders", "0"]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--orders" in result.stderr
    assert not (tmp_path / "orders.jsonl").exists()


# --- default sizes and manifest --------------------------------------------------------------


def test_default_run_sizes_and_manifest(shop: dict[str, Any]) -> None:
    assert len(shop["products"]) >= 360
    assert len(shop["customers"]) >= 400
    assert len(shop["orders"]) >= 1200
    assert len(shop["interactions"]) >= 20000
    manifest = json.loads((shop["dir"] / "manifest.json").read_text())
    assert manifest == shop["manifest"]
    assert manifest["counts"] == {k: len(shop[k]) for k in ("products", "customers", "orders", "interactions")}
    assert manifest["today"] == DEFAULT_TODAY.isoformat() and manifest["seed"] and manifest["version"]
    for status, numbers in manifest["examples"]["orders_by_status"].items():
        by_number = {o["number"]: o for o in shop["orders"]}
        assert all(by_number[n]["status"] == status for n in numbers)


# --- products --------------------------------------------------------------------------------


def test_products_follow_the_contract(shop: dict[str, Any]) -> None:
    products = shop["products"]
    assert len({p["id"] for p in products}) == len(products)
    assert len({p["sku"] for p in products}) == len(products)
    assert len({p["title"] for p in products}) == len(products)
    assert {p["category"] for p in products} == {
        "outdoor",
        "apparel",
        "footwear",
        "home-kitchen",
        "electronics",
        "beauty",
        "toys",
    }
    for p in products:
        assert re.fullmatch(r"P\d{4}", p["id"])
        assert p["currency"] == "EUR" and isinstance(p["price"], float) and p["price"] > 0
        assert p["title"] and len(p["description"]) > 60 and p["brand"]
        assert p["ships_to"] and set(p["ships_to"]) <= set(facts.COUNTRIES)
        assert isinstance(p["stock"], int) and p["stock"] >= 0
        assert p["weight_kg"] > 0 and p["url"].startswith(facts.SHOP_URL) and p["image_url"].startswith(facts.SHOP_URL)
        assert isinstance(p["attributes"], dict) and isinstance(p["tags"], list)
        if "battery" in p["tags"]:
            assert not set(p["ships_to"]) & set(facts.REST_OF_WORLD)
        if "bulky" in p["tags"]:
            assert set(p["ships_to"]) <= set(facts.EUROPE)


def test_catalogue_is_varied(shop: dict[str, Any]) -> None:
    products = shop["products"]
    attrs = [p["attributes"] for p in products]
    assert sum("color" in a for a in attrs) > len(products) / 2
    assert sum("material" in a for a in attrs) > len(products) / 2
    assert {a["waterproof"] for a in attrs if "waterproof" in a} == {True, False}
    assert any("sizes" in a for a in attrs)
    assert any(p["stock"] == 0 for p in products) and any(p["stock"] > 20 for p in products)
    assert any(len(p["ships_to"]) < len(facts.COUNTRIES) for p in products)
    assert len({p["brand"] for p in products}) >= 20
    assert min(p["price"] for p in products) < 15 < 200 < max(p["price"] for p in products)


# --- customers -------------------------------------------------------------------------------


def test_customers_fit_their_country(shop: dict[str, Any]) -> None:
    customers = shop["customers"]
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    assert {c["country"] for c in customers} == set(facts.COUNTRIES)
    now = now_for(DEFAULT_TODAY)
    for c in customers:
        assert re.fullmatch(r"C\d{4}", c["id"])
        assert re.fullmatch(r"[a-z0-9._]+@example\.(com|net|org)", c["email"])
        assert c["currency"] == facts.CURRENCY[c["country"]]
        assert c["language"] in {lang for lang, _ in facts.LANGUAGES[c["country"]]}
        assert c["name"] and c["postcode"] and ts(c["created_at"]) < now


# --- orders ----------------------------------------------------------------------------------


def expected_shipping_eur(order: dict[str, Any], products: dict[str, Any]) -> float:
    country = order["shipping_address"]["country"]
    zone = facts.zone_of(country)
    if order["shipping_method"] == "express":
        return zone.standard_cost * facts.EXPRESS_MULTIPLIER
    divisor = 1.0 if zone.name == "EU" else 1 + facts.DUTCH_VAT
    goods = round(sum(products[i["product_id"]]["price"] / divisor * i["quantity"] for i in order["items"]), 2)
    return 0.0 if zone.free_from is not None and goods >= zone.free_from else zone.standard_cost


def test_order_numbers_customers_and_items(shop: dict[str, Any]) -> None:
    orders, products, customers = shop["orders"], shop["products_by_id"], shop["customers_by_id"]
    numbers = [o["number"] for o in orders]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"BL-\d{6}", n) for n in numbers)
    for o in orders:
        customer = customers[o["customer_id"]]
        country = o["shipping_address"]["country"]
        assert o["email"] == customer["email"] and country == customer["country"]
        assert o["currency"] == customer["currency"]
        assert set(o["shipping_address"]) == {"name", "line1", "city", "postcode", "country"}
        assert ts(o["placed_at"]) >= ts(customer["created_at"])
        assert 1 <= len(o["items"]) <= 4
        for item in o["items"]:
            product = products[item["product_id"]]
            assert country in product["ships_to"], (o["number"], item["product_id"])
            assert item["title"] == product["title"] and item["quantity"] >= 1


def test_order_money_adds_up(shop: dict[str, Any]) -> None:
    products = shop["products_by_id"]
    for o in shop["orders"]:
        currency, country = o["currency"], o["shipping_address"]["country"]
        rate = facts.RATES[currency]
        assert o["exchange_rate"] == rate
        step = 1.0 if currency in facts.ZERO_DECIMAL else 0.01
        in_eu = country in facts.EU
        for item in o["items"]:
            eur = products[item["product_id"]]["price"] / (1.0 if in_eu else 1 + facts.DUTCH_VAT)
            assert math.isclose(item["unit_price"], facts.money(eur * rate, currency)), o["number"]
        lines = sum(i["unit_price"] * i["quantity"] for i in o["items"])
        assert abs(o["subtotal"] - lines) <= step / 2
        expected_shipping = facts.money(expected_shipping_eur(o, products) * rate, currency)
        assert math.isclose(o["shipping_cost"], expected_shipping), o["number"]
        parts = o["subtotal"] + o["shipping_cost"] + o["duties"] + o["taxes"]
        assert abs(o["total"] - parts) <= step / 2, o["number"]
        if in_eu:
            assert o["duties"] == 0 and o["taxes"] == 0
    non_eu = [o for o in shop["orders"] if o["shipping_address"]["country"] not in facts.EU]
    assert any(o["taxes"] > 0 for o in non_eu) and any(o["duties"] > 0 for o in non_eu)
    assert any(o["shipping_cost"] == 0 for o in shop["orders"])


def test_status_matches_shipments_and_events(shop: dict[str, Any]) -> None:
    now = now_for(DEFAULT_TODAY)
    orders = shop["orders"]
    counts = collections.Counter(o["status"] for o in orders)
    assert set(counts) == set(STATUSES), counts
    tracking = [s["tracking_number"] for o in orders for s in o["shipments"]]
    assert len(set(tracking)) == len(tracking)
    for o in orders:
        status, placed = o["status"], ts(o["placed_at"])
        history = o["status_history"]
        assert history[0]["status"] == "pending" and ts(history[0]["at"]) == placed
        assert history[-1]["status"] == status
        times = [ts(h["at"]) for h in history]
        assert times == sorted(times) and times[-1] <= now
        if status in ("pending", "paid", "packed", "cancelled"):
            assert o["shipments"] == [] and o["delivered_at"] is None
        else:
            assert len(o["shipments"]) == 1
            shipment = o["shipments"][0]
            zone = facts.zone_of(o["shipping_address"]["country"])
            assert shipment["carrier"] == facts.carrier_for(
                o["shipping_address"]["country"], o["shipping_method"] == "express"
            )
            low, high = zone.express_days if o["shipping_method"] == "express" else zone.transit_days
            shipped = ts(shipment["shipped_at"])
            assert shipped > placed
            assert date.fromisoformat(shipment["estimated_delivery"]) == add_business_days(shipped.date(), high)
            events = shipment["events"]
            event_times = [ts(e["at"]) for e in events]
            assert event_times == sorted(event_times) and event_times[-1] <= now
            assert events[0]["status"] == "shipped" and ts(events[0]["at"]) == shipped
            assert all(e["location"] and e["description"] for e in events)
            last = events[-1]["status"]
            if status in ("delivered", "returned"):
                assert last == "delivered"
                assert o["delivered_at"] == shipment["delivered_at"] == events[-1]["at"]
                assert add_business_days(shipped.date(), low) <= ts(o["delivered_at"]).date() + timedelta(days=1)
            else:
                assert last == status and o["delivered_at"] is None and shipment["delivered_at"] is None
        if status == "cancelled":
            assert o["cancellation"] and o["cancellation"]["at"] == history[-1]["at"]
            assert all(h["status"] in ("pending", "paid", "packed", "cancelled") for h in history)
        if status == "returned":
            ret = o["return"]
            assert ret["received_at"] == history[-1]["at"]
            assert ts(ret["requested_at"]) - ts(o["delivered_at"]) <= timedelta(days=30)
            assert ret["free_label"] == (o["shipping_address"]["country"] in facts.EU)


def test_return_window_cases_exist(shop: dict[str, Any]) -> None:
    today = DEFAULT_TODAY
    ages = [(today - ts(o["delivered_at"]).date()).days for o in shop["orders"] if o["status"] == "delivered"]
    assert any(age <= 30 for age in ages) and any(age > 30 for age in ages)


# --- interactions ----------------------------------------------------------------------------


def test_interactions_are_consistent_with_orders(shop: dict[str, Any]) -> None:
    now = now_for(DEFAULT_TODAY)
    events = shop["interactions"]
    assert {e["kind"] for e in events} == {"view", "cart", "purchase"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    for e in events:
        assert e["customer_id"] in shop["customers_by_id"] and e["product_id"] in shop["products_by_id"]
        assert ts(e["at"]) <= now
    purchases = collections.Counter(
        (e["customer_id"], e["product_id"], e["at"]) for e in events if e["kind"] == "purchase"
    )
    expected = collections.Counter(
        (o["customer_id"], i["product_id"], o["placed_at"])
        for o in shop["orders"]
        if o["status"] != "cancelled"
        for i in o["items"]
    )
    assert purchases == expected


def test_co_occurrence_beats_popularity(shop: dict[str, Any]) -> None:
    """Each customer's last order is held out; an item-to-item co-occurrence recommender trained on
    the rest finds it more often than the most-popular list does (the latent tastes are learnable)."""
    weights = {"view": 1.0, "cart": 3.0, "purchase": 5.0}
    last_order: dict[str, dict[str, Any]] = {}
    for o in shop["orders"]:
        if o["status"] != "cancelled":
            last_order[o["customer_id"]] = o
    counts = collections.Counter(o["customer_id"] for o in shop["orders"] if o["status"] != "cancelled")
    held = {c: o for c, o in last_order.items() if counts[c] >= 2}
    cutoff = {c: ts(o["placed_at"]) - timedelta(hours=2) for c, o in held.items()}
    profile: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    popularity: collections.Counter[str] = collections.Counter()
    for e in shop["interactions"]:
        if e["customer_id"] in cutoff and ts(e["at"]) >= cutoff[e["customer_id"]]:
            continue
        profile[e["customer_id"]][e["product_id"]] += weights[e["kind"]]
        popularity[e["product_id"]] += weights[e["kind"]]
    co: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for items in profile.values():
        for i, wi in items.items():
            for j, wj in items.items():
                if i != j:
                    co[i][j] += wi * wj / math.sqrt(popularity[i] * popularity[j])
    hits_pop = hits_co = 0
    ranked_popular = [p for p, _ in popularity.most_common()]
    for customer, order in held.items():
        seen = profile[customer]
        target = {i["product_id"] for i in order["items"]}
        top_pop = [p for p in ranked_popular if p not in seen][:10]
        scores: collections.Counter[str] = collections.Counter()
        for i, wi in seen.items():
            for j, v in co[i].items():
                if j not in seen:
                    scores[j] += wi * v
        top_co = [p for p, _ in scores.most_common(10)]
        hits_pop += bool(target & set(top_pop))
        hits_co += bool(target & set(top_co))
    assert len(held) > 100
    assert hits_co > 1.5 * hits_pop > 0


# --- articles --------------------------------------------------------------------------------

POLICY_SLUGS = {
    "shipping",
    "returns",
    "customs-and-duties",
    "payment",
    "warranty",
    "privacy",
    "contact",
    "order-changes",
}


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, f"{path.name} has no YAML front matter"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta, match.group(2)


def test_policy_articles_have_front_matter_and_sections() -> None:
    paths = sorted((CONTENT / "policies").glob("*.md"))
    assert {p.stem for p in paths} == POLICY_SLUGS
    for path in paths:
        meta, body = front_matter(path)
        assert meta["slug"] == path.stem and meta["title"]
        assert meta["url"] == f"https://shop.lumengoods.example/policies/{path.stem}"
        assert str(meta["updated"]) == "2026-11-01"
        words = len(body.split())
        assert 300 <= words <= 900, (path.name, words)
        assert len(re.findall(r"^## \S", body, re.M)) >= 3, path.name


def test_faq_entries() -> None:
    paths = sorted((CONTENT / "faq").glob("*.md"))
    assert paths
    questions = []
    for path in paths:
        meta, body = front_matter(path)
        assert meta["slug"] == path.stem and meta["title"] and str(meta["updated"]) == "2026-11-01"
        assert meta["url"] == f"https://shop.lumengoods.example/help/{path.stem}"
        questions += re.findall(r"^## (.+)$", body, re.M)
    assert len(questions) >= 25
    assert len(set(questions)) == len(questions)


def test_articles_quote_the_facts() -> None:
    """A few numbers every article must get right (shops/lumen-goods/README.md)."""
    text = {p.stem: p.read_text(encoding="utf-8") for p in (CONTENT / "policies").glob("*.md")}
    assert "€4.95" in text["shipping"] and "€60" in text["shipping"] and "€19.95" in text["shipping"]
    assert "30 days" in text["returns"] and "5 business days" in text["returns"]
    assert "support@lumengoods.example" in text["contact"] and "+31 30 555 0100" in text["contact"]
    assert "Klarna" in text["payment"] and "iDEAL" in text["payment"] and "Bancontact" in text["payment"]
    assert "2-year" in text["warranty"] or "two-year" in text["warranty"].lower()
    everything = "\n".join(p.read_text(encoding="utf-8") for p in CONTENT.rglob("*.md"))
    assert not re.search(r"\b(?:14|60|90)[- ]day return", everything)
