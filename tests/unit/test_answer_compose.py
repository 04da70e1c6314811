"""Answer composition (retrieval/compose.py): splitting passages into sentences, items and rows, selecting the
ones that answer a question (with the real multilingual e5 embedder) and rendering them as Markdown."""

from __future__ import annotations

import pytest

from retrieval.compose import (
    AnswerComposer,
    ScoredUnit,
    UnitScorer,
    cite,
    render,
    select_units,
    split_sentences,
    split_units,
)
from retrieval.embedders import load_embedder
from retrieval.types import Chunk

TIMES = Chunk(
    chunk_id="shipping#delivery-times",
    doc_id="shipping",
    type="policy",
    title="Shipping and delivery",
    section="Delivery times",
    url="https://shop.example/policies/shipping#delivery-times",
    text=(
        "Transit times are counted in business days (Monday to Friday) from the day your parcel leaves our\n"
        "warehouse:\n\n"
        "| Zone | Standard | Express |\n"
        "|---|---|---|\n"
        "| EU | 2–5 business days | next day or 2 business days |\n"
        "| North America | 6–10 business days | 2–4 business days |\n"
        "| Rest of world | 8–15 business days | 2–4 business days |\n\n"
        "We pack orders Monday to Friday. Most paid orders leave the warehouse within one working day; orders\n"
        "paid on a Saturday or Sunday leave from Monday."
    ),
)
RETURNS = Chunk(
    chunk_id="returns#items-that-cannot-be-returned",
    doc_id="returns",
    type="policy",
    title="Returns and refunds",
    section="Items that cannot be returned",
    url="https://shop.example/policies/returns#items",
    text=(
        "For hygiene and legal reasons some items cannot be returned:\n\n"
        "- **Gift cards.**\n"
        "- **Opened beauty products.** Unopened beauty products in their sealed packaging can be\n"
        "  returned.\n"
        "- **Underwear and swimwear** whose hygiene seal has been broken.\n\n"
        "This does not affect your rights if one of these items is faulty."
    ),
)


def test_sentences_split_on_sentence_ends_not_on_prices_or_abbreviations() -> None:
    text = "Express costs €12.38 in the EU. It is never free, e.g. on sales! Ask us? Yes."
    assert split_sentences(text) == [
        "Express costs €12.38 in the EU.",
        "It is never free, e.g. on sales!",
        "Ask us? Yes.",  # sentences too short to stand alone join a neighbour
    ]
    assert split_sentences("No. The packing slip shows no prices.") == ["No. The packing slip shows no prices."]


def test_a_passage_splits_into_sentences_rows_with_their_header_and_items_with_their_lead() -> None:
    units = split_units(TIMES)
    assert [u.kind for u in units] == ["sentence", "row", "row", "row", "sentence", "sentence"]
    row = units[1]
    assert row.text == "| EU | 2–5 business days | next day or 2 business days |"
    assert row.header == ("| Zone | Standard | Express |", "|---|---|---|")
    assert "Zone: EU; Standard: 2–5 business days" in row.context_text(TIMES)
    items = [u for u in split_units(RETURNS) if u.kind == "item"]
    assert len(items) == 3 and items[1].text.endswith("can be returned.")  # the wrapped line is joined
    assert items[0].lead == "For hygiene and legal reasons some items cannot be returned:"


def _scored(units, scores) -> list[ScoredUnit]:
    return [ScoredUnit(u, s, s, 0.0) for u, s in zip(units, scores, strict=True)]


def test_selection_keeps_a_row_with_rows_of_its_table_and_renders_them_under_the_header() -> None:
    units = split_units(TIMES)
    chosen = select_units(_scored(units, [0.80, 0.90, 0.70, 0.895, 0.89, 0.5]))
    assert [u.unit.text for u in chosen] == [units[1].text, units[3].text]  # the sentence close by is not a row
    assert render([u.unit for u in chosen]) == (
        "| Zone | Standard | Express |\n|---|---|---|\n"
        "| EU | 2–5 business days | next day or 2 business days |\n"
        "| Rest of world | 8–15 business days | 2–4 business days |"
    )


def test_selection_joins_close_sentences_in_document_order_and_respects_the_margin() -> None:
    units = split_units(TIMES)
    chosen = select_units(_scored(units, [0.2, 0.1, 0.1, 0.1, 0.90, 0.895]))
    assert render([u.unit for u in chosen]) == (
        "We pack orders Monday to Friday. Most paid orders leave the warehouse within one working day; orders "
        "paid on a Saturday or Sunday leave from Monday."
    )
    alone = select_units(_scored(units, [0.2, 0.1, 0.1, 0.1, 0.90, 0.80]))
    assert [u.unit.text for u in alone] == ["We pack orders Monday to Friday."]


def test_several_items_are_rendered_after_their_lead() -> None:
    units = split_units(RETURNS)
    chosen = select_units(_scored(units, [0.5, 0.9, 0.895, 0.1, 0.2]))
    assert render([u.unit for u in chosen]).splitlines() == [
        "For hygiene and legal reasons some items cannot be returned:",
        "- **Gift cards.**",
        "- **Opened beauty products.** Unopened beauty products in their sealed packaging can be returned.",
    ]


def test_the_citation_is_the_title_with_its_section_and_link() -> None:
    source = cite(TIMES)
    assert (source.title, source.url) == (
        "Shipping and delivery — Delivery times",
        "https://shop.example/policies/shipping#delivery-times",
    )


@pytest.fixture(scope="module")
def composer() -> tuple[AnswerComposer, object]:
    embedder = load_embedder("e5")
    return AnswerComposer(UnitScorer(embedder)), embedder


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how long does delivery to North America take?", "| North America | 6–10 business days"),
        ("when do you pack orders?", "We pack orders Monday to Friday."),
        ("can I return gift cards?", "Gift cards"),
    ],
)
def test_the_embedder_and_word_overlap_pick_the_answering_unit(composer, question: str, expected: str) -> None:
    comp, embedder = composer
    vector = embedder.embed_queries([question])[0]
    composed = comp.compose(question, vector, [TIMES, RETURNS] if "return" not in question else [RETURNS, TIMES])
    assert composed is not None and expected in composed.markdown
    assert len(composed.markdown.split()) <= 40
    if expected.startswith("|"):
        assert composed.markdown.startswith("| Zone | Standard | Express |")  # the header comes with the row
