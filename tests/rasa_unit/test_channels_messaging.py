"""Messaging channels (channels/messaging.py, channels/whatsapp_cloud.py) inside the real Rasa channel
machinery: constructed webhook payloads, signed the way each platform signs, are posted to a Sanic app on
a loopback port with the channels registered by `rasa.core.channels.channel.register`. Replies go to a
local recorder standing in for the platform's send API.

Run in the Rasa venv: .venv-rasa/bin/python -m pytest tests/rasa_unit
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from twilio.request_validator import RequestValidator

from channels.messaging import MessengerChannel, TelegramChannel, TwilioWhatsAppChannel
from channels.whatsapp_cloud import WhatsAppCloudChannel
from tests.support import free_port

Sanic.test_mode = True

BUTTONS = [
    {"title": "Track my order", "payload": "/order_status"},
    {"title": "Talk to a person", "payload": "/human_handoff"},
]
CARDS = {
    "type": "product_cards",
    "products": [
        {
            "id": "P1",
            "title": "Trail Tent 2",
            "price": 149.0,
            "currency": "EUR",
            "image_url": "https://shop.example/i/P1.jpg",
            "url": "https://shop.example/p/P1",
        },
    ],
}


class Recorder:
    """A loopback HTTP server that records every request a channel sends to its platform API."""

    def __init__(self, answer: Callable[[str], dict[str, Any]] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        calls, answer_fn = self.calls, answer or (lambda path: {"ok": True})

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                calls.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
                data = json.dumps(answer_fn(self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = do_DELETE = _record  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[str]:
        return [c["body"].decode("utf-8", errors="replace") for c in self.calls]


class FakeAgent:
    """What `register` needs from Rasa's Agent: handle_message (here: record it and answer) and a tracker store."""

    def __init__(self, reply: dict[str, Any] | None, store: InMemoryTrackerStore | None) -> None:
        self.received: list[UserMessage] = []
        self.reply = reply
        self.tracker_store = store

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.reply is not None:
            await message.output_channel.send_response(message.sender_id, self.reply)


Calls = Callable[[aiohttp.ClientSession, str], Awaitable[Any]]


def run_channel(
    channel: Any, calls: Calls, *, reply: dict[str, Any] | None = None, store: Any = None
) -> tuple[Any, FakeAgent]:
    async def main() -> tuple[Any, FakeAgent]:
        app = Sanic(f"channels_{uuid.uuid4().hex[:10]}")
        agent = FakeAgent(reply, store)
        app.ctx.agent = agent
        register([channel], app, route="/webhooks/")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        try:
            async with aiohttp.ClientSession() as http:
                result = await calls(http, f"http://127.0.0.1:{port}")
        finally:
            server.close()
            await server.wait_closed()
        return result, agent

    return asyncio.run(main())


async def store_with_buttons(sender: str) -> InMemoryTrackerStore:
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events(
        sender, [UserUttered("help"), BotUttered("What would you like to do?", data={"buttons": BUTTONS})]
    )
    await store.save(tracker)
    return store


def hub_sig(secret: str, body: bytes, algo: Any = hashlib.sha256) -> str:
    return f"{algo().name}={hmac.new(secret.encode(), body, algo).hexdigest()}"


# --- Facebook Messenger ------------------------------------------------------------
MESSENGER_CREDS = {"verify": "verify-me", "secret": "fb-app-secret", "page-access-token": "PAGE_TOKEN"}


def messenger_body(text: str) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE",
                    "time": 1,
                    "messaging": [
                        {
                            "sender": {"id": "2468013579"},
                            "recipient": {"id": "PAGE"},
                            "timestamp": 1,
                            "message": {"mid": "m.1", "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()


def test_messenger_accepts_a_signed_message_and_sends_product_cards_as_a_generic_template() -> None:
    graph = Recorder()
    channel = MessengerChannel.from_credentials({**MESSENGER_CREDS, "graph_api_base": graph.url})
    body = messenger_body("recommend a tent")

    async def calls(http: aiohttp.ClientSession, base: str) -> int:
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": hub_sig("fb-app-secret", body)}
        async with http.post(f"{base}/webhooks/facebook/webhook", data=body, headers=headers) as resp:
            return resp.status

    status, agent = run_channel(channel, calls, reply={"text": "Here is a tent", "custom": CARDS})
    graph.close()
    assert status == 200
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == ("recommend a tent", "2468013579", "facebook")
    sent = [json.loads(b) for b in graph.bodies() if b]
    templates = [s["message"]["attachment"]["payload"] for s in sent if "attachment" in s.get("message", {})]
    assert templates and templates[0]["template_type"] == "generic"
    element = templates[0]["elements"][0]
    assert element["title"] == "Trail Tent 2"
    assert element["buttons"][0]["url"] == "https://shop.example/p/P1"
    assert any(s.get("message", {}).get("text") == "Here is a tent" for s in sent)


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature": "md5=whatever"},
        {"X-Hub-Signature-256": hub_sig("another-secret", messenger_body("hi"))},
    ],
    ids=["missing", "wrong-digest", "weak-hash-name", "other-secret"],
)
def test_messenger_refuses_unsigned_or_badly_signed_posts(header: dict[str, str]) -> None:
    channel = MessengerChannel.from_credentials(MESSENGER_CREDS)
    body = messenger_body("hi")

    async def calls(http: aiohttp.ClientSession, base: str) -> int:
        async with http.post(f"{base}/webhooks/facebook/webhook", data=body, headers=header) as resp:
            return resp.status

    status, agent = run_channel(channel, calls)
    assert status == 403
    assert agent.received == []


def test_messenger_accepts_the_older_sha1_signature_and_answers_the_verification_handshake() -> None:
    graph = Recorder()
    channel = MessengerChannel.from_credentials({**MESSENGER_CREDS, "graph_api_base": graph.url})
    body = messenger_body("hello")

    async def calls(http: aiohttp.ClientSession, base: str) -> tuple[int, str, int]:
        url = f"{base}/webhooks/facebook/webhook"
        async with http.post(
            url, data=body, headers={"X-Hub-Signature": hub_sig("fb-app-secret", body, hashlib.sha1)}
        ) as r:
            posted = r.status
        query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
        async with http.get(f"{url}?{urlencode(query)}") as r:
            challenge = await r.text()
        async with http.get(f"{url}?{urlencode({**query, 'hub.verify_token': 'nope'})}") as r:
            refused = r.status
        return posted, challenge, refused

    (posted, challenge, refused), agent = run_channel(channel, calls)
    graph.close()
    assert posted == 200 and [m.text for m in agent.received] == ["hello"]
    assert challenge == "1158201444"
    assert refused == 403


# --- WhatsApp through Twilio ------------------------------------------------------------
TWILIO_TOKEN = "twilio-auth-token"
SHOPPER = "whatsapp:+31612345678"


def twilio_channel(api_base: str, webhook_url: str) -> TwilioWhatsAppChannel:
    return TwilioWhatsAppChannel.from_credentials(  # type: ignore[return-value]
        {
            "account_sid": "AC123",
            "auth_token": TWILIO_TOKEN,
            "twilio_number": "+14155238886",
            "webhook_url": webhook_url,
            "api_base": api_base,
        }
    )


def twilio_form(body: str) -> dict[str, str]:
    return {
        "SmsMessageSid": "SM1",
        "NumMedia": "0",
        "ProfileName": "Ana",
        "Body": body,
        "From": SHOPPER,
        "To": "whatsapp:+14155238886",
        "AccountSid": "AC123",
    }


def test_twilio_whatsapp_checks_the_signature_and_sends_buttons_as_numbered_options() -> None:
    api = Recorder()
    public_url = "https://bot.example/webhooks/twilio_whatsapp/webhook"
    channel = twilio_channel(api.url, public_url)
    form = twilio_form("I need help")
    good = RequestValidator(TWILIO_TOKEN).compute_signature(public_url, form)

    async def calls(http: aiohttp.ClientSession, base: str) -> tuple[int, int]:
        url = f"{base}/webhooks/twilio_whatsapp/webhook"
        async with http.post(url, data=form, headers={"X-Twilio-Signature": good}) as r:
            ok = r.status
        tampered = {**form, "Body": "cancel my order"}
        async with http.post(url, data=tampered, headers={"X-Twilio-Signature": good}) as r:
            bad = r.status
        return ok, bad

    (ok, bad), agent = run_channel(channel, calls, reply={"text": "How can I help?", "buttons": BUTTONS})
    api.close()
    assert (ok, bad) == (204, 403)
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == ("I need help", SHOPPER, "twilio_whatsapp")
    [call] = api.calls
    assert call["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert call["headers"]["Authorization"] == "Basic " + base64.b64encode(f"AC123:{TWILIO_TOKEN}".encode()).decode()
    sent = {k: v[0] for k, v in parse_qs(call["body"].decode()).items()}
    assert sent["To"] == SHOPPER and sent["From"] == "whatsapp:+14155238886"
    assert "1. Track my order\n2. Talk to a person" in sent["Body"]
    assert "/order_status" not in sent["Body"]


def test_twilio_whatsapp_maps_a_numbered_reply_to_the_offered_button() -> None:
    public_url = "https://bot.example/webhooks/twilio_whatsapp/webhook"
    channel = twilio_channel("http://127.0.0.1:9", public_url)
    form = twilio_form("2")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(public_url, form)

    async def calls(http: aiohttp.ClientSession, base: str) -> int:
        async with http.post(
            f"{base}/webhooks/twilio_whatsapp/webhook", data=form, headers={"X-Twilio-Signature": signature}
        ) as r:
            return r.status

    store = asyncio.run(store_with_buttons(SHOPPER))
    status, agent = run_channel(channel, calls, store=store)
    assert status == 204
    assert [m.text for m in agent.received] == ["/human_handoff"]


# --- WhatsApp Cloud API ------------------------------------------------------------
CLOUD_CREDS = {
    "verify_token": "cloud-verify",
    "app_secret": "meta-app-secret",
    "access_token": "EAAG-token",
    "phone_number_id": "106540352242922",
}


def cloud_body(message: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550001111",
                                    "phone_number_id": "106540352242922",
                                },
                                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "31612345678"}],
                                "messages": [
                                    {"from": "31612345678", "id": "wamid.X", "timestamp": "1700000000", **message}
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def test_whatsapp_cloud_verifies_signature_256_and_replies_through_the_graph_api() -> None:
    graph = Recorder(lambda path: {"messages": [{"id": "wamid.OUT"}]})
    channel = WhatsAppCloudChannel.from_credentials({**CLOUD_CREDS, "api_base": graph.url})
    body = cloud_body({"type": "text", "text": {"body": "where is my parcel?"}})

    async def calls(http: aiohttp.ClientSession, base: str) -> tuple[str, int, int, int]:
        url = f"{base}/webhooks/whatsapp/webhook"
        query = {"hub.mode": "subscribe", "hub.verify_token": "cloud-verify", "hub.challenge": "424242"}
        async with http.get(f"{url}?{urlencode(query)}") as r:
            challenge = await r.text()
        async with http.post(url, data=body, headers={"X-Hub-Signature-256": hub_sig("meta-app-secret", body)}) as r:
            ok = r.status
        async with http.post(url, data=body, headers={"X-Hub-Signature-256": hub_sig("wrong", body)}) as r:
            bad = r.status
        async with http.post(url, data=body) as r:
            unsigned = r.status
        return challenge, ok, bad, unsigned

    (challenge, ok, bad, unsigned), agent = run_channel(channel, calls, reply={"text": "Pick one", "buttons": BUTTONS})
    graph.close()
    assert challenge == "424242"
    assert (ok, bad, unsigned) == (200, 403, 403)
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "where is my parcel?",
        "31612345678",
        "whatsapp",
    )
    [call] = graph.calls
    assert call["path"] == "/106540352242922/messages"
    assert call["headers"]["Authorization"] == "Bearer EAAG-token"
    sent = json.loads(call["body"])
    assert sent["to"] == "31612345678" and sent["type"] == "text"
    assert "1. Track my order\n2. Talk to a person" in sent["text"]["body"]


def test_whatsapp_cloud_understands_button_replies_and_numbered_answers() -> None:
    channel = WhatsAppCloudChannel.from_credentials({**CLOUD_CREDS, "api_base": "http://127.0.0.1:9"})
    interactive = cloud_body(
        {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "/order_status", "title": "Track"}},
        }
    )
    numbered = cloud_body({"type": "text", "text": {"body": "2."}})

    async def calls(http: aiohttp.ClientSession, base: str) -> list[int]:
        statuses = []
        for body in (interactive, numbered):
            async with http.post(
                f"{base}/webhooks/whatsapp/webhook",
                data=body,
                headers={"X-Hub-Signature-256": hub_sig("meta-app-secret", body)},
            ) as r:
                statuses.append(r.status)
        return statuses

    store = asyncio.run(store_with_buttons("31612345678"))
    statuses, agent = run_channel(channel, calls, store=store)
    assert statuses == [200, 200]
    assert [m.text for m in agent.received] == ["/order_status", "/human_handoff"]


# --- Telegram ------------------------------------------------------------
def telegram_answer(path: str) -> dict[str, Any]:
    return {"ok": True, "result": {"message_id": 7, "date": 1700000000, "chat": {"id": 99887766, "type": "private"}}}


def test_telegram_requires_the_secret_token_and_sends_product_cards_as_text() -> None:
    api = Recorder(telegram_answer)
    channel = TelegramChannel.from_credentials(
        {
            "access_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
            "webhook_url": "https://bot.example/tg",
            "secret_token": "tg-secret-0123456789",
            "api_base": api.url,
        }
    )
    update = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 1700000000,
            "text": "recommend a tent",
            "chat": {"id": 99887766, "type": "private"},
            "from": {"id": 99887766, "is_bot": False, "first_name": "Ana"},
        },
    }

    async def calls(http: aiohttp.ClientSession, base: str) -> tuple[int, int]:
        url = f"{base}/webhooks/telegram/webhook"
        async with http.post(url, json=update) as r:
            missing = r.status
        async with http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret-0123456789"}
        ) as r:
            ok = r.status
        return missing, ok

    (missing, ok), agent = run_channel(channel, calls, reply={"custom": CARDS})
    api.close()
    assert (missing, ok) == (403, 200)
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == ("recommend a tent", "99887766", "telegram")
    [call] = api.calls
    assert call["path"].endswith("/sendMessage")
    text = parse_qs(call["body"].decode())["text"][0]
    assert text == "1. Trail Tent 2 — 149.00 EUR\nhttps://shop.example/p/P1"


def test_telegram_without_a_strong_secret_token_stays_disabled() -> None:
    """Telegram does not sign updates: without the echoed secret anyone could post forged ones."""
    update = {"update_id": 1, "message": {"message_id": 5, "date": 1700000000, "text": "cancel my order",
                                          "chat": {"id": 42, "type": "private"}}}  # fmt: skip

    async def calls(http: aiohttp.ClientSession, base: str) -> list[int]:
        statuses = []
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}, {"X-Telegram-Bot-Api-Secret-Token": "short"}):
            async with http.post(f"{base}/webhooks/telegram/webhook", json=update, headers=headers) as r:
                statuses.append(r.status)
        return statuses

    for secret in ("", "short"):
        channel = TelegramChannel.from_credentials(
            {"access_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "secret_token": secret}
        )
        statuses, agent = run_channel(channel, calls)
        assert statuses == [503, 503, 503]
        assert agent.received == []


def test_telegram_set_webhook_needs_the_rasa_api_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_TOKEN", "rasa-api-token-for-this-test-0123456789")
    api = Recorder(lambda path: {"ok": True, "result": True})
    channel = TelegramChannel.from_credentials(
        {
            "access_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
            "webhook_url": "https://bot.example/tg",
            "secret_token": "tg-secret-0123456789",
            "api_base": api.url,
        }
    )

    async def calls(http: aiohttp.ClientSession, base: str) -> list[int]:
        statuses = []
        for auth in ("", "Bearer wrong", "Bearer rasa-api-token-for-this-test-0123456789"):
            headers = {"Authorization": auth} if auth else {}
            async with http.post(f"{base}/webhooks/telegram/set_webhook", headers=headers) as r:
                statuses.append(r.status)
        return statuses

    statuses, _ = run_channel(channel, calls)
    api.close()
    assert statuses == [401, 401, 200]
    [call] = api.calls  # only the authorised request re-pointed the bot
    assert "secret_token=tg-secret-0123456789" in call["body"].decode()


def test_messaging_messages_are_clipped_and_carry_the_channel_source() -> None:
    channel = TelegramChannel.from_credentials(
        {"access_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "secret_token": "tg-secret-0123456789",
         "api_base": Recorder(telegram_answer).url}
    )  # fmt: skip
    update = {"update_id": 1, "message": {"message_id": 5, "date": 1700000000, "text": "a" * 1_000_000,
                                          "chat": {"id": 42, "type": "private"}}}  # fmt: skip

    async def calls(http: aiohttp.ClientSession, base: str) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-0123456789"}
        async with http.post(f"{base}/webhooks/telegram/webhook", json=update, headers=headers) as r:
            return r.status

    status, agent = run_channel(channel, calls)
    assert status == 200
    [message] = agent.received
    assert len(message.text) == 2000
    assert message.metadata["shopper_source"] == "telegram:42"


# --- configuration ------------------------------------------------------------
def test_unconfigured_channels_load_from_credentials_yml_and_answer_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.run import create_http_input_channels

    for var in (
        "TELEGRAM_ACCESS_TOKEN",
        "FB_VERIFY",
        "FB_SECRET",
        "FB_PAGE_ACCESS_TOKEN",
        "TWILIO_AUTH_TOKEN",
        "WHATSAPP_APP_SECRET",
    ):
        monkeypatch.setenv(var, "")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "channels.widget_channel.WidgetInput:\n"
        "channels.messaging.TelegramChannel:\n  access_token: ${TELEGRAM_ACCESS_TOKEN}\n"
        "channels.messaging.MessengerChannel:\n  verify: ${FB_VERIFY}\n  secret: ${FB_SECRET}\n"
        "  page-access-token: ${FB_PAGE_ACCESS_TOKEN}\n"
        "channels.messaging.TwilioWhatsAppChannel:\n  account_sid: AC1\n  auth_token: ${TWILIO_AUTH_TOKEN}\n"
        "  twilio_number: '+1555'\n"
        "channels.whatsapp_cloud.WhatsAppCloudChannel:\n  app_secret: ${WHATSAPP_APP_SECRET}\n"
    )
    channels = create_http_input_channels(None, str(credentials))
    names = sorted(c.name() for c in channels)
    assert names == ["facebook", "telegram", "twilio_whatsapp", "whatsapp", "widget"]
    messaging = [c for c in channels if c.name() != "widget"]

    async def calls(http: aiohttp.ClientSession, base: str) -> list[int]:
        out = []
        for name in ("telegram", "facebook", "twilio_whatsapp", "whatsapp"):
            async with http.post(f"{base}/webhooks/{name}/webhook", data=b"{}") as r:
                out.append(r.status)
        return out

    async def main() -> list[int]:
        app = Sanic(f"channels_{uuid.uuid4().hex[:10]}")
        app.ctx.agent = FakeAgent(None, None)
        register(messaging, app, route="/webhooks/")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        try:
            async with aiohttp.ClientSession() as http:
                return await calls(http, f"http://127.0.0.1:{port}")
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(main()) == [503, 503, 503, 503]
    assert all(c.get_output_channel() is None for c in messaging)
