"""Shared secrets of the services: read from the environment or a private file under var/, never weak.

Every HMAC key and bearer token (the orders service's customer-token secret, the handoff API token, Rasa's
HTTP API token, the widget-session key) is loaded here, so the same rules hold for all of them:
- an environment variable wins, and must be at least `min_length` characters (an empty or short value is a
  configuration error, never an empty HMAC key);
- otherwise the value kept in `var/<file_name>` is used, and it must be as long;
- otherwise a random value is generated once and written to that file, created with mode 0600 (never
  readable by others, not even for an instant).
Rotating a secret: replace the variable (or delete the file and restart); see SECURITY.md.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from svc.settings import SettingsError, env_opt, var_dir

MIN_SECRET_LENGTH = 32


def write_private(path: Path, value: str) -> None:
    """Creates `path` with mode 0600 and writes `value`; fails if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)


def load_secret(env: str, file_name: str, *, min_length: int = MIN_SECRET_LENGTH, create: bool = True) -> str | None:
    """The secret named by `env`, else the one in var/`file_name` (generated there when `create`).

    Returns None only when nothing is configured and `create` is false. Raises SettingsError for a secret
    that is shorter than `min_length`, or a secret file that others can read.
    """
    explicit = env_opt(env)
    if explicit is not None:
        if len(explicit.strip()) < min_length:
            raise SettingsError(f"{env} must be at least {min_length} characters")
        return explicit.strip()
    path = var_dir() / file_name
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SettingsError(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < min_length:
            raise SettingsError(
                f"{path} holds a secret shorter than {min_length} characters; delete it to generate a new one"
            )
        return value
    if not create:
        return None
    value = secrets.token_urlsafe(max(min_length, 32))
    try:
        write_private(path, value)
    except FileExistsError:
        # Another process created it between our check and our write: use theirs.
        return load_secret(env, file_name, min_length=min_length, create=False)
    return value


def _required(env: str, file_name: str) -> str:
    value = load_secret(env, file_name)
    assert value is not None  # created when missing
    return value


def rasa_api_token() -> str:
    """The token of Rasa's HTTP API (RASA_TOKEN, else var/rasa_token): the Rasa server always requires it."""
    return _required("RASA_TOKEN", "rasa_token")


def widget_session_key() -> str:
    """The HMAC key of signed widget sessions (WIDGET_SESSION_SECRET, else var/widget_session_secret)."""
    return _required("WIDGET_SESSION_SECRET", "widget_session_secret")


def handoff_api_token(create: bool = True) -> str | None:
    """The console's handoff API token (HANDOFF_API_TOKEN, else var/handoff_api_token), shared with the actions."""
    return load_secret("HANDOFF_API_TOKEN", "handoff_api_token", create=create)
