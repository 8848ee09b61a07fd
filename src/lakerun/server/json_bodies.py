"""API request bodies checked before any endpoint reads them: capped in size, and free of what no store
or JSON answer can hold (`NaN`, `Infinity`, lone UTF-16 surrogates), so such input is a 4xx, never a 500.

Signed callbacks and metadata batches are left alone: they read their bodies themselves, within their
own limits (an unsigned callback is refused before its body is read).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 16 * 1024 * 1024
"""Largest API request body read (16 MB); a larger one is a 413 before it is read whole."""
OWN_READERS = re.compile(r"^/v1/(attempts/[^/]+/events|metadata/batches)/?$")
"""Endpoints that read and limit their bodies themselves."""
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A `\\uD800`-`\\uDFFF` escape: a lone one decodes to a string no database or UTF-8 answer takes."""


class JsonBodies:
    """ASGI middleware: caps `/v1` request bodies and refuses JSON bodies holding non-finite numbers or
    lone surrogates with a 422 naming the problem; the body read is handed on unchanged."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") in ("GET", "HEAD", "OPTIONS")
            or not path.startswith("/v1/")
            or OWN_READERS.match(path)
        ):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._too_large(scope, receive, send)
                return
        if not headers.get("content-type", "").startswith(FORM_TYPES):
            problem = _unstorable(bytes(body))
            if problem is not None:
                where, why = problem
                answer = {"detail": [{"type": "json_invalid", "loc": ["body", *where], "msg": why}]}
                await JSONResponse({**answer, "code": "invalid_input"}, status_code=422)(scope, receive, send)
                return
        await self.app(scope, _replaying(bytes(body), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body is larger than {self.limit} bytes ({self.limit / (1024 * 1024):g} MB)"
        await JSONResponse({"detail": detail, "code": "too_large"}, status_code=413)(scope, receive, send)


def _unstorable(body: bytes) -> tuple[list[str | int], str] | None:
    """Where in a JSON body a value cannot be taken, and why (None when all can, or the body is not JSON:
    the endpoint says so)."""
    if not body:
        return None
    constants: list[_Constant] = []

    def constant(name: str) -> _Constant:
        constants.append(_Constant(name))
        return constants[-1]

    try:
        value = json.loads(body, parse_constant=constant)
        if constants:
            found = _first(value, lambda item: isinstance(item, _Constant))
            return found or [], f"{constants[0]} is not a JSON number; send a finite number"
        if SURROGATE_ESCAPE.search(body):
            found = _first(value, _lone_surrogate)
            if found is not None:
                return found, "a lone UTF-16 surrogate (\\ud800-\\udfff) is not text"
    except (ValueError, RecursionError):
        return None
    return None


class _Constant(str):
    """Stands for a `NaN` or `Infinity` the client sent, so its place can be named."""


def _lone_surrogate(item: Any) -> bool:
    if not isinstance(item, str):
        return False
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _first(value: Any, bad: Any, where: list[str | int] | None = None) -> list[str | int] | None:
    """The path to the first key or item of `value` that `bad` picks, or None."""
    where = where or []
    if bad(value):
        return where
    if isinstance(value, dict):
        for key, item in value.items():
            if bad(key):
                return [*where, "<key>"]
            found = _first(item, bad, [*where, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first(item, bad, [*where, index])
            if found is not None:
                return found
    return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
