"""Processes for `benchmarks/load.py`: the whole Borderless stack and a bare `rasa init` assistant, each on
free loopback ports, each stopped when its `with` block ends.

The whole stack is started as the `assistant` fixture in tests/integration/conftest.py starts it (same
services, same environment, same bootstrap), through the helpers of tests/support.py. With `timings`, Rasa
and the action server run under benchmarks/load_timing.py (same entry points, timing hooks added).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.integration.conftest import DEMO_DATA, TRAINED, prepare_stack
from tests.support import (
    RASA_BIN,
    RASA_PYTHON,
    REDIS_URL,
    REPO_ROOT,
    free_port,
    python_module,
    rasa_env,
    rasa_server,
    service_process,
)

BENCH_VAR = REPO_ROOT / "var" / "benchmarks"
TIMING_SCRIPT = REPO_ROOT / "benchmarks" / "load_timing.py"


@dataclass
class Stack:
    rasa_url: str
    pids: dict[str, int]  # process name -> pid (each may have children: see cpu_seconds)
    workdir: Path
    timing_files: dict[str, Path] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # service name -> base URL
    env: dict[str, str] = field(default_factory=dict)  # the services' environment (tokens, URLs)


@contextmanager
def full_stack(  # type: ignore[no-untyped-def]
    work: Path,
    *,
    timings: bool = False,
    log=print,
    settings: dict[str, str] | None = None,
    console: bool = False,
    rasa_workers: int = 1,
) -> Iterator[Stack]:
    """Orders, recommender, knowledge and models services, the action server and Rasa (trained/).

    `settings` override the services' environment (e.g. the orders service's limits); with `console` the
    agents' console runs too (bootstrapped, its handoff API token shared with the action server), so a
    handoff really queues the conversation (benchmarks/conversations.py reads the queue)."""
    if not any(TRAINED.glob("*.tar.gz")):
        raise SystemExit("no trained Rasa model in trained/: run `make train`")
    if not (DEMO_DATA / "manifest.json").exists():
        raise SystemExit("no demo shop data in var/demo_shop: run `make data`")
    log("bootstrapping orders, recommender and knowledge databases ...")
    stack_files = prepare_stack(work, admin_token="load-admin-token")
    ports, urls, env = stack_files.ports, stack_files.urls, {**stack_files.env, **(settings or {})}
    if console:
        urls["console"] = f"http://127.0.0.1:{free_port()}"
        env.update(
            CONSOLE_PORT=urls["console"].rsplit(":", 1)[1],
            CONSOLE_URL=urls["console"],
            RASA_URL=urls["rasa"],
            HANDOFF_API_TOKEN=env.get("HANDOFF_API_TOKEN") or "bench-handoff-token-0123456789abcdef",
            CONSOLE_DEMO_AGENT_PASSWORD="bench-agent-password-0123",
            CONSOLE_DEMO_ADMIN_PASSWORD="bench-admin-password-0123",
        )
        env.pop("CONSOLE_DATABASE_URL", None)
        done = subprocess.run(
            python_module("channels", "bootstrap"), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"channels bootstrap failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    endpoints, credentials = stack_files.endpoints, stack_files.credentials
    if rasa_workers > 1:
        # Rasa runs several Sanic workers only with a lock store they share; the conversations must live where
        # every worker sees them too (README, "Many shoppers").
        endpoints.write_text(endpoints.read_text() + redis_stores(f"borderless-load-{os.getpid()}"))
        env["SANIC_WORKERS"] = str(rasa_workers)
    logs = work / "logs"
    logs.mkdir()
    pids: dict[str, int] = {}
    timing_files: dict[str, Path] = {}
    with ExitStack() as stack:
        for name, module in (
            ("orders", "backends.orders"),
            ("recommender", "backends.recommender"),
            ("knowledge", "knowledge"),
            ("models", "models"),
        ):
            log(f"starting {name} service ...")
            proc = stack.enter_context(
                service_process(
                    python_module(module, "serve"),
                    f"{urls[name]}/health",
                    env=env,
                    deadline_s=180,
                    log_path=logs / f"{name}.log",
                )
            )
            pids[name] = proc.pid
        if console:
            log("starting the agents' console ...")
            proc = stack.enter_context(
                service_process(
                    python_module("channels", "serve"),
                    f"{urls['console']}/health",
                    env=env,
                    deadline_s=120,
                    log_path=logs / "console.log",
                )
            )
            pids["console"] = proc.pid
        log("starting action server ...")
        if timings:
            timing_files["actions"] = work / "timing-actions.json"
            actions_args = [sys.executable, str(TIMING_SCRIPT), "actions", str(timing_files["actions"])]
        else:
            actions_args = python_module("actions")
        proc = stack.enter_context(
            service_process(actions_args, f"{urls['actions']}/health", env=env, log_path=logs / "actions.log")
        )
        pids["actions"] = proc.pid
        log("starting Rasa (loading the model takes a while) ...")
        if timings:
            timing_files["rasa"] = work / "timing-rasa.json"
            rasa_args = [str(RASA_PYTHON), str(TIMING_SCRIPT), "rasa", str(timing_files["rasa"]), "--"]
            rasa_args += ["--model", str(TRAINED), "--port", str(ports["rasa"])]
            rasa_args += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
            proc = stack.enter_context(
                service_process(
                    rasa_args,
                    f"{urls['rasa']}/version",
                    env={**env, **rasa_env()},
                    deadline_s=300,
                    log_path=logs / "rasa.log",
                )
            )
        else:
            proc = stack.enter_context(
                rasa_server(
                    TRAINED, ports["rasa"], endpoints, credentials, env=env, deadline_s=300, log_path=logs / "rasa.log"
                )
            )
        pids["rasa"] = proc.pid
        yield Stack(urls["rasa"], pids, work, timing_files, urls, env)


def redis_stores(key_prefix: str) -> str:
    """endpoints.yml entries for Rasa's Redis lock and tracker stores on REDIS_URL (tests.support)."""
    url = urlsplit(REDIS_URL)
    db = (url.path or "/0").lstrip("/") or "0"
    common = (
        f"  url: {url.hostname or '127.0.0.1'}\n  port: {url.port or 6379}\n  db: {db}\n  key_prefix: {key_prefix}\n"
    )
    return f"lock_store:\n  type: redis\n{common}tracker_store:\n  type: redis\n{common}"


def rasa_version() -> str:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", "import importlib.metadata as m; print(m.version('rasa'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def bare_model(work: Path, log=print) -> Path:  # type: ignore[no-untyped-def]
    """A bare `rasa init --no-prompt` assistant, trained with the project's Rasa venv; cached under
    var/benchmarks/ by Rasa version, so reruns skip the training."""
    version = rasa_version()
    cached = BENCH_VAR / f"bare-rasa-{version}" / "model.tar.gz"
    if cached.exists():
        log(f"bare Rasa {version}: cached model {cached}")
        return cached
    project = work / "bare"
    project.mkdir(parents=True)
    log(f"bare Rasa {version}: `rasa init --no-prompt` and training in {project} (once; cached afterwards) ...")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    models = sorted((project / "models").glob("*.tar.gz"))
    if done.returncode != 0 or not models:
        raise RuntimeError(f"rasa init failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(models[-1], cached)
    (cached.parent / "about.json").write_text(json.dumps({"rasa": version, "from": "rasa init --no-prompt"}))
    return cached


@contextmanager
def bare_rasa(work: Path, model: Path) -> Iterator[Stack]:
    """`rasa run --enable-api` with the REST channel on a free loopback port (no token, no action server)."""
    port = free_port()
    project = work / "bare-serve"
    project.mkdir(parents=True, exist_ok=True)
    credentials = project / "credentials.yml"
    credentials.write_text("rest:\n")
    args = [str(RASA_BIN), "run", "--enable-api", "--model", str(model), "--interface", "127.0.0.1"]
    args += ["--port", str(port), "--credentials", str(credentials)]
    url = f"http://127.0.0.1:{port}"
    with service_process(
        args,
        f"{url}/version",
        env={"RASA_TELEMETRY_ENABLED": "false"},
        deadline_s=300,
        log_path=project / "rasa.log",
    ) as proc:
        yield Stack(url, {"bare-rasa": proc.pid}, project)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(tree.get(current, []))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (Sanic serves from a child process)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total
