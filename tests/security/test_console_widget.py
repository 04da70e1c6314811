"""Attacks on the widget's endpoints and the handoff queue, through the real console process (issue 10,
items 2, 3 and 8): only sessions the shop signed get in, each only to its own conversation; logout forgets the
conversation in Rasa; sessions, feedback and handoff requests are rate-limited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from channels import sessions
from tests.security.console_support import AGENT_PW, WIDGET_KEY, Console, fresh_source, start_console


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from start_console(
        tmp_path_factory.mktemp("console-widget"), WIDGET_FEEDBACK_PER_SOURCE="50", HANDOFF_MAX_WAITING="25"
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _status(console: Console, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{console.url}/widget/status", headers=headers, timeout=10)


def test_unsigned_forged_foreign_and_expired_sessions_are_refused(console: Console) -> None:
    mine = console.widget_session()
    other = console.widget_session()
    assert _status(console, _bearer(mine["token"])).status_code == 200
    _, cid, expires, signature = mine["token"].split(".")
    attempts = {
        "no header": {},
        "a bare conversation id": _bearer(mine["conversation_id"]),
        "another conversation's id under my signature": _bearer(
            f"ws1.{other['conversation_id']}.{expires}.{signature}"
        ),
        "a later expiry under my signature": _bearer(f"ws1.{cid}.{int(expires) + 999}.{signature}"),
        "a token signed with another shop's key": _bearer(sessions.issue("another-shops-key-" + "k" * 32).token),
        "an expired token": _bearer(sessions.issue(WIDGET_KEY, cid, ttl_s=-5).token),
        "a messaging conversation id": _bearer("ws1.whatsapp:+31612345678.9999999999.x"),
        "basic auth": {"Authorization": "Basic " + mine["token"]},
    }
    for what, headers in attempts.items():
        for method, path in (("GET", "/widget/status"), ("GET", "/widget/messages"), ("POST", "/widget/feedback")):
            r = requests.request(
                method, f"{console.url}{path}", json={"kind": "csat", "value": 5}, headers=headers, timeout=10
            )
            assert r.status_code == 401, (what, path, r.status_code)
            assert r.headers["Access-Control-Allow-Origin"] == "*"  # the widget can read why
    # A foreign or forged token cannot be renewed into its conversation either: it gets a new one.
    renewed = requests.post(
        f"{console.url}/widget/session",
        json={"token": sessions.issue("another-shops-key-" + "k" * 32, cid).token},
        headers=fresh_source(),
        timeout=10,
    ).json()
    assert renewed["conversation_id"] != cid and renewed["renewed"] is False


def _feedback_rows(console: Console) -> list[tuple[str, int]]:
    db = sqlite3.connect(console.var / "console.db")
    try:
        return list(db.execute("SELECT conversation_id, value FROM widget_feedback"))
    finally:
        db.close()


def test_a_session_reaches_only_its_own_conversation(console: Console) -> None:
    mine, victim = console.widget_session(), console.widget_session()
    # The body's session_id (the old way to name a conversation) is ignored: the token decides.
    r = requests.post(
        f"{console.url}/widget/feedback",
        json={"session_id": victim["conversation_id"], "kind": "csat", "value": 2},
        headers=_bearer(mine["token"]),
        timeout=10,
    )
    assert r.status_code == 201
    assert (mine["conversation_id"], 2) in _feedback_rows(console)
    assert all(c != victim["conversation_id"] for c, _ in _feedback_rows(console))
    # An agent's reply to the victim lands in the victim's outbox only.
    console.handoff(victim["conversation_id"])
    agent, csrf = console.login("agent", AGENT_PW)
    base = f"{console.url}/api/conversations/{victim['conversation_id']}"
    assert agent.post(f"{base}/claim", json={}, headers=csrf, timeout=10).status_code == 200
    assert agent.post(f"{base}/reply", json={"text": "your order ships today"}, headers=csrf, timeout=10).ok
    theirs = requests.get(f"{console.url}/widget/messages", headers=_bearer(victim["token"]), timeout=10).json()
    assert any(m.get("text") == "your order ships today" for m in theirs["messages"])
    leaked = requests.get(
        f"{console.url}/widget/messages",
        params={"session_id": victim["conversation_id"]},
        headers=_bearer(mine["token"]),
        timeout=10,
    ).json()
    assert leaked["messages"] == [] or all(m["recipient_id"] == mine["conversation_id"] for m in leaked["messages"])


def test_logout_forgets_the_conversation_in_rasa_and_starts_a_new_one(console: Console) -> None:
    session = console.widget_session()
    out = requests.post(f"{console.url}/widget/logout", headers=_bearer(session["token"]), timeout=10)
    assert out.status_code == 200, out.text
    fresh: dict[str, Any] = out.json()
    assert fresh["conversation_id"] != session["conversation_id"] and fresh["token"].startswith("ws1.")
    assert [e["event"] for e in console.rasa.appended(session["conversation_id"])] == ["restart"]
    assert _status(console, _bearer(fresh["token"])).status_code == 200
    assert requests.post(f"{console.url}/widget/logout", timeout=10).status_code == 401


def test_session_issuing_is_rate_limited_per_source(console: Console) -> None:
    flooder = fresh_source()
    codes = [requests.post(f"{console.url}/widget/session", headers=flooder, timeout=10).status_code for _ in range(70)]
    assert codes[:60] == [200] * 60 and set(codes[60:]) == {429}
    refused = requests.post(f"{console.url}/widget/session", headers=flooder, timeout=10)
    assert refused.json()["error"]["code"] == "rate_limited" and refused.headers["Access-Control-Allow-Origin"] == "*"
    # Everyone else still gets sessions.
    assert requests.post(f"{console.url}/widget/session", headers=fresh_source(), timeout=10).status_code == 200


def test_feedback_floods_are_refused_per_conversation_and_per_source(console: Console) -> None:
    session = console.widget_session()
    codes = [
        requests.post(
            f"{console.url}/widget/feedback",
            json={"kind": "answer", "value": 1, "message_ref": f"m{i}"},
            headers={**_bearer(session["token"]), **fresh_source()},
            timeout=10,
        ).status_code
        for i in range(40)
    ]
    assert codes[:30] == [201] * 30 and set(codes[30:]) == {429}
    # Many conversations from one address: the per-source ceiling (50 here) stops it.
    source = fresh_source()
    codes = []
    for _ in range(6):
        token = console.widget_session()["token"]
        for i in range(10):
            codes.append(
                requests.post(
                    f"{console.url}/widget/feedback",
                    json={"kind": "answer", "value": -1, "message_ref": f"m{i}"},
                    headers={**_bearer(token), **source},
                    timeout=10,
                ).status_code
            )
    assert codes[:50] == [201] * 50 and set(codes[50:]) == {429}
    assert console.alive()


def test_handoff_requests_cannot_flood_the_agents_queue(console: Console) -> None:
    cid = console.widget_session()["conversation_id"]
    codes = [console.handoff(cid).status_code for _ in range(8)]
    assert codes[:5] == [201] * 5 and set(codes[5:]) == {429}
    agent, _ = console.login("agent", AGENT_PW)
    waiting = agent.get(f"{console.url}/api/queue", timeout=10).json()["waiting"]
    assert [t["conversation_id"] for t in waiting].count(cid) == 1  # one open ticket per conversation
    # Many conversations: the queue stops growing at HANDOFF_MAX_WAITING (25 here) with a clear error.
    refused = None
    for _ in range(30):
        r = console.handoff(console.widget_session()["conversation_id"])
        if r.status_code != 201:
            refused = r
            break
    assert refused is not None and refused.status_code == 429 and refused.json()["error"]["code"] == "queue_full"
    assert len(agent.get(f"{console.url}/api/queue", timeout=10).json()["waiting"]) == 25
