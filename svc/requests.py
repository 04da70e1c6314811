"""Reading request bodies and parameters into typed values, with clear 4xx errors."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from svc.errors import ApiError

M = TypeVar("M", bound=BaseModel)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; 400 when it is missing or not JSON, 413 when too large."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, "body_too_large", f"request body exceeds {exc.max_size} bytes") from exc
    if not raw.strip():
        raise ApiError(400, "empty_body", "a JSON body is required")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {exc}") from exc


def parse_model(model: type[M], data: Any) -> M:
    """Validates `data` against a pydantic model; 422 with the field errors otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()]
        raise ApiError(422, "invalid_request", "request does not match the schema", problems=problems) from exc


async def read_model(request: web.Request, model: type[M]) -> M:
    return parse_model(model, await read_json(request))
