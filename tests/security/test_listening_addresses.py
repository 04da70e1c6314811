"""Nothing but loopback: every process of the assistant, started the way `make run` starts it, listens on
127.0.0.1 unless its *_HOST variable says otherwise (the review found Rasa and the action server on every
interface). Read from the kernel's socket table, so it checks what is really bound."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from tests.integration.conftest import Assistant

LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (IPv4 and IPv6 tables)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                found.add(decode(address, width))
    return found


def decode(address: str, width: int) -> str:
    if width == 8:
        return ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "ipv6:" + address


def test_every_assistant_process_listens_on_loopback_only(assistant: Assistant) -> None:
    urls = {
        "rasa": assistant.rasa_url,
        "actions": assistant.actions_url,
        "orders": assistant.orders_url,
        "knowledge": assistant.knowledge_url,
        "recommender": assistant.recommender_url,
        "models": assistant.models_url,
    }
    bound = {name: listening_addresses(urlparse(url).port or 0) for name, url in urls.items()}
    assert bound == {name: {"127.0.0.1"} for name in urls}
