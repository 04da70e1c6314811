"""The lifecycle of the clients: one `ServiceHttp` (connection pool + circuit breaker) per service per process.

`ServiceClients` creates each service's HTTP core lazily, on first use, and `aclose()` closes them all. Its
typed clients are views over those cores: `clients.orders()` is the same object each time, and
`clients.orders().using(retries=0)` shares its pool and breaker with it.

Who holds one:
- the action server: `process_clients()`, the process's holder, created on first use and closed by
  `close_process_clients()` when the server stops (actions/services.py registers that with rasa-sdk);
  rasa-sdk builds the actions itself, so they ask the holder for their clients on every use.
- the agents' console: its app factory creates one `ServiceClients` in its `cleanup_ctx` and closes it there.
- tests: the `service_clients` fixture (tests/conftest.py) closes the process holder after every test.

Base URLs come from svc/endpoints.py (`default_url(name)`) unless the config names one; tokens come from
svc/secrets.py unless the config gives one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from clients.breaker import CircuitBreaker
from clients.console import HandoffClient
from clients.http import CallPolicy, ServiceClient, ServiceHttp
from clients.knowledge import KnowledgeClient
from clients.models import ModelsClient
from clients.orders import OrdersClient
from clients.rasa import RasaClient
from clients.recommender import RecommenderClient
from svc.endpoints import default_url
from svc.secrets import handoff_api_token, rasa_api_token

__all__ = ["SERVICES", "ClientConfig", "ServiceClients", "close_process_clients", "process_clients"]

SERVICES = ("orders", "recommender", "knowledge", "models", "console", "rasa")

# Each service's default call policy. Translation is a courtesy (short, no retry); Rasa's API is the console's
# own lifeline and a little slower to answer.
DEFAULT_POLICIES: dict[str, CallPolicy] = {
    "orders": CallPolicy(timeout_s=2.0, retries=1),
    "recommender": CallPolicy(timeout_s=2.0, retries=1),
    "knowledge": CallPolicy(timeout_s=2.0, retries=1),
    "models": CallPolicy(timeout_s=1.5, retries=0),
    "console": CallPolicy(timeout_s=2.0, retries=1),
    "rasa": CallPolicy(timeout_s=3.0, retries=1),
}


@dataclass(frozen=True)
class ClientConfig:
    """What a holder needs: base URLs, tokens and call policies, each defaulting as the module says."""

    urls: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, CallPolicy] = field(default_factory=dict)
    # None: read from svc/secrets.py when the client is first created.
    handoff_token: str | None = None
    rasa_token: str | None = None
    breaker_threshold: int = 3
    breaker_reset_after_s: float = 15.0

    def url(self, service: str) -> str:
        return self.urls.get(service) or default_url(service)

    def policy(self, service: str) -> CallPolicy:
        return self.policies.get(service) or DEFAULT_POLICIES[service]


C = TypeVar("C", bound=ServiceClient)


class ServiceClients:
    """One HTTP core per service, created lazily; typed clients over them; `aclose()` closes them all."""

    def __init__(self, config: ClientConfig | None = None) -> None:
        self.config = config or ClientConfig()
        self._http: dict[str, ServiceHttp] = {}
        self._clients: dict[str, ServiceClient] = {}

    def http(self, service: str) -> ServiceHttp:
        """The service's one HTTP core (pool and breaker), created on first use."""
        if service not in SERVICES:
            raise KeyError(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
        core = self._http.get(service)
        if core is None:
            core = self._http[service] = ServiceHttp(
                name=service,
                base_url=self.config.url(service),
                headers=self._headers(service),
                breaker=CircuitBreaker(
                    threshold=self.config.breaker_threshold, reset_after=self.config.breaker_reset_after_s
                ),
            )
        return core

    def _headers(self, service: str) -> dict[str, str]:
        if service != "console":
            return {}
        token = self.config.handoff_token
        if token is None:
            token = handoff_api_token(create=False) or ""
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _client(self, service: str, cls: type[C], **extra: Any) -> C:
        client = self._clients.get(service)
        if client is None:
            client = self._clients[service] = cls(self.http(service), self.config.policy(service), **extra)
        assert isinstance(client, cls)
        return client

    def orders(self) -> OrdersClient:
        return self._client("orders", OrdersClient)

    def recommender(self) -> RecommenderClient:
        return self._client("recommender", RecommenderClient)

    def knowledge(self) -> KnowledgeClient:
        return self._client("knowledge", KnowledgeClient)

    def models(self) -> ModelsClient:
        return self._client("models", ModelsClient)

    def handoff(self) -> HandoffClient:
        """The console's handoff API (service "console")."""
        return self._client("console", HandoffClient)

    def rasa(self) -> RasaClient:
        if "rasa" not in self._clients:
            token = self.config.rasa_token if self.config.rasa_token is not None else rasa_api_token()
            self._clients["rasa"] = RasaClient(self.http("rasa"), self.config.policy("rasa"), token=token or None)
        return self._client("rasa", RasaClient)

    async def aclose(self) -> None:
        """Closes every pool; a later call opens a new one (with a fresh breaker)."""
        cores = list(self._http.values())
        self._http.clear()
        self._clients.clear()
        for core in cores:
            await core.close()


_process: ServiceClients | None = None


def process_clients() -> ServiceClients:
    """This process's holder (created on first use, with the environment's URLs and tokens)."""
    global _process
    if _process is None:
        _process = ServiceClients()
    return _process


async def close_process_clients() -> None:
    """Closes this process's holder, if one was created; the next `process_clients()` starts afresh."""
    global _process
    holder, _process = _process, None
    if holder is not None:
        await holder.aclose()
