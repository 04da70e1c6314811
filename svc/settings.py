"""Environment-variable readers that fail with the variable's name in the message."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent

N = TypeVar("N", int, float)


class SettingsError(ValueError):
    """A configuration variable is present but unusable."""


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_opt(name: str) -> str | None:
    value = os.environ.get(name)
    return value or None


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def _env_number(name: str, default: N, parse: Callable[[str], N], what: str) -> N:
    """`default` when the variable is unset or empty, else `parse` of it; SettingsError when that fails."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from exc


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    path = Path(raw) if raw else default
    return path if path.is_absolute() else REPO_ROOT / path


def var_dir() -> Path:
    """Where runtime data lives (databases, indexes, generated demo data): $BORDERLESS_VAR or ./var."""
    return env_path("BORDERLESS_VAR", REPO_ROOT / "var")
