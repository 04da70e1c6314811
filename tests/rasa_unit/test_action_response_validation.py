"""bot/action_response_validation.py: Rasa judges action-server responses exactly as before (valid ones pass, a
malformed one raises the same ValidationError with Rasa's explanation), only without re-checking the schema on
every response."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_response_validation

GOOD = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}],
        "responses": [{"text": "hi"}],
    },
]
BAD = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": ["not an object"]},
]


def verdicts(action: RemoteAction) -> list[str]:
    out = []
    for result in GOOD + BAD:
        try:
            out.append(str(action._validate_action_result(result)))
        except ValidationError as exc:
            assert exc.message.endswith("https://rasa.com/docs/rasa/custom-actions")
            out.append("invalid")
    return out


def test_the_installed_check_gives_rasas_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    action = RemoteAction("action_x", None)
    before = verdicts(action)
    # Registered with monkeypatch so that Rasa's own method is put back after this test.
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_response_validation.install()
    assert verdicts(action) == before == ["True", "True", "invalid", "invalid", "invalid"]
