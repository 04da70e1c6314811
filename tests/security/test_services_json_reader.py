"""The shared JSON reader (svc/requests.py) on hostile bodies, in process: every one is a 4xx ApiError.

The same bodies are sent to the real services in test_services_hostile_bodies.py; here the edges of each rule
are pinned down (depth 32 passes, 33 does not; brackets inside strings do not count; valid surrogate pairs
pass, unpaired ones do not).
"""

from __future__ import annotations

from typing import Any

import pytest

from svc.errors import ApiError
from svc.requests import MAX_JSON_DEPTH, parse_json


def refused(raw: bytes) -> tuple[int, str]:
    with pytest.raises(ApiError) as info:
        parse_json(raw)
    return info.value.status, info.value.code


def test_depth_is_bounded_at_the_limit() -> None:
    ok = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(ok) is not None
    assert refused(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)) == (400, "json_too_deep")
    mixed = b'{"a":[' * 17 + b"1" + b"]}" * 17  # 34 levels of objects and arrays
    assert refused(mixed) == (400, "json_too_deep")
    for hostile in (b"[" * 100_000, b'{"a":' * 100_000, b"[" * 100_000 + b"]" * 100_000):
        assert refused(hostile) == (400, "json_too_deep")


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"q": "' + b"[" * 10_000 + b'"}', {"q": "[" * 10_000}),  # brackets in a string are text
        (b'{"q": "\\"[[[[\\\\"}', {"q": '"[[[[\\'}),  # escaped quotes do not end the string
        (b'{"e": "\\ud83d\\ude00"}', {"e": "\U0001f600"}),  # a surrogate pair is a valid character
        (b'[[1, 2], {"a": [3]}]', [[1, 2], {"a": [3]}]),
    ],
)
def test_ordinary_json_still_parses(raw: bytes, expected: Any) -> None:
    assert parse_json(raw) == expected


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"", "empty_body"),
        (b"   ", "empty_body"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b'{"a": "\xc3\x28"}', "invalid_utf8"),
        (b'{"a": "\\ud800"}', "invalid_unicode"),
        (b'{"\\udfff": 1}', "invalid_unicode"),
        (b'{"a": "x\\u0000"}', "invalid_unicode"),
        (b'{"a": NaN}', "malformed_json"),
        (b"[Infinity]", "malformed_json"),
        (b"9" * 5000, "malformed_json"),
        (b'{"a": 1', "malformed_json"),
        (b'"' + b'\\"' * 100_000, "malformed_json"),  # an unterminated string of escapes
        (b'["' * 50_000, "json_too_deep"),  # unterminated strings hide no brackets
    ],
)
def test_hostile_bodies_are_400(raw: bytes, code: str) -> None:
    assert refused(raw) == (400, code)
