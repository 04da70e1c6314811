"""Typed async HTTP clients of every service the assistant calls, one per service per process; Rasa-free.

Owns: the shared HTTP core (clients/http.py: timeouts, retries with back-off for idempotent calls only, one
aiohttp pool per service), the circuit breaker (clients/breaker.py: one per service per process; half-open
lets exactly one trial call through), the error family (clients/errors.py, with `CircuitOpen`), one typed
client per service (orders, recommender, knowledge, models, the console's handoff API, Rasa's HTTP API) and
their lifecycle (clients/registry.py). Used by the action server (actions/) and the agents' console
(channels/console/). Never imports rasa, rasa_sdk, actions or channels; reads svc/ for URLs and secrets.
"""

from clients.breaker import BreakerState, CircuitBreaker
from clients.console import HandoffClient, QueueStatus
from clients.errors import CircuitOpen, ServiceError, ServiceFailure, ServiceUnavailable
from clients.http import CallPolicy, JsonObject, ServiceClient, ServiceHttp
from clients.knowledge import ComposedAnswer, KnowledgeAnswer, KnowledgeClient, Passage, SearchAnswer, Source
from clients.models import ModelsClient, Translation
from clients.orders import CustomerOrders, OrdersClient
from clients.rasa import RasaClient
from clients.recommender import Recommendations, RecommenderClient
from clients.registry import ClientConfig, ServiceClients, close_process_clients, process_clients

__all__ = [
    "BreakerState",
    "CallPolicy",
    "CircuitBreaker",
    "CircuitOpen",
    "ComposedAnswer",
    "ClientConfig",
    "CustomerOrders",
    "HandoffClient",
    "JsonObject",
    "KnowledgeAnswer",
    "KnowledgeClient",
    "ModelsClient",
    "OrdersClient",
    "Passage",
    "QueueStatus",
    "RasaClient",
    "Recommendations",
    "RecommenderClient",
    "SearchAnswer",
    "ServiceClient",
    "ServiceClients",
    "ServiceError",
    "ServiceFailure",
    "ServiceHttp",
    "ServiceUnavailable",
    "Source",
    "Translation",
    "close_process_clients",
    "process_clients",
]
