"""Help-centre imports: HTML pages (main text, headings kept, scripts and navigation dropped), a FAQ CSV, Zendesk
Guide and Intercom article exports (drafts skipped), and errors naming file, row or index, and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import DocumentError, to_chunks
from knowledge.help_centre import html_to_markdown
from knowledge.ingest import load_source

DATA = Path(__file__).resolve().parents[1] / "data" / "imports" / "help_centre"


def test_html_page_keeps_main_text_and_headings() -> None:
    (doc,) = load_source("html", DATA / "returns.html")[0]
    assert doc.id == "returns" and doc.type == "policy" and doc.title == "Returns and exchanges"
    assert doc.url == "https://help.trailhead.example/returns"
    assert doc.body == (
        "# Returns and exchanges\n\nYou can return unworn items within 45 days of delivery.\n\n"
        "## How do I start a return?\n\nOpen the returns portal, enter your order number and email, and print the "
        "label.\n\n## Which items cannot be returned?\n\n- Gift cards\n- Socks and underwear once opened"
    )
    for noise in ("dataLayer", "trackSection", "font-family", "Shipping times", "Privacy", "Trailhead Supply"):
        assert noise not in doc.body
    sections = [c.chunk_id for c in to_chunks(doc)]
    assert sections == ["returns#intro", "returns#how-do-i-start-a-return", "returns#which-items-cannot-be-returned"]


def test_html_without_main_falls_back_to_body() -> None:
    title, body, _ = html_to_markdown("<html><title>T</title><body><nav>menu</nav><h2>Q?</h2><p>A &amp; B</p></body>")
    assert title == "T" and body == "## Q?\n\nA & B"


def test_faq_csv_groups_questions_by_category() -> None:
    docs, skipped = load_source("faq_csv", DATA / "faq.csv")
    assert skipped == 0
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {"faq-shipping", "faq-orders"}
    shipping = by_id["faq-shipping"]
    assert shipping.type == "faq" and shipping.url == "https://help.trailhead.example/faq/shipping"
    assert [c.chunk_id for c in to_chunks(shipping)] == [
        "faq-shipping#do-you-ship-to-canada",
        "faq-shipping#how-much-is-shipping",
    ]


def test_zendesk_articles_skip_drafts_and_keep_locale() -> None:
    docs, skipped = load_source("zendesk_json", DATA / "zendesk_articles.json")
    assert skipped == 1
    assert [(d.id, d.language) for d in docs] == [("zendesk-360001234567", "en"), ("zendesk-360001234568", "es")]
    warranty = docs[0]
    assert warranty.url == "https://trailhead.zendesk.com/hc/en-us/articles/360001234567-Warranty"
    assert warranty.body.startswith("Every Trailhead product carries a two-year warranty")
    assert "## How do I claim?" in warranty.body and "<p>" not in warranty.body
    assert warranty.metadata == {"platform": "zendesk", "section_id": 360000111222, "updated": "2026-02-10T12:30:00Z"}


def test_intercom_articles_skip_unpublished() -> None:
    docs, skipped = load_source("intercom_json", DATA / "intercom_articles.json")
    assert skipped == 1
    (doc,) = docs
    assert doc.id == "intercom-6871119" and doc.title == "Caring for your merino"
    assert doc.url.endswith("/6871119-caring-for-your-merino") and "## Can I tumble dry?" in doc.body


def test_markdown_source_is_the_content_loader(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "gifts.md").write_text("---\ntitle: Gifts\n---\n\n## Wrapping?\n\nYes.\n", encoding="utf-8")
    (doc,) = load_source("markdown", tmp_path)[0]
    assert doc.id == "faq-gifts" and doc.type == "faq"


@pytest.mark.parametrize(
    ("fmt", "name", "message"),
    [
        ("faq_csv", "faq_bad.csv", "faq_bad.csv row 3, field 'answer': missing"),
        ("zendesk_json", "zendesk_articles_bad.json", "zendesk_articles_bad.json articles[1], field 'title': missing"),
        ("intercom_json", "zendesk_articles.json", 'zendesk_articles.json: expected {"type": "list"'),
        ("zendesk_json", "faq.csv", "faq.csv line 1: not valid JSON"),
    ],
)
def test_malformed_help_centre_files(fmt: str, name: str, message: str) -> None:
    with pytest.raises(DocumentError) as exc:
        load_source(fmt, DATA / name)
    assert str(exc.value).startswith(message)


def test_unknown_format() -> None:
    with pytest.raises(DocumentError, match="unknown format 'confluence'"):
        load_source("confluence", DATA / "faq.csv")


def test_imported_documents_round_trip_through_the_shops_markdown_folder(tmp_path: Path) -> None:
    from knowledge.ingest import load_content_dir, write_markdown

    docs = [
        *load_source("zendesk_json", DATA / "zendesk_articles.json", source="help_centre")[0],
        *load_source("faq_csv", DATA / "faq.csv", source="help_centre")[0],
        *load_source("html", DATA / "returns.html", source="help_centre")[0],
    ]
    assert write_markdown(docs, tmp_path / "help_centre") == 5
    back = {d.id: d for d in load_content_dir(tmp_path / "help_centre", source="help_centre")}
    assert {d.id: d.content_hash() for d in docs} == {i: d.content_hash() for i, d in back.items()}
    assert back["faq-orders"].type == "faq" and back["zendesk-360001234568"].language == "es"
