"""Help-centre content shops already have, as knowledge-base documents: HTML pages, a FAQ CSV, Zendesk Guide
and Intercom article exports. (Markdown with front matter is `ingest.parse_markdown`.)

- HTML page: the main text (`<main>`, else `<article>`, else `<body>`) as Markdown; headings kept (`<h2>` → `##`,
  which is where the chunker splits), lists as `- ` lines; `<script>`, `<style>`, `<nav>`, `<header>`, `<footer>`,
  `<aside>`, `<form>` dropped. Title from `<h1>`, else `<title>`; URL from `<link rel="canonical">`.
- FAQ CSV: columns `question`, `answer` (required) and optional `category`, `url`, `language`: one FAQ document
  per category (the file name when there is none), each question a `##` section, like content/faq/*.md.
- Zendesk Guide: the JSON of GET /api/v2/help_center/articles.json, `{"articles": [{id, title, body (HTML),
  html_url, locale, section_id, updated_at, draft, …}]}`; drafts skipped.
- Intercom: the JSON of GET /articles, `{"type": "list", "data": [{id, title, description, body (HTML), url,
  state, default_locale, updated_at, …}]}`; anything not `published` skipped.

Every problem names the file, the row or array index and the field; nothing is returned from a bad file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from knowledge.documents import Document, DocumentError
from retrieval.chunking import slugify

_DROP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg", "template", "iframe"}
_BLOCK = {"p", "div", "section", "article", "main", "br", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base", "embed", "track"}


class _Extractor(HTMLParser):
    """Collects the text of one HTML document as Markdown lines, per top-level region (main/article/body)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.regions: dict[str, list[str]] = {"main": [], "article": [], "body": []}
        self.inside: dict[str, int] = {"main": 0, "article": 0}
        self.drop = 0
        self.line: list[str] = []
        self.prefix = ""
        self.title = ""
        self.in_title = False
        self.h1 = ""
        self.in_h1 = False
        self.canonical = ""

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.line)).strip()
        self.line = []
        if text:
            entry = f"{self.prefix}{text}" if self.prefix else text
            for region in ("main", "article"):
                if self.inside[region]:
                    self.regions[region].append(entry)
            self.regions["body"].append(entry)
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "link" and (attr.get("rel") or "").lower() == "canonical":
            self.canonical = attr.get("href") or ""
        if tag in _VOID:
            if tag == "br":
                self._flush()
            return
        if tag in _DROP:
            self.drop += 1
            return
        if tag == "title":
            self.in_title = True
        if tag in self.inside:
            self.inside[tag] += 1
        if self.drop:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.prefix = "#" * int(tag[1]) + " "
            self.in_h1 = tag == "h1" and not self.h1
        elif tag == "li":
            self._flush()
            self.prefix = "- "
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.drop = max(0, self.drop - 1)
            return
        if tag == "title":
            self.in_title = False
        if self.drop:
            return
        if re.fullmatch(r"h[1-6]|li", tag) or tag in _BLOCK:
            self._flush()
            self.in_h1 = False
        if tag in self.inside:
            self.inside[tag] = max(0, self.inside[tag] - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.drop:
            return
        if self.in_h1:
            self.h1 += data
        self.line.append(data)

    def markdown(self) -> str:
        self._flush()
        lines = self.regions["main"] or self.regions["article"] or self.regions["body"]
        out: list[str] = []
        for line in lines:
            # Headings and paragraphs get a blank line around them; list items stay together.
            if out and not (line.startswith("- ") and out[-1].startswith("- ")):
                out.append("")
            out.append(line)
        return "\n".join(out).strip()


def html_to_markdown(html: str) -> tuple[str, str, str]:
    """(title, Markdown body, canonical URL) of an HTML page or fragment."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    body = parser.markdown()
    title = re.sub(r"\s+", " ", parser.h1 or parser.title).strip()
    return title, body, parser.canonical


def parse_html_page(text: str, *, fallback_id: str, source: str, name: str) -> Document:
    title, body, url = html_to_markdown(text)
    if not body:
        raise DocumentError(f"{name}: no text found in the page")
    return Document(
        id=slugify(fallback_id), type="policy", title=title or fallback_id, body=body, url=url, source=source
    ).validate()


def parse_faq_csv(text: str, *, name: str, source: str) -> list[Document]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("question", "answer") if c not in header]
    if missing:
        raise DocumentError(f"{name} row 1: missing column(s) {', '.join(missing)} (a FAQ CSV has question, answer)")
    groups: dict[str, dict[str, Any]] = {}
    default_category = Path(name).stem.replace("-", " ").replace("_", " ").strip().capitalize() or "FAQ"
    for n, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): str(v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        for column in ("question", "answer"):
            if not row.get(column):
                raise DocumentError(f"{name} row {n}, field {column!r}: missing")
        category = row.get("category") or default_category
        group = groups.setdefault(
            category, {"sections": [], "url": row.get("url", ""), "language": row.get("language") or "en"}
        )
        group["sections"].append(f"## {row['question']}\n\n{row['answer']}")
    docs = []
    for category, group in groups.items():
        docs.append(
            Document(
                id=f"faq-{slugify(category)}",
                type="faq",
                title=category,
                body="\n\n".join(group["sections"]),
                url=group["url"],
                language=group["language"],
                source=source,
            ).validate()
        )
    return docs


def _language(locale: Any) -> str:
    return str(locale or "en").split("-")[0].split("_")[0].lower() or "en"


def _article(
    item: Any, where: str, *, platform: str, url_key: str, locale_key: str, source: str, extra: dict[str, Any]
) -> Document:
    if not isinstance(item, dict):
        raise DocumentError(f"{where}: expected an article object")
    for key in ("id", "title", "body"):
        if item.get(key) in (None, ""):
            raise DocumentError(f"{where}, field {key!r}: missing")
    _, body, _ = html_to_markdown(str(item["body"]))
    if not body:
        raise DocumentError(f"{where}, field 'body': no text in the article's HTML")
    doc_id = f"{platform}-{item['id']}"
    try:
        return Document(
            id=doc_id,
            type="policy",
            title=str(item["title"]).strip(),
            body=body,
            url=str(item.get(url_key) or ""),
            language=_language(item.get(locale_key)),
            metadata={"platform": platform, **{k: v for k, v in extra.items() if v not in (None, "")}},
            source=source,
        ).validate()
    except DocumentError as exc:
        raise DocumentError(f"{where}: {exc}") from exc


def _load_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{name} line {exc.lineno}: not valid JSON: {exc.msg}") from exc


def parse_zendesk_articles(text: str, *, name: str, source: str) -> tuple[list[Document], int]:
    """Documents from a Zendesk Guide articles export and how many drafts were skipped."""
    data = _load_json(text, name)
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise DocumentError(f'{name}: expected {{"articles": [...]}} (GET /api/v2/help_center/articles.json)')
    docs, skipped = [], 0
    for i, item in enumerate(articles):
        if isinstance(item, dict) and item.get("draft"):
            skipped += 1
            continue
        meta = (
            {"section_id": item.get("section_id"), "updated": item.get("updated_at")} if isinstance(item, dict) else {}
        )
        docs.append(
            _article(
                item, f"{name} articles[{i}]", platform="zendesk", url_key="html_url", locale_key="locale",
                source=source, extra=meta,
            )
        )  # fmt: skip
    return docs, skipped


def parse_intercom_articles(text: str, *, name: str, source: str) -> tuple[list[Document], int]:
    """Documents from an Intercom articles export and how many unpublished ones were skipped."""
    data = _load_json(text, name)
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise DocumentError(f'{name}: expected {{"type": "list", "data": [...]}} (Intercom GET /articles)')
    docs, skipped = [], 0
    for i, item in enumerate(articles):
        if isinstance(item, dict) and str(item.get("state") or "published") != "published":
            skipped += 1
            continue
        meta = {"updated": item.get("updated_at"), "parent_id": item.get("parent_id")} if isinstance(item, dict) else {}
        docs.append(
            _article(
                item, f"{name} data[{i}]", platform="intercom", url_key="url", locale_key="default_locale",
                source=source, extra=meta,
            )
        )  # fmt: skip
    return docs, skipped
