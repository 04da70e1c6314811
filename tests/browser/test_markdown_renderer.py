"""The Markdown renderer (channels/static/markdown.js) on its own, in real Chromium: what each construct of the
subset becomes, what stays text, and that hostile input neither runs nor hangs. No server is needed: the
renderer is the file the console prepends to /widget.js and /static/console.js (pages.asset_bytes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from channels.console.pages import asset_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(chromium: Any) -> Iterator[Page]:  # noqa: ANN401 - a Playwright browser
    context = chromium.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body><div id='out'></div></body></html>")
    page.add_script_tag(content=asset_bytes("markdown.js").decode())
    yield page
    context.close()


def render(page: Page, text: str) -> str:
    """The HTML the renderer built for `text` (read back with innerHTML; it is never written that way)."""
    return str(
        page.evaluate(
            """(text) => {
                const out = document.getElementById('out');
                out.textContent = '';
                return window.BorderlessMarkdown.render(out, text).innerHTML;
            }""",
            text,
        )
    )


LINK = 'target="_blank" rel="noopener noreferrer nofollow"'


def link(href: str, text: str, title: str | None = None) -> str:
    """A rendered link to an http(s) page, as innerHTML writes it back."""
    shown = f' title="{title}"' if title else ""
    return f'<a class="bl-md-link" href="{href}" {LINK}{shown}>{text}</a>'


CASES = {
    "emphasis and code": (
        "**bold**, __bold__, *it*, _it_, ***both*** and `a <b> c`",
        "<p><strong>bold</strong>, <strong>bold</strong>, <em>it</em>, <em>it</em>, <strong><em>both</em></strong>"
        ' and <code class="bl-md-code">a &lt;b&gt; c</code></p>',
    ),
    "no emphasis inside words or around spaces": (
        "snake_case_name, 2 * 3 * 4 and \\*escaped\\*",
        "<p>snake_case_name, 2 * 3 * 4 and *escaped*</p>",
    ),
    "line breaks and paragraphs": ("one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"),
    "nested bullet list": (
        "- a\n- b\n  - c\n- d",
        '<ul class="bl-md-list"><li>a</li><li>b<ul class="bl-md-list"><li>c</li></ul></li><li>d</li></ul>',
    ),
    "numbered list keeps its start": (
        "3. three\n4. **four**",
        '<ol class="bl-md-list" start="3"><li>three</li><li><strong>four</strong></li></ol>',
    ),
    "list then paragraph": ("- a\n\nafter", '<ul class="bl-md-list"><li>a</li></ul><p>after</p>'),
    "table with alignment, escaped pipe and code": (
        "| A | B |\n|:--|--:|\n| x \\| y | `p|q` |",
        '<div class="bl-md-table" role="region" tabindex="0" aria-label="Table"><table role="table"><thead>'
        '<tr role="row"><th class="bl-md-left" role="columnheader"><span class="bl-md-cell">A</span></th>'
        '<th class="bl-md-right" role="columnheader"><span class="bl-md-cell">B</span></th></tr></thead><tbody>'
        '<tr role="row"><td class="bl-md-left" role="cell" data-label="A"><span class="bl-md-cell">x | y</span></td>'
        '<td class="bl-md-right" role="cell" data-label="B"><span class="bl-md-cell"><code class="bl-md-code">p|q'
        "</code></span></td></tr></tbody></table></div>",
    ),
    "a wide table is marked for stacking": (
        "| a | b | c | d |\n|---|---|---|---|\n| 1 | 2 | 3 | 4 |",
        "bl-md-table bl-md-wide",
    ),
    "links: inline, parentheses in the URL, mailto": (
        "[w](https://en.wikipedia.org/wiki/Foo_(bar)) [mail](mailto:help@shop.example)",
        f"<p>{link('https://en.wikipedia.org/wiki/Foo_(bar)', 'w')} "
        '<a class="bl-md-link" href="mailto:help@shop.example">mail</a></p>',
    ),
    "bare URLs without trailing punctuation, shown short": (
        "See https://www.shop.example/policies/shipping. (https://shop.example/a)",
        "<p>See "
        + link(
            "https://www.shop.example/policies/shipping",
            "shop.example/policies/shipping",
            "https://www.shop.example/policies/shipping",
        )
        + ". ("
        + link("https://shop.example/a", "shop.example/a", "https://shop.example/a")
        + ")</p>",
    ),
    "a long bare URL is cut in the text, whole in the link": (
        "https://shop.example/track?order=BL-100001&utm_source=email&utm_medium=x",
        "<p>"
        + link(
            "https://shop.example/track?order=BL-100001&amp;utm_source=email&amp;utm_medium=x",
            "shop.example/track?order=BL-100001&amp;utm_…",
            "https://shop.example/track?order=BL-100001&amp;utm_source=email&amp;utm_medium=x",
        )
        + "</p>",
    ),
    "heading, quote, rule, code block": (
        "## Zones\n> quoted **text**\n\n---\n```\n<b>x</b>\n```",
        '<p class="bl-md-heading"><strong>Zones</strong></p><blockquote class="bl-md-quote"><p>quoted '
        '<strong>text</strong></p></blockquote><hr class="bl-md-rule"><pre class="bl-md-pre"><code>'
        "&lt;b&gt;x&lt;/b&gt;</code></pre>",
    ),
    "unsafe link schemes keep only the label": (
        "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,x) [d](/relative) [e](//host/x)",
        '<p><span class="bl-md-unlinked">a</span> <span class="bl-md-unlinked">b</span> '
        '<span class="bl-md-unlinked">c</span> <span class="bl-md-unlinked">d</span> '
        '<span class="bl-md-unlinked">e</span></p>',
    ),
    "nested brackets: the outer link wins, the inner is text": (
        "[[x](javascript:alert(1))](https://shop.example/ok)",
        f"<p>{link('https://shop.example/ok', '[x](javascript:alert(1))')}</p>",
    ),
    "HTML is text": (
        '<img src=x onerror="alert(1)"><script>alert(2)</script>',
        '<p>&lt;img src=x onerror="alert(1)"&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>',
    ),
    "an autolink in angle brackets, but not a javascript one": (
        "<https://shop.example/x> <javascript:alert(1)>",
        "<p>"
        + link("https://shop.example/x", "shop.example/x", "https://shop.example/x")
        + " &lt;javascript:alert(1)&gt;</p>",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_construct_of_the_subset(page: Page, case: str) -> None:
    text, expected = CASES[case]
    html = render(page, text)
    if expected.startswith("<"):
        assert html == expected
    else:
        assert expected in html


def test_hostile_input_neither_runs_nor_nests_without_bound(page: Page) -> None:
    hostile = [
        "*" * 3000 + "x" + "*" * 3000,
        "[" * 5000 + "](https://shop.example/)",
        "**" * 2000 + "x",
        "> " * 500 + "deep",
        "- " * 500 + "deep",
        "| a |\n|---|\n" + "| <img src=x onerror=window.__pwned=1> |\n" * 200,
        "_a *b **c [d `e` f](https://x.example) g** h* i_",
    ]
    for text in hostile:
        render(page, text)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#out img").count() == 0
    depth = page.evaluate(
        """() => { let max = 0; for (const n of document.querySelectorAll('#out *')) {
                 let d = 0; for (let p = n; p && p.id !== 'out'; p = p.parentElement) d++; max = Math.max(max, d); }
               return max; }"""
    )
    assert depth < 40, depth
    nested = render(page, "_a *b **c [d `e` f](https://x.example) g** h* i_")
    inner = link("https://x.example/", 'd <code class="bl-md-code">e</code> f')
    assert nested == f"<p><em>a <em>b <strong>c {inner} g</strong> h</em> i</em></p>"
