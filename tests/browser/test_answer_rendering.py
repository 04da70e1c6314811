"""Bot answers as shoppers and agents read them, in real Chromium against the real stack: the safe Markdown subset
(static/markdown.js) in the widget at phone (360x740) and desktop (1280x800) widths and in the agents' console,
knowledge answers with source chips and a "More" disclosure, one "Helpful?" per reply, and hostile Markdown.

Where a test is about rendering a knowledge answer, Rasa's webhook answer is given by the page (route
interception), in the shape the widget channel's collector gives to the bot's messages (computed by that code in
the Rasa venv, below): the browser stack runs no knowledge service. Everything else — the demo page, the widget's
session and feedback, the console, the conversation in Rasa and its handoff — is the real stack.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import AGENT_PASSWORD, Stack
from tests.support import RASA_PYTHON, REPO_ROOT, TEST_RASA_TOKEN, WidgetSessions

pytestmark = pytest.mark.browser

WAIT = 60_000
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone-360"), pytest.param(DESKTOP, id="desktop-1280")]

ANSWER_ID = "shipping-policy#zones:row-eu"
SHIPPING_URL = "https://shop.example/policies/shipping"
ANSWER = (
    "Orders to **Germany** ship from our EU zone:\n\n"
    "- *Standard*: 2–5 business days\n"
    "- *Express*: 1–2 business days\n\n"
    "| Zone | Countries | Standard | Express | Cost |\n"
    "|------|-----------|----------|---------|-----:|\n"
    "| EU | Germany, France, Netherlands, Belgium, Austria, Italy, Spain | 2–5 business days | 1–2 business days"
    " | €4.95 |\n\n"
    "Free standard shipping from €60: see the [shipping policy](https://shop.example/policies/shipping#free)."
)
MORE = (
    "## Shipping zones\n\n"
    "We ship from Utrecht. Delivery times start when your parcel leaves our warehouse; we pack orders Monday to"
    " Friday.\n\n"
    "| Zone | Countries | Standard | Express | Standard cost | Express cost | Tracking |\n"
    "|---|---|---|---|---|---|---|\n"
    "| Netherlands | Netherlands | 1–2 business days | next business day | €2.95 | €6.95 | always |\n"
    "| EU | Germany, France, Belgium, Austria, Italy, Spain, Portugal, Poland, Ireland | 2–5 business days"
    " | 1–2 business days | €4.95 | €12.95 | always |\n"
    "| Rest of Europe | United Kingdom, Switzerland, Norway | 3–7 business days | 2–3 business days | €9.95"
    " | €19.95 | always |\n"
    "| World | United States, Canada, Australia, Japan and more | 5–12 business days | 3–5 business days"
    " | €14.95 | €29.95 | always |\n\n"
    "1. Orders placed before 14:00 CET leave the same day.\n"
    "2. You get a tracking link by email: https://shop.example/track?order=BL-100001&utm_source=email\n"
)
ANSWER_PAYLOAD = {
    "type": "answer",
    "answer_id": ANSWER_ID,
    "answer": ANSWER,
    "sources": [
        {"title": "Shipping policy", "url": SHIPPING_URL},
        {"title": "Customs, duties and VAT for orders outside the EU", "url": "https://shop.example/policies/duties"},
    ],
    "more": MORE,
    "language": "en",
}
# The bot message the answer action sends: the answer with its citation as text (for channels that show only text),
# and the same answer structured as the custom payload.
ANSWER_MESSAGE = {"text": f"{ANSWER}\n\nSource: [Shipping policy]({SHIPPING_URL})", "custom": ANSWER_PAYLOAD}
# A plain text reply of two paragraphs (Rasa's stock collector would send them as two messages).
PLAIN_MESSAGE = {
    "text": "You can return unused items within **30 days** of delivery.\n\n"
    "1. Open your order\n2. Choose *Return items*\n3. Print the label"
}


WIDGET_COLLECTOR = ("channels.widget_channel", "WholeMessageCollector")
# Rasa's own collector cuts a text at blank lines and sends the custom payload apart (the widget copes with it).
STOCK_COLLECTOR = ("rasa.core.channels.channel", "CollectingOutputChannel")


def rasa_rest_messages(
    bot_messages: list[dict[str, Any]], collector: tuple[str, str] = WIDGET_COLLECTOR
) -> list[dict[str, Any]]:
    """What the widget's webhook answers for these bot messages, computed in the Rasa venv by `collector`."""
    module, name = collector
    code = (
        "import asyncio, json, sys\n"
        f"from {module} import {name} as Collector\n"
        "async def main():\n"
        "    out = Collector()\n"
        "    for message in json.load(sys.stdin):\n"
        "        await out.send_response('shopper', message)\n"
        "    print(json.dumps(out.messages))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", code],
        input=json.dumps(bot_messages),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def answer_reply() -> list[dict[str, Any]]:
    """A reply of a short text then a knowledge answer, as the widget receives it from Rasa."""
    reply = rasa_rest_messages([{"text": "Good question!"}, ANSWER_MESSAGE])
    assert len(reply) == 2 and reply[1]["custom"] == ANSWER_PAYLOAD, reply
    return reply


@pytest.fixture(scope="module")
def plain_reply() -> list[dict[str, Any]]:
    reply = rasa_rest_messages([PLAIN_MESSAGE])
    assert len(reply) == 1, reply
    return reply


def say(page: Page, text: str) -> None:
    page.fill(".blw-input", text)
    page.press(".blw-input", "Enter")


def widget_page(browser: Any, stack: Stack, viewport: dict[str, int], replies: list[list[dict[str, Any]]]) -> Page:  # noqa: ANN401 - a Playwright browser
    """The demo shop page with its chat open, Rasa's answers to the shopper's messages given in turn."""
    page = browser.new_context(viewport=viewport).new_page()
    queue = list(replies)

    def fulfil(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(queue.pop(0) if queue else []),
            headers={"Access-Control-Allow-Origin": "*"},
        )

    page.route(f"{stack.rasa_url}/webhooks/widget/webhook", fulfil)
    page.goto(f"{stack.console_url}/demo")
    page.click(".blw-launcher")
    return page


def overflow(page: Page, box: str) -> dict[str, float]:
    """Widths of a scrolling box and of the viewport, and how far any element inside sticks out of the box."""
    return dict(
        page.evaluate(
            """(selector) => {
                const box = document.querySelector(selector);
                const r = box.getBoundingClientRect();
                let worst = 0;
                for (const node of box.querySelectorAll('*')) {
                    if (node.closest('.bl-md-table')) continue;  // inside a table's own scroll box
                    const n = node.getBoundingClientRect();
                    if (n.width) worst = Math.max(worst, n.right - r.right, r.left - n.left);
                }
                return {scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, left: r.left, right: r.right,
                        viewport: window.innerWidth, sticksOut: worst};
            }""",
            box,
        )
    )


def assert_fits(page: Page, box: str) -> None:
    dims = overflow(page, box)
    assert dims["scrollWidth"] <= dims["clientWidth"], dims
    assert dims["sticksOut"] <= 0.5, dims
    assert dims["left"] >= 0 and dims["right"] <= dims["viewport"], dims


def rating_layout(page: Page) -> dict[str, dict[str, Any]]:
    """For each reply in the widget: its rows, the "Helpful?" controls in it, and whether the last row holds one."""
    return dict(
        page.evaluate(
            """() => {
                const out = {};
                for (const row of document.querySelectorAll('.blw-row[data-reply]')) {
                    const r = out[row.dataset.reply] || (out[row.dataset.reply] = {rows: 0, controls: 0, last: false});
                    r.rows += 1;
                    const here = row.querySelectorAll('.blw-rate').length;
                    r.controls += here;
                    r.last = here > 0;
                }
                return out;
            }"""
        )
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_answer_reads_well_at_phone_and_desktop_widths(
    stack: Stack,
    browser: Any,  # noqa: ANN401
    screenshots: Path,
    answer_reply: list[dict[str, Any]],
    plain_reply: list[dict[str, Any]],
    viewport: dict[str, int],
) -> None:
    page = widget_page(browser, stack, viewport, [answer_reply, plain_reply])
    name = f"answer-{viewport['width']}x{viewport['height']}"
    say(page, "how long does shipping to Germany take?")
    answer = page.locator(".blw-answer")
    expect(answer).to_have_count(1, timeout=WAIT)

    # The answer's pieces of text are not repeated as bubbles of their own: "Good question!" and the answer.
    bubbles = page.locator(".blw-row[data-reply] .blw-bubble")
    expect(bubbles).to_have_count(2)
    expect(bubbles.first).to_have_text("Good question!")
    # Markdown is rendered, not shown: bold, a list, a table, a link; no pipes or asterisks left.
    expect(answer.locator("strong").first).to_have_text("Germany")
    expect(answer.locator(":scope > .bl-md li")).to_have_count(2)
    expect(answer.locator(":scope > .bl-md table th")).to_have_count(5)
    expect(answer.locator(":scope > .bl-md table td").nth(4)).to_have_text("€4.95")
    expect(answer.locator(":scope > .bl-md a")).to_have_attribute("href", "https://shop.example/policies/shipping#free")
    shown = answer.locator(":scope > .bl-md").inner_text()
    assert "|" not in shown and "**" not in shown and "](" not in shown
    # Sources are chips with their titles, linked to their pages; no URL is spelled out in the bubble.
    chips = answer.locator(".blw-source")
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_text("Shipping policy")
    expect(chips.first).to_have_attribute("href", SHIPPING_URL)
    assert "https://" not in answer.inner_text()
    # The passage is one tap away, not in the chat.
    passage = answer.locator(".blw-more-body")
    expect(passage).to_be_hidden()
    assert_fits(page, ".blw-log")
    # The table is readable: not squeezed below a legible size, and scrolls inside its own box if it must.
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.blw-answer td')).fontSize)")
    assert size >= 12, size
    page.screenshot(path=str(screenshots / f"{name}.png"))

    answer.locator(".blw-more-toggle").click()
    expect(passage).to_be_visible()
    expect(passage).to_contain_text("we pack orders Monday to Friday")
    expect(passage.locator("table tr")).to_have_count(5)
    expect(passage.locator("ol li")).to_have_count(2)
    expect(answer.locator(".blw-more-toggle")).to_have_text("Less")
    assert_fits(page, ".blw-log")
    # The chat is narrow at both widths (the panel is at most 360 px wide on a desktop): the seven-column table
    # shows its rows as "header: value" lines, with nothing to scroll sideways.
    stacked = page.evaluate(
        "() => { const t = document.querySelector('.blw-more-body .bl-md-table');"
        " return {scroll: t.scrollWidth, client: t.clientWidth,"
        " display: getComputedStyle(t.querySelector('td')).display,"
        " label: getComputedStyle(t.querySelector('td'), '::before').content}; }"
    )
    assert stacked["scroll"] <= stacked["client"] and stacked["display"] == "grid", stacked
    assert stacked["label"] == '"Zone"', stacked
    page.locator(".blw-more-body .bl-md-table").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"{name}-more.png"))
    answer.locator(".blw-more-toggle").click()
    expect(passage).to_be_hidden()

    # One "Helpful?" per reply, after the reply's last message.
    say(page, "what is your return policy?")
    expect(page.locator(".blw-row").last.locator("ol li")).to_have_count(3, timeout=WAIT)
    layout = rating_layout(page)
    assert len(layout) == 2, layout
    assert sorted(r["rows"] for r in layout.values()) == [1, 2], layout
    assert all(r["controls"] == 1 and r["last"] for r in layout.values()), layout
    expect(page.locator(".blw-rate")).to_have_count(2)
    assert_fits(page, ".blw-log")
    page.screenshot(path=str(screenshots / f"{name}-two-replies.png"))

    # The rating names the answer it rates; the console stores it.
    with page.expect_response(lambda r: r.url.endswith("/widget/feedback")) as rated:
        page.locator(".blw-rate").first.get_by_role("button", name="This answer helped").click()
    assert rated.value.status == 201
    body = json.loads(rated.value.request.post_data or "{}")
    assert body["kind"] == "answer" and body["value"] == 1 and body["message_ref"] == ANSWER_ID
    assert "Germany" in body["answer_text"]
    for button in page.locator(".blw-rate").first.locator("button").all():
        expect(button).to_be_disabled()

    # After a reload the transcript comes back from the device the same way: one answer, one control per reply.
    page.reload()
    expect(page.locator(".blw-answer")).to_have_count(1)
    expect(page.locator(".blw-rate")).to_have_count(2)
    expect(page.locator(".blw-rate").first.locator(".blw-rated")).to_have_count(1)
    page.context.close()


def test_an_answer_cut_up_by_rasas_stock_collector_is_shown_once(
    stack: Stack,
    browser: Any,  # noqa: ANN401
) -> None:
    """Behind a Rasa channel with Rasa's own collector the answer's text arrives in pieces before its payload; the
    pieces that repeat the answer are not shown again, a message of its own before them is."""
    reply = rasa_rest_messages([{"text": "Good question!"}, ANSWER_MESSAGE], STOCK_COLLECTOR)
    assert len(reply) > 3 and "text" not in reply[-1], reply
    page = widget_page(browser, stack, PHONE, [reply])
    say(page, "how long does shipping to Germany take?")
    expect(page.locator(".blw-answer")).to_have_count(1, timeout=WAIT)
    bubbles = page.locator(".blw-row[data-reply] .blw-bubble")
    expect(bubbles).to_have_count(2)
    expect(bubbles.first).to_have_text("Good question!")
    expect(page.locator(".blw-rate")).to_have_count(1)
    assert_fits(page, ".blw-log")
    page.context.close()


HOSTILE = [
    "[click me](javascript:alert(1)) [again](JaVaScRiPt:window.__pwned=1) [tab](java\tscript:alert(1))"
    " [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [vb](vbscript:msgbox(1))"
    " [rel](/relative/path) [mail](mailto:help@shop.example)",
    "[[nested](javascript:alert(2))](https://shop.example/ok) then [a [b] c](https://shop.example/b)"
    " and [x]](https://shop.example/c) and ![pic](https://shop.example/p.png)",
    "| <b>cell</b> | <script>window.__pwned=6</script> |\n|---|---|\n"
    '| <img src=x onerror="window.__pwned=5"> | <a href="javascript:alert(7)">x</a> |\n'
    "| **<i>bold</i>** | [cell link](javascript:alert(8)) |",
    '<img src=x onerror="window.__pwned=9"> <svg onload="window.__pwned=10"></svg> <javascript:alert(11)>'
    ' <iframe src="javascript:alert(12)"></iframe>',
    '**[x](javascript:alert(13))** `<img src=x onerror="window.__pwned=14">`'
    ' https://shop.example/"onmouseover="window.__pwned=15" ' + "*" * 40 + "[" * 40 + "_" * 40,
]
HOSTILE_ANSWER = {
    "type": "answer",
    "answer_id": '"><img src=x onerror="window.__pwned=16">',
    "answer": '<img src=x onerror="window.__pwned=17"> **still text**',
    "sources": [
        {"title": '<img src=x onerror="window.__pwned=18">', "url": "javascript:alert(19)"},
        {"title": "Data", "url": "data:text/html,<script>alert(20)</script>"},
        {"title": "OK", "url": "https://shop.example/ok-source"},
        "not a source",
    ],
    "more": '<script>window.__pwned=21</script>\n\n| x |\n|---|\n| <img src=x onerror="window.__pwned=22"> |',
    "language": '"><script>',
}


def test_hostile_markdown_renders_as_text(stack: Stack, browser: Any, screenshots: Path) -> None:  # noqa: ANN401
    reply = rasa_rest_messages([{"text": text} for text in HOSTILE] + [{"text": "", "custom": HOSTILE_ANSWER}])
    page = widget_page(browser, stack, PHONE, [reply])
    say(page, "hi")
    expect(page.locator(".blw-answer")).to_have_count(1, timeout=WAIT)
    page.locator(".blw-more-toggle").click()
    log = page.locator(".blw-log")
    for tag in ("img", "script", "svg", "iframe", "b", "i"):
        assert log.locator(tag).count() == 0, tag
    assert page.evaluate("typeof window.__pwned") == "undefined"
    hrefs = log.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
    assert "mailto:help@shop.example" in hrefs
    # Unsafe links keep their label as plain text.
    for label in ("click me", "again", "data", "vb", "rel", "cell link"):
        expect(log.locator(".bl-md-unlinked", has_text=label).first).to_be_visible()
    # Markup is shown as the characters it is, in paragraphs and in table cells.
    expect(log.locator("td").nth(0)).to_have_text('<img src=x onerror="window.__pwned=5">')
    expect(log.locator("th").nth(1)).to_have_text("<script>window.__pwned=6</script>")
    expect(log.locator("td strong").first).to_have_text("<i>bold</i>")
    expect(log).to_contain_text('<svg onload="window.__pwned=10"></svg>')
    expect(log.locator("code").first).to_have_text('<img src=x onerror="window.__pwned=14">')
    # Nested brackets: the outer link wins, the inner "link" is its text.
    expect(log.locator("a[href='https://shop.example/ok']")).to_have_text("[nested](javascript:alert(2))")
    expect(log.locator("a[href='https://shop.example/b']")).to_have_text("a [b] c")
    # Sources: only the http(s) one is a link; the others are plain chips.
    chips = page.locator(".blw-answer .blw-source")
    expect(chips).to_have_count(3)
    expect(page.locator(".blw-answer a.blw-source")).to_have_count(1)
    expect(chips.first).to_have_text('<img src=x onerror="window.__pwned=18">')
    assert page.locator(".blw-answer").get_attribute("lang") is None
    assert_fits(page, ".blw-log")
    page.screenshot(path=str(screenshots / "hostile-markdown-360.png"))
    page.context.close()


def test_every_real_bot_reply_gets_one_helpful_control(stack: Stack, browser: Any) -> None:  # noqa: ANN401
    """Real Rasa replies (no page stand-in): one control per reply, whatever the number of messages in it."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{stack.console_url}/demo")
    page.click(".blw-launcher")
    asked = ["hello", "what can you do?", "thanks, bye"]
    for n, text in enumerate(asked, start=1):
        say(page, text)
        expect(page.locator(".blw-rate")).to_have_count(n, timeout=WAIT)
    layout = rating_layout(page)
    assert len(layout) == len(asked), layout
    assert all(r["controls"] == 1 and r["last"] for r in layout.values()), layout
    assert_fits(page, ".blw-log")
    page.context.close()


def _append_bot_message(stack: Stack, conversation: str, message: dict[str, Any]) -> None:
    """A bot message in the conversation's tracker, through Rasa's HTTP API (as the console appends agents')."""
    event = {"event": "bot", "timestamp": time.time(), "text": message.get("text")}
    if message.get("custom"):
        event["data"] = {"custom": message["custom"]}
    req = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{conversation}/tracker/events?token={TEST_RASA_TOKEN}",
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def test_the_console_renders_answers_and_suggestions_with_the_same_renderer(
    stack: Stack,
    browser: Any,  # noqa: ANN401
    screenshots: Path,
) -> None:
    """A real conversation queued for a person (through Rasa and the handoff action), with a knowledge answer
    and hostile Markdown in its tracker; suggested answers added to the console's API answer by the page (the
    browser stack runs no knowledge service)."""
    shopper = WidgetSessions(stack.rasa_url)
    replies = shopper.say("console-markdown", "talk to a person")
    assert any("support team" in (m.get("text") or "") for m in replies), replies
    cid = shopper.conversation_id("console-markdown")
    _append_bot_message(stack, cid, ANSWER_MESSAGE)
    _append_bot_message(stack, cid, {"text": HOSTILE[2] + "\n\n" + HOSTILE[3]})

    page = browser.new_context(viewport=DESKTOP).new_page()
    suggestions = [
        {"title": "Shipping policy", "url": SHIPPING_URL, "text": MORE, "score": 0.81},
        {"title": "<img src=x onerror=alert(1)>", "url": "javascript:alert(2)", "text": HOSTILE[0], "score": 0.5},
    ]

    def with_suggestions(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        if response.ok:
            body["suggestions"] = suggestions
        route.fulfill(response=response, json=body)

    page.route(f"{stack.console_url}/api/conversations/*", with_suggestions)
    page.goto(f"{stack.console_url}/console")
    page.fill("#login-user", "agent")
    page.fill("#login-pass", AGENT_PASSWORD)
    page.click("#login-submit")
    page.locator(f"#waiting li[data-cid='{cid}']").click(timeout=WAIT)
    transcript = page.locator("#transcript")
    expect(transcript.locator(".msg-bot table")).to_have_count(2, timeout=WAIT)
    expect(transcript.locator(".msg-bot strong", has_text="Germany")).to_have_count(1)
    expect(transcript.locator(".msg-bot li")).to_have_count(2)
    expect(transcript.locator(".msg-bot a[href='https://shop.example/policies/shipping#free']")).to_have_count(1)
    expect(transcript).to_contain_text('<img src=x onerror="window.__pwned=5">')
    sug = page.locator("#suggestions .suggestion")
    expect(sug).to_have_count(2)
    expect(sug.first.locator("table tr")).to_have_count(5)
    expect(sug.first.locator(".suggestion-title a")).to_have_attribute("href", SHIPPING_URL)
    expect(sug.nth(1).locator(".suggestion-title a")).to_have_count(0)
    for tag in ("img", "script", "svg", "iframe"):
        assert page.locator(f"#conv {tag}").count() == 0, tag
    assert page.evaluate("typeof window.__pwned") == "undefined"
    hrefs = page.locator("#conv a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
    assert_fits(page, "#transcript")
    page.screenshot(path=str(screenshots / "console-markdown-1280.png"))
    sug.first.locator(".suggestion-use").click()
    expect(page.locator("#reply-text")).to_have_value(MORE + "\n" + SHIPPING_URL)
    # Closed again, so the queue is as the other browser tests expect it (they count places in it).
    page.click("#claim")
    expect(page.locator("#close")).to_be_enabled(timeout=WAIT)
    page.click("#close")
    expect(page.locator(f"#waiting li[data-cid='{cid}'], #active li[data-cid='{cid}']")).to_have_count(0, timeout=WAIT)
    page.context.close()
