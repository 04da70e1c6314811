"""Hostile bodies to every POST endpoint of the real console process (issue 10, item 8): deeply nested JSON,
invalid UTF-8 and a 1 MB body each get a clear 4xx, never a 5xx or a hang, and the console keeps answering.

The endpoints are enumerated from the app factory, each called with the credentials its audience needs, so the
body is what is under attack (not the authentication, which test_console_access covers).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from channels.console import iter_routes
from channels.console.app import create_app
from tests.security.console_support import (
    ADMIN_PW,
    HANDOFF_TOKEN,
    Console,
    fresh_source,
    offline_settings,
    start_console,
)

BODIES = {
    "nested arrays": b"[" * 30000 + b"]" * 30000,
    "nested objects": b'{"a":' * 10000 + b"1" + b"}" * 10000,
    "invalid UTF-8": b'{"text": "\xff\xfe\xfd", "username": "\xc3\x28"}',
    "bare invalid bytes": b"\xff\xfe",
    "1 MB": b'{"text": "' + b"a" * 1_000_000 + b'"}',
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from start_console(tmp_path_factory.mktemp("console-input"))


def _post_paths(tmp: Path) -> list[str]:
    settings = offline_settings(tmp)
    app = create_app(settings)
    return sorted({path for method, path, _ in iter_routes(app) if method == "POST"})


def test_hostile_bodies_get_a_4xx_on_every_post_endpoint(console: Console, tmp_path: Path) -> None:
    paths = _post_paths(tmp_path)
    assert len(paths) >= 12, paths  # login, logout, claim..close, admin users, handoff, widget x3
    admin, csrf = console.login("admin", ADMIN_PW)
    cid = console.widget_session()["conversation_id"]
    console.handoff(cid)
    for path in paths:
        url = console.url + path.replace("{cid}", cid)
        for what, body in BODIES.items():
            headers = {"Content-Type": "application/json", **fresh_source()}
            session = requests
            if path.startswith("/v1/handoff/"):
                headers["Authorization"] = f"Bearer {HANDOFF_TOKEN}"
            elif path.startswith("/widget/"):
                headers["Authorization"] = f"Bearer {console.widget_session()['token']}"
            elif path != "/api/login":
                headers.update(csrf)
                session = admin  # type: ignore[assignment]
            r = session.post(url, data=body, headers=headers, timeout=30)
            assert 400 <= r.status_code < 500, (path, what, r.status_code, r.text[:200])
            assert r.json()["error"]["code"], (path, what)
        assert console.alive()
    # And the console still works for everyone.
    assert admin.get(f"{console.url}/api/queue", timeout=10).status_code == 200
    console.login("admin", ADMIN_PW)
