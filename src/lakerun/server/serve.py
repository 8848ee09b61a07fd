"""Running the control plane's server: on a thread for `lakerun up` and tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from lakerun.control.plane import ControlPlane

WS_DEFLATE = False
"""WebSocket per-message compression stays off: events are a few hundred bytes, and compressing them costs
a deflate per subscriber per event (each connection has its own compressor), so with compression every
subscriber gets its own encoding; without, one event is encoded the same way for all."""


@dataclass
class RunningServer:
    """A control-plane server on a background thread; `stop()` shuts it down."""

    url: str
    plane: ControlPlane
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Stops serving (the app's lifespan stops the control plane it owns)."""
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_in_thread(
    app: object, plane: ControlPlane, host: str, port: int, timeout: float = 30.0
) -> RunningServer:
    """Serves `app` on a daemon thread and returns once it accepts connections."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        ws_per_message_deflate=WS_DEFLATE,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lakerun-control", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"nothing is listening on {host}:{port} (is the port taken?)")
        time.sleep(0.02)
    return RunningServer(f"http://{host}:{port}", plane, server, thread)
