"""The address a request really came from, honouring proxy headers only from proxies the shop trusts.

`BORDERLESS_TRUSTED_PROXIES` lists the addresses or networks (comma-separated, e.g. `127.0.0.1,10.0.0.0/8`) of
the reverse proxies in front of the public endpoints. A request whose peer is one of them is attributed to the
right-most address in `X-Forwarded-For` that is not itself a trusted proxy; any other request to its peer
address, whatever headers it sends (a client cannot choose its own source by forging the header).
Standard library only: the Rasa channels (Python 3.10 venv) and the aiohttp services share it.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _parse(spec: str) -> tuple[Network, ...]:
    networks = []
    for part in spec.split(","):
        part = part.strip()
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise ValueError(f"BORDERLESS_TRUSTED_PROXIES: {part!r} is not an address or network") from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    return _parse(os.environ.get("BORDERLESS_TRUSTED_PROXIES", ""))


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...] | None = None) -> str:
    """The client's address: `peer`, or the nearest untrusted hop of X-Forwarded-For behind trusted proxies."""
    proxies = trusted_proxies() if proxies is None else proxies
    peer = (peer or "").strip() or "unknown"
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",")[-20:] if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: attribute it to the proxy, not to a made-up address
    return peer


def source_key(peer: str | None, forwarded_for: str | None) -> str:
    """The shopper's source as the rate limits key it: `ip:<address>`."""
    return f"ip:{client_address(peer, forwarded_for)}"
