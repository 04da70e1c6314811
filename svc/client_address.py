"""Who a request really came from, and which peers may tell us: the one place that reads proxy headers.

A public front end (the Rasa channels, the console) sits behind the shop's reverse proxies, listed in
`BORDERLESS_TRUSTED_PROXIES` (addresses or networks, comma-separated, e.g. `127.0.0.1,10.0.0.0/8`). A request
whose peer is one of them is attributed to the right-most `X-Forwarded-For` hop that is not itself a trusted
proxy; any other request to its peer, whatever headers it sends (a client cannot choose its own source by
forging the header). Rate limits key IPv6 clients by their /64, which one subscriber usually holds whole.
Standard library only: the Rasa channels (Python 3.10 venv) and the aiohttp services share it.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

from svc.settings import SettingsError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def parse_networks(raw: str, variable: str) -> tuple[Network, ...]:
    """The networks in a comma-separated setting; SettingsError naming `variable` for anything else."""
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise SettingsError(f"{variable}: {part!r} is not an IP address or network") from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The reverse proxies in front of the public endpoints (BORDERLESS_TRUSTED_PROXIES; default none)."""
    return parse_networks(os.environ.get("BORDERLESS_TRUSTED_PROXIES", ""), "BORDERLESS_TRUSTED_PROXIES")


def _address(value: str | None) -> Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def is_trusted(peer: str | None, networks: tuple[Network, ...]) -> bool:
    address = _address(peer)
    return address is not None and any(address in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...] | None = None) -> str:
    """The client's address: `peer`, or behind trusted proxies the nearest untrusted X-Forwarded-For hop."""
    networks = trusted_proxies() if networks is None else networks
    address = _address(peer)
    if address is None:
        return (peer or "").strip() or "unknown"
    if forwarded_for and any(address in net for net in networks):
        for hop in reversed([h for h in forwarded_for.split(",")[-20:] if h.strip()]):
            hop_address = _address(hop)
            if hop_address is None:
                break  # a mangled header: trust nothing further left of it
            address = hop_address
            if not any(hop_address in net for net in networks):
                break
    return str(address)


def rate_key(address: str) -> str:
    """The key rate limits count an address under: itself, or for IPv6 its /64."""
    parsed = _address(address)
    if parsed is not None and parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def source_key(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...] | None = None) -> str:
    """A shopper's source as the orders service's limits key it: `ip:<address or /64>`."""
    return f"ip:{rate_key(client_address(peer, forwarded_for, networks))}"
