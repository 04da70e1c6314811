"""Chunking keeps titles, splits Markdown by ## section and gives stable ids."""

from retrieval.chunking import chunk_markdown, chunk_text
from retrieval.text import tokenize

BODY = """# Shipping

We ship from Utrecht.

## Shipping costs
EU shipping costs €4.95.

### Express
Express costs more.

## Delivery times
2–5 business days.
"""


def test_markdown_is_split_by_section_with_the_title_kept() -> None:
    chunks = chunk_markdown("shipping", "Shipping", BODY, url="https://x/help/shipping")
    assert [c.chunk_id for c in chunks] == ["shipping#intro", "shipping#shipping-costs", "shipping#delivery-times"]
    costs = chunks[1]
    assert costs.section == "Shipping costs"
    assert "Express costs more" in costs.text  # ### stays inside its ## section
    assert costs.embed_text().startswith("Shipping — Shipping costs")
    assert costs.url == "https://x/help/shipping#shipping-costs"


def test_long_sections_are_split_into_bounded_parts() -> None:
    body = "## Long\n" + "\n\n".join(f"Paragraph {n} " + "word " * 60 for n in range(20))
    chunks = chunk_markdown("doc", "Doc", body, max_chars=600)
    assert len(chunks) > 3
    assert all(len(c.text) <= 700 for c in chunks)
    assert chunks[0].chunk_id == "doc#long" and chunks[1].chunk_id == "doc#long-2"


def test_chunk_ids_survive_edits_of_the_text() -> None:
    before = chunk_markdown("d", "D", "## Refunds\nold text")
    after = chunk_markdown("d", "D", "## Refunds\nnew, longer text")
    assert before[0].chunk_id == after[0].chunk_id
    assert before[0].content_hash() != after[0].content_hash()


def test_plain_text_is_one_chunk_when_short() -> None:
    chunks = chunk_text("note", "Note", "Just one paragraph.")
    assert [c.chunk_id for c in chunks] == ["note"]


def test_tokenizer_folds_accents_stems_and_drops_stop_words() -> None:
    assert tokenize("Returning the shoes to Zürich?") == ["return", "shoe", "zurich"]
    assert tokenize("shipping") == tokenize("ships") == ["ship"]
