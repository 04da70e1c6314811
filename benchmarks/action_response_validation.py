"""What Rasa 3.6 spends validating one action-server response (`RemoteAction._validate_action_result`).

    .venv-rasa/bin/python benchmarks/action_response_validation.py [--calls 200]

Rasa calls `jsonschema.validate(result, RemoteAction.action_response_format_spec())` on every response, and
`jsonschema.validate` checks the schema itself against the JSON-Schema metaschema each time before validating
the response. This prints the cost per call of that, of the same validation with a validator built once
(`validator_for(schema)(schema).validate`), and of the metaschema check alone, for two typical responses of
this project: the frustration check's (no events) and a knowledge answer's (a bot message with a custom payload
and a slot). Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from jsonschema import validate, validators
from rasa.core.actions.action import RemoteAction

EMPTY = {"events": [], "responses": []}
ANSWER = {
    "events": [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}],
    "responses": [
        {
            "text": "Standard delivery to Germany takes 3-5 business days. Source: /policies/shipping",
            "buttons": [],
            "elements": [],
            "custom": {"type": "source", "url": "/policies/shipping"},
            "template": None,
            "response": None,
            "image": None,
            "attachment": None,
        }
    ],
}


def per_call_ms(fn, calls: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cached = cls(schema)
    print("command: .venv-rasa/bin/python benchmarks/action_response_validation.py", f"--calls {args.calls}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{'response':<22} {'as Rasa 3.6 does (ms)':>22} {'validator built once (ms)':>26}")
    for name, response in (("frustration check", EMPTY), ("knowledge answer", ANSWER)):
        as_rasa = per_call_ms(lambda r=response: validate(r, schema), args.calls)
        once = per_call_ms(lambda r=response: cached.validate(r), args.calls)
        print(f"{name:<22} {as_rasa:>22.2f} {once:>26.3f}")
    print(
        f"metaschema check alone (cls.check_schema): {per_call_ms(lambda: cls.check_schema(schema), args.calls):.2f} ms"
    )


if __name__ == "__main__":
    main()
