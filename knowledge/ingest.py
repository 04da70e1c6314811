"""Reading documents from files: Markdown with YAML front matter, JSONL / CSV product catalogs, plain text.

Everything is parsed and validated before anything is written, so an invalid file changes nothing.
Errors name the file and line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from knowledge.documents import Document, DocumentError
from retrieval.chunking import slugify

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def parse_markdown(text: str, *, doc_type: str, fallback_id: str, source: str = "api") -> Document:
    """A Markdown article; front matter gives title, slug (the id), url, language and extra metadata."""
    meta: dict[str, Any] = {}
    body = text
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise DocumentError(f"{fallback_id}: front matter is not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise DocumentError(f"{fallback_id}: front matter must be a mapping")
        meta = loaded
        body = text[match.end() :]
    title = str(meta.pop("title", "") or "")
    if not title:
        h1 = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = h1.group(1).strip() if h1 else fallback_id.replace("-", " ").title()
    doc_id = str(meta.pop("slug", "") or fallback_id)
    if doc_type == "faq" and not doc_id.startswith("faq"):
        doc_id = f"faq-{doc_id}"
    url = str(meta.pop("url", "") or "")
    language = str(meta.pop("language", "en") or "en")
    metadata = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    return Document(
        id=doc_id,
        type=doc_type,
        title=title,
        body=body.strip(),
        url=url,
        language=language,
        metadata=metadata,
        source=source,
    ).validate()


def product_document(record: dict[str, Any], *, source: str = "catalog", where: str = "") -> Document:
    """A catalog record (the demo-shop products.jsonl shape) as a product document."""
    prefix = f"{where}: " if where else ""
    if not isinstance(record, dict):
        raise DocumentError(f"{prefix}a product record must be an object")
    for key in ("id", "title"):
        if not str(record.get(key, "")).strip():
            raise DocumentError(f"{prefix}product record without {key!r}")
    metadata: dict[str, Any] = {}
    for key in ("sku", "category", "brand", "currency", "image_url", "weight_kg", "tags", "attributes", "ships_to"):
        if record.get(key) not in (None, ""):
            metadata[key] = record[key]
    try:
        if record.get("price") not in (None, ""):
            metadata["price"] = float(record["price"])
        metadata["stock"] = int(record.get("stock") or 0)
        if "weight_kg" in metadata:
            metadata["weight_kg"] = float(metadata["weight_kg"])
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"{prefix}{record['id']}: price/stock/weight must be numbers") from exc
    if isinstance(metadata.get("ships_to"), str):
        metadata["ships_to"] = [c.strip().upper() for c in re.split(r"[;,| ]+", metadata["ships_to"]) if c.strip()]
    if isinstance(metadata.get("tags"), str):
        metadata["tags"] = [t.strip() for t in re.split(r"[;,|]+", metadata["tags"]) if t.strip()]
    if isinstance(metadata.get("attributes"), str):
        try:
            metadata["attributes"] = json.loads(metadata["attributes"])
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{prefix}{record['id']}: attributes must be a JSON object") from exc
    metadata.setdefault("currency", "EUR")
    return Document(
        id=str(record["id"]),
        type="product",
        title=str(record["title"]),
        body=str(record.get("description") or ""),
        url=str(record.get("url") or ""),
        language=str(record.get("language") or "en"),
        metadata=metadata,
        source=source,
    ).validate()


def parse_jsonl_catalog(text: str, *, source: str = "catalog", name: str = "catalog") -> list[Document]:
    docs = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{name}:{n}: not valid JSON: {exc.msg}") from exc
        docs.append(product_document(record, source=source, where=f"{name}:{n}"))
    return _unique(docs, name)


def parse_csv_catalog(text: str, *, source: str = "catalog", name: str = "catalog") -> list[Document]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames or "title" not in reader.fieldnames:
        raise DocumentError(f"{name}: CSV needs a header row with at least id and title")
    docs = [product_document(dict(row), source=source, where=f"{name}:{n}") for n, row in enumerate(reader, start=2)]
    return _unique(docs, name)


def parse_text(text: str, *, doc_id: str, title: str | None = None, source: str = "api") -> Document:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Document(
        id=doc_id, type="text", title=title or first[:120] or doc_id, body=text.strip(), source=source
    ).validate()


def _unique(docs: Iterable[Document], name: str) -> list[Document]:
    seen: set[str] = set()
    out = []
    for doc in docs:
        if doc.id in seen:
            raise DocumentError(f"{name}: duplicate id {doc.id}")
        seen.add(doc.id)
        out.append(doc)
    return out


def load_file(path: Path, *, doc_type: str | None = None, source: str | None = None) -> list[Document]:
    """Documents from one file, by extension: .md, .jsonl, .csv, .txt."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise DocumentError(f"{path}: {exc.strerror or exc}") from exc
    suffix = path.suffix.lower()
    src = source or f"file:{path.name}"
    if suffix in (".md", ".markdown"):
        kind = doc_type or ("faq" if path.parent.name == "faq" else "policy")
        return [parse_markdown(text, doc_type=kind, fallback_id=slugify(path.stem), source=src)]
    if suffix in (".jsonl", ".ndjson"):
        return parse_jsonl_catalog(text, source=src, name=path.name)
    if suffix == ".csv":
        return parse_csv_catalog(text, source=src, name=path.name)
    if suffix == ".txt":
        return [parse_text(text, doc_id=slugify(path.stem), source=src)]
    raise DocumentError(f"{path}: unsupported file type {suffix or '(none)'}; use .md, .jsonl, .csv or .txt")


def load_content_dir(root: Path, source: str = "content") -> list[Document]:
    """Policy articles (policies/*.md), FAQs (faq/*.md) and any *.txt under `root`."""
    root = Path(root)
    docs: list[Document] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".md", ".txt") and path.name.lower() != "readme.md":
            doc_type = "faq" if "faq" in path.relative_to(root).parts[:-1] else None
            docs.extend(load_file(path, doc_type=doc_type, source=source))
    return _unique(docs, str(root))


# Help-centre formats by name (shop.yml `data:` entries of kind help_centre, `python -m knowledge import --format`).
HELP_CENTRE_FORMATS = ("markdown", "html", "faq_csv", "zendesk_json", "intercom_json")


def load_source(fmt: str, path: Path, *, source: str | None = None) -> tuple[list[Document], int]:
    """Documents of one help-centre source (a file, or a folder for markdown/html) and how many were skipped
    (drafts, unpublished articles). Formats: knowledge/help_centre.py."""
    from knowledge import help_centre

    path = Path(path)
    src = source or f"file:{path.name}"
    if fmt not in HELP_CENTRE_FORMATS:
        raise DocumentError(f"unknown format {fmt!r}; use one of {', '.join(HELP_CENTRE_FORMATS)}")
    if not path.exists():
        raise DocumentError(f"{path}: no such file or folder")
    if fmt == "markdown":
        docs = load_content_dir(path, source=src) if path.is_dir() else load_file(path, source=src)
        return docs, 0
    if fmt == "html":
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".html", ".htm")) if path.is_dir() else [path]
        docs = [help_centre.parse_html_page(_read_text(f), fallback_id=f.stem, source=src, name=f.name) for f in files]
        return _unique(docs, str(path)), 0
    text = _read_text(path)
    if fmt == "faq_csv":
        return _unique(help_centre.parse_faq_csv(text, name=path.name, source=src), path.name), 0
    parse = help_centre.parse_zendesk_articles if fmt == "zendesk_json" else help_centre.parse_intercom_articles
    docs, skipped = parse(text, name=path.name, source=src)
    return _unique(docs, path.name), skipped


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise DocumentError(f"{path}: {exc.strerror or exc}") from exc


def write_markdown(docs: Iterable[Document], folder: Path) -> int:
    """Documents as Markdown files with front matter (FAQs under faq/), the layout `load_content_dir` reads back:
    the normalised form of imported help-centre content in a shop's data folder. Returns how many were written."""
    folder = Path(folder)
    written = 0
    for doc in docs:
        target = folder / "faq" if doc.type == "faq" else folder
        target.mkdir(parents=True, exist_ok=True)
        front = {"title": doc.title, "slug": doc.id, "url": doc.url, "language": doc.language, **doc.metadata}
        text = (
            "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + doc.body.strip() + "\n"
        )
        tmp = target / f".{doc.id}.md.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target / f"{doc.id}.md")
        written += 1
    return written
