"""`python -m actions`: the action server, bound to ACTIONS_HOST (default 127.0.0.1) on ACTIONS_PORT (5055).

rasa-sdk listens on every interface unless SANIC_HOST says otherwise, and its webhook runs any action for any
conversation without authentication: only the Rasa server may reach it. `make run` and the tests start it
here, so the loopback default cannot be forgotten. Extra arguments go to rasa-sdk.
"""

from __future__ import annotations

import os
import sys

from rasa_sdk.__main__ import main

from svc.endpoints import default_port
from svc.settings import env_str

if __name__ == "__main__":
    os.environ["SANIC_HOST"] = env_str("ACTIONS_HOST", "127.0.0.1")
    sys.argv = [sys.argv[0], "--actions", "actions", "--port", str(default_port("actions")), *sys.argv[1:]]
    main()
