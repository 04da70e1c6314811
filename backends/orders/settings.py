"""Configuration of the orders service, read once from environment variables."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from backends.orders.adapters.config import BackendConfig, BuiltinConfig, parse_backend
from backends.orders.limits import LimitSettings
from borderless.profile import current_shop
from svc.client_address import Network, parse_networks
from svc.endpoints import PORTS, default_port
from svc.secrets import load_secret
from svc.settings import SettingsError, env_float, env_int, env_opt, env_path, env_str, var_dir

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'orders.db'}"


def _token_secret() -> str:
    """ORDERS_TOKEN_SECRET, or a random secret kept in var/orders_token_secret (mode 0600, ≥ 32 characters).

    The file makes `python -m backends.orders token` and the running service agree without any
    configuration on a single machine; replicas must share ORDERS_TOKEN_SECRET instead. svc.secrets refuses
    short or empty values from either place (an empty file would otherwise be an empty HMAC key).
    """
    value = load_secret("ORDERS_TOKEN_SECRET", "orders_token_secret")
    assert value is not None  # load_secret creates the file when nothing is configured
    return value


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")


def _limits() -> LimitSettings:
    source = env_int("ORDERS_RATE_LIMIT_ATTEMPTS", 5)
    limits = LimitSettings(
        source_attempts=source,
        # Defaults scale with the per-source limit, so raising it (e.g. in tests) raises all of them.
        email_attempts=env_int("ORDERS_RATE_LIMIT_EMAIL_ATTEMPTS", 2 * source),
        global_attempts=env_int("ORDERS_RATE_LIMIT_GLOBAL_ATTEMPTS", 100 * source),
        hot_source_attempts=env_int("ORDERS_RATE_LIMIT_HOT_SOURCE_ATTEMPTS", 2),
        window_s=env_float("ORDERS_RATE_LIMIT_WINDOW_S", 900.0),
        backoff_s=env_float("ORDERS_RATE_LIMIT_BACKOFF_S", 30.0),
    )
    for name, value in (
        ("ORDERS_RATE_LIMIT_ATTEMPTS", limits.source_attempts),
        ("ORDERS_RATE_LIMIT_EMAIL_ATTEMPTS", limits.email_attempts),
        ("ORDERS_RATE_LIMIT_GLOBAL_ATTEMPTS", limits.global_attempts),
        ("ORDERS_RATE_LIMIT_HOT_SOURCE_ATTEMPTS", limits.hot_source_attempts),
        ("ORDERS_RATE_LIMIT_WINDOW_S", limits.window_s),
        ("ORDERS_RATE_LIMIT_BACKOFF_S", limits.backoff_s),
    ):
        _positive(name, value)
    return limits


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
        manifest = env_path("ORDERS_DEMO_DIR", current_shop().data_dir) / "manifest.json"
        try:
            raw = str(json.loads(manifest.read_text())["now"])
        except (OSError, ValueError, KeyError) as exc:
            raise SettingsError(f"ORDERS_NOW=demo needs {manifest} with a 'now' field") from exc
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SettingsError(f"ORDERS_NOW must be an ISO-8601 timestamp, got {raw!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _shop_orders() -> dict[str, Any]:
    """The served shop profile's order backend and accepted proofs (borderless/profile.py)."""
    shop = current_shop()
    backend = shop.orders_backend
    return {
        "orders_backend": parse_backend({"backend": backend.kind, backend.kind: backend.settings}),
        "proofs": frozenset(shop.proofs),
    }


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = PORTS["orders"]
    database_url: str = field(default_factory=default_database_url)
    db_schema: str | None = None
    # No usable default: a Settings built in code must be given a secret (from_env loads one).
    token_secret: str = ""
    token_ttl_s: int = 7 * 24 * 3600
    limits: LimitSettings = field(default_factory=LimitSettings)
    # Peers whose X-Shopper-Source header is believed (the action server); others are limited by address.
    trusted_proxies: tuple[Network, ...] = parse_networks("127.0.0.1,::1", "ORDERS_TRUSTED_PROXIES")
    idempotency_ttl_s: int = 7 * 24 * 3600
    rules_dir: Path = field(default_factory=lambda: current_shop().rules_dir)
    currency_rates_path: Path | None = None
    demo_dir: Path = field(default_factory=lambda: current_shop().data_dir)
    # A fixed "now" for demos and tests whose data is dated; None means the real clock.
    fixed_now: datetime | None = None
    # Where orders live (shop profile `orders:`) and which proofs of ownership the shop accepts (`proofs:`).
    orders_backend: BackendConfig = field(default_factory=BuiltinConfig)
    proofs: frozenset[str] = frozenset(("email", "postcode"))

    @classmethod
    def from_env(cls) -> Settings:
        rates = env_opt("ORDERS_CURRENCY_RATES")
        return cls(
            host=env_str("ORDERS_HOST", "127.0.0.1"),
            port=default_port("orders"),
            database_url=env_opt("ORDERS_DATABASE_URL") or env_opt("DATABASE_URL") or default_database_url(),
            db_schema=_schema(),
            token_secret=_token_secret(),
            token_ttl_s=env_int("ORDERS_TOKEN_TTL_S", 7 * 24 * 3600),
            limits=_limits(),
            trusted_proxies=parse_networks(
                env_str("ORDERS_TRUSTED_PROXIES", "127.0.0.1,::1"), "ORDERS_TRUSTED_PROXIES"
            ),
            idempotency_ttl_s=env_int("ORDERS_IDEMPOTENCY_TTL_S", 7 * 24 * 3600),
            rules_dir=env_path("ORDERS_RULES_DIR", current_shop().rules_dir),
            currency_rates_path=env_path("ORDERS_CURRENCY_RATES", Path(rates)) if rates else None,
            demo_dir=env_path("ORDERS_DEMO_DIR", current_shop().data_dir),
            fixed_now=_fixed_now(),
            **_shop_orders(),
        )

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(timezone.utc)
