"""Which client address the console counts attempts against (channels/console/state.py): X-Forwarded-For is
believed only from configured proxies, and only up to the first hop that is not one of them."""

from __future__ import annotations

from typing import Any
from unittest import mock

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from channels.console.state import STATE, client_address, trusted_networks


def _request(peer: str, forwarded: str | None, proxies: tuple[str, ...]) -> Any:
    app = web.Application()
    app[STATE] = mock.Mock(networks=trusted_networks(proxies))  # type: ignore[misc]
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 1234) if name == "peername" else default
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return make_mocked_request("POST", "/api/login", headers=headers, app=app, transport=transport)


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_address(_request("198.51.100.9", "203.0.113.5", ())) == "198.51.100.9"
    assert client_address(_request("198.51.100.9", "203.0.113.5", ("10.0.0.0/8",))) == "198.51.100.9"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    proxies = ("10.0.0.0/8", "127.0.0.1")
    # The client may prepend anything; only what the trusted proxies appended counts.
    assert client_address(_request("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.1.1", proxies)) == "203.0.113.5"
    assert client_address(_request("127.0.0.1", "203.0.113.5", proxies)) == "203.0.113.5"
    assert client_address(_request("127.0.0.1", "not-an-ip, 10.2.2.2", proxies)) == "10.2.2.2"
    assert client_address(_request("127.0.0.1", None, proxies)) == "127.0.0.1"


def test_ipv6_clients_are_counted_per_64_network() -> None:
    a = client_address(_request("2001:db8:1:2::10", None, ()))
    b = client_address(_request("2001:db8:1:2:ffff::1", None, ()))
    assert a == b == "2001:db8:1:2::/64"
