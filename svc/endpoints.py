"""Where every process of the assistant listens by default: the one table of service names and ports.

Settings modules read their bind port with `default_port(name)` and the URLs of the services they call with
`default_url(name)`, so a port is written here and nowhere else:

    service      port  env (bind)         env (callers)
    console      8100  CONSOLE_PORT       CONSOLE_URL
    orders       8101  ORDERS_PORT        ORDERS_URL
    recommender  8102  RECOMMENDER_PORT   RECOMMENDER_URL
    knowledge    8103  KNOWLEDGE_PORT     KNOWLEDGE_URL
    models       8104  MODELS_PORT        MODELS_URL
    rasa         5005  RASA_PORT          RASA_URL
    actions      5055  ACTIONS_PORT       ACTIONS_URL

`default_url(name)` is `<NAME>_URL` when set, else `http://127.0.0.1:<NAME>_PORT or the default port>`: one
machine needs no configuration, and a service moved elsewhere is named by its URL. Standard library only:
the Rasa process (Python 3.10 venv) reads it too.
"""

from __future__ import annotations

import os

from svc.settings import SettingsError

PORTS: dict[str, int] = {
    "console": 8100,
    "orders": 8101,
    "recommender": 8102,
    "knowledge": 8103,
    "models": 8104,
    "rasa": 5005,
    "actions": 5055,
}
LOOPBACK = "127.0.0.1"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def default_port(name: str) -> int:
    """`<NAME>_PORT` when set, else the default port; SettingsError names the variable if it is no number."""
    var = f"{name.upper()}_PORT"
    raw = _env(var)
    if raw is None:
        return PORTS[name]
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{var} must be an integer, got {raw!r}") from exc


def default_url(name: str) -> str:
    """`<NAME>_URL` when set (without a trailing slash), else http://127.0.0.1:<port of the service>."""
    return (_env(f"{name.upper()}_URL") or f"http://{LOOPBACK}:{default_port(name)}").rstrip("/")
