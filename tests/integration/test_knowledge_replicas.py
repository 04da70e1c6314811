"""Two knowledge-service processes (separate snapshot folders, like two hosts) swap together via Redis."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import kb_env
from tests.integration.conftest import knowledge_cli as cli
from tests.integration.test_knowledge_service import call
from tests.knowledge_samples import write_sample
from tests.support import REDIS_URL, free_port, python_module, require_server, service_process, wait_until


@pytest.fixture(scope="module")
def redis_url() -> str:
    return require_server(REDIS_URL, "Redis")


def test_a_change_on_one_replica_reaches_the_other_through_redis(tmp_path, redis_url) -> None:
    content, catalog = write_sample(tmp_path / "sample")
    channel = f"test:knowledge:{uuid.uuid4().hex}"
    shared = {
        "REDIS_URL": redis_url,
        "KNOWLEDGE_REDIS_CHANNEL": channel,
        "KNOWLEDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        # Only Redis may carry the news: the folders are not shared, and nobody polls them often.
        "KNOWLEDGE_WATCH_INTERVAL": "3600",
    }
    port_a, port_b = free_port(), free_port()
    env_a = kb_env(tmp_path / "a", port_a, KNOWLEDGE_INDEX_DIR=str(tmp_path / "a-index"), **shared)
    env_b = kb_env(tmp_path / "b", port_b, KNOWLEDGE_INDEX_DIR=str(tmp_path / "b-index"), **shared)
    boot = cli(env_a, "bootstrap", "--content", str(content), "--products", str(catalog))
    assert boot.returncode == 0, boot.stderr
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    with (
        service_process(python_module("knowledge", "serve"), f"{a}/health", env=env_a, log_path=tmp_path / "a.log"),
        service_process(python_module("knowledge", "serve"), f"{b}/health", env=env_b, log_path=tmp_path / "b.log"),
    ):
        assert call(b, "GET", "/health")[1]["version"] == 1  # B built v1 itself from SQL
        doc = {"type": "policy", "title": "Gift cards", "body": "## Expiry\nGift cards never expire."}
        status, put = call(a, "PUT", "/v1/admin/documents/gift-cards", doc)
        assert status == 200 and put["version"] == 2

        def b_serves_it() -> bool:
            body = call(b, "POST", "/v1/search", {"query": "do gift cards expire", "top_k": 1}, token=None)[1]
            return body["version"] == 2 and body["results"][0]["doc_id"] == "gift-cards"

        wait_until(b_serves_it, 30, "replica B to swap to version 2")
        status, _ = call(b, "POST", "/v1/admin/versions/1/rollback")
        assert status == 200
        wait_until(lambda: call(a, "GET", "/health")[1]["version"] == 1, 30, "replica A to roll back")
