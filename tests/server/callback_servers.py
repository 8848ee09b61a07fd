"""Control-plane servers sharing one database, each in its own OS process, for concurrent callback tests."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec
from tests.support.eventually import eventually

SERVER_KEY = "concurrency-key"


def quiet_settings(url: str, home: Path, port: int) -> ControlSettings:
    """Settings whose background loops never touch the attempts under test (only callbacks move them)."""
    return ControlSettings(
        home=home,
        database_url=url,
        server_key=SERVER_KEY,
        public_url=f"http://127.0.0.1:{port}",
        reconcile_interval=3600,
        launch_grace=3600,
    )


def plane_with_nowhere(settings: ControlSettings) -> ControlPlane:
    """A control plane (not started) knowing a workspace `nowhere` nobody listens on."""
    plane = ControlPlane(settings)
    plane.register_workspace(
        WorkspaceSpec(name="nowhere", host="http://127.0.0.1:9", token_ref="env:LAKERUN_TEST_NOWHERE_TOKEN")
    )
    return plane


def serve_forever(url: str, home: str, port: int) -> None:
    """Entry point of a server process: the /v1 app on `port`, its control plane not started."""
    import uvicorn

    from lakerun.server.app import create_app

    settings = quiet_settings(url, Path(home), port)
    app = create_app(settings, ControlPlane(settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _wait_listening(url: str, process: multiprocessing.process.BaseProcess, timeout: float = 60) -> None:
    def answers() -> bool:
        if not process.is_alive():
            raise AssertionError(f"server process at {url} exited before listening")
        return bool(httpx.get(f"{url}/healthz", timeout=1))

    eventually(answers, timeout=timeout, interval=0.1, ignoring=(httpx.HTTPError,), what=f"{url} listening")


@contextmanager
def server_processes(url: str, home: Path, count: int) -> Iterator[list[str]]:
    """`count` server processes on the database `url`; yields their base URLs and stops them afterwards."""
    from lakerun.local.server import free_port

    context = multiprocessing.get_context("spawn")
    started: list[tuple[multiprocessing.process.BaseProcess, str]] = []
    try:
        for index in range(count):
            port = free_port()
            spawned = context.Process(
                target=serve_forever, args=(url, str(home / f"proc-{index}"), port), daemon=True
            )
            spawned.start()
            started.append((spawned, f"http://127.0.0.1:{port}"))
        for process, base in started:
            _wait_listening(base, process)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.join(timeout=10)
