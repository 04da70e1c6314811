"""Tests of the custom Rasa components; they run under the Rasa venv:

    .venv-rasa/bin/python -m pytest tests/rasa_unit

Under the app venv (no Rasa) this folder is skipped, so `pytest tests` there stays green.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest

if importlib.util.find_spec("rasa") is None:
    collect_ignore_glob = ["test_*.py"]
else:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    @pytest.fixture
    def execution_context() -> ExecutionContext:
        return ExecutionContext(GraphSchema({}), uuid.uuid4().hex, node_name="test_node")

    @pytest.fixture
    def model_storage(tmp_path: Path) -> LocalModelStorage:  # type: ignore[misc]
        return LocalModelStorage(tmp_path)

    @pytest.fixture
    def resource() -> Resource:
        return Resource(f"component-{uuid.uuid4().hex[:8]}")
