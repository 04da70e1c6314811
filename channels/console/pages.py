"""Pages and static assets on the console's root: the console page, the demo shop page, the widget's and the
console's scripts and styles. All public (marked so one by one), all with a strict Content-Security-Policy.

The Markdown renderer (`static/markdown.js`, `static/markdown.css`) has one source and no route of its own: it is
served prepended to `/widget.js` and `/static/console.js` (and its styles to `/widget.css` and
`/static/console.css`), so a shop's page still embeds the widget with one `<script>` tag and the widget and the
console render answers with the same code."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from borderless.profile import current_shop
from channels.console.state import state
from svc.auth import public

STATIC = Path(__file__).resolve().parent.parent / "static"


# Assets served as the concatenation of several files under static/, in this order.
BUNDLES: dict[str, tuple[str, ...]] = {
    "widget.js": ("markdown.js", "widget.js"),
    "console.js": ("markdown.js", "console.js"),
    "widget.css": ("markdown.css", "widget.css"),
    "console.css": ("markdown.css", "console.css"),
}


def asset_bytes(name: str) -> bytes:
    """The bytes served for the static asset `name`: the file itself, or its bundle's files one after another."""
    # A newline between files, so a file without a final newline cannot run into the next one's first line.
    return b"\n".join((STATIC / part).read_bytes() for part in BUNDLES.get(name, (name,)))


def _static(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=asset_bytes(name),
        content_type=content_type,
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def csp(connect: str = "") -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
        f"connect-src 'self' {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


@public  # the login page itself; the data it shows comes from the authenticated API
async def console_page(request: web.Request) -> web.Response:
    resp = _static("console.html", "text/html")
    resp.headers["Content-Security-Policy"] = csp()
    return resp


def _demo_products(limit: int = 6) -> list[dict[str, Any]]:
    path = current_shop().data_dir / "products.jsonl"
    products: list[dict[str, Any]] = []
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if len(products) >= limit:
                    break
                try:
                    products.append(json.loads(line))
                except ValueError:
                    continue
    return products


@public  # a demo shop page, as a shop's own website would be
async def demo_page(request: web.Request) -> web.Response:
    settings = state(request).settings
    token = request.query.get("customer_token", "")
    lang = request.query.get("lang", "")
    cards = "".join(
        f'<article class="shop-card"><h3>{html.escape(str(p.get("title", "")))}</h3>'
        f"<p>{html.escape(str(p.get('description', ''))[:140])}</p>"
        f'<p class="price">{html.escape(str(p.get("price", "")))} '
        f"{html.escape(str(p.get('currency', '')))}</p></article>"
        for p in _demo_products()
    )
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    page = (
        page.replace("{{PRODUCTS}}", cards or "<p>Run <code>make data</code> to fill the demo catalogue.</p>")
        .replace("{{RASA_URL}}", html.escape(settings.rasa_public_url, quote=True))
        .replace("{{CUSTOMER_TOKEN}}", html.escape(token, quote=True))
        .replace("{{LANG}}", html.escape(lang, quote=True))
        .replace("{{SHOP_NAME}}", html.escape(current_shop().name, quote=True))
    )
    return web.Response(
        text=page, content_type="text/html", headers={"Content-Security-Policy": csp(settings.rasa_public_url)}
    )


def _asset(name: str, content_type: str) -> Any:
    @public  # static code and styles, the same for everyone
    async def handler(request: web.Request) -> web.Response:
        return _static(name, content_type)

    return handler


@public
async def index_handler(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console")


def add_pages(app: web.Application) -> None:
    r = app.router
    r.add_get("/", index_handler)
    r.add_get("/console", console_page)
    r.add_get("/demo", demo_page)
    r.add_get("/widget.js", _asset("widget.js", "application/javascript"))
    r.add_get("/widget.css", _asset("widget.css", "text/css"))
    r.add_get("/static/console.js", _asset("console.js", "application/javascript"))
    r.add_get("/static/console.css", _asset("console.css", "text/css"))
    r.add_get("/static/demo.css", _asset("demo.css", "text/css"))
    r.add_get("/static/demo.js", _asset("demo.js", "application/javascript"))
