"""Console and handoff settings, read once from environment variables, and the console's secrets.

Secrets (the handoff API token, Rasa's HTTP API token, the widget-session key) come from
`svc.secrets.load_secret`: an environment variable, else a private file under var/ generated on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from channels.sessions import DEFAULT_TTL_S
from svc.client_address import Network, trusted_proxies
from svc.endpoints import default_port, default_url
from svc.secrets import handoff_api_token, rasa_api_token, widget_session_key
from svc.settings import env_float, env_int, env_opt, env_str, var_dir


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


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
    # --- security settings (defaults here so code and tests that build settings by hand keep working) ---
    # HMAC key of the widget sessions; empty turns the widget endpoints off (503).
    widget_session_key: str = ""
    widget_session_ttl_s: int = DEFAULT_TTL_S
    # BORDERLESS_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For is believed (svc/client_address.py).
    trusted_proxies: tuple[Network, ...] = ()
    # Failed console logins: counted per source address and per user name over `login_window_s`; after the
    # free failures each further attempt waits base x 2^(extra failures), at most `login_max_delay_s`.
    login_window_s: float = 900.0
    login_free_per_source: int = 5
    login_free_per_user: int = 10
    login_base_delay_s: float = 1.0
    login_max_delay_s: float = 300.0
    # Threads that run scrypt (each run holds 16 MiB): bounds CPU and memory of a login flood.
    login_threads: int = 2
    # Widget sessions issued per source address per window.
    widget_sessions_per_source: int = 60
    widget_sessions_window_s: float = 600.0
    # Shopper feedback per conversation and per source address per window.
    feedback_per_conversation: int = 30
    feedback_per_source: int = 200
    feedback_window_s: float = 3600.0
    # Handoff requests per conversation per window, and the most tickets that may wait at once.
    handoff_per_conversation: int = 5
    handoff_window_s: float = 600.0
    handoff_max_waiting: int = 500
    # Views of one conversation by one user from one source within this many seconds share one audit row.
    audit_coalesce_s: float = 60.0

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        database_url = (
            env_opt("CONSOLE_DATABASE_URL") or env_opt("DATABASE_URL") or sqlite_url(var_dir() / "console.db")
        )
        return cls(
            host=env_str("CONSOLE_HOST", "127.0.0.1"),
            port=default_port("console"),
            database_url=database_url,
            db_schema=env_opt("CONSOLE_DB_SCHEMA"),
            redis_url=env_opt("REDIS_URL"),
            redis_prefix=env_str("HANDOFF_REDIS_PREFIX", "borderless:handoff:"),
            rasa_url=default_url("rasa"),
            rasa_token=rasa_api_token(),
            rasa_public_url=env_str("RASA_PUBLIC_URL", default_url("rasa")),
            models_url=default_url("models"),
            knowledge_url=default_url("knowledge"),
            orders_url=default_url("orders"),
            handoff_token=handoff_api_token() or "",
            session_ttl_s=env_int("CONSOLE_SESSION_TTL_S", 8 * 3600),
            session_idle_s=env_int("CONSOLE_SESSION_IDLE_S", 30 * 60),
            cookie_secure=env_str("CONSOLE_COOKIE_SECURE", "0") in {"1", "true", "yes"},
            avg_handle_s=env_float("HANDOFF_AVG_HANDLE_S", 240.0),
            online_window_s=env_float("HANDOFF_ONLINE_WINDOW_S", 60.0),
            upstream_timeout_s=env_float("CONSOLE_UPSTREAM_TIMEOUT_S", 3.0),
            widget_session_key=widget_session_key(),
            widget_session_ttl_s=env_int("WIDGET_SESSION_TTL_S", DEFAULT_TTL_S),
            trusted_proxies=trusted_proxies(),
            login_window_s=env_float("CONSOLE_LOGIN_WINDOW_S", 900.0),
            login_free_per_source=env_int("CONSOLE_LOGIN_FREE_PER_SOURCE", 5),
            login_free_per_user=env_int("CONSOLE_LOGIN_FREE_PER_USER", 10),
            login_base_delay_s=env_float("CONSOLE_LOGIN_BASE_DELAY_S", 1.0),
            login_max_delay_s=env_float("CONSOLE_LOGIN_MAX_DELAY_S", 300.0),
            login_threads=max(1, env_int("CONSOLE_LOGIN_THREADS", 2)),
            widget_sessions_per_source=env_int("WIDGET_SESSIONS_PER_SOURCE", 60),
            widget_sessions_window_s=env_float("WIDGET_SESSIONS_WINDOW_S", 600.0),
            feedback_per_conversation=env_int("WIDGET_FEEDBACK_PER_CONVERSATION", 30),
            feedback_per_source=env_int("WIDGET_FEEDBACK_PER_SOURCE", 200),
            feedback_window_s=env_float("WIDGET_FEEDBACK_WINDOW_S", 3600.0),
            handoff_per_conversation=env_int("HANDOFF_REQUESTS_PER_CONVERSATION", 5),
            handoff_window_s=env_float("HANDOFF_REQUESTS_WINDOW_S", 600.0),
            handoff_max_waiting=env_int("HANDOFF_MAX_WAITING", 500),
            audit_coalesce_s=env_float("CONSOLE_AUDIT_COALESCE_S", 60.0),
        )
