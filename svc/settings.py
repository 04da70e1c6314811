"""Environment-variable readers that fail with the variable's name in the message."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A configuration variable is present but unusable."""


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_opt(name: str) -> str | None:
    value = os.environ.get(name)
    return value or None


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    path = Path(raw) if raw else default
    return path if path.is_absolute() else REPO_ROOT / path


def var_dir() -> Path:
    """Where runtime data lives (databases, indexes, generated demo data): $BORDERLESS_VAR or ./var."""
    return env_path("BORDERLESS_VAR", REPO_ROOT / "var")
