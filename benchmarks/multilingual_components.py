"""Per-component latency of the custom Rasa NLU components, one message at a time, as the Rasa server
runs them: LanguageDetector, MultilingualE5Featurizer, SentimentAnnotator (over HTTP to a real models
service) and language ID + sentiment together (the figure the 30 ms p50 target is about) — with the
annotator embedding the text in the service, and as config.yml runs it, sending the featurizer's e5 vector
along (`embedding_featurizer: e5`), which the featurizer has computed anyway for the intent classifiers.

Run (Rasa venv): .venv-rasa/bin/python benchmarks/multilingual_components.py
It starts the models service (`.venv/bin/python -m models serve`, shipped config minus the English
sentence-transformers embedder) on a free loopback port, unless MODELS_URL is set.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks.multilingual_common import REPO_ROOT, header, latency_line, load_jsonl  # noqa: E402
from tests.support import APP_PYTHON, free_port, http_ok, wait_until  # noqa: E402


def main() -> None:
    logging.disable(logging.WARNING)
    header("Custom Rasa component latency")
    import yaml
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.e5_featurizer import MultilingualE5Featurizer
    from bot.components.language_detector import LanguageDetector
    from bot.components.sentiment_annotator import SentimentAnnotator

    proc = None
    url = os.environ.get("MODELS_URL")
    if not url:
        raw = yaml.safe_load((REPO_ROOT / "models" / "models.yaml").read_text())
        raw["embeddings"] = {"multilingual": raw["embeddings"]["multilingual"]}
        tmp = Path(tempfile.mkdtemp())
        (tmp / "models.yaml").write_text(yaml.safe_dump(raw))
        port = free_port()
        env = {**os.environ, "MODELS_PORT": str(port), "MODELS_CONFIG": str(tmp / "models.yaml"), "HF_HUB_OFFLINE": "1"}
        env.pop("REDIS_URL", None)
        proc = subprocess.Popen(
            [str(APP_PYTHON), "-m", "models", "serve"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/health"), 120, "models service")
    try:
        tmpdir = Path(tempfile.mkdtemp())
        ctx = ExecutionContext(GraphSchema({}), uuid.uuid4().hex, node_name="bench")
        storage, resource = LocalModelStorage(tmpdir), Resource("bench")
        detector = LanguageDetector.create(LanguageDetector.get_default_config(), storage, resource, ctx)
        featurizer = MultilingualE5Featurizer.create(
            {**MultilingualE5Featurizer.get_default_config(), "alias": "e5"}, storage, resource, ctx
        )
        annotator = SentimentAnnotator.create(
            {**SentimentAnnotator.get_default_config(), "url": url, "timeout_s": 2.0}, storage, resource, ctx
        )
        reusing = SentimentAnnotator.create(
            {**SentimentAnnotator.get_default_config(), "url": url, "timeout_s": 2.0, "embedding_featurizer": "e5"},
            storage,
            resource,
            ctx,
        )
        texts = [r["text"] for r in load_jsonl("intents.jsonl")] + [r["text"] for r in load_jsonl("sentiment.jsonl")]
        for comp in (detector, featurizer, annotator):  # warm up
            comp.process([Message(data={TEXT: "warm up message"})])
        times: dict[str, list[float]] = {
            "detector": [],
            "featurizer": [],
            "sentiment": [],
            "langid+sentiment": [],
            "reusing": [],
            "langid+reusing": [],
        }
        unknown = reused = 0
        for text in texts:
            msg = Message(data={TEXT: text})
            t0 = time.perf_counter()
            detector.process([msg])
            t1 = time.perf_counter()
            annotator.process([msg])
            t2 = time.perf_counter()
            featurizer.process([msg])
            t3 = time.perf_counter()
            times["detector"].append(t1 - t0)
            times["sentiment"].append(t2 - t1)
            times["langid+sentiment"].append(t2 - t0)
            times["featurizer"].append(t3 - t2)
            unknown += msg.get("sentiment", {}).get("label") == "unknown"
            # As config.yml runs it: the featurizer's vector (computed above) goes along to the service.
            t4 = time.perf_counter()
            reusing.process([msg])
            t5 = time.perf_counter()
            times["reusing"].append(t5 - t4)
            times["langid+reusing"].append(t1 - t0 + t5 - t4)
            reused += bool(msg.get("sentiment", {}).get("reused_embedding"))
        print(f"{len(texts)} messages (intent and sentiment test sets), one at a time; models service at {url}")
        print(latency_line("LanguageDetector", times["detector"]))
        print(latency_line("SentimentAnnotator (HTTP)", times["sentiment"]))
        print(latency_line("LanguageDetector + SentimentAnnotator", times["langid+sentiment"]))
        print(latency_line("MultilingualE5Featurizer", times["featurizer"]))
        print(latency_line("SentimentAnnotator reusing e5 vector", times["reusing"]))
        print(latency_line("LanguageDetector + annotator reusing", times["langid+reusing"]))
        print(f"sentiment unknown (service unavailable/slow): {unknown}/{len(texts)}")
        print(f"e5 vector reused by the service: {reused}/{len(texts)}")
        dead = SentimentAnnotator.create(
            {**SentimentAnnotator.get_default_config(), "url": f"http://127.0.0.1:{free_port()}"},
            storage,
            resource,
            ctx,
        )
        dead_times = []
        for text in texts[:50]:
            t0 = time.perf_counter()
            dead.process([Message(data={TEXT: text})])
            dead_times.append(time.perf_counter() - t0)
        print(latency_line("SentimentAnnotator, service down", dead_times))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
