"""WhatsApp through Meta's WhatsApp Cloud API: a custom Rasa input channel (Rasa 3.6 has none built in).

Webhook: /webhooks/whatsapp/webhook
- GET: Meta's verification handshake (hub.mode=subscribe, hub.verify_token, hub.challenge);
- POST: requires `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>` (403 otherwise);
  text messages, interactive button/list replies and template quick-reply buttons become user messages; a
  reply "2" selects the second of the numbered options the bot last offered.
Replies go out through POST {api_base}/{phone_number_id}/messages with the access token; buttons become
numbered options and product cards text lines with links (channels/degrade.py).

credentials: verify_token, app_secret, access_token, phone_number_id, api_base (default
https://graph.facebook.com/v19.0). Empty credentials disable the channel (its webhook answers 503).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound
from channels.degrade import resolve_choice
from channels.messaging import (
    OnNewMessage,
    WhatsAppTextOutput,
    disabled_blueprint,
    meta_webhook_blueprint,
    missing_keys,
    offered_buttons,
    post_to_provider,
)

log = logging.getLogger(__name__)

REQUIRED = ["verify_token", "app_secret", "access_token", "phone_number_id"]


class WhatsAppCloudOutput(WhatsAppTextOutput):
    MAX_BODY = 4096

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, access_token: str, phone_number_id: str, api_base: str) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.api_base = api_base.rstrip("/")

    async def _send(self, recipient_id: str, message: dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient_id, **message}
        url = f"{self.api_base}/{self.phone_number_id}/messages"
        await post_to_provider(
            "WhatsApp Cloud API", url, json=body, headers={"Authorization": f"Bearer {self.access_token}"}
        )

    async def _send_text(self, recipient_id: str, text: str) -> None:
        await self._send(recipient_id, {"type": "text", "text": {"body": text, "preview_url": True}})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"type": "image", "image": {"link": image}})

    async def _send_custom(self, recipient_id: str, json_message: dict[str, Any]) -> None:
        if json_message.get("type") in {"template", "interactive", "location", "contacts"}:
            # A payload written for the Cloud API itself goes out as it is.
            await self._send(recipient_id, json_message)
        else:
            await super()._send_custom(recipient_id, json_message)


def _message_text(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "text":
        return (message.get("text") or {}).get("body")
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return reply.get("id") or reply.get("title")
    if kind == "button":
        button = message.get("button") or {}
        return button.get("payload") or button.get("text")
    return None


class WhatsAppCloudChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        creds = credentials or {}
        return cls(
            str(creds.get("verify_token") or ""),
            str(creds.get("app_secret") or ""),
            str(creds.get("access_token") or ""),
            str(creds.get("phone_number_id") or ""),
            str(creds.get("api_base") or "https://graph.facebook.com/v19.0"),
            missing_keys(creds, REQUIRED),
        )

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        access_token: str,
        phone_number_id: str,
        api_base: str,
        missing: list[str] | None = None,
    ) -> None:
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.api_base = api_base
        self.missing = missing or []

    def get_output_channel(self) -> OutputChannel | None:
        if self.missing:
            return None
        return WhatsAppCloudOutput(self.access_token, self.phone_number_id, self.api_base)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if self.missing:
            return disabled_blueprint(self.name(), self.missing)

        async def receive(request: Request) -> HTTPResponse:
            body = request.json
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON body"}, status=400)
            out_channel = self.get_output_channel()
            for entry in body.get("entry") or []:
                for change in (entry or {}).get("changes") or []:
                    value = (change or {}).get("value") or {}
                    for message in value.get("messages") or []:
                        sender = str(message.get("from") or "")
                        text = _message_text(message)
                        if not sender or not text:
                            continue
                        chosen = resolve_choice(text, await offered_buttons(request, sender))
                        metadata = {"whatsapp_message_id": message.get("id")}
                        await on_new_message(
                            UserMessage(
                                inbound.clipped_text(chosen or text),
                                out_channel,
                                sender,
                                input_channel=self.name(),
                                metadata=inbound.with_source(metadata, f"whatsapp:{sender}"),
                            )
                        )
            # Meta retries anything but a 200, so statuses and unsupported types are acknowledged too.
            return response.json({"status": "ok"})

        return meta_webhook_blueprint(
            "whatsapp_cloud_webhook",
            self.verify_token,
            self.app_secret,
            receive,
            accept_sha1=False,
            invalid_signature="invalid X-Hub-Signature-256",
        )
