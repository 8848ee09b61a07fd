"""Mounting lakerun's API and dashboard inside an existing FastAPI app, under a prefix, sharing its lifespan."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from lakerun.control.settings import ControlSettings
from lakerun.server.app import create_app
from lakerun.server.asgi import HttpMiddleware

ABSOLUTE_LINK = re.compile(rb'((?:href|src|action|data-live-src|data-load-src)=")/(?!/)')


def mount(parent: FastAPI, settings: ControlSettings, prefix: str = "/lakerun") -> FastAPI:
    """Mounts a lakerun app at `prefix` of `parent` and runs its control plane inside `parent`'s lifespan."""
    child = create_app(settings)
    child.add_middleware(PrefixedLinks)
    parent.mount(prefix, child)
    parent.router.lifespan_context = _both(child, parent.router.lifespan_context)
    return child


def _both(
    child: FastAPI, outer: Callable[[Any], AbstractAsyncContextManager[Any]]
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The parent's lifespan with lakerun's around it: the control plane starts first and stops last."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with child.router.lifespan_context(child), outer(app) as state:
            yield state

    return lifespan


class PrefixedLinks(HttpMiddleware):
    """Puts the mount prefix in front of the dashboard's absolute links and redirects, so pages work under it."""

    def wants(self, scope: Scope) -> bool:
        """Only responses served below a non-empty root path."""
        return bool(_prefix(scope))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrites HTML bodies and `Location` headers."""
        prefix = _prefix(scope)
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = _relocated(message, prefix)
                if not _is_html(start):
                    await send(start)
                return
            if start is None or not _is_html(start):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = ABSOLUTE_LINK.sub(rb"\1" + prefix + b"/", b"".join(chunks))
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


def _prefix(scope: Scope) -> bytes:
    return str(scope.get("root_path", "")).rstrip("/").encode()


def _is_html(start: Message) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in start["headers"])


def _relocated(start: Message, prefix: bytes) -> Message:
    headers = [
        (k, prefix + v if k.lower() == b"location" and v.startswith(b"/") and not v.startswith(prefix) else v)
        for k, v in start["headers"]
    ]
    return {**start, "headers": headers}
