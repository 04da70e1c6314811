"""Validating the action server's responses once per schema, not once per response.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)` for every response
of the action server, and `jsonschema.validate` checks the schema itself against the JSON-Schema metaschema on
every call: 13.7 ms of the 14 ms each response costs, and 59% of the Rasa process's CPU under 50 concurrent
conversations (`benchmarks/action_response_validation.py`, BENCHMARKS.md "Load"). Every message makes at least
two action calls, all on Rasa's one event loop. `install()` replaces that method with one that validates against
a validator built once for the same schema: the same check of the response, the same `ValidationError` with the
same message on a bad response. `bot/serve.py` installs it before Rasa starts.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call, now once
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
