"""Which client address the public front ends count attempts against (svc/client_address.py): X-Forwarded-For
is believed only from configured proxies, and only up to the first hop that is not one of them."""

from __future__ import annotations

import pytest

from svc.client_address import client_address, parse_networks, rate_key, source_key
from svc.settings import SettingsError


def nets(*specs: str) -> tuple:
    return parse_networks(",".join(specs), "TEST_PROXIES")


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_address("198.51.100.9", "203.0.113.5", nets()) == "198.51.100.9"
    assert client_address("198.51.100.9", "203.0.113.5", nets("10.0.0.0/8")) == "198.51.100.9"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    proxies = nets("10.0.0.0/8", "127.0.0.1")
    # The client may prepend anything; only what the trusted proxies appended counts.
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.1.1", proxies) == "203.0.113.5"
    assert client_address("127.0.0.1", "203.0.113.5", proxies) == "203.0.113.5"
    assert client_address("127.0.0.1", "not-an-ip, 10.2.2.2", proxies) == "10.2.2.2"
    assert client_address("127.0.0.1", None, proxies) == "127.0.0.1"


def test_ipv6_clients_are_counted_per_64_network() -> None:
    assert rate_key(client_address("2001:db8:1:2::10", None, nets())) == "2001:db8:1:2::/64"
    assert source_key("2001:db8:1:2:ffff::1", None, nets()) == "ip:2001:db8:1:2::/64"
    assert source_key("203.0.113.7", None, nets()) == "ip:203.0.113.7"


def test_a_bad_proxy_setting_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="TEST_PROXIES"):
        nets("10.0.0.0/8", "proxy.example")
