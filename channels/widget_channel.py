"""The website widget's input channel: Rasa's REST shape, but only for conversations the shop signed.

`POST /webhooks/widget/webhook` with `Authorization: Bearer <widget session token>` and a JSON body
`{"message": "...", "metadata": {...}}` answers like Rasa's REST channel (a list of bot messages). The
conversation id is the one inside the token (channels/sessions.py); a `sender` in the body must match it or is
refused, so a caller can neither pick a conversation id nor write into a messaging app's conversation. The
console issues the tokens (`POST /widget/session`). Loaded by the Rasa server (credentials.yml).

Each bot message is answered whole (`WholeMessageCollector`): its text as written, with its buttons, image and
custom payload in the same object.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound, sessions
from channels.messaging import webhook_blueprint
from svc.auth import bearer_from_header

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MAX_BODY_BYTES = 16 * 1024


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message as one message.

    Rasa's collector cuts a text at every blank line into messages of their own and sends a custom payload as
    another; the widget renders Markdown (paragraphs, lists, tables) and shows a knowledge answer (text plus its
    `{"type": "answer"}` payload) as one bubble, so it needs the message as the bot sent it.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if message.get("elements"):
            # Generic templates have no widget form: Rasa's own handling (their text lines) is kept.
            await super().send_response(recipient_id, message)
            return
        whole: dict[str, Any] = {"recipient_id": recipient_id}
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            whole["text"] = text.strip()
        # Quick replies reach the widget as buttons, as Rasa's collector sends them.
        buttons = message.get("buttons") or message.get("quick_replies")
        if buttons:
            whole["buttons"] = buttons
        for key in ("image", "attachment", "custom"):
            if message.get(key):
                whole[key] = message[key]
        if len(whole) > 1:
            await self._persist_message(whole)


def session_from_headers(request: Request) -> str:
    """The verified conversation id of the request's widget session; MessageRejected(401) otherwise."""
    token = bearer_from_header(request.headers.get("Authorization"))
    if token is None:
        raise inbound.MessageRejected(401, "session_required", "send 'Authorization: Bearer <widget session token>'")
    try:
        return sessions.verify(inbound.widget_session_key(), token)
    except sessions.InvalidSession as exc:
        raise inbound.MessageRejected(401, "invalid_session", f"widget session refused: {exc}") from exc


class WidgetInput(InputChannel):
    """Signed REST channel for the website widget (`channels.widget_channel.WidgetInput` in credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = webhook_blueprint("widget_webhook")

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                conversation_id = session_from_headers(request)
                if len(request.body or b"") > MAX_BODY_BYTES:
                    raise inbound.MessageRejected(413, "body_too_large", f"at most {MAX_BODY_BYTES} bytes")
                try:
                    body = json.loads(request.body)
                except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
                    raise inbound.MessageRejected(400, "malformed_json", "the body is not valid JSON") from exc
                if not isinstance(body, dict):
                    raise inbound.MessageRejected(400, "malformed_json", "the body must be a JSON object")
                sender = body.get("sender")
                if sender is not None and sender != conversation_id:
                    raise inbound.MessageRejected(403, "foreign_conversation", "the session is for another chat")
                text = inbound.checked_text(body.get("message"))
                metadata = inbound.with_source(
                    inbound.client_metadata(body.get("metadata")),
                    inbound.web_source(request.ip, request.headers.get("X-Forwarded-For")),
                )
            except inbound.MessageRejected as exc:
                return response.json(exc.body(), status=exc.status)
            collector = WholeMessageCollector()
            await on_new_message(
                UserMessage(text, collector, conversation_id, input_channel=self.name(), metadata=metadata)
            )
            return response.json(collector.messages)

        return bp
