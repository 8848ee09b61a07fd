"""The middleware base: non-HTTP scopes and declined requests reach the app untouched; the status is watched."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from lakerun.server.asgi import HttpMiddleware, StatusWatch


class Recording(HttpMiddleware):
    """Handles GET requests only, recording the status each one answered with."""

    statuses: list[int | None]

    def wants(self, scope: Scope) -> bool:
        return scope.get("method") == "GET"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        watch = StatusWatch(send)
        await self.app(scope, receive, watch)
        self.statuses.append(watch.status)


def serve(scope: Scope) -> tuple[list[str], list[int | None], list[Message]]:
    reached: list[str] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["type"])
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = Recording(app)
    middleware.statuses = []
    asyncio.run(middleware(scope, receive, send))
    return reached, middleware.statuses, sent


def test_lifespan_and_websocket_scopes_pass_through() -> None:
    for kind in ("lifespan", "websocket"):
        reached, statuses, _ = serve({"type": kind})
        assert (reached, statuses) == ([kind], [])


def test_a_declined_request_reaches_the_app_unwatched() -> None:
    reached, statuses, sent = serve({"type": "http", "method": "POST"})
    assert (reached, statuses) == (["http"], [])
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_a_handled_request_is_answered_and_its_status_watched() -> None:
    reached, statuses, sent = serve({"type": "http", "method": "GET"})
    assert (reached, statuses) == (["http"], [204])
    assert sent[0]["status"] == 204


def test_status_is_none_before_the_response_starts() -> None:
    async def nowhere(_: Any) -> None:
        return None

    assert StatusWatch(nowhere).status is None
