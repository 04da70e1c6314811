"""Starts the Rasa server the way Borderless must run it: HTTP API always behind a token, loopback by default.

`rasa run --enable-api` takes `--auth-token` only when given, and listens on every interface. This launcher
(run in the Rasa venv: `.venv-rasa/bin/python -m bot.serve`) always passes a token — RASA_TOKEN, else the
private file var/rasa_token generated on first start (svc/secrets.py) — binds to RASA_HOST (default
127.0.0.1), and caps request bodies (SANIC_REQUEST_MAX_SIZE, default 1 MiB) so no single request can occupy
the server. The token never appears on the command line (`ps` shows none). It also makes Rasa validate the action
server's responses against a validator built once (bot/action_response_validation.py), and leaves out the
per-message action-server round trips whose answer is certain to be empty (bot/round_trips.py), and parses
messages in a worker thread so the event loop stays free (bot/nlu_thread.py). Other arguments go to `rasa run`.
"""

from __future__ import annotations

import os
import sys

from svc.endpoints import default_port
from svc.secrets import rasa_api_token
from svc.settings import env_str

DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


def rasa_run_args(extra: list[str]) -> list[str]:
    token = rasa_api_token()
    assert token is not None
    return [
        "rasa",
        "run",
        "--enable-api",
        "--auth-token",
        token,
        "--interface",
        env_str("RASA_HOST", "127.0.0.1"),
        "--port",
        str(default_port("rasa")),
        *extra,
    ]


def main() -> None:
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(DEFAULT_MAX_REQUEST_BYTES))
    args = rasa_run_args(sys.argv[1:])
    from rasa.__main__ import main as rasa_main

    from bot import action_response_validation, nlu_thread, round_trips

    action_response_validation.install()
    round_trips.install()
    nlu_thread.install()

    sys.argv = args
    rasa_main()


if __name__ == "__main__":
    main()
