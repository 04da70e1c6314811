"""The whole assistant on free loopback ports: orders, recommender and knowledge services, the action
server, and the real Rasa server with the trained model. Started once per test session for the tests
that ask for it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import RASA_BIN, REPO_ROOT, free_port, python_module, service_process

DEMO_DATA = REPO_ROOT / "var" / "demo_shop"
TRAINED = REPO_ROOT / "trained"


@dataclass
class Assistant:
    rasa_url: str
    actions_url: str
    orders_url: str
    knowledge_url: str
    recommender_url: str
    models_url: str
    workdir: Path

    def say(self, sender: str, text: str) -> list[dict]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        req = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def tracker(self, sender: str) -> dict:
        with urllib.request.urlopen(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30) as resp:
            return json.loads(resp.read())


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    if not any(TRAINED.glob("*.tar.gz")):
        pytest.fail("no trained Rasa model in trained/: run `make train` (make test does it)")
    if not (DEMO_DATA / "manifest.json").exists():
        pytest.fail("no demo shop data in var/demo_shop: run `make data` (make test does it)")
    work = tmp_path_factory.mktemp("assistant")
    ports = {name: free_port() for name in ("rasa", "actions", "orders", "knowledge", "recommender", "models")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    import os

    env = {
        **os.environ,
        "BORDERLESS_VAR": str(work / "var"),
        "HF_HUB_OFFLINE": "1",
        "ORDERS_NOW": "demo",
        "ORDERS_PORT": str(ports["orders"]),
        "ORDERS_DATABASE_URL": f"sqlite:///{work / 'orders.db'}",
        "KNOWLEDGE_PORT": str(ports["knowledge"]),
        "KNOWLEDGE_ADMIN_TOKEN": "e2e-admin-token",
        "RECOMMENDER_PORT": str(ports["recommender"]),
        "MODELS_PORT": str(ports["models"]),
        "MODELS_URL": urls["models"],
        "ORDERS_URL": urls["orders"],
        "KNOWLEDGE_URL": urls["knowledge"],
        "RECOMMENDER_URL": urls["recommender"],
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    # The services read the demo data from their own var dir, as `make run` lays it out.
    (work / "var").mkdir()
    shutil.copytree(DEMO_DATA, work / "var" / "demo_shop")
    _run(python_module("backends.orders", "bootstrap"), env)
    _run(python_module("backends.recommender", "bootstrap"), env)
    _run(python_module("knowledge", "bootstrap"), env)

    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{urls["actions"]}/webhook"\n')
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\n")
    logs = work / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        for name, module in (
            ("orders", "backends.orders"),
            ("recommender", "backends.recommender"),
            ("knowledge", "knowledge"),
            ("models", "models"),
        ):
            stack.enter_context(
                service_process(
                    python_module(module, "serve"),
                    f"{urls[name]}/health",
                    env=env,
                    deadline_s=180,
                    log_path=logs / f"{name}.log",
                )
            )
        stack.enter_context(
            service_process(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports["actions"])],
                f"{urls['actions']}/health",
                env=env,
                log_path=logs / "actions.log",
            )
        )
        stack.enter_context(
            service_process(
                [
                    str(RASA_BIN),
                    "run",
                    "--model",
                    str(TRAINED),
                    "--enable-api",
                    "--port",
                    str(ports["rasa"]),
                    "--interface",
                    "127.0.0.1",
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(credentials),
                ],
                f"{urls['rasa']}/status",
                env=env,
                deadline_s=240,
                log_path=logs / "rasa.log",
            )
        )
        yield Assistant(
            urls["rasa"], urls["actions"], urls["orders"], urls["knowledge"], urls["recommender"], urls["models"], work
        )
