"""Rasa's socket.io channel, fixed and held to the widget's signed-session rule.

Standard Rasa chat widgets connect to `/socket.io`. Rasa 3.6's own channel calls python-socketio's
`AsyncServer.enter_room` without `await`; since python-socketio 5.12 that is a coroutine, so with
`session_persistence` the client never joins its room and receives no replies. This channel awaits it.

A socket must prove its conversation before it can talk: either `auth={"token": <widget session token>}` on
connect, or `{"session_id": <id>, "token": <token>}` in `session_request`. The conversation id is the one
inside the token; an unsigned, forged or expired token, or a `session_id` that is not the token's, gets an
`error` event and no conversation. Messages carry `shopper_source` metadata and obey the length limit.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import inbound, sessions

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# A socket.io packet bigger than this is dropped by the server before any handler runs.
MAX_PACKET_BYTES = 64 * 1024


def _environ_source(environ: dict[str, Any]) -> str:
    peer = environ.get("REMOTE_ADDR")
    if not peer:
        request = environ.get("sanic.request")
        peer = getattr(request, "ip", None)
    return inbound.web_source(peer, environ.get("HTTP_X_FORWARDED_FOR"))


class SignedSocketIOInput(SocketIOInput):
    """`channels.socketio_channel.SignedSocketIOInput` in credentials.yml (same options as Rasa's `socketio`)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_PACKET_BYTES)
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        # sid -> (verified conversation id or None, shopper source)
        sockets: dict[str, tuple[Optional[str], str]] = {}
        namespace = self.namespace

        async def refuse(sid: str, code: str, message: str) -> None:
            await sio.emit("error", {"code": code, "message": message}, room=sid, namespace=namespace)

        async def bind(sid: str, token: Any) -> Optional[str]:
            try:
                cid = sessions.verify(inbound.widget_session_key(), token if isinstance(token, str) else None)
            except sessions.InvalidSession as exc:
                await refuse(sid, "invalid_session", f"widget session refused: {exc}")
                return None
            source = sockets.get(sid, (None, "unknown"))[1]
            sockets[sid] = (cid, source)
            joined = sio.enter_room(sid, cid, namespace=namespace)
            if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.12
                await joined
            return cid

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Optional[dict[str, Any]] = None) -> bool:
            sockets[sid] = (None, _environ_source(environ))
            if isinstance(auth, dict) and auth.get("token"):
                return await bind(sid, auth["token"]) is not None
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *args: Any) -> None:
            sockets.pop(sid, None)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            cid = sockets.get(sid, (None, ""))[0]
            if data.get("token"):
                cid = await bind(sid, data["token"])
                if cid is None:
                    return  # bind() has told the client why
            if cid is None:
                await refuse(sid, "session_required", "send a widget session token (auth.token or session_request)")
                return
            if data.get("session_id") not in (None, "", cid):
                await refuse(sid, "foreign_conversation", "the session is for another conversation")
                return
            await sio.emit("session_confirm", cid, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            cid, source = sockets.get(sid, (None, "unknown"))
            if cid is None:
                await refuse(sid, "session_required", "request a session with a widget session token first")
                return
            data = data if isinstance(data, dict) else {}
            if data.get("session_id") not in (None, "", cid):
                await refuse(sid, "foreign_conversation", "the session is for another conversation")
                return
            metadata = data.get(self.metadata_key) or {}
            try:
                if isinstance(metadata, str):
                    metadata = json.loads(metadata[: inbound.MAX_METADATA_BYTES])
                text = inbound.checked_text(data.get("message"))
                metadata = inbound.with_source(inbound.client_metadata(metadata), source)
            except (ValueError, RecursionError) as exc:
                status = exc if isinstance(exc, inbound.MessageRejected) else None
                await refuse(sid, status.code if status else "malformed_metadata", str(exc)[:200])
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(UserMessage(text, output, cid, input_channel=self.name(), metadata=metadata))

        return bp
