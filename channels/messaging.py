"""Rasa input channels for messaging apps, loaded by the Rasa server (they import rasa: Python 3.10 venv).

Each wraps Rasa's own connector where one exists and adds what Borderless needs:
- webhook authentication: Messenger `X-Hub-Signature-256` / `X-Hub-Signature` (HMAC of the raw body with the
  app secret), Twilio `X-Twilio-Signature` (Twilio's RequestValidator over the public webhook URL and form
  fields), Telegram's `X-Telegram-Bot-Api-Secret-Token` (Telegram does not sign; it echoes a secret). A request
  that fails the check gets 403 and reaches no conversation. Telegram is only enabled with a secret token of
  at least 16 characters, and its `/set_webhook` route needs Rasa's API token;
- every message is cut to the shop's message limit and carries `shopper_source` = `<channel>:<sender>` (the
  provider authenticated the sender), which the orders service limits failed proofs by (channels/inbound.py);
- rich replies degrade per channel (channels/degrade.py): WhatsApp gets numbered options and a reply "2"
  selects the second button; product cards become a Messenger generic template or text lines elsewhere;
- a channel whose credentials are empty (the env variables in credentials.yml are unset) is disabled: its
  webhook answers 503 instead of stopping the Rasa server from starting.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from rasa.core.channels.telegram import TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound
from channels.degrade import custom_as_text, last_offered_buttons, numbered_options, resolve_choice
from svc.auth import bearer_from_header, token_matches
from svc.secrets import rasa_api_token

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MIN_TELEGRAM_SECRET = 16


def disabled_blueprint(name: str, missing: list[str]) -> Blueprint:
    """Routes of a channel that is not configured: health says so, the webhook answers 503."""
    bp = Blueprint(f"{name}_disabled_webhook", __name__)
    detail = {"status": "disabled", "channel": name, "missing": missing}

    @bp.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json(detail)

    @bp.route("/webhook", methods=["GET", "POST"])
    async def webhook(_: Request) -> HTTPResponse:
        return response.json(detail, status=503)

    return bp


def missing_keys(credentials: Optional[dict[str, Any]], required: list[str]) -> list[str]:
    creds = credentials or {}
    return [key for key in required if not str(creds.get(key) or "").strip()]


async def offered_buttons(request: Request, sender_id: str) -> list[dict[str, Any]]:
    """The buttons the bot last offered this sender (from the tracker store), for numbered replies."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - a store hiccup must not lose the shopper's message
        log.warning("could not read the tracker of %s for numbered replies", sender_id, exc_info=True)
        return []
    if tracker is None:
        return []
    return last_offered_buttons([e.as_dict() for e in tracker.events])


def webhook_blueprint(name: str) -> Blueprint:
    """A configured channel's blueprint with its health route (GET / answers `{"status": "ok"}`); the caller
    adds the webhook routes."""
    bp = Blueprint(name, __name__)

    @bp.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return bp


def meta_webhook_blueprint(
    name: str,
    verify_token: str,
    app_secret: str,
    receive: Callable[[Request], Awaitable[HTTPResponse]],
    *,
    accept_sha1: bool,
    invalid_signature: str,
) -> Blueprint:
    """A Meta (Messenger / WhatsApp Cloud) webhook blueprint: its health route, the subscription handshake
    (GET /webhook with hub.verify_token), and POST /webhook, which `receive` answers once the body is signed
    with `app_secret` (X-Hub-Signature-256, or the older X-Hub-Signature where `accept_sha1`); an unsigned or
    wrongly signed post gets 403 with `invalid_signature` as its error."""
    bp = webhook_blueprint(name)

    @bp.route("/webhook", methods=["GET"])
    async def verify(request: Request) -> HTTPResponse:
        if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
            request.args.get("hub.verify_token") or "", verify_token
        ):
            return response.text(request.args.get("hub.challenge") or "")
        return response.text("invalid verify token", status=403)

    @bp.route("/webhook", methods=["POST"])
    async def webhook(request: Request) -> HTTPResponse:
        sha1_header = request.headers.get("X-Hub-Signature", "") if accept_sha1 else ""
        if not hub_signature_valid(
            app_secret, request.body, request.headers.get("X-Hub-Signature-256", ""), sha1_header
        ):
            return response.json({"error": invalid_signature}, status=403)
        return await receive(request)

    return bp


def hub_signature_valid(secret: str, body: bytes, sha256_header: str, sha1_header: str) -> bool:
    """Meta's webhook signature: `sha256=<hex>` (preferred) or the older `sha1=<hex>`; constant-time compare."""
    for header, algo in ((sha256_header, hashlib.sha256), (sha1_header, hashlib.sha1)):
        if not header:
            continue
        prefix, _, given = header.partition("=")
        if prefix != algo().name or not given:
            return False
        expected = hmac.new(secret.encode(), body, algo).hexdigest()
        return hmac.compare_digest(expected, given.strip().lower())
    return False


# --- Telegram ------------------------------------------------------------
class BorderlessTelegramOutput(TelegramOutput):
    """Rasa's Telegram output; optional Bot API base URL; assistant custom payloads as text."""

    def __init__(self, access_token: Optional[str], api_base: Optional[str] = None) -> None:
        from aiogram import Bot
        from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer

        server = TelegramAPIServer.from_base(api_base.rstrip("/")) if api_base else TELEGRAM_PRODUCTION
        Bot.__init__(self, access_token, server=server)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = custom_as_text(json_message)
        if text is not None:
            if text:
                await self.send_message(recipient_id, text, disable_web_page_preview=True)
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TelegramChannel(InputChannel):
    """Telegram bot webhook at /webhooks/telegram/webhook.

    credentials: access_token, webhook_url (public URL Telegram calls), secret_token (echoed by Telegram in
    X-Telegram-Bot-Api-Secret-Token; required, at least 16 characters: Telegram does not sign updates, so
    without it anyone could post forged ones), api_base (optional, for a local Bot API server).
    Unlike Rasa's connector it makes no network call at start-up; POST /webhooks/telegram/set_webhook
    registers the webhook (with the secret) when you are ready.
    """

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        creds = credentials or {}
        return cls(
            creds.get("access_token") or "",
            creds.get("webhook_url") or "",
            creds.get("secret_token") or "",
            creds.get("api_base") or "",
        )

    def __init__(self, access_token: str, webhook_url: str, secret_token: str, api_base: str = "") -> None:
        self.access_token = access_token.strip()
        self.webhook_url = webhook_url.strip()
        self.secret_token = secret_token.strip()
        self.api_base = api_base.strip()

    def get_output_channel(self) -> Optional[OutputChannel]:
        if not self.access_token:
            return None
        return BorderlessTelegramOutput(self.access_token, self.api_base or None)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if not self.access_token:
            return disabled_blueprint(self.name(), ["access_token"])
        if len(self.secret_token) < MIN_TELEGRAM_SECRET:
            log.error("Telegram disabled: TELEGRAM_SECRET_TOKEN needs at least %d characters", MIN_TELEGRAM_SECRET)
            return disabled_blueprint(self.name(), ["secret_token"])
        from aiogram.types import Update

        bp = webhook_blueprint("telegram_webhook")
        out_channel = BorderlessTelegramOutput(self.access_token, self.api_base or None)

        @bp.route("/set_webhook", methods=["POST"])
        async def set_webhook(request: Request) -> HTTPResponse:
            # Re-pointing the bot's webhook is an admin action: it needs Rasa's API token.
            if not token_matches(bearer_from_header(request.headers.get("Authorization")), rasa_api_token()):
                return response.json({"error": "needs 'Authorization: Bearer <Rasa API token>'"}, status=401)
            data = {"url": self.webhook_url, "secret_token": self.secret_token}
            ok = await out_channel.request("setWebhook", data)
            return response.json({"ok": bool(ok)})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not hmac.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.secret_token):
                return response.json({"error": "bad secret token"}, status=403)
            body = request.json
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON update"}, status=400)
            update = Update(**body)
            if update.callback_query is not None and update.callback_query.message is not None:
                msg, text = update.callback_query.message, update.callback_query.data
            elif update.edited_message is not None:
                msg, text = update.edited_message, update.edited_message.text
            elif update.message is not None:
                msg = update.message
                if msg.text is not None:
                    text = msg.text.replace("/bot", "")
                elif msg.location is not None:
                    text = f'{{"lng":{msg.location.longitude}, "lat":{msg.location.latitude}}}'
                else:
                    return response.text("success")
            else:
                return response.text("success")
            if not text:
                return response.text("success")
            sender_id = str(msg.chat.id)
            await on_new_message(
                UserMessage(
                    inbound.clipped_text(text),
                    out_channel,
                    sender_id,
                    input_channel=self.name(),
                    metadata=inbound.with_source(None, f"telegram:{sender_id}"),
                )
            )
            return response.text("success")

        return bp


# --- WhatsApp (both providers) -----------------------------------------------------------
async def post_to_provider(provider: str, url: str, **request: Any) -> None:
    """POSTs one outgoing message to a messaging provider. A refusal or an outage is logged, never raised:
    a reply that cannot be delivered must not fail the shopper's conversation."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, timeout=aiohttp.ClientTimeout(total=10), **request) as resp,
        ):
            if resp.status >= 300:
                log.error("%s refused a message: %s %s", provider, resp.status, (await resp.text())[:300])
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.error("%s unreachable: %s", provider, exc)


class WhatsAppTextOutput(OutputChannel):
    """What both WhatsApp outputs share: long text split at MAX_BODY, buttons and quick replies as numbered
    options, rich custom payloads as text. Subclasses send one piece of text with `_send_text`."""

    MAX_BODY = 1600

    async def _send_text(self, recipient_id: str, text: str) -> None:
        raise NotImplementedError  # each provider's own API call

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        text = text.strip()
        for start in range(0, len(text), self.MAX_BODY):
            await self._send_text(recipient_id, text[start : start + self.MAX_BODY])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered_options(text, buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered_options(text, quick_replies))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = custom_as_text(json_message)
        if text is not None:
            if text:
                await self.send_text_message(recipient_id, text)
        else:
            await self._send_custom(recipient_id, json_message)

    async def _send_custom(self, recipient_id: str, json_message: dict[str, Any]) -> None:
        log.info("custom payload of type %r has no WhatsApp form; skipped", json_message.get("type"))


# --- WhatsApp through Twilio ------------------------------------------------------------
class TwilioWhatsAppOutput(WhatsAppTextOutput):
    """Sends WhatsApp messages through Twilio's Messages API (async; buttons as numbered options)."""

    MAX_BODY = 1600

    @classmethod
    def name(cls) -> str:
        return "twilio_whatsapp"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, api_base: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.api_base = api_base.rstrip("/")

    async def _post(self, recipient_id: str, body: Optional[str] = None, media_url: Optional[str] = None) -> None:
        data = {"To": recipient_id, "From": self.from_number}
        if body:
            data["Body"] = body
        if media_url:
            data["MediaUrl"] = media_url
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        await post_to_provider("Twilio", url, data=data, auth=aiohttp.BasicAuth(self.account_sid, self.auth_token))

    async def _send_text(self, recipient_id: str, text: str) -> None:
        await self._post(recipient_id, text)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(recipient_id, media_url=image)


class TwilioWhatsAppChannel(InputChannel):
    """WhatsApp through Twilio at /webhooks/twilio_whatsapp/webhook.

    credentials: account_sid, auth_token, twilio_number ("whatsapp:+14155238886"), webhook_url (the exact
    public URL configured in Twilio: the signature covers it), api_base (default https://api.twilio.com).
    """

    @classmethod
    def name(cls) -> str:
        return "twilio_whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        creds = credentials or {}
        return cls(
            str(creds.get("account_sid") or ""),
            str(creds.get("auth_token") or ""),
            str(creds.get("twilio_number") or ""),
            str(creds.get("webhook_url") or ""),
            str(creds.get("api_base") or "https://api.twilio.com"),
            missing_keys(creds, ["account_sid", "auth_token", "twilio_number"]),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        webhook_url: str,
        api_base: str,
        missing: Optional[list[str]] = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = (
            twilio_number if twilio_number.startswith("whatsapp:") or not twilio_number else f"whatsapp:{twilio_number}"
        )
        self.webhook_url = webhook_url
        self.api_base = api_base
        self.missing = missing or []

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.missing:
            return None
        return TwilioWhatsAppOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_base)

    def signature_valid(self, request: Request) -> bool:
        from twilio.request_validator import RequestValidator

        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        url = self.webhook_url or request.url
        params = {key: request.form.get(key) for key in request.form}
        return bool(RequestValidator(self.auth_token).validate(url, params, signature))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if self.missing:
            return disabled_blueprint(self.name(), self.missing)
        bp = webhook_blueprint("twilio_whatsapp_webhook")

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.signature_valid(request):
                return response.json({"error": "invalid X-Twilio-Signature"}, status=403)
            sender = request.form.get("From")
            text = request.form.get("ButtonPayload") or request.form.get("Body")
            if not sender or text is None:
                return response.text("", status=204)
            chosen = resolve_choice(text, await offered_buttons(request, sender))
            metadata = inbound.with_source(
                {"channel_profile_name": request.form.get("ProfileName")} if request.form.get("ProfileName") else None,
                f"whatsapp:{sender}",
            )
            await on_new_message(
                UserMessage(
                    inbound.clipped_text(chosen or text),
                    self.get_output_channel(),
                    sender,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return response.text("", status=204)

        return bp


# --- Facebook Messenger ------------------------------------------------------------
class BorderlessMessengerBot(MessengerBot):
    """Rasa's Messenger output; product cards as a generic template, more than 3 buttons as quick replies."""

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) > 3:
            await self.send_quick_replies(recipient_id, text, buttons[:13], **kwargs)
            return
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        if json_message.get("type") == "product_cards" and isinstance(json_message.get("products"), list):
            elements = []
            for p in json_message["products"][:10]:
                element: dict[str, Any] = {
                    "title": str(p.get("title", ""))[:80],
                    "subtitle": f"{p.get('price', '')} {p.get('currency', '')}".strip()[:80],
                }
                if str(p.get("image_url", "")).startswith("https://"):
                    element["image_url"] = p["image_url"]
                if str(p.get("url", "")).startswith("https://"):
                    element["buttons"] = [{"type": "web_url", "url": p["url"], "title": "View"}]
                elements.append(element)
            payload = {
                "attachment": {"type": "template", "payload": {"template_type": "generic", "elements": elements}}
            }
            self.messenger_client.send(payload, recipient_id, "RESPONSE")
            return
        text = custom_as_text(json_message)
        if text is not None:
            if text:
                await self.send_text_message(recipient_id, text)
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class _Messenger(Messenger):
    def __init__(self, page_access_token: str, on_new_message: OnNewMessage, graph_api_base: str = "") -> None:
        super().__init__(page_access_token, on_new_message)
        if graph_api_base:
            self.client.graph_url = graph_api_base.rstrip("/")

    async def _action(self, out_channel: MessengerBot, sender_id: str, action: str) -> None:
        # Typing indicators are cosmetic: a Graph API hiccup must not lose the shopper's message.
        try:
            await out_channel.send_action(sender_id, sender_action=action)
        except Exception:  # noqa: BLE001
            log.warning("Messenger sender action %s failed", action, exc_info=True)

    async def _handle_user_message(self, text: str, sender_id: str, metadata: dict[str, Any] | None) -> None:
        out_channel = BorderlessMessengerBot(self.client)
        user_msg = UserMessage(
            inbound.clipped_text(text),
            out_channel,
            sender_id,
            input_channel="facebook",
            metadata=inbound.with_source(metadata, f"facebook:{sender_id}"),
        )
        await self._action(out_channel, sender_id, "typing_on")
        try:
            await self.on_new_message(user_msg)
        finally:
            await self._action(out_channel, sender_id, "typing_off")


class MessengerChannel(FacebookInput):
    """Facebook Messenger at /webhooks/facebook/webhook, with strict signature checks.

    credentials (as Rasa's): verify, secret, page-access-token; optional graph_api_base. Rasa's connector
    answers 200 to a bad signature and accepts any hash name; this one requires a valid sha256 or sha1 HMAC
    and answers 403.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        creds = credentials or {}
        channel = cls(creds.get("verify") or "", creds.get("secret") or "", creds.get("page-access-token") or "")
        channel.missing = missing_keys(creds, ["verify", "secret", "page-access-token"])
        channel.graph_api_base = str(creds.get("graph_api_base") or "")
        return channel

    missing: list[str] = []
    graph_api_base: str = ""

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.missing:
            return None
        from fbmessenger import MessengerClient

        client = MessengerClient(self.fb_access_token)
        if self.graph_api_base:
            client.graph_url = self.graph_api_base.rstrip("/")
        return BorderlessMessengerBot(client)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if self.missing:
            return disabled_blueprint(self.name(), self.missing)

        async def receive(request: Request) -> HTTPResponse:
            messenger = _Messenger(self.fb_access_token, on_new_message, self.graph_api_base)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return meta_webhook_blueprint(
            "fb_webhook",
            self.fb_verify,
            self.fb_secret,
            receive,
            accept_sha1=True,
            invalid_signature="invalid signature",
        )
