"""The socket.io endpoint standard Rasa chat widgets connect to, driven by a real python-socketio client.

Rasa 3.6's own channel never put a client into its room (an un-awaited coroutine), so replies never arrived;
and it accepted any `session_id`, so a client could join another shopper's conversation. Borderless serves
`channels.socketio_channel.SignedSocketIOInput`: a signed widget session is required, replies arrive.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import socketio

from channels import sessions
from tests.integration.conftest import Assistant
from tests.support import TEST_WIDGET_SECRET

DEADLINE_S = 60


class Shopper:
    """One socket.io client with everything the server sent it, by event."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, asyncio.Queue[Any]] = {
            name: asyncio.Queue() for name in ("session_confirm", "bot_uttered", "error")
        }
        for name, queue in self.events.items():
            self.client.on(name, queue.put)

    async def next(self, event: str) -> Any:
        return await asyncio.wait_for(self.events[event].get(), DEADLINE_S)

    async def replies_to(self, cid: str, text: str) -> list[dict[str, Any]]:
        """Sends a message; the bot's first answer to it, with any earlier answers still queued."""
        queue = self.events["bot_uttered"]
        earlier = [queue.get_nowait() for _ in range(queue.qsize())]
        await self.client.emit("user_uttered", {"session_id": cid, "message": text})
        return [*earlier, await self.next("bot_uttered")]


def test_a_signed_socketio_client_holds_a_conversation(assistant: Assistant) -> None:
    session = sessions.issue(TEST_WIDGET_SECRET)

    async def talk() -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        shopper = Shopper()
        await shopper.client.connect(assistant.rasa_url, transports=["websocket"], wait_timeout=DEADLINE_S)
        try:
            request = {"session_id": session.conversation_id, "token": session.token}
            await shopper.client.emit("session_request", request)
            confirmed = await shopper.next("session_confirm")
            first = await shopper.replies_to(confirmed, "hello")
            second = await shopper.replies_to(confirmed, "am I talking to a bot?")
            return confirmed, first, second
        finally:
            await shopper.client.disconnect()

    confirmed, first, second = asyncio.run(talk())
    assert confirmed == session.conversation_id
    assert any(m.get("text") for m in first) and any(m.get("text") for m in second)
    # The conversation is the signed one, on the socket.io channel.
    tracker = assistant.widget.tracker_of(session.conversation_id)
    assert tracker["latest_input_channel"] == "socketio"
    assert [e["text"] for e in tracker["events"] if e.get("event") == "user"] == ["hello", "am I talking to a bot?"]


def test_socketio_refuses_unsigned_foreign_and_oversized_messages(assistant: Assistant) -> None:
    victim = sessions.issue(TEST_WIDGET_SECRET)
    mine = sessions.issue(TEST_WIDGET_SECRET)

    async def attack() -> list[str]:
        codes: list[str] = []
        shopper = Shopper()
        await shopper.client.connect(assistant.rasa_url, transports=["websocket"], wait_timeout=DEADLINE_S)
        try:
            # Rasa's own channel let any client pick any session id.
            await shopper.client.emit("session_request", {"session_id": victim.conversation_id})
            codes.append((await shopper.next("error"))["code"])
            await shopper.client.emit("user_uttered", {"session_id": victim.conversation_id, "message": "hi"})
            codes.append((await shopper.next("error"))["code"])
            forged = sessions.issue("someone-elses-key-0123456789abcdef")
            await shopper.client.emit("session_request", {"session_id": forged.conversation_id, "token": forged.token})
            codes.append((await shopper.next("error"))["code"])
            await shopper.client.emit("session_request", {"session_id": mine.conversation_id, "token": mine.token})
            assert await shopper.next("session_confirm") == mine.conversation_id
            await shopper.client.emit("user_uttered", {"session_id": victim.conversation_id, "message": "hi"})
            codes.append((await shopper.next("error"))["code"])
            await shopper.client.emit("user_uttered", {"session_id": mine.conversation_id, "message": "x" * 5000})
            codes.append((await shopper.next("error"))["code"])
            nested = "[" * 5000 + "]" * 5000
            await shopper.client.emit(
                "user_uttered", {"session_id": mine.conversation_id, "message": "hi", "metadata": nested}
            )
            codes.append((await shopper.next("error"))["code"])
            # Still a working conversation after all that.
            replies = await shopper.replies_to(mine.conversation_id, "hello")
            assert any(m.get("text") for m in replies)
        finally:
            await shopper.client.disconnect()
        return codes

    codes = asyncio.run(attack())
    assert codes == [
        "session_required",
        "session_required",
        "invalid_session",
        "foreign_conversation",
        "message_too_long",
        "malformed_metadata",
    ]
    status = assistant.widget.tracker_of(victim.conversation_id)
    assert not [e for e in status["events"] if e.get("event") == "user"], "the victim's conversation was written to"
    json.dumps(status)  # a plain tracker, readable with the API token
