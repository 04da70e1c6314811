"""SentimentAnnotator against the real models service process, and its degraded paths (Rasa venv)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.e5_featurizer import MultilingualE5Featurizer
from bot.components.sentiment_annotator import SentimentAnnotator
from tests.support import APP_PYTHON, REPO_ROOT, free_port, service_process


@pytest.fixture(scope="module")
def models_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    raw = yaml.safe_load((REPO_ROOT / "models" / "models.yaml").read_text())
    raw["embeddings"] = {"multilingual": raw["embeddings"]["multilingual"]}  # no torch: quicker start
    tmp = tmp_path_factory.mktemp("models")
    (tmp / "models.yaml").write_text(yaml.safe_dump(raw))
    port = free_port()
    env = {"MODELS_PORT": str(port), "MODELS_CONFIG": str(tmp / "models.yaml"), "HF_HUB_OFFLINE": "1"}
    with service_process(
        [str(APP_PYTHON), "-m", "models", "serve"],
        f"http://127.0.0.1:{port}/health",
        env=env,
        deadline_s=120,
        log_path=tmp / "models.log",
    ):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def featurizer(model_storage, resource, execution_context) -> MultilingualE5Featurizer:  # noqa: ANN001
    """The pipeline's e5 featurizer under the alias the annotator's `embedding_featurizer` names."""
    config = {**MultilingualE5Featurizer.get_default_config(), "alias": "e5"}
    return MultilingualE5Featurizer.create(config, model_storage, resource, execution_context)


def annotator(url: str, **overrides: object) -> SentimentAnnotator:
    return SentimentAnnotator({**SentimentAnnotator.get_default_config(), "url": url, "timeout_s": 5.0, **overrides})


def message(text: str, language: str | None = None, confidence: float = 0.9) -> Message:
    data = {TEXT: text}
    if language:
        data.update(language=language, language_confidence=confidence)
    return Message(data=data)


def test_sentiment_from_the_models_service(models_url: str) -> None:
    angry, happy, plain = annotator(models_url).process(
        [
            message("Das ist eine Frechheit, ich warte seit drei Wochen!", "de"),
            message("Muito obrigada, adorei a mochila!", "pt"),
            message("Wie lange dauert der Versand nach Wien?"),
        ]
    )
    assert angry.as_dict(only_output_properties=True)["sentiment"]["label"] == "negative"
    assert angry.get("sentiment")["score"] < 0 < happy.get("sentiment")["score"]
    assert happy.get("sentiment")["label"] == "positive"
    assert plain.get("sentiment")["language"] == "de"  # no language given: the service detected it
    assert plain.get("sentiment")["label"] in {"neutral", "negative", "positive"}


def test_the_e5_vector_from_the_featurizer_is_reused_and_gives_the_same_sentiment(
    models_url: str, featurizer: MultilingualE5Featurizer
) -> None:
    texts = ["Das ist eine Frechheit, ich warte seit drei Wochen!", "Muito obrigada, adorei a mochila!"]
    featurized = featurizer.process([message(t, lang) for t, lang in zip(texts, ["de", "pt"], strict=True)])
    reused = annotator(models_url, embedding_featurizer="e5").process(featurized)
    plain = annotator(models_url).process([message(t, lang) for t, lang in zip(texts, ["de", "pt"], strict=True)])
    assert [m.get("sentiment")["reused_embedding"] for m in reused] == [True, True]
    assert [m.get("sentiment")["reused_embedding"] for m in plain] == [False, False]
    assert [m.get("sentiment")["label"] for m in reused] == [m.get("sentiment")["label"] for m in plain]
    for a, b in zip(reused, plain, strict=True):
        assert a.get("sentiment")["score"] == pytest.approx(b.get("sentiment")["score"], abs=1e-3)
    # A message the featurizer never saw is annotated from its text as before.
    (bare,) = annotator(models_url, embedding_featurizer="e5").process([message("Danke, alles super!", "de")])
    assert bare.get("sentiment")["reused_embedding"] is False


def _wait_for_heads(comp: SentimentAnnotator, deadline_s: float = 30.0) -> None:
    import time

    end = time.monotonic() + deadline_s
    while comp._routes is None:  # noqa: SLF001 - the background fetch has no other observable end
        assert time.monotonic() < end, "the sentiment heads were never fetched"
        time.sleep(0.05)


def test_the_services_head_is_applied_in_process_with_the_services_results(
    models_url: str, featurizer: MultilingualE5Featurizer
) -> None:
    texts = [
        ("this is ridiculous, my package is late AGAIN and nobody answers!!!", "en"),
        ("Muito obrigada, adorei a mochila!", "pt"),
        ("Wie lange dauert der Versand nach Wien?", "de"),
        ("Je suis très déçu, le colis est arrivé cassé.", "fr"),
        ("¿Dónde está mi pedido?", None),
    ]
    local = annotator(models_url, embedding_featurizer="e5")
    local.process(featurizer.process([message("hello")]))  # the first message starts the fetch
    _wait_for_heads(local)
    # From now on no message needs the service: pointed at a dead port, the annotator still answers.
    local._endpoint = f"http://127.0.0.1:{free_port()}/v1/sentiment"  # noqa: SLF001
    mine = local.process(featurizer.process([message(t, lang) for t, lang in texts]))
    remote = annotator(models_url, embedding_featurizer="e5", in_process=False).process(
        featurizer.process([message(t, lang) for t, lang in texts])
    )
    for a, b in zip(mine, remote, strict=True):
        assert a.get("sentiment")["source"] == b.get("sentiment")["source"] == "e5-sentiment"
        assert a.get("sentiment")["label"] == b.get("sentiment")["label"]
        assert a.get("sentiment")["score"] == pytest.approx(b.get("sentiment")["score"], abs=1e-3)
    assert mine[0].get("sentiment")["label"] == "negative"


def test_service_down_gives_unknown_and_never_raises() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    (msg,) = annotator(dead, timeout_s=0.3).process([message("Where is my parcel?", "en")])
    assert msg.get("sentiment") == {"label": "unknown", "score": None, "source": "unavailable"}


class _Failing(BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        type(self).hits += 1
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b'{"error": {"code": "internal_error"}}')

    def log_message(self, *args: object) -> None:
        pass


def test_after_a_failure_the_service_is_left_alone_for_a_while() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        comp = annotator(f"http://127.0.0.1:{server.server_address[1]}", retry_after_s=60)
        results = comp.process([message(f"message {i}", "en") for i in range(5)])
        assert all(m.get("sentiment")["label"] == "unknown" for m in results)
        assert _Failing.hits == 1
    finally:
        server.shutdown()


def test_messages_without_text_and_training_data_are_left_alone(tmp_path: Path) -> None:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    comp = annotator(f"http://127.0.0.1:{free_port()}")
    (empty,) = comp.process([Message(data={TEXT: "  "})])
    assert empty.get("sentiment") is None
    data = TrainingData([message("hello")])
    assert comp.process_training_data(data).training_examples[0].get("sentiment") is None


def test_models_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS_URL", "http://models.internal:9000/")
    comp = SentimentAnnotator(SentimentAnnotator.get_default_config())
    assert comp._endpoint == "http://models.internal:9000/v1/sentiment"
