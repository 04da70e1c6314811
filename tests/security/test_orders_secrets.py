"""The orders service's customer-token secret: never short, never empty, private on disk (issue 10, item 9).

An empty var/orders_token_secret used to be an empty HMAC key, so anyone could mint customer tokens. The
CLI and the server share Settings.from_env, so each refusal is checked on `token` (fast) and on `serve`.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO_ROOT, python_module


def run_orders(var: Path, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BORDERLESS_VAR": str(var), "ORDERS_DATABASE_URL": f"sqlite:///{var / 'orders.db'}"}
    env.pop("ORDERS_TOKEN_SECRET", None)
    if secret is not None:
        env["ORDERS_TOKEN_SECRET"] = secret
    return subprocess.run(
        python_module("backends.orders", *args), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("secret", [" ", "short-secret", "x" * 31])
@pytest.mark.parametrize("command", [("token", "C0001"), ("serve",)])
def test_a_short_secret_in_the_environment_is_refused(tmp_path: Path, secret: str, command: tuple[str, ...]) -> None:
    done = run_orders(tmp_path, *command, secret=secret)
    assert done.returncode == 2 and "ORDERS_TOKEN_SECRET must be at least 32 characters" in done.stderr
    assert not done.stdout.strip()  # no token was minted


@pytest.mark.parametrize("content", ["", "\n", "too-short"])
def test_an_empty_or_short_secret_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "orders_token_secret"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
    for command in (("token", "C0001"), ("serve",)):
        done = run_orders(tmp_path, *command)
        assert done.returncode == 2 and "shorter than 32 characters" in done.stderr, done.stderr
        assert not done.stdout.strip()


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orders_token_secret"
    path.write_text("y" * 40)
    path.chmod(0o644)
    done = run_orders(tmp_path, "token", "C0001")
    assert done.returncode == 2 and "readable by other users" in done.stderr


def test_the_generated_secret_is_long_and_private_from_creation(tmp_path: Path) -> None:
    first = run_orders(tmp_path, "token", "C0001")
    assert first.returncode == 0 and first.stdout.startswith("bl1.")
    path = tmp_path / "orders_token_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_text().strip()) >= 32
    # The next run uses the same secret (a token minted now verifies later), not a new one.
    second = run_orders(tmp_path, "token", "C0001")
    assert second.returncode == 0 and len(path.read_text().strip()) >= 32
