"""A shopper and an agent in real Chromium against the real stack: widget chat, handoff, console claim and
reply, hand back to the bot, ratings, persistence across reloads, and escaping of injected markup."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, AGENT_PASSWORD, WHATSAPP, Stack
from tests.support import REPO_ROOT, TEST_RASA_TOKEN, wait_until

pytestmark = pytest.mark.browser

INJECT_IMG = '<img src=x onerror="window.__pwned=1">'
INJECT_SCRIPT = "<script>window.__pwned=2</script>"
WAIT = 60_000


def say(page: Page, text: str) -> None:
    page.fill(".blw-input", text)
    page.press(".blw-input", "Enter")


def last_bot(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator(".blw-bot .blw-bubble").last


def first_customer_with_orders() -> dict:
    orders: dict[str, list[tuple[str, str]]] = {}
    with open(REPO_ROOT / "var" / "demo_shop" / "orders.jsonl", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            orders.setdefault(o["customer_id"], []).append((o["placed_at"], o["number"]))
    cid = sorted(orders)[0]
    # The console lists the newest orders first.
    return {"id": cid, "orders": [n for _, n in sorted(orders[cid], reverse=True)]}


def customer_token_absent(page: Page) -> bool:
    return "bl1." not in page.locator("body").inner_text()


def tracker(stack: Stack, sender: str) -> dict:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={TEST_RASA_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def test_shopper_reaches_an_agent_and_the_bot_resumes_after_handback(stack: Stack, browser, screenshots: Path) -> None:  # noqa: ANN001
    agent_ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    agent = agent_ctx.new_page()
    agent.goto(f"{stack.console_url}/console")
    agent.fill("#login-user", "agent")
    agent.fill("#login-pass", AGENT_PASSWORD)
    agent.click("#login-submit")
    expect(agent.locator("#me")).to_contain_text("Agent")

    shop_ctx = browser.new_context(viewport={"width": 1200, "height": 860})
    shop = shop_ctx.new_page()
    shop.goto(f"{stack.console_url}/demo")
    shop.click(".blw-launcher")
    say(shop, "hello")
    expect(last_bot(shop)).to_contain_text("Lumen Goods", timeout=WAIT)
    session = shop.evaluate("window.BorderlessWidget.session()")

    say(shop, "talk to a person")
    # The queue reply is several bubbles (place, then expected wait): the place is in one of them.
    expect(shop.locator(".blw-bot .blw-bubble", has_text="place in the queue: 1")).to_have_count(1, timeout=WAIT)
    expect(shop.locator(".blw-status")).to_contain_text("number 1 in the queue", timeout=WAIT)
    assert tracker(stack, session)["paused"] is True

    # While the bot is paused the shopper keeps writing; markup must stay text in the widget.
    say(shop, INJECT_IMG)
    say(shop, INJECT_SCRIPT)
    expect(shop.locator(".blw-user .blw-bubble").last).to_have_text(INJECT_SCRIPT)
    expect(shop.locator(".blw-user .blw-bubble").nth(-2)).to_have_text(INJECT_IMG)
    assert shop.locator(".blw-log img").count() == 0
    assert shop.evaluate("typeof window.__pwned") == "undefined"
    shop.screenshot(path=str(screenshots / "01-shopper-waiting.png"))

    ticket = agent.locator(f"#waiting li[data-cid='{session}']")
    expect(ticket).to_be_visible(timeout=WAIT)
    # The handoff carried the sentiment of the shopper's two typed messages: one mark each.
    expect(ticket.locator(".mood span")).to_have_count(2)
    ticket.click()
    expect(agent.locator("#transcript")).to_contain_text(INJECT_IMG, timeout=WAIT)
    expect(agent.locator("#transcript")).to_contain_text(INJECT_SCRIPT)
    assert agent.locator("#transcript img").count() == 0
    assert agent.evaluate("typeof window.__pwned") == "undefined"
    agent.click("#claim")
    expect(shop.locator(".blw-log")).to_contain_text("has joined the chat", timeout=WAIT)
    expect(shop.locator(".blw-status")).to_contain_text("chatting with our support team", timeout=WAIT)

    expect(agent.locator("#reply-send")).to_be_enabled(timeout=WAIT)
    agent.fill("#reply-text", "Hi, this is Agent from Lumen Goods. Your parcel left our warehouse today.")
    agent.click("#reply-send")
    expect(shop.locator(".blw-agent .blw-bubble").last).to_contain_text("Your parcel left our warehouse", timeout=WAIT)
    expect(agent.locator("#transcript")).to_contain_text("Your parcel left our warehouse", timeout=WAIT)
    agent.screenshot(path=str(screenshots / "02-agent-console.png"))
    shop.screenshot(path=str(screenshots / "03-shopper-agent-reply.png"))

    # The session and the transcript survive a reload of the shop page.
    shop.reload()
    assert shop.evaluate("window.BorderlessWidget.session()") == session
    expect(shop.locator(".blw-agent .blw-bubble").last).to_contain_text("Your parcel left our warehouse")

    agent.click("#handback")
    expect(shop.locator(".blw-log")).to_contain_text("back with Lumen Goods assistant", timeout=WAIT)
    expect(shop.locator(".blw-status")).to_be_hidden(timeout=WAIT)
    assert tracker(stack, session)["paused"] is False

    say(shop, "hello")
    expect(last_bot(shop)).to_contain_text("Lumen Goods", timeout=WAIT)
    # The bot kept the conversation: the agent's reply is in the same tracker as the bot's answers.
    texts = [e.get("text") or "" for e in tracker(stack, session)["events"] if e.get("event") == "bot"]
    assert any("Your parcel left our warehouse" in t for t in texts)

    with shop.expect_response(lambda r: r.url.endswith("/widget/feedback")) as rated:
        shop.locator(".blw-bot .blw-rate-up").last.click()
    assert rated.value.status == 201
    shop.click(".blw-end")
    with shop.expect_response(lambda r: r.url.endswith("/widget/feedback")) as csat:
        shop.locator(".blw-csat .blw-star").nth(4).click()
    assert csat.value.status == 201
    expect(shop.locator(".blw-csat-thanks").last).to_be_visible()
    shop.screenshot(path=str(screenshots / "04-shopper-back-with-bot.png"))
    agent_ctx.close()
    shop_ctx.close()


def test_widget_renders_rich_replies_safely_and_right_to_left(stack: Stack, browser, screenshots: Path) -> None:  # noqa: ANN001
    """Rasa's answer is given here (route interception) so every reply type and hostile values are covered."""
    ctx = browser.new_context()
    page = ctx.new_page()
    sent: list[dict] = []
    replies = [
        {"text": "See our [returns policy](https://shop.example/returns) or javascript:alert(1) for more."},
        {"text": "What next?", "buttons": [{"title": "Track my order", "payload": "/order_status"}]},
        {"custom": {"type": "quick_replies", "options": [{"title": "Yes", "payload": "/affirm"}]}},
        {
            "custom": {
                "type": "product_cards",
                "products": [
                    {
                        "id": "P1",
                        "title": "Trail Tent 2",
                        "price": 149.0,
                        "currency": "EUR",
                        "image_url": "javascript:alert(1)",
                        "url": "https://shop.example/p/P1",
                    },
                    {
                        "id": "P2",
                        "title": '<b>x</b><img src=x onerror="window.__pwned=3">',
                        "price": 9.5,
                        "currency": "EUR",
                        "image_url": "",
                        "url": "javascript:alert(2)",
                    },
                ],
            }
        },
    ]

    def fulfil(route, request) -> None:  # noqa: ANN001
        sent.append(json.loads(request.post_data))
        body = replies if len(sent) == 1 else []
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(body),
            headers={"Access-Control-Allow-Origin": "*"},
        )

    page.route(f"{stack.rasa_url}/webhooks/widget/webhook", fulfil)
    page.goto(f"{stack.console_url}/demo?lang=ar&customer_token=bl1.test.token")
    expect(page.locator("#borderless-widget")).to_have_attribute("dir", "rtl")
    page.click(".blw-launcher")
    say(page, "مرحبا")
    expect(page.locator(".blw-card")).to_have_count(2, timeout=WAIT)
    links = page.locator(".blw-log a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "https://shop.example/returns" in hrefs
    assert "https://shop.example/p/P1" in hrefs
    assert not any(h.startswith("javascript") for h in hrefs)
    expect(page.locator(".blw-card-title").nth(1)).to_have_text('<b>x</b><img src=x onerror="window.__pwned=3">')
    assert page.locator(".blw-card img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    first = sent[0]
    assert first["message"] == "مرحبا"
    assert first["metadata"]["customer_token"] == "bl1.test.token"
    assert first["metadata"]["page"]["url"].endswith("/demo?lang=ar&customer_token=bl1.test.token")
    page.screenshot(path=str(screenshots / "05-rich-replies-rtl.png"))

    webhook = f"{stack.rasa_url}/webhooks/widget/webhook"
    with page.expect_request(webhook) as chip:
        page.locator(".blw-chip", has_text="Yes").click()
    assert json.loads(chip.value.post_data)["message"] == "/affirm"
    expect(page.locator(".blw-chip")).to_have_count(0)
    with page.expect_request(webhook) as button:
        page.locator(".blw-button", has_text="Track my order").click()
    assert json.loads(button.value.post_data)["message"] == "/order_status"
    expect(page.locator(".blw-user .blw-bubble").last).to_have_text("Track my order")
    ctx.close()


def test_agent_reads_a_translation_and_the_shopper_reads_the_reply_in_their_language(
    stack: Stack, browser, screenshots: Path
) -> None:  # noqa: ANN001
    """The models service translates Portuguese for an English-speaking agent, and the agent's reply back."""
    agent_ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    agent = agent_ctx.new_page()
    agent.goto(f"{stack.console_url}/console")
    agent.fill("#login-user", "agent")
    agent.fill("#login-pass", AGENT_PASSWORD)
    agent.click("#login-submit")
    expect(agent.locator("#me")).to_contain_text("Agent")

    customer = first_customer_with_orders()
    shop_ctx = browser.new_context()
    shop = shop_ctx.new_page()
    shop.goto(f"{stack.console_url}/demo?customer_token={stack.customer_token(customer['id'])}")
    shop.click(".blw-launcher")
    say(shop, "talk to a person")
    expect(shop.locator(".blw-bot .blw-bubble", has_text="in the queue").first).to_be_visible(timeout=WAIT)
    say(shop, "Onde está a minha encomenda? Estou muito chateado.")
    session = shop.evaluate("window.BorderlessWidget.session()")

    agent.locator(f"#waiting li[data-cid='{session}']").click()
    translation = agent.locator("#transcript .translation").last
    expect(translation).to_contain_text("Where is my order", timeout=WAIT)
    expect(agent.locator("#transcript")).to_contain_text("Onde está a minha encomenda?")
    # The verified customer's orders, from the orders service through the signed token the page passed on.
    expect(agent.locator("#customer")).to_contain_text(f"Verified customer {customer['id']}", timeout=WAIT)
    expect(agent.locator("#customer")).to_contain_text(customer["orders"][0])
    assert customer_token_absent(agent)
    agent.click("#claim")
    expect(agent.locator("#reply-send")).to_be_enabled(timeout=WAIT)
    agent.fill("#reply-text", "Your parcel left our warehouse today.")
    agent.click("#reply-send")
    expect(agent.locator("#notice")).to_contain_text("Sent in pt", timeout=WAIT)
    reply = shop.locator(".blw-agent .blw-bubble").last
    expect(reply).to_contain_text("encomenda", timeout=WAIT)
    assert "warehouse" not in reply.inner_text()
    agent.screenshot(path=str(screenshots / "06-agent-translation.png"))
    agent.click("#close")
    expect(shop.locator(".blw-csat").last).to_be_visible(timeout=WAIT)
    agent_ctx.close()
    shop_ctx.close()


def test_whatsapp_shopper_gets_the_agents_reply_on_whatsapp(stack: Stack) -> None:
    """A shopper on WhatsApp (Cloud API channel, signed webhooks) is queued, answered by an agent through the
    console, and handed back to the bot — every reply leaves through the WhatsApp channel."""
    wa_id = "31600000042"

    def whatsapp(text: str) -> None:
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "W",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "messages": [
                                        {
                                            "from": wa_id,
                                            "id": f"wamid.{len(text)}",
                                            "timestamp": "1",
                                            "type": "text",
                                            "text": {"body": text},
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        ).encode()
        signature = hmac.new(WHATSAPP["app_secret"].encode(), body, hashlib.sha256).hexdigest()
        resp = requests.post(
            f"{stack.rasa_url}/webhooks/whatsapp/webhook",
            data=body,
            timeout=60,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
        )
        assert resp.status_code == 200

    def received(fragment: str) -> bool:
        return any(fragment in t for t in stack.graph.texts_to(wa_id))

    console = requests.Session()
    login = console.post(f"{stack.console_url}/api/login", json={"username": "agent", "password": AGENT_PASSWORD})
    csrf = {"X-CSRF-Token": login.json()["csrf"]}

    whatsapp("talk to a person")
    wait_until(lambda: received("in the queue"), 60, "the queue message on WhatsApp")
    assert tracker(stack, wa_id)["latest_input_channel"] == "whatsapp"
    claim = console.post(f"{stack.console_url}/api/conversations/{wa_id}/claim", json={}, headers=csrf)
    assert claim.status_code == 200, claim.text
    wait_until(lambda: received("has joined the chat"), 30, "the join message on WhatsApp")
    reply = console.post(
        f"{stack.console_url}/api/conversations/{wa_id}/reply",
        json={"text": "Your refund was approved today."},
        headers=csrf,
    )
    assert reply.status_code == 200, reply.text
    wait_until(lambda: received("Your refund was approved today."), 30, "the agent's reply on WhatsApp")
    assert all(m["auth"] == f"Bearer {WHATSAPP['access_token']}" for m in stack.graph.sent)
    assert console.post(f"{stack.console_url}/api/conversations/{wa_id}/handback", json={}, headers=csrf).ok
    wait_until(lambda: received("back with Lumen Goods assistant"), 30, "the hand-back message on WhatsApp")
    whatsapp("hello")
    try:
        wait_until(lambda: received("I can track an order"), 60, "the bot's greeting on WhatsApp")
    except TimeoutError as exc:
        events = [(e.get("event"), e.get("name") or e.get("text")) for e in tracker(stack, wa_id)["events"][-8:]]
        raise AssertionError(f"no greeting; sent: {stack.graph.texts_to(wa_id)}; last events: {events}") from exc
    assert tracker(stack, wa_id)["paused"] is False


def test_admin_adds_an_agent_who_can_then_log_in(stack: Stack, browser) -> None:  # noqa: ANN001
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{stack.console_url}/console")
    page.fill("#login-user", "admin")
    page.fill("#login-pass", ADMIN_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#admin")).to_be_visible()
    page.fill("#user-name", "<b>nope</b>")
    page.fill("#user-pass", "pass-for-bad-name")
    page.click("#user-add")
    expect(page.locator("#user-error")).to_contain_text("username")
    page.fill("#user-name", "carla")
    page.fill("#user-pass", "carla-password-1")
    page.fill("#user-lang", "pt")
    page.click("#user-add")
    expect(page.locator("#users")).to_contain_text("carla · agent · pt")
    page.click("#logout")
    page.fill("#login-user", "carla")
    page.fill("#login-pass", "carla-password-1")
    page.click("#login-submit")
    expect(page.locator("#me")).to_contain_text("carla (agent, pt)")
    expect(page.locator("#admin")).to_be_hidden()
    ctx.close()


def test_logging_out_on_the_shop_page_ends_the_conversation_and_its_proof(
    stack: Stack, browser, screenshots: Path
) -> None:  # noqa: ANN001
    """The demo page's "Log out" calls BorderlessWidget.reset(): the old conversation is restarted in Rasa (so
    nothing proved in it can be reused), the transcript leaves the device, and a new signed session starts."""
    customer = first_customer_with_orders()
    ctx = browser.new_context(viewport={"width": 1200, "height": 860})
    page = ctx.new_page()
    page.goto(f"{stack.console_url}/demo?customer_token={stack.customer_token(customer['id'])}")
    page.click(".blw-launcher")
    say(page, "hello")
    expect(last_bot(page)).to_contain_text("Lumen Goods", timeout=WAIT)
    before = page.evaluate("window.BorderlessWidget.session()")
    assert before.startswith("web-")

    page.click("#demo-logout")
    page.wait_for_url(f"{stack.console_url}/demo", timeout=WAIT)
    expect(page.locator(".blw-input")).to_be_visible(timeout=WAIT)  # the chat stays open across the reload
    expect(page.locator(".blw-user")).to_have_count(0)
    say(page, "hello")
    expect(last_bot(page)).to_contain_text("Lumen Goods", timeout=WAIT)
    after = page.evaluate("window.BorderlessWidget.session()")
    assert after.startswith("web-") and after != before
    url = f"{stack.rasa_url}/conversations/{before}/tracker?include_events=ALL&token={TEST_RASA_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        old = json.loads(resp.read())
    assert [e["event"] for e in old["events"]].count("restart") == 1
    assert old["slots"].get("email") is None and not tracker(stack, before)["latest_message"].get("text")
    assert not [e for e in tracker(stack, after)["events"] if (e.get("metadata") or {}).get("customer_token")]
    page.screenshot(path=str(screenshots / "07-after-logout.png"))
    ctx.close()
