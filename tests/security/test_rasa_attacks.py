"""Attacks on the Rasa server as `make run` starts it: its HTTP API, its public channels and its limits.

The review found Rasa's HTTP API open (anyone could read a tracker with a customer's orders, post events or
delete the model), the REST channel accepting any conversation id (so a stranger could write into a WhatsApp
shopper's conversation), and one 1 MB message keeping the server busy for minutes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from channels import sessions
from tests.integration.conftest import Assistant
from tests.support import TEST_RASA_TOKEN, TEST_WIDGET_SECRET


def request(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """(status, parsed JSON body or raw text) of one HTTP request; never raises for an HTTP status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def widget_post(assistant: Assistant, body: bytes, token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return request(f"{assistant.rasa_url}/webhooks/widget/webhook", method="POST", body=body, headers=headers)


def still_answers(assistant: Assistant) -> None:
    """The server still holds a conversation for an ordinary shopper."""
    name = f"after-attack-{time.monotonic_ns()}"
    assert assistant.say(name, "hello"), "Rasa stopped answering after the attack"


# --- 1. the HTTP API always needs the token ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations/{cid}/tracker", None),
        ("POST", "/conversations/{cid}/tracker/events", b'{"event": "bot", "text": "send me your card number"}'),
        ("POST", "/conversations/{cid}/messages", b'{"text": "hi", "sender": "user"}'),
        ("POST", "/conversations/{cid}/trigger_intent", b'{"name": "greet"}'),
        ("GET", "/conversations/{cid}/story", None),
        ("DELETE", "/model", None),
        ("PUT", "/model", b'{"model_file": "/tmp/x.tar.gz"}'),
        ("GET", "/status", None),
        ("POST", "/model/parse", b'{"text": "hello"}'),
    ],
)
def test_http_api_refuses_callers_without_the_token(
    assistant: Assistant, method: str, path: str, body: bytes | None
) -> None:
    assistant.say("api-victim", "where is my order?")
    url = assistant.rasa_url + path.format(cid=assistant.conversation_id("api-victim"))
    headers = {"Content-Type": "application/json"}
    assert request(url, method=method, body=body, headers=headers)[0] == 401
    assert request(url, method=method, body=body, headers={**headers, "Authorization": "Bearer wrong-token"})[0] == 401
    assert request(f"{url}?token=wrong-token", method=method, body=body, headers=headers)[0] == 401


def test_http_api_works_with_the_token_and_nothing_leaked_without_it(assistant: Assistant) -> None:
    assistant.say("api-owner", "hello")
    cid = assistant.conversation_id("api-owner")
    status, tracker = request(f"{assistant.rasa_url}/conversations/{cid}/tracker?token={TEST_RASA_TOKEN}")
    assert status == 200 and tracker["sender_id"] == cid
    # The model is still loaded: the unauthenticated DELETE /model above did nothing.
    assert assistant.say("api-owner", "hello")


# --- 2. conversation ids are server-issued and signed ---------------------------------------------------------------
def test_rasa_open_rest_channel_is_not_served(assistant: Assistant) -> None:
    body = json.dumps({"sender": "whatsapp:+31612345678", "message": "hello"}).encode()
    status, _ = request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        method="POST",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    assert status == 404


def test_widget_channel_refuses_unsigned_forged_expired_and_foreign_sessions(assistant: Assistant) -> None:
    message = json.dumps({"message": "hello"}).encode()
    assert widget_post(assistant, message, None)[0] == 401
    assert widget_post(assistant, message, "not-a-token")[0] == 401
    # Signed with another key (a stranger's own "console").
    forged = sessions.issue("someone-elses-key-0123456789abcdef")
    assert widget_post(assistant, message, forged.token)[0] == 401
    # A real token with the conversation id swapped for another one: the signature no longer matches.
    victim = sessions.issue(TEST_WIDGET_SECRET)
    mine = sessions.issue(TEST_WIDGET_SECRET)
    swapped = mine.token.replace(mine.conversation_id, victim.conversation_id)
    assert widget_post(assistant, message, swapped)[0] == 401
    # Expired.
    old = sessions.issue(TEST_WIDGET_SECRET, ttl_s=60, now=time.time() - 3600)
    assert widget_post(assistant, message, old.token)[0] == 401
    # A valid session cannot name another conversation as the sender.
    for other in (victim.conversation_id, "whatsapp:+31612345678", "12345678"):
        body = json.dumps({"sender": other, "message": "hello"}).encode()
        assert widget_post(assistant, body, mine.token)[0] == 403
    status, replies = widget_post(assistant, message, mine.token)
    assert status == 200 and isinstance(replies, list) and replies


def test_messaging_conversation_ids_cannot_be_signed_into_the_widget_channel() -> None:
    for cid in ("whatsapp:+31612345678", "99887766", "web-short"):
        with pytest.raises(sessions.InvalidSession):
            sessions.issue(TEST_WIDGET_SECRET, conversation_id=cid)


def test_a_client_cannot_choose_its_shopper_source(assistant: Assistant) -> None:
    """`shopper_source` (what failed proofs are limited by) is set by the channel, never by the client."""
    assistant.say("source-forger", "hello", metadata={"shopper_source": "ip:198.51.100.1", "lang": "en"})
    events = assistant.tracker("source-forger")["events"]
    [user] = [e for e in events if e.get("event") == "user"][-1:]
    assert user["metadata"]["shopper_source"] == "ip:127.0.0.1"


# --- 8. bad input never hangs or crashes the server --------------------------------------------------------------
def test_oversized_nested_and_broken_messages_get_a_4xx_and_the_server_keeps_answering(assistant: Assistant) -> None:
    token = sessions.issue(TEST_WIDGET_SECRET).token
    one_megabyte = json.dumps({"message": "a" * 1_000_000}).encode()
    assert widget_post(assistant, one_megabyte, token)[0] == 413
    over_limit = json.dumps({"message": "where is my order " * 200}).encode()  # 3600 characters
    status, body = widget_post(assistant, over_limit, token)
    assert status == 413 and body["error"]["code"] == "message_too_long"
    assert widget_post(assistant, b"[" * 5_000 + b"]" * 5_000, token)[0] == 400  # deeper than Python recurses
    assert widget_post(assistant, b'{"message": "\xff\xfe caf\xe9"}', token)[0] == 400
    assert widget_post(assistant, b'{"message": ""}', token)[0] == 400
    assert widget_post(assistant, b'{"message": {"$gt": ""}}', token)[0] == 400
    huge_metadata = json.dumps({"message": "hi", "metadata": {"customer_token": "x" * 10_000}}).encode()
    assert widget_post(assistant, huge_metadata, token)[0] == 413
    # 2 MB: above the server's request cap, refused before any handler runs.
    status, _ = widget_post(assistant, b'{"message": "' + b"a" * 2_000_000 + b'"}', token)
    assert status == 413
    still_answers(assistant)
