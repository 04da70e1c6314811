"""A real console process (`python -m channels serve`) for the console attack tests, with a stand-in for
Rasa's HTTP API that insists on the Rasa token and records every event the console appends.

The console trusts 127.0.0.1 as its proxy here, so a test can speak for many distinct client addresses with
`X-Forwarded-For` (as a shop's reverse proxy would set it) — that is how strangers on other networks are played.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from channels.settings import ConsoleSettings
from tests.support import REPO_ROOT, free_port, python_module, service_process

HANDOFF_TOKEN = "security-test-handoff-token-0123456789abcdef"
RASA_TOKEN = "security-test-rasa-token-0123456789abcdefgh"
WIDGET_KEY = "security-test-widget-session-key-0123456789"
AGENT_PW = "agent-pass-12345"
ADMIN_PW = "admin-pass-12345"
BOB_PW = "bob-pass-123456"
_addresses = itertools.count(1)


def fresh_source() -> dict[str, str]:
    """Headers that make the next request come from a client address no other request used."""
    n = next(_addresses)
    return {"X-Forwarded-For": f"203.0.{n // 250}.{n % 250 + 1}"}


@dataclass
class FakeRasa:
    """Rasa's tracker API, as far as the console uses it: GET a tracker, POST events (token required)."""

    url: str = ""
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def appended(self, cid: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events.get(cid, []))

    def seed(self, cid: str, text: str) -> None:
        with self.lock:
            self.events.setdefault(cid, []).append(
                {"event": "user", "text": text, "timestamp": 1.0, "parse_data": {}, "input_channel": "rest"}
            )


def _handler(rasa: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _route(self) -> tuple[str | None, bool]:
            parts = urlsplit(self.path)
            if parse_qs(parts.query).get("token") != [RASA_TOKEN]:
                with rasa.lock:
                    rasa.refused += 1
                return None, False
            segments = parts.path.strip("/").split("/")
            return unquote(segments[1]) if len(segments) >= 3 else None, parts.path.endswith("/events")

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            cid, _ = self._route()
            if cid is None:
                self._answer(401, {"error": "token"})
                return
            self._answer(200, {"sender_id": cid, "events": rasa.appended(cid), "latest_input_channel": "rest"})

        def do_POST(self) -> None:  # noqa: N802
            cid, events = self._route()
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"[]")
            if cid is None or not events:
                self._answer(401, {"error": "token"})
                return
            with rasa.lock:
                rasa.events.setdefault(cid, []).extend(body if isinstance(body, list) else [body])
            self._answer(200, {"sender_id": cid})

    return Handler


@dataclass
class Console:
    url: str
    env: dict[str, str]
    rasa: FakeRasa
    var: Path

    def login(self, username: str, password: str) -> tuple[requests.Session, dict[str, str]]:
        s = requests.Session()
        r = s.post(
            f"{self.url}/api/login",
            json={"username": username, "password": password},
            headers=fresh_source(),
            timeout=20,
        )
        assert r.status_code == 200, r.text
        return s, {"X-CSRF-Token": r.json()["csrf"]}

    def handoff(self, cid: str, **extra: object) -> requests.Response:
        return requests.post(
            f"{self.url}/v1/handoff/requests",
            json={"conversation_id": cid, "channel": "rest", **extra},
            headers={"Authorization": f"Bearer {HANDOFF_TOKEN}"},
            timeout=10,
        )

    def widget_session(self) -> dict[str, Any]:
        r = requests.post(f"{self.url}/widget/session", headers=fresh_source(), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def alive(self) -> bool:
        return requests.get(f"{self.url}/health", timeout=10).status_code == 200


def start_console(tmp: Path, **extra: str) -> Iterator[Console]:
    """Bootstraps users agent, admin and bob, and serves the console (with the fake Rasa) until closed."""
    rasa = FakeRasa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rasa))
    rasa.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "BORDERLESS_VAR": str(tmp / "var"),
        "CONSOLE_PORT": str(port),
        "RASA_URL": rasa.url,
        "RASA_TOKEN": RASA_TOKEN,
        "MODELS_URL": closed,
        "KNOWLEDGE_URL": closed,
        "ORDERS_URL": closed,
        "HANDOFF_API_TOKEN": HANDOFF_TOKEN,
        "WIDGET_SESSION_SECRET": WIDGET_KEY,
        "BORDERLESS_TRUSTED_PROXIES": "127.0.0.1",
        "CONSOLE_DEMO_AGENT_PASSWORD": AGENT_PW,
        "CONSOLE_DEMO_ADMIN_PASSWORD": ADMIN_PW,
        "CONSOLE_UPSTREAM_TIMEOUT_S": "2",
        **extra,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CONSOLE_DATABASE_URL"):
        env.pop(name, None)
    for args, stdin in (
        (python_module("channels", "bootstrap"), None),
        (python_module("channels", "users", "add", "bob", "--role", "agent"), BOB_PW + "\n"),
    ):
        done = subprocess.run(args, cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    url = f"http://127.0.0.1:{port}"
    try:
        with service_process(
            python_module("channels", "serve"), f"{url}/health", env=env, log_path=tmp / "console.log"
        ):
            yield Console(url, env, rasa, tmp / "var")
    finally:
        server.shutdown()
        server.server_close()


def offline_settings(tmp: Path, **overrides: Any) -> ConsoleSettings:
    """Console settings for an in-process app whose upstreams all point at a closed loopback port."""
    closed = f"http://127.0.0.1:{free_port()}"
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "database_url": f"sqlite:///{tmp / 'console.db'}",
        "db_schema": None,
        "redis_url": None,
        "redis_prefix": "t:",
        "rasa_url": closed,
        "rasa_token": "x" * 32,
        "rasa_public_url": closed,
        "models_url": closed,
        "knowledge_url": closed,
        "orders_url": closed,
        "handoff_token": "y" * 32,
        "session_ttl_s": 3600,
        "session_idle_s": 600,
        "cookie_secure": False,
        "avg_handle_s": 240.0,
        "online_window_s": 60.0,
        "upstream_timeout_s": 1.0,
        "widget_session_key": "z" * 32,
    }
    return ConsoleSettings(**{**values, **overrides})
