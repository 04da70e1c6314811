"""Hostile request bodies against every JSON endpoint of the knowledge, models, orders and recommender services.

Issue 10, item 8: deeply nested JSON raised RecursionError → 500 in the shared reader, and /search (now /v1/search) took
32 MiB bodies. Each service runs as a real process on a free loopback port; every JSON endpoint gets
100000 '[' (and 10000, which fits every body limit, so the nesting check itself answers), invalid UTF-8,
an unpaired surrogate, NaN, an integer too long to convert, a 1 MB body and a 32 MiB body. Each answer
must be a 4xx with a structured error, and each service must still answer /health afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import (  # noqa: F401 - fixtures used by name
    KNOWLEDGE_TOKEN,
    ORDERS_EXAMPLES,
    GenerateShop,
    StartOrders,
    StartRecommender,
    generate_shop,
    models_url,
    sample_knowledge_service,
    start_orders,
    start_recommender,
)
from tests.support import free_port, http_ok, python_module, service_process

MIB = 1024 * 1024
ATTACKS: dict[str, bytes] = {
    "nested_100000": b"[" * 100_000,
    "nested_10000": b"[" * 10_000,
    "nested_objects": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "invalid_utf8": b'{"query": "\xff\xfe\xfd", "texts": ["\xc3\x28"], "order_number": "\xe2\x82"}',
    "unpaired_surrogate": b'{"query": "\\ud800", "texts": ["\\udfff"], "order_number": "\\ud800"}',
    "nul_character": b'{"query": "a\\u0000b", "texts": ["\\u0000"], "order_number": "BL-100001\\u0000"}',
    "nan": b'{"query": NaN, "texts": [Infinity], "order_number": -Infinity}',
    "huge_integer": b'{"limit": ' + b"9" * 5_000 + b', "top_k": ' + b"9" * 5_000 + b"}",
    "one_mb": b'{"query": "' + b"a" * 1_000_000 + b'", "texts": ["b"], "order_number": "BL-100001"}',
    "thirty_two_mib": b"[" + b"0," * (16 * MIB) + b"0]",
}


def post_raw(base: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POSTs `body` as application/json; returns (status, decoded JSON or the raw text)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.putrequest("POST" if not path.startswith("PUT ") else "PUT", path.removeprefix("PUT "))
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        # The server may answer (401, 413) and close before the whole body is sent: read that answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.send(body)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw[:300].decode(errors="replace")


def attack(base: str, paths: list[str], headers: dict[str, str] | None = None) -> None:
    """Every attack body to every path: a 4xx with a structured error each time, then /health still answers."""
    failures = []
    for path in paths:
        for name, body in ATTACKS.items():
            status, answer = post_raw(base, path, body, headers)
            structured = isinstance(answer, dict) and isinstance(answer.get("error"), dict)
            if not (400 <= status < 500 and structured):
                failures.append(f"{path} {name}: {status} {str(answer)[:200]}")
    assert not failures, "\n".join(failures)
    assert http_ok(f"{base}/health"), f"{base} stopped answering /health"


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with sample_knowledge_service(tmp_path_factory.mktemp("kb_hostile")) as service:
        yield service


KNOWLEDGE_ADMIN_PATHS = ["/v1/admin/documents/import", "PUT /v1/admin/documents/hostile-doc"]


def test_knowledge_public_search(knowledge: dict[str, Any]) -> None:
    attack(knowledge["base"], ["/v1/search"])
    status, answer = post_raw(knowledge["base"], "/v1/search", ATTACKS["nested_10000"])
    assert status == 400 and answer["error"]["code"] == "json_too_deep"
    status, answer = post_raw(knowledge["base"], "/v1/search", ATTACKS["one_mb"])
    assert status == 413 and answer["error"]["code"] == "body_too_large"


def test_knowledge_admin_without_and_with_the_token(knowledge: dict[str, Any]) -> None:
    base = knowledge["base"]
    # Without the token nothing is read at all.
    for path in [*KNOWLEDGE_ADMIN_PATHS, "/v1/admin/reindex", "/v1/admin/versions/1/rollback"]:
        status, answer = post_raw(base, path, ATTACKS["thirty_two_mib"])
        assert status == 401 and answer["error"]["code"] == "unauthorized", path
    attack(base, KNOWLEDGE_ADMIN_PATHS)
    # With it, the same bodies are still only 4xx (an admin's mistake is not a server error either).
    attack(base, KNOWLEDGE_ADMIN_PATHS, {"Authorization": f"Bearer {KNOWLEDGE_TOKEN}"})
    status, answer = post_raw(base, "/v1/search", json.dumps({"query": "returns"}).encode())
    assert status == 200 and answer["results"], "the service must still search after the attacks"


def test_knowledge_admin_is_off_without_a_configured_token(knowledge: dict[str, Any]) -> None:
    # A second process over the same knowledge base, started without KNOWLEDGE_ADMIN_TOKEN.
    port = free_port()
    env = {**knowledge["env"], "KNOWLEDGE_PORT": str(port), "KNOWLEDGE_ADMIN_TOKEN": ""}
    base = f"http://127.0.0.1:{port}"
    log = knowledge["root"] / "no_token.log"
    with service_process(python_module("knowledge", "serve"), f"{base}/health", env=env, log_path=log):
        for path in [*KNOWLEDGE_ADMIN_PATHS, "/v1/admin/reindex"]:
            for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {KNOWLEDGE_TOKEN}"}):
                status, answer = post_raw(base, path, b"{}", headers)
                assert status == 503 and answer["error"]["code"] == "auth_not_configured", (path, headers)
        assert post_raw(base, "/v1/search", json.dumps({"query": "returns"}).encode())[0] == 200


def test_knowledge_search_filter_lists_are_bounded(knowledge: dict[str, Any]) -> None:
    body = {"query": "returns", "filters": {"category": [f"c{n}" for n in range(1000)]}}
    status, answer = post_raw(knowledge["base"], "/v1/search", json.dumps(body).encode())
    assert status == 422 and answer["error"]["code"] == "invalid_request"


def test_models_endpoints(models_url: str) -> None:  # noqa: F811
    attack(models_url, ["/v1/language", "/v1/translate", "/v1/sentiment", "/v1/embed"])
    status, answer = post_raw(models_url, "/v1/language", ATTACKS["nested_100000"])
    assert status == 400 and answer["error"]["code"] == "json_too_deep"


def test_orders_endpoints(start_orders: StartOrders) -> None:  # noqa: F811
    with start_orders("orders_hostile", data=[ORDERS_EXAMPLES / "jsonl"]) as orders:
        attack(
            orders.url,
            [
                "/v1/orders/lookup",
                "/v1/orders/mine",
                "/v1/orders/cancel",
                "/v1/orders/change-address",
                "/v1/orders/returns",
                "/v1/quotes/landed-cost",
            ],
            {"Idempotency-Key": "hostile"},
        )
        good = json.dumps({"order_number": "BL-100001", "email": "anna.devries@example.com"}).encode()
        assert post_raw(orders.url, "/v1/orders/lookup", good)[0] == 200


def test_recommender_endpoint(generate_shop: GenerateShop, start_recommender: StartRecommender) -> None:  # noqa: F811
    shop: Path = generate_shop("hostile_shop", products=40, customers=20, orders=40)
    with start_recommender(shop, "rec_hostile") as rec:
        attack(rec.url, ["/v1/recommendations", "/v1/types/match"])
        good = json.dumps({"mode": "query", "query": "jacket"}).encode()
        assert post_raw(rec.url, "/v1/recommendations", good)[0] == 200
        assert post_raw(rec.url, "/v1/types/match", json.dumps({"texts": ["a tent"]}).encode())[0] == 200
