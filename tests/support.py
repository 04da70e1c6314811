"""Test helpers: free loopback ports, starting real service processes, polling with a deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


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


def python_module(module: str, *args: str) -> list[str]:
    """argv for running `python -m module` in the app venv (the current interpreter in tests)."""
    return [sys.executable, "-m", module, *args]


ACTION_CLIENTS = ("orders", "recommender", "knowledge", "models", "client")


async def run_and_close(action: Any, dispatcher: Any, tracker: Any) -> list[dict[str, Any]]:
    """Runs one custom action's run() and closes the HTTP clients it holds, whatever happens."""
    try:
        return await action.run(dispatcher, tracker, {})
    finally:
        for name in ACTION_CLIENTS:
            client = getattr(action, name, None)
            if client is not None:
                await client.close()
