"""The shared shape of the server's pure-ASGI middlewares, so each one holds only what it does to a request."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpMiddleware:
    """An ASGI middleware for HTTP requests: lifespan and WebSocket scopes, and requests `wants` declines,
    pass straight through to the app; the others go to `handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hands an HTTP request this middleware wants to `handle`, anything else to the app."""
        if scope["type"] != "http" or not self.wants(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    def wants(self, scope: Scope) -> bool:
        """Whether this HTTP request is one the middleware acts on (all of them unless narrowed)."""
        return True

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serves one HTTP request through `self.app`."""
        raise NotImplementedError


class StatusWatch:
    """A `send` that passes every message on and remembers the response's status once it has started."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        """Sends `message`, noting the status of an `http.response.start`."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)
