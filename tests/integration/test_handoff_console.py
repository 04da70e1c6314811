"""The agents' console service as a real process: login, roles, CSRF, expiring sessions, the handoff API's
bearer token, agent-vs-agent takeover rules, the widget's public endpoints, escaping, and no 5xx from bad input.

Rasa is deliberately not running here (RASA_URL points at a closed port): these rules must hold on their own.
The full flow with Rasa, the action server and a browser is in tests/browser/.
"""

from __future__ import annotations

import html
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from borderless.profile import current_shop
from tests.support import (
    POSTGRES_URL,
    REDIS_URL,
    REPO_ROOT,
    free_port,
    python_module,
    require_server,
    service_process,
    wait_until,
)

TOKEN = "console-test-handoff-token-0123456789abcdef"
AGENT_PW = "agent-pass-12345"
ADMIN_PW = "admin-pass-12345"
BOB_PW = "bob-pass-123456"


@dataclass
class Console:
    url: str
    env: dict[str, str]

    def login(self, username: str, password: str) -> tuple[requests.Session, dict[str, str]]:
        s = requests.Session()
        r = s.post(f"{self.url}/api/login", json={"username": username, "password": password}, timeout=10)
        assert r.status_code == 200, r.text
        return s, {"X-CSRF-Token": r.json()["csrf"]}

    def handoff(self, cid: str, **extra: object) -> requests.Response:
        body = {"conversation_id": cid, "channel": "rest", **extra}
        return requests.post(
            f"{self.url}/v1/handoff/requests", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )


def _start(tmp: Path, extra: dict[str, str]) -> Iterator[Console]:
    yield from _start_with(tmp, extra, keep_stores=False)


def _start_with(tmp: Path, extra: dict[str, str], keep_stores: bool = True) -> Iterator[Console]:
    """A console process; unless `keep_stores`, DATABASE_URL/REDIS_URL are dropped (SQLite in tmp)."""
    import os

    port = free_port()
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "BORDERLESS_VAR": str(tmp / "var"),
        "CONSOLE_PORT": str(port),
        "RASA_URL": closed,
        "MODELS_URL": closed,
        "KNOWLEDGE_URL": closed,
        "ORDERS_URL": closed,
        "HANDOFF_API_TOKEN": TOKEN,
        "WIDGET_SESSION_SECRET": "console-test-widget-session-key-0123456789",
        # Long enough that the throttled attempt in the test always falls inside the delay.
        "CONSOLE_LOGIN_BASE_DELAY_S": "60",
        # The throttling test speaks for a client of its own behind this "proxy", so the other tests' logins
        # from 127.0.0.1 are not slowed down by its failures.
        "BORDERLESS_TRUSTED_PROXIES": "127.0.0.1",
        "CONSOLE_DEMO_AGENT_PASSWORD": AGENT_PW,
        "CONSOLE_DEMO_ADMIN_PASSWORD": ADMIN_PW,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CONSOLE_DATABASE_URL"):
        env.pop(name, None)
    env.update(extra)
    done = subprocess.run(
        python_module("channels", "bootstrap"), cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "password from CONSOLE_DEMO_AGENT_PASSWORD" in done.stdout
    added = subprocess.run(
        python_module("channels", "users", "add", "bob", "--role", "agent", "--language", "pt"),
        cwd=REPO_ROOT,
        env=env,
        input=BOB_PW + "\n",
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    url = f"http://127.0.0.1:{port}"
    with service_process(python_module("channels", "serve"), f"{url}/health", env=env, log_path=tmp / "console.log"):
        yield Console(url, env)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from _start(tmp_path_factory.mktemp("console"), {})


def test_the_cli_stores_only_scrypt_hashes_and_refuses_duplicates_and_weak_passwords(console: Console) -> None:
    listed = subprocess.run(
        python_module("channels", "users", "list"), cwd=REPO_ROOT, env=console.env, capture_output=True, text=True
    )
    assert "bob\tagent\tpt" in listed.stdout and "admin\tadmin" in listed.stdout
    again = subprocess.run(
        python_module("channels", "users", "add", "bob"),
        cwd=REPO_ROOT,
        env=console.env,
        input=BOB_PW + "\n",
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "already exists" in again.stderr
    weak = subprocess.run(
        python_module("channels", "users", "add", "carl"),
        cwd=REPO_ROOT,
        env=console.env,
        input="short\n",
        capture_output=True,
        text=True,
    )
    assert weak.returncode != 0 and "at least" in weak.stderr
    db = Path(console.env["BORDERLESS_VAR"]) / "console.db"
    raw = db.read_bytes()
    assert BOB_PW.encode() not in raw and b"scrypt$" in raw


def test_console_api_requires_login_and_a_csrf_token_on_every_post(console: Console) -> None:
    for method, path in (
        ("GET", "/api/queue"),
        ("GET", "/api/conversations/abc123"),
        ("POST", "/api/conversations/abc123/claim"),
    ):
        assert requests.request(method, f"{console.url}{path}", json={}, timeout=10).status_code == 401
    bad = requests.post(
        f"{console.url}/api/login", json={"username": "agent", "password": "wrong-password"}, timeout=10
    )
    assert bad.status_code == 401
    s = requests.Session()
    r = s.post(f"{console.url}/api/login", json={"username": "agent", "password": AGENT_PW}, timeout=10)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert s.get(f"{console.url}/api/queue", timeout=10).status_code == 200
    console.handoff("csrf-conv-1")
    no_token = s.post(f"{console.url}/api/conversations/csrf-conv-1/claim", json={}, timeout=10)
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf_failed"
    wrong = s.post(
        f"{console.url}/api/conversations/csrf-conv-1/claim", json={}, headers={"X-CSRF-Token": "x"}, timeout=10
    )
    assert wrong.status_code == 403
    queue = s.get(f"{console.url}/api/queue", timeout=10).json()
    assert any(t["conversation_id"] == "csrf-conv-1" and t["agent"] is None for t in queue["waiting"])


def test_logout_ends_the_session(console: Console) -> None:
    s, csrf = console.login("agent", AGENT_PW)
    assert s.post(f"{console.url}/api/logout", json={}, headers=csrf, timeout=10).status_code == 200
    assert s.get(f"{console.url}/api/me", timeout=10).status_code == 401


def test_repeated_wrong_passwords_are_throttled(console: Console) -> None:
    answers = [
        requests.post(
            f"{console.url}/api/login",
            json={"username": "mallory", "password": f"guess-{i}"},
            headers={"X-Forwarded-For": "198.51.100.7"},
            timeout=10,
        )
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[5].json()["error"]["details"]["retry_after_s"] > 0


def test_handoff_api_needs_the_service_token_and_reports_the_place_in_the_queue(console: Console) -> None:
    body = {"conversation_id": "api-conv-1"}
    assert requests.post(f"{console.url}/v1/handoff/requests", json=body, timeout=10).status_code == 401
    wrong = requests.post(
        f"{console.url}/v1/handoff/requests", json=body, headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert wrong.status_code == 401
    first = console.handoff("api-conv-1", sentiment={"label": "neutral", "score": 0.0})
    assert first.status_code == 201
    angry = console.handoff(
        "api-conv-2", sentiment={"label": "negative", "score": -0.9}, last_message="This is useless!"
    )
    assert angry.json()["position"] == 1  # frustration goes first
    assert console.handoff("api-conv-1").json()["position"] >= 2
    status = requests.get(
        f"{console.url}/v1/handoff/requests/api-conv-2", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).json()
    assert status["status"] == "waiting" and status["position"] == 1
    bad_id = console.handoff("../../etc/passwd")
    assert bad_id.status_code == 422


def test_an_agent_cannot_act_on_a_conversation_another_agent_holds_without_taking_it_over(console: Console) -> None:
    console.handoff("held-conv-1")
    ana, ana_csrf = console.login("agent", AGENT_PW)
    bob, bob_csrf = console.login("bob", BOB_PW)
    base = f"{console.url}/api/conversations/held-conv-1"
    claimed = ana.post(f"{base}/claim", json={}, headers=ana_csrf, timeout=10)
    assert claimed.status_code == 200 and claimed.json()["ticket"]["agent"] == "agent"
    # Rasa is down in this test: the claim stands and the agent is told the shopper was not notified.
    assert "could not be delivered" in claimed.json()["note"]
    for action, body in (
        ("claim", {}),
        ("reply", {"text": "hi"}),
        ("notes", {"text": "mine now"}),
        ("handback", {}),
        ("close", {}),
    ):
        r = bob.post(f"{base}/{action}", json=body, headers=bob_csrf, timeout=10)
        assert r.status_code == 409, (action, r.text)
        assert r.json()["error"]["code"] == "held_by_another_agent"
    taken = bob.post(f"{base}/claim", json={"takeover": True}, headers=bob_csrf, timeout=10)
    assert taken.status_code == 200 and taken.json()["ticket"]["agent"] == "bob"
    assert ana.post(f"{base}/notes", json={"text": "x"}, headers=ana_csrf, timeout=10).status_code == 409
    assert bob.post(f"{base}/notes", json={"text": "<b>internal</b>"}, headers=bob_csrf, timeout=10).status_code == 200
    unclaimed = console.handoff("held-conv-2")
    assert unclaimed.status_code == 201
    r = ana.post(
        f"{console.url}/api/conversations/held-conv-2/reply", json={"text": "hi"}, headers=ana_csrf, timeout=10
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_claimed"


def test_only_admins_manage_users(console: Console) -> None:
    agent, agent_csrf = console.login("agent", AGENT_PW)
    assert agent.get(f"{console.url}/api/admin/users", timeout=10).status_code == 403
    admin, admin_csrf = console.login("admin", ADMIN_PW)
    users = admin.get(f"{console.url}/api/admin/users", timeout=10).json()["users"]
    assert {"agent", "admin", "bob"} <= {u["username"] for u in users}
    assert all("password" not in str(u).lower() for u in users)
    new = {"username": "dora", "password": "dora-pass-12345", "role": "agent", "language": "de"}
    assert agent.post(f"{console.url}/api/admin/users", json=new, headers=agent_csrf, timeout=10).status_code == 403
    assert admin.post(f"{console.url}/api/admin/users", json=new, headers=admin_csrf, timeout=10).status_code == 201
    weak = {**new, "username": "eve", "password": "short"}
    assert admin.post(f"{console.url}/api/admin/users", json=weak, headers=admin_csrf, timeout=10).status_code == 422
    console.login("dora", "dora-pass-12345")


def test_widget_endpoints_need_a_signed_session_and_act_only_on_its_conversation(console: Console) -> None:
    issued = requests.post(f"{console.url}/widget/session", timeout=10)
    assert issued.status_code == 200 and issued.headers["Access-Control-Allow-Origin"] == "*"
    session = issued.json()
    assert session["conversation_id"].startswith("web-") and session["token"].startswith("ws1.")
    auth = {"Authorization": f"Bearer {session['token']}"}
    status = requests.get(f"{console.url}/widget/status", headers=auth, timeout=10)
    assert status.status_code == 200 and status.json()["status"] == "bot"
    assert status.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(f"{console.url}/widget/feedback", timeout=10)
    assert preflight.status_code == 204 and "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    messages = requests.get(f"{console.url}/widget/messages", headers=auth, timeout=10)
    assert messages.json() == {"messages": [], "last_id": 0}
    # A caller-chosen session id is no longer a way in.
    legacy = requests.get(f"{console.url}/widget/status", params={"session_id": session["conversation_id"]}, timeout=10)
    assert legacy.status_code == 401
    ok = requests.post(
        f"{console.url}/widget/feedback",
        json={"kind": "answer", "value": -1, "message_ref": "m3"},
        headers=auth,
        timeout=10,
    )
    assert ok.status_code == 201
    csat = requests.post(f"{console.url}/widget/feedback", json={"kind": "csat", "value": 5}, headers=auth, timeout=10)
    assert csat.status_code == 201
    for bad in ({"kind": "csat", "value": 9}, {"kind": "vote", "value": 1}):
        assert requests.post(f"{console.url}/widget/feedback", json=bad, headers=auth, timeout=10).status_code == 422
    renewed = requests.post(f"{console.url}/widget/session", json={"token": session["token"]}, timeout=10).json()
    assert renewed["conversation_id"] == session["conversation_id"] and renewed["renewed"] is True
    fresh = requests.post(f"{console.url}/widget/session", json={"token": "ws1.web-x.1.forged"}, timeout=10).json()
    assert fresh["conversation_id"] != session["conversation_id"] and fresh["renewed"] is False
    # Rasa is down here: logout cannot reset the conversation, and says so instead of pretending.
    gone = requests.post(f"{console.url}/widget/logout", headers=auth, timeout=10)
    assert gone.status_code == 502 and gone.json()["error"]["code"] == "rasa_unavailable"


def test_pages_escape_what_comes_from_the_url_and_forbid_inline_scripts(console: Console) -> None:
    attack = '"><script>alert(1)</script>'
    page = requests.get(f"{console.url}/demo", params={"customer_token": attack, "lang": attack}, timeout=10)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&quot;&gt;&lt;script&gt;" in page.text
    # The shop's name (from its profile, escaped) titles the page and the widget.
    name = html.escape(current_shop().name, quote=True)
    assert f"<h1>{name}</h1>" in page.text and f'data-title="{name}"' in page.text and "{{" not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    console_page = requests.get(f"{console.url}/console", timeout=10)
    assert "script-src 'self'" in console_page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in console_page.headers["Content-Security-Policy"]
    widget = requests.get(f"{console.url}/widget.js", timeout=10)
    assert widget.headers["Content-Type"].startswith("application/javascript")
    assert ".innerHTML" not in widget.text and "insertAdjacentHTML" not in widget.text
    assert ".innerHTML" not in requests.get(f"{console.url}/static/console.js", timeout=10).text


def test_no_input_produces_a_server_error(console: Console) -> None:
    agent, csrf = console.login("agent", AGENT_PW)
    bodies = [
        b"",
        b"not json",
        b"[]",
        b'{"text": 5}',
        b'{"text": ""}',
        b'{"takeover": "maybe"}',
        b"\xff\xfe",
        b"{" * 5000,
    ]
    paths = ["claim", "reply", "notes", "handback", "close"]
    for body in bodies:
        for path in paths:
            r = agent.post(f"{console.url}/api/conversations/some-conv/{path}", data=body, headers=csrf, timeout=10)
            assert r.status_code < 500, (path, body[:20], r.status_code, r.text)
        r = requests.post(
            f"{console.url}/v1/handoff/requests", data=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert 400 <= r.status_code < 500
        session = requests.post(f"{console.url}/widget/session", timeout=10).json()
        widget_auth = {"Authorization": f"Bearer {session['token']}"}
        r = requests.post(f"{console.url}/widget/feedback", data=body, headers=widget_auth, timeout=10)
        assert 400 <= r.status_code < 500
        assert requests.post(f"{console.url}/api/login", data=body, timeout=10).status_code < 500


def test_sessions_expire_on_the_server(tmp_path: Path) -> None:
    for short in _start(tmp_path, {"CONSOLE_SESSION_TTL_S": "2"}):
        session, _ = short.login("agent", AGENT_PW)
        # The cookie is replayed by hand so the server, not the client's cookie jar, decides it is too old.
        cookie = {"Cookie": f"bl_console={session.cookies['bl_console']}"}
        me = f"{short.url}/api/me"
        assert requests.get(me, headers=cookie, timeout=10).status_code == 200

        def expired(url: str = me, headers: dict[str, str] = cookie) -> bool:
            return requests.get(url, headers=headers, timeout=10).status_code == 401

        wait_until(expired, 20, "the session to expire")


def test_the_scaled_configuration_keeps_users_in_postgresql_and_the_queue_in_redis(tmp_path: Path) -> None:
    import uuid

    import redis
    from sqlalchemy import create_engine, text

    pg_url = require_server(POSTGRES_URL, "PostgreSQL")
    redis_url = require_server(REDIS_URL, "Redis")
    sync_pg = "postgresql+psycopg2://" + pg_url.split("://", 1)[1]
    schema, prefix = f"console_{uuid.uuid4().hex[:10]}", f"test:console:{uuid.uuid4().hex}:"
    extra = {
        "DATABASE_URL": pg_url,
        "CONSOLE_DB_SCHEMA": schema,
        "REDIS_URL": redis_url,
        "HANDOFF_REDIS_PREFIX": prefix,
    }
    try:
        for scaled in _start_with(tmp_path, extra):
            health = requests.get(f"{scaled.url}/health", timeout=10).json()
            assert health["queue"] == "RedisQueue"
            assert scaled.handoff("scaled-conv-1").json()["position"] == 1
            ana, ana_csrf = scaled.login("agent", AGENT_PW)
            bob, bob_csrf = scaled.login("bob", BOB_PW)
            url = f"{scaled.url}/api/conversations/scaled-conv-1/claim"
            assert ana.post(url, json={}, headers=ana_csrf, timeout=10).status_code == 200
            assert bob.post(url, json={}, headers=bob_csrf, timeout=10).status_code == 409
        assert not (tmp_path / "var" / "console.db").exists()
        r = redis.Redis.from_url(redis_url)
        assert r.zcard(f"{prefix}waiting") == 0 and r.sismember(f"{prefix}active", "scaled-conv-1")
    finally:
        r = redis.Redis.from_url(redis_url)
        keys = list(r.scan_iter(f"{prefix}*"))
        if keys:
            r.delete(*keys)
        engine = create_engine(sync_pg)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
