"""Action-server settings: where the services are and how long the shopper may wait for them."""

from __future__ import annotations

from dataclasses import dataclass

from svc.endpoints import default_url
from svc.settings import env_float


@dataclass(frozen=True)
class ActionSettings:
    orders_url: str
    recommender_url: str
    knowledge_url: str
    models_url: str
    console_url: str
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
            orders_url=default_url("orders"),
            recommender_url=default_url("recommender"),
            knowledge_url=default_url("knowledge"),
            models_url=default_url("models"),
            console_url=default_url("console"),
            backend_timeout_s=env_float("BACKEND_TIMEOUT_S", 1.2),
            translate_timeout_s=env_float("TRANSLATE_TIMEOUT_S", 1.5),
            turn_budget_s=env_float("ACTION_TURN_BUDGET_S", 2.8),
            language_switch_confidence=env_float("LANGUAGE_SWITCH_CONFIDENCE", 0.65),
            proof_ttl_s=env_float("PROOF_TTL_S", 300.0),
        )
