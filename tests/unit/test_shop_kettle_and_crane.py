"""The example shop Kettle & Crane is consistent: its rule tables and its policy text state the same numbers,
its content parses as the knowledge base's documents, its committed CSV exports are what the generator
writes, and every benchmark label names an article that exists."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge.documents import to_chunks
from knowledge.ingest import load_content_dir

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "shops" / "kettle-and-crane"


def _rules(name: str) -> dict:
    return yaml.safe_load((SHOP / "rules" / name).read_text(encoding="utf-8"))


def _text(*parts: str) -> str:
    return (SHOP / "content" / "policies" / Path(*parts)).read_text(encoding="utf-8")


def _usd(amount: float) -> str:
    return f"${amount:,.2f}" if amount % 1 else f"${amount:,.0f}"


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    """Article bodies by id, with Markdown's line wrapping and bold marks taken out."""
    return {d.id: " ".join(d.body.replace("**", "").split()) for d in load_content_dir(SHOP / "content")}


def test_content_parses_into_at_least_twelve_articles(docs: dict[str, str]) -> None:
    assert len(docs) >= 12
    assert {"shipping", "returns", "refunds", "payment", "customs-and-duties", "faq-subscriptions"} <= set(docs)


def test_shipping_table_states_every_zone_number() -> None:
    rules = _rules("shipping_zones.yaml")
    text = _text("shipping.md")
    for name, zone in rules["zones"].items():
        standard = float(zone["standard_cost"])
        express = round(standard * rules["express_multiplier"], 2)
        row = next((line for line in text.splitlines() if line.startswith("|") and _usd(standard) in line), "")
        assert row, f"no shipping-table row with {name}'s standard cost {_usd(standard)}"
        assert _usd(express) in row, f"{name}: express {_usd(express)} missing from {row!r}"
        lo, hi = zone["transit_days"]
        assert f"{lo}–{hi} business days" in row
        elo, ehi = zone["express_days"]
        assert f"{elo}–{ehi} business days" in row
        if zone["free_above"] is None:
            assert "not available" in row
        else:
            assert f"{_usd(float(zone['free_above']))} or more" in row
        assert zone["carrier"] in text


def test_return_refund_and_change_rules_match_the_policies(docs: dict[str, str]) -> None:
    orders = _rules("orders.yaml")
    assert f"{orders['return_window_days']} days from delivery" in docs["returns"]
    assert f"{orders['refund_business_days']} business days" in docs["refunds"]
    assert f"{orders['refund_business_days']} business days" in docs["order-changes"]
    assert orders["cancellable_statuses"] == ["pending", "paid"]
    assert "until your order is packed" in docs["order-changes"]
    assert "packed" in orders["address_changeable_statuses"]
    assert "until the parcel is handed to the carrier" in docs["order-changes"]
    for category in ("coffee", "tea", "gift cards"):
        assert category in orders["non_returnable_categories"]
    assert {"grinders", "filters"} <= set(orders["sealed_only_categories"])


def test_duty_rates_match_the_customs_page(docs: dict[str, str]) -> None:
    text = docs["customs-and-duties"]
    ca, mx = (_rules("duties.yaml")["countries"][c] for c in ("CA", "MX"))
    assert f"{ca['duty'] * 100:g}% of the value" in text and f"more than US${ca['duty_de_minimis']}" in text
    assert f"{ca['vat'] * 100:g}% of items" in text and f"more than US${ca['vat_de_minimis']}" in text
    assert f"IVA at {mx['vat'] * 100:g}%" in text and f"{mx['duty'] * 100:g}%" in text
    assert f"US${mx['duty_de_minimis']} or less" in text
    assert (ca["collected"], mx["collected"]) == ("checkout", "delivery")


def test_committed_exports_are_what_the_generator_writes() -> None:
    script = ROOT / "scripts" / "generate_kettle_and_crane.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_orders_export_agrees_with_the_catalog_and_the_zones() -> None:
    with (SHOP / "data" / "products.csv").open(encoding="utf-8") as f:
        skus = {row["Variant SKU"] for row in csv.DictReader(f)}
    with (SHOP / "data" / "orders.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = {row["Name"] for row in rows}
    assert len(names) == 200 and all(re.fullmatch(r"#\d{4}", n) for n in names)
    assert {row["Lineitem sku"] for row in rows} <= skus
    firsts = [row for row in rows if row["Financial Status"]]
    assert len(firsts) == 200
    states = {row["Financial Status"] for row in firsts}
    assert {"pending", "paid", "refunded", "partially_refunded"} <= states
    assert any(row["Cancelled at"] for row in firsts)
    assert {row["Shipping Country"] for row in firsts} - {""} == {"US", "PR", "CA", "MX"}
    for row in firsts:
        parts = sum(float(row[k] or 0) for k in ("Subtotal", "Shipping", "Taxes", "Duties"))
        assert abs(parts - float(row["Total"])) < 0.011, row["Name"]


def test_benchmark_labels_name_existing_articles(docs: dict[str, str]) -> None:
    questions = ROOT / "benchmarks" / "data" / "retrieval_questions" / "kettle-and-crane.jsonl"
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sum(1 for r in rows if r["relevant"]) >= 60
    assert {r["language"] for r in rows} == {"en", "es", "fr"}
    sections = {(c.doc_id, c.section or "(intro)") for d in load_content_dir(SHOP / "content") for c in to_chunks(d)}
    for r in rows:
        for label in r["relevant"]:
            assert label["doc"] in docs, (r["id"], label)
            if "section" in label:  # the `## ` heading it names exists ("(intro)": the text before the first)
                assert (label["doc"], label["section"]) in sections, (r["id"], label)
    facts = yaml.safe_load((ROOT / "benchmarks" / "data" / "answer_quality" / "kettle-and-crane.yaml").read_text())
    assert len(facts["questions"]) >= 40
    for q in facts["questions"]:
        assert q["doc"] in docs, q
        if q["language"] == "en":  # the fact is stated in the article the answer must come from
            assert re.search(q["fact"], docs[q["doc"]], re.IGNORECASE), q
