"""Attack tests: each performs an attack from the security review against the real processes and fails if it
works again. The whole assistant (Rasa with the shop's real channels, action server, orders, knowledge,
recommender and models services) is the integration suite's `assistant` fixture, started once here too.
Run with `make test-security` (part of `make test`).
"""

from __future__ import annotations

from tests.integration.conftest import assistant, generate_shop, start_orders  # noqa: F401 - fixtures
