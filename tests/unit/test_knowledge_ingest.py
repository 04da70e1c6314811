"""Ingestion: Markdown front matter, JSONL and CSV catalogs, plain text, and clear errors."""

import pytest

from knowledge.documents import Document, DocumentError, to_chunks
from knowledge.ingest import load_content_dir, load_file, parse_csv_catalog, parse_jsonl_catalog, parse_markdown
from tests.knowledge_samples import write_sample


def test_markdown_front_matter_gives_id_title_url(tmp_path) -> None:
    content, _ = write_sample(tmp_path)
    docs = {d.id: d for d in load_content_dir(content)}
    assert set(docs) == {"shipping", "returns", "faq-general"}
    shipping = docs["shipping"]
    assert shipping.type == "policy" and shipping.title == "Shipping"
    assert shipping.url == "https://shop.lumengoods.example/help/shipping"
    assert shipping.metadata["updated"] == "2026-01-10"
    assert docs["faq-general"].type == "faq"
    chunk_ids = [c.chunk_id for c in to_chunks(shipping)]
    assert chunk_ids == ["shipping#intro", "shipping#shipping-costs", "shipping#delivery-times"]


def test_jsonl_catalog_becomes_product_documents(tmp_path) -> None:
    _, catalog = write_sample(tmp_path)
    docs = load_file(catalog)
    jacket = next(d for d in docs if d.id == "P9001")
    assert jacket.type == "product" and jacket.metadata["price"] == 89.0
    chunk = to_chunks(jacket)[0]
    assert chunk.chunk_id == "P9001" and chunk.metadata["in_stock"] is True
    assert "waterproof: yes" in chunk.text and "Nordkap" in chunk.text


def test_csv_catalog() -> None:
    text = 'id,title,description,price,stock,ships_to,attributes\nP1,Mug,Nice mug,9.5,3,DE;FR,"{""color"": ""blue""}"\n'
    (doc,) = parse_csv_catalog(text)
    assert doc.metadata["ships_to"] == ["DE", "FR"] and doc.metadata["attributes"] == {"color": "blue"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "P1", "title": "A"}\n{"id": "P2", "title": \n', "catalog:2"),
        ('{"id": "P1", "title": "A"}\n{"id": "P1", "title": "B"}\n', "duplicate"),
        ('{"id": "P1"}\n', "title"),
        ('{"id": "P1", "title": "A", "price": "cheap"}\n', "numbers"),
        ('{"id": "bad id!", "title": "A"}\n', "invalid document id"),
    ],
)
def test_invalid_catalogs_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        parse_jsonl_catalog(text)


def test_invalid_markdown_and_files(tmp_path) -> None:
    with pytest.raises(DocumentError, match="front matter"):
        parse_markdown("---\ntitle: [unclosed\n---\nbody", doc_type="policy", fallback_id="x")
    with pytest.raises(DocumentError, match="empty"):
        parse_markdown("---\ntitle: T\n---\n", doc_type="policy", fallback_id="x")
    binary = tmp_path / "x.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DocumentError, match="UTF-8"):
        load_file(binary)
    pdf = tmp_path / "x.pdf"
    pdf.write_text("not really a pdf")
    with pytest.raises(DocumentError, match="unsupported"):
        load_file(pdf)


def test_content_hash_changes_with_content_only() -> None:
    a = Document(id="a", type="text", title="A", body="one")
    assert a.content_hash() == Document(id="a", type="text", title="A", body="one").content_hash()
    assert a.content_hash() != Document(id="a", type="text", title="A", body="two").content_hash()
