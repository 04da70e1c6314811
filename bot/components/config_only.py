"""ConfigOnlyComponent: the base of the custom NLU components that are built from their config alone
(nothing trained, nothing stored), so each does not repeat Rasa's `create` constructor."""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class ConfigOnlyComponent(GraphComponent):
    """Subclasses take their merged config (defaults + config.yml) in `__init__`."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)
