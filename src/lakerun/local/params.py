"""Request parameters the lenient way Databricks reads them.

Databricks accepts GET parameters in a JSON body (`curl -X GET -d '{"run_id": 1}'`), bodies sent as
`text/json`, and ids as numbers or strings; every endpoint reads its inputs through here.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from lakerun.local.errors import invalid_parameter, malformed_request


async def request_params(request: Request) -> dict[str, Any]:
    """Query parameters merged with a JSON body of any content type (the body wins)."""
    params: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw.strip():
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise malformed_request(f"Invalid JSON given in the body of the request - {exc.msg}") from exc
        if not isinstance(body, dict):
            raise malformed_request("Invalid JSON given in the body of the request - expected an object")
        params.update(body)
    return params


def required(params: dict[str, Any], name: str) -> Any:
    """The value of a mandatory field, or the error Databricks gives when it is missing."""
    value = params.get(name)
    if value is None or value == "":
        raise invalid_parameter(f"Missing required field: {name}")
    return value


def as_int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    """An integer field that may arrive as a number or a numeric string."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid_parameter(f"Invalid value for {name}: expected an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise invalid_parameter(f"Invalid value for {name}: expected an integer, got {value!r}") from exc


def required_int(params: dict[str, Any], name: str) -> int:
    """A mandatory integer field (ids such as `job_id` and `run_id`)."""
    required(params, name)
    value = as_int(params, name)
    assert value is not None
    return value


def as_bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean that may arrive as JSON `true` or the query-string text `true`."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise invalid_parameter(f"Invalid value for {name}: expected a boolean, got {value!r}")
