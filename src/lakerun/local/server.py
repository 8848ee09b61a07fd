"""Running the local workspace: in the foreground for the CLI, or on a thread for tests and demos."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from lakerun.local.app import create_app
from lakerun.local.config import WorkspaceConfig


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(config: WorkspaceConfig) -> None:
    """Serves the workspace until interrupted (the `lakerun workspace serve` command)."""
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="warning")


@dataclass
class RunningWorkspace:
    """A workspace served on a background thread; `stop()` shuts it down cleanly."""

    config: WorkspaceConfig
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.config.url

    @property
    def token(self) -> str:
        return self.config.tokens[0]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_in_thread(config: WorkspaceConfig, timeout: float = 30.0) -> RunningWorkspace:
    """Starts the workspace on a daemon thread and returns once it accepts connections."""
    uv_config = uvicorn.Config(
        create_app(config), host=config.host, port=config.port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(target=server.run, name="lakerun-workspace", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"local workspace did not start on {config.url}")
        time.sleep(0.02)
    return RunningWorkspace(config, server, thread)
