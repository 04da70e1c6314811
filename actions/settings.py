"""Action-server settings: how long the shopper may wait for the services.

Where the services are is the clients' business (clients/registry.py reads svc/endpoints.py's `default_url`).
"""

from __future__ import annotations

from dataclasses import dataclass

from svc.settings import env_float


@dataclass(frozen=True)
class ActionSettings:
    # Every backend call is bounded so the shopper hears an apology within 3 seconds at worst.
    backend_timeout_s: float
    # Translating a reply is optional: past this the shopper gets the English reply with a notice.
    translate_timeout_s: float
    # All backend calls of one order-change turn together, so the apology still comes within 3 seconds.
    turn_budget_s: float
    # How sure language detection must be before replies switch language.
    language_switch_confidence: float
    # How long an email proof, once given or accepted by the orders service, stands for its one order
    # (actions/proof.py): short, so the next person at a shared computer inherits nothing.
    proof_ttl_s: float = 300.0

    @classmethod
    def from_env(cls) -> ActionSettings:
        return cls(
            backend_timeout_s=env_float("BACKEND_TIMEOUT_S", 1.2),
            translate_timeout_s=env_float("TRANSLATE_TIMEOUT_S", 1.5),
            turn_budget_s=env_float("ACTION_TURN_BUDGET_S", 2.8),
            language_switch_confidence=env_float("LANGUAGE_SWITCH_CONFIDENCE", 0.65),
            proof_ttl_s=env_float("PROOF_TTL_S", 300.0),
        )
