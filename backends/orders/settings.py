"""Configuration of the orders service, read once from environment variables."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from svc.settings import SettingsError, env_float, env_int, env_opt, env_path, env_str, var_dir

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'orders.db'}"


def _token_secret() -> str:
    """ORDERS_TOKEN_SECRET, or a random secret kept in var/orders_token_secret (mode 0600).

    The file makes `python -m backends.orders token` and the running service agree without any
    configuration on a single machine; replicas must share ORDERS_TOKEN_SECRET instead.
    """
    explicit = env_opt("ORDERS_TOKEN_SECRET")
    if explicit:
        if len(explicit) < 16:
            raise SettingsError("ORDERS_TOKEN_SECRET must be at least 16 characters")
        return explicit
    path = var_dir() / "orders_token_secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    log.info("generated a token secret in %s (set ORDERS_TOKEN_SECRET to share it between replicas)", path)
    return value


def _schema() -> str | None:
    value = env_opt("ORDERS_DB_SCHEMA")
    if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", value):
        raise SettingsError(f"ORDERS_DB_SCHEMA must be a plain SQL identifier, got {value!r}")
    return value


def _fixed_now() -> datetime | None:
    raw = env_opt("ORDERS_NOW")
    if raw is None:
        return None
    if raw == "demo":
        # The moment the demo shop was generated for (its manifest), so the demo's dates stay coherent.
        manifest = env_path("ORDERS_DEMO_DIR", var_dir() / "demo_shop") / "manifest.json"
        try:
            raw = str(json.loads(manifest.read_text())["now"])
        except (OSError, ValueError, KeyError) as exc:
            raise SettingsError(f"ORDERS_NOW=demo needs {manifest} with a 'now' field") from exc
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SettingsError(f"ORDERS_NOW must be an ISO-8601 timestamp, got {raw!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8101
    database_url: str = field(default_factory=default_database_url)
    db_schema: str | None = None
    token_secret: str = "change-me-please-0123456789"
    token_ttl_s: int = 7 * 24 * 3600
    rate_limit_attempts: int = 5
    rate_limit_window_s: float = 900.0
    idempotency_ttl_s: int = 7 * 24 * 3600
    rules_dir: Path = PACKAGE_DIR / "rules"
    currency_rates_path: Path | None = None
    demo_dir: Path = field(default_factory=lambda: var_dir() / "demo_shop")
    # A fixed "now" for demos and tests whose data is dated; None means the real clock.
    fixed_now: datetime | None = None

    @classmethod
    def from_env(cls) -> Settings:
        rates = env_opt("ORDERS_CURRENCY_RATES")
        return cls(
            host=env_str("ORDERS_HOST", "127.0.0.1"),
            port=env_int("ORDERS_PORT", 8101),
            database_url=env_opt("ORDERS_DATABASE_URL") or env_opt("DATABASE_URL") or default_database_url(),
            db_schema=_schema(),
            token_secret=_token_secret(),
            token_ttl_s=env_int("ORDERS_TOKEN_TTL_S", 7 * 24 * 3600),
            rate_limit_attempts=env_int("ORDERS_RATE_LIMIT_ATTEMPTS", 5),
            rate_limit_window_s=env_float("ORDERS_RATE_LIMIT_WINDOW_S", 900.0),
            idempotency_ttl_s=env_int("ORDERS_IDEMPOTENCY_TTL_S", 7 * 24 * 3600),
            rules_dir=env_path("ORDERS_RULES_DIR", PACKAGE_DIR / "rules"),
            currency_rates_path=env_path("ORDERS_CURRENCY_RATES", Path(rates)) if rates else None,
            demo_dir=env_path("ORDERS_DEMO_DIR", var_dir() / "demo_shop"),
            fixed_now=_fixed_now(),
        )

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(timezone.utc)
