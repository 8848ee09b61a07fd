"""Real `lakerun serve` and `lakerun workspace serve` processes for deployment tests, with their output kept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from lakerun.local.server import free_port
from tests.support.eventually import eventually

LAKERUN = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any DATABRICKS_ or LAKERUN_ variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "LAKERUN_"))}
    return {**env, **extra}


@dataclass
class Process:
    """A started lakerun process whose combined output goes to `log`."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Interrupts it (as Ctrl+C does) and waits for it to end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(
    args: list[str], url: str, log: Path, env: Mapping[str, str], cwd: Path, ready_path: str = "/healthz"
) -> Process:
    """Starts `lakerun ARGS` and returns once `url + ready_path` answers 200 (raises with its output if not)."""
    with log.open("wb") as handle:  # the child keeps its own copy of the file descriptor
        process = subprocess.Popen(
            [LAKERUN, *args], cwd=cwd, env=dict(env), stdout=handle, stderr=subprocess.STDOUT
        )
    running = Process(url, process, log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"lakerun {' '.join(args)} exited {process.returncode}")
        return httpx.get(url + ready_path, timeout=2).status_code == 200

    try:
        eventually(ready, timeout=120, interval=0.2, ignoring=(httpx.TransportError,), what=f"{url} ready")
    except AssertionError as failure:
        running.stop()
        raise AssertionError(f"{failure}:\n{running.output()}") from None
    return running


@contextmanager
def workspace_process(folder: Path, *extra: str, env: Mapping[str, str] | None = None) -> Iterator[Process]:
    """`lakerun workspace serve` on a free port, run from `folder` with its default (relative) root."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    args = ["workspace", "serve", "--port", str(port), *extra]
    running = start(args, f"http://127.0.0.1:{port}", folder / "workspace.log", env or clean_env(), folder)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def serve_process(
    folder: Path, config: str, *extra: str, env: Mapping[str, str] | None = None, suffix: str = ".toml"
) -> Iterator[Process]:
    """`lakerun serve --config FILE` with `config` as the file's text, on a free port unless it says otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lakerun{suffix}"
    path.write_text(config)
    environ = dict(env or clean_env())
    port = int(environ.get("DATABRICKS_APP_PORT") or environ.get("LAKERUN_PORT") or free_port())
    if "DATABRICKS_APP_PORT" not in environ:
        environ["LAKERUN_PORT"] = str(port)
    args = ["serve", "--config", str(path), *extra]
    running = start(args, f"http://127.0.0.1:{port}", folder / "serve.log", environ, folder)
    try:
        yield running
    finally:
        running.stop()
