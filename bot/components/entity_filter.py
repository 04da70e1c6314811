"""LowConfidenceEntityFilter: drops entities that a statistical extractor found with low confidence.

DIET learns its entities from English examples. On text in other languages it sometimes tags an unknown
word with a coin-flip confidence ("Einfuhrumsatzsteuer" as a `country` at 0.45), and a slot filled from
such a guess misleads the forms and actions that read it. Entities from rule-based extractors (regexes,
lookup tables) carry no confidence and are kept.
"""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.shared.nlu.constants import ENTITIES, EXTRACTOR
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.config_only import ConfigOnlyComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LowConfidenceEntityFilter(ConfigOnlyComponent):
    """Place it after the extractors it filters and before EntitySynonymMapper."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # entities from these extractors below `min_confidence` are dropped
            "extractors": ["DIETClassifier"],
            "min_confidence": 0.6,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self._extractors = set(config["extractors"] or [])
        self._min_confidence = float(config["min_confidence"])

    def _keep(self, entity: Dict[str, Any]) -> bool:
        if entity.get(EXTRACTOR) not in self._extractors:
            return True
        confidence = entity.get(ENTITY_ATTRIBUTE_CONFIDENCE_TYPE)
        return confidence is None or float(confidence) >= self._min_confidence

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = [e for e in entities if self._keep(e)]
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training examples carry their annotated entities, which have no confidence to filter on.
        return training_data
