"""Who may reach what in the console, through the real console process (issue 10, items 6 and Deliver).

- every route that is not marked public refuses a request without credentials (the routes are enumerated
  from the app factory, so a new route that forgets authentication fails this test);
- every state-changing agent route refuses a request without the CSRF header;
- an agent (or admin) cannot open a conversation that is neither waiting nor theirs, until they take it over;
- every view of customer data is in the audit log, which only admins can read;
- closing or handing back forgets the shopper's proof of ownership in Rasa.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from channels.console import iter_routes
from channels.console.app import create_app
from tests.security.console_support import ADMIN_PW, AGENT_PW, BOB_PW, Console, offline_settings, start_console

SAMPLE_CID = "web-AAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from start_console(tmp_path_factory.mktemp("console-access"))


def _routes(tmp: Path) -> list[tuple[str, str, bool]]:
    settings = offline_settings(tmp)
    return list(iter_routes(create_app(settings)))


def _concrete(path: str) -> str:
    return path.replace("{cid}", SAMPLE_CID).replace("{tail}", "anything")


def test_every_route_not_marked_public_refuses_anonymous_requests(console: Console, tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    protected = [(m, p) for m, p, public in routes if not public and m not in ("OPTIONS", "HEAD")]
    # The audiences' APIs are all there (a refactoring that drops a sub-application must not pass silently).
    prefixes = {p.split("/")[1] + "/" + p.split("/")[2] for _, p in protected if p.count("/") >= 2}
    assert {"v1/handoff", "api/conversations", "api/admin", "widget/status"} <= prefixes, prefixes
    public = sorted({p for m, p, pub in routes if pub})
    assert public == sorted(
        [
            "/",
            "/api/login",
            "/console",
            "/demo",
            "/health",
            "/static/console.css",
            "/static/console.js",
            "/static/demo.css",
            "/static/demo.js",
            "/widget.css",
            "/widget.js",
            "/widget/session",
        ]
    ), public
    for method, path in protected:
        r = requests.request(method, console.url + _concrete(path), json={}, timeout=10)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        # Wrong credentials of every kind are no better than none.
        forged = {"Authorization": "Bearer ws1.web-AAAAAAAAAAAAAAAAAAAAAAAA.9999999999.forged", "X-CSRF-Token": "x"}
        r = requests.request(
            method, console.url + _concrete(path), json={}, headers=forged, cookies={"bl_console": "x"}, timeout=10
        )
        assert r.status_code == 401, (method, path, r.status_code, r.text)


def test_every_state_changing_agent_route_needs_the_csrf_header(console: Console, tmp_path: Path) -> None:
    agent, _ = console.login("admin", ADMIN_PW)
    posts = [p for m, p, public in _routes(tmp_path) if m == "POST" and not public and p.startswith("/api/")]
    posts = [p for p in posts if not p.startswith("/v1/handoff/")]
    assert "/api/conversations/{cid}/claim" in posts and "/api/admin/users" in posts
    for path in posts:
        r = agent.post(console.url + _concrete(path), json={}, timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed", (path, r.text)
        r = agent.post(console.url + _concrete(path), json={}, headers={"X-CSRF-Token": "guess"}, timeout=10)
        assert r.status_code == 403, (path, r.text)


def test_agents_see_only_waiting_or_their_own_conversations_until_they_take_over(console: Console) -> None:
    ana, ana_csrf = console.login("agent", AGENT_PW)
    bob, bob_csrf = console.login("bob", BOB_PW)
    admin, admin_csrf = console.login("admin", ADMIN_PW)
    url = f"{console.url}/api/conversations"

    # Never handed off: nobody in the console may read it.
    console.rasa.seed("web-nobody-asked-for-help-00", "my address is 1 Secret Street")
    for who in (ana, bob, admin):
        r = who.get(f"{url}/web-nobody-asked-for-help-00", timeout=10)
        assert r.status_code == 403 and "Secret" not in r.text

    cid = "web-handed-off-conversation1"
    console.rasa.seed(cid, "where is my parcel?")
    assert (
        console.handoff(cid, customer_token="bl1.secret.token", last_message="where is my parcel?").status_code == 201
    )
    # Waiting in the queue: any agent may look before claiming.
    assert ana.get(f"{url}/{cid}", timeout=10).status_code == 200
    assert bob.post(f"{url}/{cid}/claim", json={}, headers=bob_csrf, timeout=10).status_code == 200
    # Bob's now: Ana and the admin are refused, and told whom to take it over from.
    for who in (ana, admin):
        r = who.get(f"{url}/{cid}", timeout=10)
        assert r.status_code == 403 and r.json()["error"]["details"]["holder"] == "bob"
        assert "parcel" not in r.text
        # The queue says who has it, not what the shopper wrote.
        held = next(
            t for t in who.get(f"{console.url}/api/queue", timeout=10).json()["active"] if t["conversation_id"] == cid
        )
        assert held["agent"] == "bob" and "parcel" not in str(held)
    assert bob.get(f"{url}/{cid}", timeout=10).status_code == 200
    taken = ana.post(f"{url}/{cid}/claim", json={"takeover": True}, headers=ana_csrf, timeout=10)
    assert taken.status_code == 200
    view = ana.get(f"{url}/{cid}", timeout=10)
    assert view.status_code == 200 and any("parcel" in m["text"] for m in view.json()["messages"])
    assert bob.get(f"{url}/{cid}", timeout=10).status_code == 403
    # Admins likewise need an explicit takeover.
    assert admin.post(f"{url}/{cid}/claim", json={"takeover": True}, headers=admin_csrf, timeout=10).status_code == 200
    assert admin.get(f"{url}/{cid}", timeout=10).status_code == 200
    # Closed: the conversation leaves the console.
    assert admin.post(f"{url}/{cid}/close", json={}, headers=admin_csrf, timeout=10).status_code == 200
    assert admin.get(f"{url}/{cid}", timeout=10).status_code == 403


def test_every_view_is_audited_and_only_admins_read_the_audit_log(console: Console) -> None:
    ana, ana_csrf = console.login("agent", AGENT_PW)
    admin, _ = console.login("admin", ADMIN_PW)
    cid = "web-audited-conversation-001"
    console.rasa.seed(cid, "hello")
    console.handoff(cid)
    viewer = {"X-Forwarded-For": "192.0.2.44"}
    for _ in range(3):
        assert ana.get(f"{console.url}/api/conversations/{cid}", headers=viewer, timeout=10).status_code == 200
    refused = ana.get(f"{console.url}/api/conversations/web-never-handed-off-000001", timeout=10)
    assert refused.status_code == 403

    assert ana.get(f"{console.url}/api/admin/audit", timeout=10).status_code == 403
    log = admin.get(f"{console.url}/api/admin/audit", params={"conversation_id": cid}, timeout=10)
    assert log.status_code == 200
    views = [e for e in log.json()["entries"] if e["action"] == "view_conversation"]
    assert sum(e["count"] for e in views) == 3
    assert {(e["actor"], e["role"], e["source"]) for e in views} == {("agent", "agent", "192.0.2.44")}
    assert all(e["detail"]["transcript"] and e["at"] > 0 for e in views)
    by_ana = admin.get(f"{console.url}/api/admin/audit", params={"actor": "agent"}, timeout=10).json()["entries"]
    assert any(e["action"] == "view_refused" and e["conversation_id"] == "web-never-handed-off-000001" for e in by_ana)
    assert ana_csrf  # the agent stays logged in; only the audit log is out of reach


def test_closing_or_handing_back_forgets_the_proof_of_ownership(console: Console) -> None:
    ana, csrf = console.login("agent", AGENT_PW)
    for action in ("close", "handback"):
        cid = f"web-proof-dropped-on-{action}".ljust(28, "0")[:28]
        console.handoff(cid)
        assert ana.post(f"{console.url}/api/conversations/{cid}/claim", json={}, headers=csrf, timeout=10).ok
        done = ana.post(f"{console.url}/api/conversations/{cid}/{action}", json={}, headers=csrf, timeout=10)
        assert done.status_code == 200, done.text
        events = console.rasa.appended(cid)
        cleared = {e["name"] for e in events if e.get("event") == "slot" and e.get("value") is None}
        assert {"email", "order_number", "verified_proof"} <= cleared, events
        resume = next(i for i, e in enumerate(events) if e.get("event") == "resume")
        assert all(i < resume for i, e in enumerate(events) if e.get("event") == "slot"), (
            "the proof must be gone before the bot listens again"
        )
    assert console.rasa.refused == 0  # the console always sends Rasa's token
