"""Open WebSockets follow their token: revoked or expired, the connection is closed within a second.

One thread checks every open connection's token hash with a single query every `interval` seconds, and
only while connections are open; tokens revoked from another process (`lakerun tokens revoke`) count too.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from lakerun.control.tokens import TokenStore, still_valid

log = logging.getLogger(__name__)
REVOKED_CLOSE = 4401


class TokenWatch:
    """Sets a connection's `revoked` event once its token stops being valid."""

    def __init__(self, store: TokenStore, interval: float = 0.5) -> None:
        self.store = store
        self.interval = interval
        self._lock = threading.Lock()
        self._open: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._thread: threading.Thread | None = None

    def watch(self, token_hash: str) -> asyncio.Event:
        """An event set (on the caller's loop) when the token with this hash is revoked or expires."""
        revoked = asyncio.Event()
        with self._lock:
            self._open.setdefault(token_hash, set()).add((asyncio.get_running_loop(), revoked))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="lakerun-token-watch", daemon=True)
                self._thread.start()
        return revoked

    def forget(self, token_hash: str, revoked: asyncio.Event) -> None:
        """Stops watching one connection."""
        with self._lock:
            entries = self._open.get(token_hash, set())
            entries.discard((asyncio.get_running_loop(), revoked))
            if not entries:
                self._open.pop(token_hash, None)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._open:
                    self._thread = None
                    return
                hashes = set(self._open)
            try:
                self._close_invalid(hashes - still_valid(self.store, hashes))
            except Exception:
                log.exception("checking open connections' tokens failed; trying again")
            threading.Event().wait(self.interval)

    def _close_invalid(self, invalid: set[str]) -> None:
        with self._lock:
            entries = [entry for token_hash in invalid for entry in self._open.get(token_hash, ())]
        for loop, revoked in entries:
            if not loop.is_closed():
                loop.call_soon_threadsafe(revoked.set)


async def close_when_revoked(websocket: object, revoked: asyncio.Event) -> None:
    """Closes the WebSocket with 4401 once `revoked` is set."""
    await revoked.wait()
    await websocket.close(REVOKED_CLOSE, "API token revoked or expired")  # type: ignore[attr-defined]


def token_watch(app: object) -> TokenWatch:
    """The app's watch (one per app), created on first use."""
    state = app.state  # type: ignore[attr-defined]
    if getattr(state, "token_watch", None) is None:
        state.token_watch = TokenWatch(state.plane.ctx)
    watch: TokenWatch = state.token_watch
    return watch
