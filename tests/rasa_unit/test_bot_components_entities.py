"""LowConfidenceEntityFilter (Rasa venv): DIET's unsure guesses go, confident and rule-based entities stay."""

from __future__ import annotations

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.entity_filter import LowConfidenceEntityFilter


def entity(value: str, extractor: str, confidence: float | None = None) -> dict:
    found = {"entity": "country", "value": value, "start": 0, "end": len(value), "extractor": extractor}
    if confidence is not None:
        found["confidence_entity"] = confidence
    return found


def test_unsure_diet_entities_are_dropped_and_the_rest_kept() -> None:
    guess = entity("Einfuhrumsatzsteuer", "DIETClassifier", 0.45)
    sure = entity("Schweiz", "DIETClassifier", 0.97)
    rule = entity("BL-100245", "RegexEntityExtractor")
    message = Message(data={TEXT: "muss ich in der Schweiz Einfuhrumsatzsteuer zahlen", ENTITIES: [guess, sure, rule]})
    (out,) = LowConfidenceEntityFilter(LowConfidenceEntityFilter.get_default_config()).process([message])
    assert out.get(ENTITIES) == [sure, rule]
    assert out.as_dict(only_output_properties=True)[ENTITIES] == [sure, rule]


def test_the_threshold_and_the_filtered_extractors_are_configurable() -> None:
    message = Message(data={TEXT: "x", ENTITIES: [entity("NO", "DIETClassifier", 0.45), entity("SE", "Other", 0.1)]})
    (out,) = LowConfidenceEntityFilter({"extractors": ["DIETClassifier"], "min_confidence": 0.4}).process([message])
    assert [e["value"] for e in out.get(ENTITIES)] == ["NO", "SE"]
    (out,) = LowConfidenceEntityFilter({"extractors": ["Other"], "min_confidence": 0.5}).process([message])
    assert [e["value"] for e in out.get(ENTITIES)] == ["NO"]


def test_a_message_without_entities_is_left_alone() -> None:
    message = Message(data={TEXT: "hello"})
    (out,) = LowConfidenceEntityFilter(LowConfidenceEntityFilter.get_default_config()).process([message])
    assert out.get(ENTITIES) is None
