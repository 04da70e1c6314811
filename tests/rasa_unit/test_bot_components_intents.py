"""E5IntentClassifier (persist/load, which messages it answers) and a real `rasa train nlu` + parse with every
custom component in the pipeline (Rasa venv)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.e5_featurizer import MultilingualE5Featurizer
from bot.components.e5_intent_classifier import E5IntentClassifier
from bot.components.language_detector import LanguageDetector

REPO_ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = {
    "ask_shipping": [
        "how long does shipping take",
        "do you ship to Canada",
        "what are the delivery costs",
        "when will it be delivered",
        "shipping times to France",
    ],
    "ask_returns": [
        "how do I return an item",
        "can I send it back",
        "what is your return policy",
        "I want a refund for my jacket",
        "how many days to return",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hello bot"],
}


def featurized(model_storage, resource, execution_context, texts_and_intents):  # type: ignore[no-untyped-def]
    detector = LanguageDetector.create(
        LanguageDetector.get_default_config(), model_storage, resource, execution_context
    )
    featurizer = MultilingualE5Featurizer.create(
        {**MultilingualE5Featurizer.get_default_config(), "alias": "e5"}, model_storage, resource, execution_context
    )
    messages = [Message(data={TEXT: t, **({INTENT: i} if i else {})}) for t, i in texts_and_intents]
    return featurizer.process(detector.process(messages))


def test_trains_persists_and_answers_for_other_languages(model_storage, resource, execution_context) -> None:  # type: ignore[no-untyped-def]
    config = {**E5IntentClassifier.get_default_config(), "featurizer": "e5"}
    train = featurized(model_storage, resource, execution_context, [(t, i) for i, ts in EXAMPLES.items() for t in ts])
    E5IntentClassifier.create(config, model_storage, resource, execution_context).train(TrainingData(train))
    loaded = E5IntentClassifier.load(config, model_storage, resource, execution_context)

    german, english = featurized(
        model_storage,
        resource,
        execution_context,
        [("Wie lange dauert der Versand nach Kanada?", None), ("how long does shipping take", None)],
    )
    english.set(INTENT, {"name": "from_diet", "confidence": 0.99}, add_to_output=True)
    loaded.process([german, english])
    assert german.get(INTENT)["name"] == "ask_shipping"
    assert german.get("intent_ranking")[0]["name"] == "ask_shipping"
    assert german.as_dict(only_output_properties=True)["intent_source"] == "E5IntentClassifier"
    assert english.get(INTENT)["name"] == "from_diet"  # English stays with DIET

    # A message the detector is unsure of is not left to the English DIET ("ciao" reads as English at 0.2).
    unsure = Message(data={TEXT: "ciao", "language": "en", "language_confidence": 0.2})
    unsure.features = english.features  # any e5 vector will do: only who answers is checked here
    unsure.set(INTENT, {"name": "from_diet", "confidence": 0.9}, add_to_output=True)
    loaded.process([unsure])
    assert unsure.get(INTENT)["name"] != "from_diet"

    always = E5IntentClassifier.load({**config, "mode": "always"}, model_storage, resource, execution_context)
    always.process([english])
    assert english.get(INTENT)["name"] == "ask_shipping"


def test_untrained_classifier_leaves_messages_alone(model_storage, resource, execution_context) -> None:  # type: ignore[no-untyped-def]
    comp = E5IntentClassifier.load(E5IntentClassifier.get_default_config(), model_storage, resource, execution_context)
    msg = Message(data={TEXT: "Wo ist mein Paket?", "language": "de", "language_confidence": 0.99})
    comp.process([msg])
    assert msg.get(INTENT) is None


PIPELINE = """
recipe: default.v1
language: en
assistant_id: components-test
pipeline:
  - name: bot.components.language_detector.LanguageDetector
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: bot.components.e5_featurizer.MultilingualE5Featurizer
    alias: e5
  - name: DIETClassifier
    epochs: 5
    random_seed: 7
  - name: bot.components.e5_intent_classifier.E5IntentClassifier
    featurizer: e5
  - name: bot.components.sentiment_annotator.SentimentAnnotator
    url: http://127.0.0.1:9
    timeout_s: 0.2
policies: []
"""


def test_rasa_trains_and_parses_with_the_components(tmp_path: Path) -> None:
    nlu = ['version: "3.1"', "nlu:"]
    for intent, texts in EXAMPLES.items():
        nlu.append(f"  - intent: {intent}\n    examples: |")
        nlu += [f"      - {t}" for t in texts]
    (tmp_path / "nlu.yml").write_text("\n".join(nlu) + "\n")
    (tmp_path / "config.yml").write_text(PIPELINE)
    (tmp_path / "domain.yml").write_text('version: "3.1"\nintents: [ask_shipping, ask_returns, greet]\n')
    rasa = Path(sys.executable).parent / "rasa"
    subprocess.run(
        [
            str(rasa),
            "train",
            "nlu",
            "--nlu",
            str(tmp_path / "nlu.yml"),
            "--config",
            str(tmp_path / "config.yml"),
            "--domain",
            str(tmp_path / "domain.yml"),
            "--out",
            str(tmp_path / "models"),
            "--fixed-model-name",
            "m",
        ],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    from rasa.core.agent import Agent

    agent = Agent.load(str(tmp_path / "models" / "m.tar.gz"))
    parsed = asyncio.run(agent.parse_message("¿Cómo puedo devolver un artículo?"))
    assert parsed["language"] == "es"
    assert parsed["intent"]["name"] == "ask_returns"
    assert parsed["intent_source"] == "E5IntentClassifier"
    assert parsed["sentiment"]["label"] == "unknown"  # nothing listens on the configured URL
    english = asyncio.run(agent.parse_message("hello there"))
    assert english["language"] == "en" and "intent_source" not in english
