"""Which order system the orders service serves, from the shop profile's `orders:` block; secrets from env.

    orders: {backend: builtin}                                   # default: the service's own SQL store
    orders:
      backend: shopify
      shopify: {shop_domain: example.myshopify.com, api_version: "2025-01", access_token_env: SHOPIFY_ADMIN_TOKEN}
    orders:
      backend: woocommerce
      woocommerce:
        {url: "https://shop.example", consumer_key_env: WC_CONSUMER_KEY, consumer_secret_env: WC_CONSUMER_SECRET}

Optional for both platforms: `timeout_s` (per request, default 10) and `max_retry_wait_s` (how long a request
may wait for a platform's rate limit before the service answers 503 with Retry-After instead; default 2).
Secrets are only ever read from the environment variables the profile names, never from the profile itself.
Plain http is refused except to a loopback address (the tests' local fakes).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from svc.settings import SettingsError

BACKENDS = ("builtin", "shopify", "woocommerce")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:]+\](:\d{1,5})?$")


@dataclass(frozen=True)
class BuiltinConfig:
    kind: str = "builtin"


@dataclass(frozen=True)
class ShopifyConfig:
    shop_domain: str
    api_version: str
    access_token: str = field(repr=False)
    timeout_s: float = 10.0
    max_retry_wait_s: float = 2.0
    kind: str = "shopify"

    @property
    def graphql_url(self) -> str:
        scheme = "http" if is_loopback(self.shop_domain) else "https"
        return f"{scheme}://{self.shop_domain}/admin/api/{self.api_version}/graphql.json"


@dataclass(frozen=True)
class WooCommerceConfig:
    url: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    timeout_s: float = 10.0
    max_retry_wait_s: float = 2.0
    kind: str = "woocommerce"

    @property
    def api_base(self) -> str:
        return self.url.rstrip("/") + "/wp-json/wc/v3"

    @property
    def query_string_auth(self) -> bool:
        """HTTP Basic needs https; over http (loopback only) the keys go in the query string, as WooCommerce
        accepts them."""
        return urlsplit(self.url).scheme == "http"


BackendConfig = BuiltinConfig | ShopifyConfig | WooCommerceConfig


def is_loopback(host_port: str) -> bool:
    host = urlsplit(f"//{host_port}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret(block: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str:
    name = block.get(key)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SettingsError(f"{where}.{key} must name an environment variable that holds the secret")
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{where}.{key}: the environment variable {name} is not set")
    return value


def _number(block: Mapping[str, Any], key: str, default: float, where: str) -> float:
    raw = block.get(key, default)
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}.{key} must be a number, got {raw!r}") from exc
    if value < 0 or (key == "timeout_s" and value == 0):
        raise SettingsError(f"{where}.{key} must be positive, got {raw!r}")
    return value


def parse_backend(raw: Any, env: Mapping[str, str] | None = None) -> BackendConfig:
    """The backend an `orders:` mapping (or a bare backend name) selects; SettingsError names the field."""
    env = os.environ if env is None else env
    if raw is None:
        return BuiltinConfig()
    if isinstance(raw, str):
        raw = {"backend": raw}
    if not isinstance(raw, Mapping):
        raise SettingsError(f"orders must be a mapping with a backend, got {raw!r}")
    kind = str(raw.get("backend", "builtin")).strip().lower()
    if kind not in BACKENDS:
        raise SettingsError(f"orders.backend must be one of {', '.join(BACKENDS)}, got {kind!r}")
    if kind == "builtin":
        return BuiltinConfig()
    where = f"orders.{kind}"
    block = raw.get(kind)
    if not isinstance(block, Mapping):
        raise SettingsError(f"{where} is missing: the {kind} backend needs its settings")
    timeout = _number(block, "timeout_s", 10.0, where)
    max_wait = _number(block, "max_retry_wait_s", 2.0, where)
    if kind == "shopify":
        domain = str(block.get("shop_domain", "")).strip().lower()
        if not domain or not _HOST_PORT.match(domain):
            raise SettingsError(f"{where}.shop_domain must be a host name like example.myshopify.com, got {domain!r}")
        version = str(block.get("api_version", "")).strip()
        if not _API_VERSION.match(version):
            raise SettingsError(f"{where}.api_version must be a Shopify API version like 2025-01, got {version!r}")
        token = _secret(block, "access_token_env", where, env)
        return ShopifyConfig(domain, version, token, timeout, max_wait)
    url = str(block.get("url", "")).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{where}.url must be the shop's https:// address, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.netloc):
        raise SettingsError(f"{where}.url must use https (plain http only to a loopback address), got {url!r}")
    key = _secret(block, "consumer_key_env", where, env)
    secret = _secret(block, "consumer_secret_env", where, env)
    return WooCommerceConfig(url, key, secret, timeout, max_wait)
