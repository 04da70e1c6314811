"""Console and handoff settings, read once from environment variables."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from svc.settings import env_float, env_int, env_opt, env_str, var_dir


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def handoff_token_path() -> Path:
    return var_dir() / "handoff_api_token"


def load_handoff_token(create: bool) -> str | None:
    """HANDOFF_API_TOKEN, else the token kept in var/handoff_api_token (created once when `create`).

    The action server and the console share it: both run from the same checkout and var dir by default.
    """
    token = env_opt("HANDOFF_API_TOKEN")
    if token:
        return token
    path = handoff_token_path()
    if path.exists():
        return path.read_text().strip() or None
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.write_text(token)
    path.chmod(0o600)
    return token


@dataclass(frozen=True)
class ConsoleSettings:
    host: str
    port: int
    database_url: str
    db_schema: str | None
    redis_url: str | None
    redis_prefix: str
    rasa_url: str
    rasa_token: str | None
    rasa_public_url: str
    models_url: str
    knowledge_url: str
    orders_url: str
    handoff_token: str
    session_ttl_s: int
    session_idle_s: int
    cookie_secure: bool
    # Expected wait = place in the queue x average handling time / agents online.
    avg_handle_s: float
    # An agent counts as online while their console has polled within this many seconds.
    online_window_s: float
    upstream_timeout_s: float

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        database_url = (
            env_opt("CONSOLE_DATABASE_URL") or env_opt("DATABASE_URL") or sqlite_url(var_dir() / "console.db")
        )
        return cls(
            host=env_str("CONSOLE_HOST", "127.0.0.1"),
            port=env_int("CONSOLE_PORT", 8100),
            database_url=database_url,
            db_schema=env_opt("CONSOLE_DB_SCHEMA"),
            redis_url=env_opt("REDIS_URL"),
            redis_prefix=env_str("HANDOFF_REDIS_PREFIX", "borderless:handoff:"),
            rasa_url=env_str("RASA_URL", f"http://127.0.0.1:{env_int('RASA_PORT', 5005)}"),
            rasa_token=env_opt("RASA_TOKEN"),
            rasa_public_url=env_str(
                "RASA_PUBLIC_URL", env_str("RASA_URL", f"http://127.0.0.1:{env_int('RASA_PORT', 5005)}")
            ),
            models_url=env_str("MODELS_URL", "http://127.0.0.1:8104"),
            knowledge_url=env_str("KNOWLEDGE_URL", "http://127.0.0.1:8103"),
            orders_url=env_str("ORDERS_URL", "http://127.0.0.1:8101"),
            handoff_token=load_handoff_token(create=True) or "",
            session_ttl_s=env_int("CONSOLE_SESSION_TTL_S", 8 * 3600),
            session_idle_s=env_int("CONSOLE_SESSION_IDLE_S", 30 * 60),
            cookie_secure=env_str("CONSOLE_COOKIE_SECURE", "0") in {"1", "true", "yes"},
            avg_handle_s=env_float("HANDOFF_AVG_HANDLE_S", 240.0),
            online_window_s=env_float("HANDOFF_ONLINE_WINDOW_S", 60.0),
            upstream_timeout_s=env_float("CONSOLE_UPSTREAM_TIMEOUT_S", 3.0),
        )
