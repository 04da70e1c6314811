"""Browser tests: the real stack (Rasa with the trained model, the action server, the agents' console)
on free loopback ports, driven by Debian's Chromium through Playwright. Started once per session.

Needs /usr/bin/chromium (scripts/install_browser.sh) and a trained model in trained/ (or BORDERLESS_TEST_MODEL).
BORDERLESS_TEST_ACTIONS names the package the action server loads (default `actions`; e.g. `actions.handoff` to
keep a half-finished action module elsewhere from stopping the stack). Screenshots go to $BROWSER_SCREENSHOTS
when set, else to a pytest temporary directory (the `screenshots` fixture; its path is printed at the end).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import PUBLIC_CHANNELS, REPO_ROOT, free_port, python_module, rasa_env, rasa_server, service_process

CHROMIUM = Path("/usr/bin/chromium")
AGENT_PASSWORD = "agent-browser-pass-1"
ADMIN_PASSWORD = "admin-browser-pass-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


WHATSAPP = {
    "verify_token": "browser-verify",
    "app_secret": "browser-app-secret",
    "access_token": "browser-access-token",
    "phone_number_id": "1065403522",
}


class GraphRecorder:
    """Stands in for Meta's Graph API: records what the WhatsApp Cloud channel sends to shoppers."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        sent = self.sent

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sent.append({"path": self.path, "auth": self.headers.get("Authorization"), "json": json.loads(body)})
                data = b'{"messages":[{"id":"wamid.out"}]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts_to(self, wa_id: str) -> list[str]:
        return [m["json"].get("text", {}).get("body", "") for m in list(self.sent) if m["json"].get("to") == wa_id]


@dataclass
class Stack:
    rasa_url: str
    console_url: str
    actions_url: str
    models_url: str
    orders_url: str
    workdir: Path
    graph: GraphRecorder
    env: dict[str, str]

    def customer_token(self, customer_id: str) -> str:
        """A signed customer token, minted the way a shop would (`python -m backends.orders token`)."""
        done = subprocess.run(
            python_module("backends.orders", "token", customer_id),
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]


def _model() -> Path:
    explicit = os.environ.get("BORDERLESS_TEST_MODEL")
    if explicit:
        return Path(explicit)
    return REPO_ROOT / "trained"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run scripts/install_browser.sh")
    model = _model()
    if not (model.is_file() or any(model.glob("*.tar.gz"))):
        pytest.fail(f"no trained Rasa model at {model}: run `make train`")
    work = tmp_path_factory.mktemp("browser-stack")
    ports = {name: free_port() for name in ("rasa", "actions", "console", "models", "orders")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: optional services degrade visibly
    env = {
        **os.environ,
        "BORDERLESS_VAR": str(work / "var"),
        "HF_HUB_OFFLINE": "1",
        "CONSOLE_PORT": str(ports["console"]),
        "CONSOLE_URL": urls["console"],
        "RASA_URL": urls["rasa"],
        "RASA_PUBLIC_URL": urls["rasa"],
        "HANDOFF_API_TOKEN": "browser-handoff-token-0123456789abcdef",
        "CONSOLE_DEMO_AGENT_PASSWORD": AGENT_PASSWORD,
        "CONSOLE_DEMO_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KNOWLEDGE_URL": closed,
        "MODELS_URL": urls["models"],
        "MODELS_PORT": str(ports["models"]),
        "ORDERS_URL": urls["orders"],
        "ORDERS_PORT": str(ports["orders"]),
        "ACTIONS_PORT": str(ports["actions"]),
        "ORDERS_DATABASE_URL": f"sqlite:///{work / 'orders.db'}",
        "ORDERS_TOKEN_SECRET": "browser-orders-token-secret-0123456789",
        "RECOMMENDER_URL": closed,
        **rasa_env(),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CONSOLE_DATABASE_URL"):
        env.pop(name, None)
    (work / "var").mkdir()
    demo = REPO_ROOT / "var" / "demo_shop"
    if not (demo / "manifest.json").exists():
        pytest.fail("no demo shop data in var/demo_shop: run `make data`")
    shutil.copytree(demo, work / "var" / "demo_shop")
    done = subprocess.run(
        python_module("backends.orders", "bootstrap"),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        python_module("channels", "bootstrap"), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (work / "endpoints.yml").write_text(f'action_endpoint:\n  url: "{urls["actions"]}/webhook"\n')
    graph = GraphRecorder()
    whatsapp = "".join(f"  {k}: {v}\n" for k, v in {**WHATSAPP, "api_base": graph.url}.items())
    (work / "credentials.yml").write_text(f"{PUBLIC_CHANNELS}channels.whatsapp_cloud.WhatsAppCloudChannel:\n{whatsapp}")
    logs = work / "logs"
    logs.mkdir()
    with ExitStack() as es:
        es.callback(graph.server.shutdown)
        es.enter_context(
            service_process(
                python_module("backends.orders", "serve"),
                f"{urls['orders']}/health",
                env=env,
                log_path=logs / "orders.log",
            )
        )
        es.enter_context(
            service_process(
                python_module("models", "serve"),
                f"{urls['models']}/health",
                env=env,
                deadline_s=180,
                log_path=logs / "models.log",
            )
        )
        es.enter_context(
            service_process(
                python_module("channels", "serve"), f"{urls['console']}/health", env=env, log_path=logs / "console.log"
            )
        )
        es.enter_context(
            service_process(
                python_module("actions", "--actions", os.environ.get("BORDERLESS_TEST_ACTIONS", "actions")),
                f"{urls['actions']}/health",
                env=env,
                log_path=logs / "actions.log",
            )
        )
        es.enter_context(
            rasa_server(
                model,
                ports["rasa"],
                work / "endpoints.yml",
                work / "credentials.yml",
                env=env,
                log_path=logs / "rasa.log",
                cors=True,
            )
        )
        yield Stack(urls["rasa"], urls["console"], urls["actions"], urls["models"], urls["orders"], work, graph, env)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the browser tests save their screenshots: $BROWSER_SCREENSHOTS, else a pytest temporary directory."""
    explicit = os.environ.get("BROWSER_SCREENSHOTS")
    folder = Path(explicit) if explicit else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nbrowser screenshots: {folder}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium through Playwright, headless; for tests that need no running assistant."""
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run scripts/install_browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def browser(stack: Stack, chromium: object) -> object:
    """The same Chromium, for tests against the running stack."""
    return chromium
