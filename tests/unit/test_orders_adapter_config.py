"""The shop profile's `orders:` block → the orders service's order source settings (adapters/config.py)."""

from __future__ import annotations

import pytest

from backends.orders.adapters.config import BuiltinConfig, ShopifyConfig, WooCommerceConfig, parse_backend
from backends.orders.normalize import normalize_phone, phones_match
from svc.settings import SettingsError

ENV = {"SHOPIFY_ADMIN_TOKEN": "shpat_x", "WC_CONSUMER_KEY": "ck_x", "WC_CONSUMER_SECRET": "cs_x"}


def test_builtin_is_the_default() -> None:
    assert parse_backend(None, ENV) == BuiltinConfig()
    assert parse_backend({"backend": "builtin"}, ENV) == BuiltinConfig()


def test_shopify_reads_its_token_from_the_named_variable() -> None:
    config = parse_backend(
        {
            "backend": "shopify",
            "shopify": {
                "shop_domain": "Example.myshopify.com",
                "api_version": "2025-01",
                "access_token_env": "SHOPIFY_ADMIN_TOKEN",
            },
        },
        ENV,
    )
    assert isinstance(config, ShopifyConfig)
    assert config.graphql_url == "https://example.myshopify.com/admin/api/2025-01/graphql.json"
    assert config.access_token == "shpat_x" and "shpat_x" not in repr(config)
    loopback = parse_backend(
        {
            "backend": "shopify",
            "shopify": {
                "shop_domain": "127.0.0.1:8443",
                "api_version": "2025-01",
                "access_token_env": "SHOPIFY_ADMIN_TOKEN",
            },
        },
        ENV,
    )
    assert isinstance(loopback, ShopifyConfig) and loopback.graphql_url.startswith("http://127.0.0.1:8443/")


def test_woocommerce_uses_basic_auth_over_https_and_query_keys_only_on_loopback_http() -> None:
    block = {"consumer_key_env": "WC_CONSUMER_KEY", "consumer_secret_env": "WC_CONSUMER_SECRET"}
    https = parse_backend({"backend": "woocommerce", "woocommerce": {"url": "https://shop.example/", **block}}, ENV)
    assert isinstance(https, WooCommerceConfig)
    assert https.api_base == "https://shop.example/wp-json/wc/v3" and not https.query_string_auth
    local = parse_backend({"backend": "woocommerce", "woocommerce": {"url": "http://localhost:8080", **block}}, ENV)
    assert isinstance(local, WooCommerceConfig) and local.query_string_auth
    with pytest.raises(SettingsError, match="must use https"):
        parse_backend({"backend": "woocommerce", "woocommerce": {"url": "http://shop.example", **block}}, ENV)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"backend": "magento"}, "orders.backend must be one of"),
        ({"backend": "shopify"}, "orders.shopify is missing"),
        (
            {
                "backend": "shopify",
                "shopify": {
                    "shop_domain": "https://x.myshopify.com",
                    "api_version": "2025-01",
                    "access_token_env": "SHOPIFY_ADMIN_TOKEN",
                },
            },
            "shop_domain",
        ),
        (
            {
                "backend": "shopify",
                "shopify": {
                    "shop_domain": "x.myshopify.com",
                    "api_version": "latest",
                    "access_token_env": "SHOPIFY_ADMIN_TOKEN",
                },
            },
            "api_version",
        ),
        (
            {
                "backend": "shopify",
                "shopify": {"shop_domain": "x.myshopify.com", "api_version": "2025-01", "access_token_env": "NOT_SET"},
            },
            "NOT_SET is not set",
        ),
        (
            {
                "backend": "shopify",
                "shopify": {
                    "shop_domain": "x.myshopify.com",
                    "api_version": "2025-01",
                    "access_token": "shpat_in_the_file",
                },
            },
            "access_token_env must name",
        ),
        (
            {
                "backend": "woocommerce",
                "woocommerce": {
                    "url": "shop.example",
                    "consumer_key_env": "WC_CONSUMER_KEY",
                    "consumer_secret_env": "WC_CONSUMER_SECRET",
                },
            },
            "url",
        ),
        (
            {
                "backend": "woocommerce",
                "woocommerce": {
                    "url": "https://shop.example",
                    "consumer_key_env": "WC_CONSUMER_KEY",
                    "consumer_secret_env": "WC_CONSUMER_SECRET",
                    "timeout_s": 0,
                },
            },
            "timeout_s",
        ),
    ],
)
def test_bad_settings_name_the_field(raw: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_backend(raw, ENV)


def test_phone_numbers_match_with_or_without_country_and_trunk_prefix() -> None:
    known = normalize_phone("+31 20 123 4567")
    assert phones_match(normalize_phone("020-1234567"), known)
    assert phones_match(normalize_phone("0031 (0)20 123 45 67"), known)
    assert not phones_match(normalize_phone("020-1234568"), known)
    assert not phones_match(normalize_phone("4567"), known)
