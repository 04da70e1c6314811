"""Test helpers: free loopback ports, starting real service processes, polling with a deadline, JSON over
HTTP, and the servers (Redis, PostgreSQL, RabbitMQ) that some tests need."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"

# Servers some tests need. The CI machine runs all three on 127.0.0.1 (and sets CI=true).
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
POSTGRES_URL = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
RABBITMQ_URL = os.environ.get("RABBITMQ_URL") or "amqp://guest:guest@127.0.0.1:5672/"
_DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], deadline_s: float, what: str, interval: float = 0.1) -> None:
    """Polls `predicate` until it is true; fails with `what` when the deadline passes."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {deadline_s}s waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextmanager
def service_process(
    args: list[str],
    health_url: str,
    *,
    env: dict[str, str] | None = None,
    deadline_s: float = 60,
    log_path: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts a real service process, waits for its health URL, and stops it afterwards.

    If the process dies or never becomes healthy, the error carries the tail of its log.
    """
    full_env = {**os.environ, **(env or {})}
    log_file = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=REPO_ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT)
    try:

        def ready() -> bool:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
                raise RuntimeError(f"{args[0]} exited with {proc.returncode}:\n{tail}")
            return http_ok(health_url)

        wait_until(ready, deadline_s, f"{health_url} to answer")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            log_file.close()  # type: ignore[union-attr]


def require_server(url: str, what: str, timeout_s: float = 3.0) -> str:
    """Returns `url` when a TCP connection to its host and port opens. When none does, the calling test is
    skipped, or fails when CI=true (CI runs every server, so an unreachable one is a broken run, not a
    reason to test less). Only reachability is checked here: any later error is the test's own failure."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    host, port = parts.hostname or "127.0.0.1", parts.port or _DEFAULT_PORTS.get(scheme)
    if port is None:
        raise ValueError(f"{what}: no port in {url!r} and no default for {scheme!r}")
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        message = f"{what} not reachable at {host}:{port}: {exc}"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message} (CI=true: every server must be running)", pytrace=False)
        pytest.skip(message)
    return url


def require_binary(name: str, what: str) -> str:
    """The path of executable `name`. When it is not installed the calling test is skipped, or fails when
    CI=true (CI's install step installs it, so a missing one is a broken run)."""
    path = shutil.which(name)
    if path is None:
        message = f"{what} is not installed ({name} not on PATH)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message} (CI=true: make install installs it)", pytrace=False)
        pytest.skip(message)
    return path


def http_json(
    method: str,
    url: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    timeout_s: float = 30,
) -> tuple[int, Any]:
    """One HTTP call to a service under test: (status, decoded JSON body), 4xx/5xx included. An empty body
    reads as {}; one that is not JSON comes back as text, so an assertion can show it."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return resp.status, _decode(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def python_module(module: str, *args: str) -> list[str]:
    """argv for running `python -m module` in the app venv (the current interpreter in tests)."""
    return [sys.executable, "-m", module, *args]


async def run_action(action: Any, dispatcher: Any, tracker: Any) -> list[dict[str, Any]]:
    """Runs one custom action's run(), then closes the process's clients (the ones every action uses), whatever
    happens: the next call opens fresh pools and breakers, with the environment's URLs at that time."""
    from clients.registry import close_process_clients

    try:
        return await action.run(dispatcher, tracker, {})
    finally:
        await close_process_clients()


@asynccontextmanager
async def service_clients(**urls: str) -> AsyncIterator[Any]:
    """A `clients.ServiceClients` holder with the services named in `urls` (e.g. orders="http://..."), closed
    when the block ends."""
    from clients import ClientConfig, ServiceClients

    holder = ServiceClients(ClientConfig(urls=urls))
    try:
        yield holder
    finally:
        await holder.aclose()


# ---------- the Rasa server, as `make run` starts it (bot/serve.py), and its signed public channels ----------

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
# Test secrets: long enough for svc/secrets.py, and never used outside tests.
TEST_RASA_TOKEN = "test-rasa-api-token-0123456789abcdef"
TEST_WIDGET_SECRET = "test-widget-session-secret-0123456789"
PUBLIC_CHANNELS = (
    "channels.widget_channel.WidgetInput:\n"
    "channels.socketio_channel.SignedSocketIOInput:\n"
    "  user_message_evt: user_uttered\n"
    "  bot_message_evt: bot_uttered\n"
    "  session_persistence: true\n"
)


def rasa_env(**extra: str) -> dict[str, str]:
    """Environment entries every test stack sets: the Rasa API token and the widget-session key."""
    return {"RASA_TOKEN": TEST_RASA_TOKEN, "WIDGET_SESSION_SECRET": TEST_WIDGET_SECRET, **extra}


@contextmanager
def rasa_server(
    model: Path,
    port: int,
    endpoints: Path,
    credentials: Path,
    *,
    env: dict[str, str],
    log_path: Path,
    deadline_s: float = 300,
    cors: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """The real Rasa server through bot/serve.py (token always on, loopback), ready when `/version` answers."""
    args = [str(RASA_PYTHON), "-m", "bot.serve", "--model", str(model), "--port", str(port)]
    args += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
    if cors:
        args += ["--cors", "*"]
    with service_process(
        args, f"http://127.0.0.1:{port}/version", env={**env, **rasa_env()}, deadline_s=deadline_s, log_path=log_path
    ) as proc:
        yield proc


class WidgetSessions:
    """Signed widget sessions for named test shoppers, issued with the test key (as the console would)."""

    def __init__(self, rasa_url: str) -> None:
        from channels import sessions

        self._sessions = sessions
        self.rasa_url = rasa_url
        self.by_name: dict[str, Any] = {}

    def session(self, name: str) -> Any:
        if name not in self.by_name:
            self.by_name[name] = self._sessions.issue(TEST_WIDGET_SECRET)
        return self.by_name[name]

    def conversation_id(self, name: str) -> str:
        return str(self.session(name).conversation_id)

    def say(self, name: str, text: str, metadata: dict[str, Any] | None = None, timeout: float = 60) -> list[dict]:
        """One message through the signed widget channel; the bot's replies."""
        body: dict[str, Any] = {"message": text}
        if metadata:
            body["metadata"] = metadata
        req = urllib.request.Request(
            f"{self.rasa_url}/webhooks/widget/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.session(name).token}"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return list(json.loads(resp.read()))

    def tracker(self, name: str) -> dict[str, Any]:
        return self.tracker_of(self.conversation_id(name))

    def tracker_of(self, conversation_id: str) -> dict[str, Any]:
        """A conversation's tracker through Rasa's HTTP API (Rasa takes its token as `?token=`)."""
        url = f"{self.rasa_url}/conversations/{conversation_id}/tracker?token={TEST_RASA_TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as resp:
            return dict(json.loads(resp.read()))


# ---------------------------------------------------------------- domain responses, as Rasa renders them

_RESPONSES: dict[str, Any] = {}
LANGUAGES = ("en", "es", "de", "pt", "fr", "nl")


def domain_responses() -> dict[str, Any]:
    """domain.yml's responses (read once)."""
    if not _RESPONSES:
        import yaml

        _RESPONSES.update(yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"])
    return _RESPONSES


def response_variant(name: str, language: str = "en") -> dict[str, Any]:
    """The variant of response `name` Rasa picks for `language`: the one whose language condition matches, else
    the one without a condition."""
    variants = domain_responses()[name]

    def language_of(variant: dict[str, Any]) -> str | None:
        return next((c.get("value") for c in variant.get("condition") or [] if c.get("name") == "language"), None)

    matching = [v for v in variants if language_of(v) == language]
    return (matching or [v for v in variants if language_of(v) is None])[0]


def rendered(message: dict[str, Any], language: str = "en", **slots: Any) -> dict[str, Any]:
    """A dispatcher message with its response's text filled as Rasa's NLG does: from the message's own
    variables (the action's utter_message kwargs) over `slots`. Messages with text pass unchanged."""
    name = message.get("response")
    if not name:
        return message
    variant = response_variant(str(name), language)
    variables = {**slots, **{k: v for k, v in message.items() if v is not None}}
    return {**message, "text": variant["text"].format(**variables), "buttons": message.get("buttons") or []}


def reply_text(replies: Any, language: str = "en") -> str:
    """The text of actions.replies.Reply objects (one or a list) as the shopper reads them, one per line."""
    from actions.replies import shop_values

    items = replies if isinstance(replies, list) else [replies]
    return "\n".join(
        response_variant(r.response, language)["text"].format(**{**shop_values(), **r.variables}) for r in items
    )


def texts(messages: list[dict[str, Any]], language: str = "en") -> str:
    """Every message's rendered text, one per line."""
    return "\n".join(str(rendered(m, language).get("text") or "") for m in messages)
