"""Reading request bodies and parameters into typed values, with clear 4xx errors.

Owns the one JSON reader every service uses, and with it the rules for hostile bodies: a body is at most
the route's byte limit (413 `body_too_large`, refused from Content-Length before anything is read), UTF-8
(400 `invalid_utf8`), nested at most MAX_JSON_DEPTH deep (400 `json_too_deep`, checked before the parser
runs, so the parser can never recurse into a RecursionError), free of NaN/Infinity and of numbers Python
refuses to convert (400 `malformed_json`), and without unpaired surrogate escapes or NUL characters
(400 `invalid_unicode`: they would fail later, when a string is encoded or stored in PostgreSQL, as a
500). Shape errors against the pydantic model are 422.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from svc.errors import ApiError

M = TypeVar("M", bound=BaseModel)

# No request model of ours is more than a few levels deep; 32 leaves room for free-form metadata.
MAX_JSON_DEPTH = 32
# A JSON string literal (escapes included, possibly unterminated). The possessive repeat never
# backtracks and an unterminated string runs to the end, so the scan is linear in the body's length.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")


def _too_deep(text: str, limit: int) -> bool:
    """True when `text` nests arrays/objects deeper than `limit` (brackets inside strings do not count).

    No recursion and no per-character Python loop: strings are cut out with one linear regex, then each
    pass deletes the innermost `[]`/`{}` pairs (one C-speed regex substitution), so depth d takes d passes and the
    scan stops after `limit`. Unmatched openers that remain count as depth too (100000 '[' is too deep).
    Malformed input may be misjudged; json.loads rejects it afterwards in any case.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text) if '"' in text else text)
    for _ in range(limit + 1):
        inner = _PAIR.sub("", brackets)  # one regex pass removes exactly one level
        if inner == brackets:
            return brackets.count("[") + brackets.count("{") > limit
        brackets = inner
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _check_strings(value: Any) -> None:
    """Raises 400 when any string (key or value) holds an unpaired surrogate, which no UTF-8 can carry, or a
    NUL character, which PostgreSQL text columns refuse (both would otherwise fail later, as a 500)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ApiError(400, "invalid_unicode", "body holds a NUL character (\\u0000)")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ApiError(400, "invalid_unicode", "body holds an unpaired surrogate escape") from exc
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


async def read_body(request: web.Request, max_bytes: int | None = None) -> bytes:
    """The raw body, at most `max_bytes` (default: the app's client_max_size); 413 beyond it."""
    limit = max_bytes if max_bytes is not None else request.app._client_max_size  # noqa: SLF001
    declared = request.content_length
    if declared is not None and declared > limit:
        # Refused before reading: the connection is closed afterwards rather than drained.
        raise ApiError(413, "body_too_large", f"request body exceeds {limit} bytes", limit=limit)
    if not request.body_exists:
        return b""
    # Read ourselves (not request.read()) so a chunked body without Content-Length stops at the limit too.
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"request body exceeds {limit} bytes", limit=limit)


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parses a JSON body under the rules in the module docstring; ApiError 400 otherwise."""
    if not raw.strip():
        raise ApiError(400, "empty_body", "a JSON body is required")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_utf8", f"body is not valid UTF-8 (byte {exc.start})") from exc
    if _too_deep(text, max_depth):
        raise ApiError(400, "json_too_deep", f"JSON nests deeper than {max_depth} levels", limit=max_depth)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:  # defence in depth: the scan above should have caught it
        raise ApiError(400, "json_too_deep", f"JSON nests deeper than {max_depth} levels") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers longer than Python converts
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {exc}") from exc
    _check_strings(value)
    return value


async def read_json(request: web.Request, *, max_bytes: int | None = None) -> Any:
    """The request's JSON body; 400 when it is missing, not JSON or hostile, 413 when too large."""
    return parse_json(await read_body(request, max_bytes))


def parse_model(model: type[M], data: Any) -> M:
    """Validates `data` against a pydantic model; 422 with the field errors otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()]
        raise ApiError(422, "invalid_request", "request does not match the schema", problems=problems) from exc


async def read_model(request: web.Request, model: type[M], *, max_bytes: int | None = None) -> M:
    return parse_model(model, await read_json(request, max_bytes=max_bytes))
