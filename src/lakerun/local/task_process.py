"""Task attempts as real OS processes: each in its own process group, output captured to a file."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import lakerun
from lakerun.local.task_params import LaunchError
from lakerun.local.task_spec import FORK_SERVER_FLAG, LOG_FILE, TaskSpec

SOURCE_ROOT = str(Path(lakerun.__file__).resolve().parent.parent)
KILL_GRACE_SECONDS = 2.0
RUNTIME_MODULE = "lakerun.local.task_runtime"
LOST_EXIT_CODE = -1


def python_for_task(root: Path, settings: dict[str, Any], libraries: list[dict[str, Any]]) -> str:
    """The interpreter of the task's environment (its cluster plus its own libraries)."""
    try:
        environments = importlib.import_module("lakerun.local.environments")
    except ImportError:
        return sys.executable
    cluster_id = settings.get("existing_cluster_id")
    try:
        return str(environments.python_for(root, cluster_id, libraries))
    except getattr(environments, "LibraryInstallationError", RuntimeError) as exc:
        raise LaunchError(f"Library installation failed: {exc}", "LIBRARY_INSTALLATION_ERROR") from exc


class TaskHandle(Protocol):
    """A started task process: its pid (also its process group) and a way to wait for its exit code."""

    pid: int

    def wait(self) -> int:
        """Blocks until the process ends and returns its exit code (negative: killed by a signal)."""
        ...


@dataclass
class ForkedTask:
    """A task process forked by the fork server (a grandchild, so its exit comes by message)."""

    pid: int
    server: ForkServer

    def wait(self) -> int:
        """The exit code the fork server reports."""
        return self.server.exit_code(self.pid)


class ForkServer:
    """Client of `python -m lakerun.local.task_runtime --fork-server`, for default-environment tasks.

    Forking a warm interpreter makes a trivial task's run-now -> TERMINATED tens of milliseconds
    instead of the hundreds a fresh interpreter start costs. Each request carries the task's
    environment variables, which the child takes on; tasks in other interpreters, or with another
    PYTHONPATH (read only at interpreter start), get a fresh process instead.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._env: dict[str, str] = {}
        self._lock = threading.Lock()
        self._starts: dict[int, deque[Future[int]]] = {}
        """Per fork-server process, the task starts it has been asked for and not yet answered, in order."""
        self._exits: dict[int, Future[int]] = {}

    def warm_up(self, env: dict[str, str]) -> None:
        """Starts the fork server ahead of the first task."""
        with self._lock:
            self._ensure(sys.executable, env)

    def start(self, spec_path: Path, python: str, env: dict[str, str]) -> ForkedTask | None:
        """Forks a task process, or None when this task needs a fresh interpreter."""
        started: Future[int] = Future()
        with self._lock:
            process = self._ensure(python, env)
            if process is None or process.stdin is None:
                return None
            self._starts[process.pid].append(started)
            process.stdin.write(json.dumps({"spec": str(spec_path), "env": env}).encode() + b"\n")
            process.stdin.flush()
        return ForkedTask(started.result(timeout=60), self)

    def exit_code(self, pid: int) -> int:
        """Blocks until the forked task `pid` ends."""
        return self._exit(pid).result()

    def close(self) -> None:
        """Stops the fork server (running tasks are ended by the engine beforehand)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            _close_stdin(process)

    def _ensure(self, python: str, env: dict[str, str]) -> subprocess.Popen[bytes] | None:
        if python != sys.executable:
            return None
        if self._process is not None and self._process.poll() is None:
            same_path = env.get("PYTHONPATH") == self._env.get("PYTHONPATH")
            return self._process if same_path else None
        if self._process is not None:
            _close_stdin(self._process)  # the old server has exited: only its pipe is left to release
        self._env = env
        self._process = subprocess.Popen(
            [python, "-m", RUNTIME_MODULE, FORK_SERVER_FLAG],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._starts[self._process.pid] = deque()
        threading.Thread(target=self._read, args=(self._process,), daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        """Answers this fork server's own pending starts (a replaced server never takes a newer one's)."""
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                kind, *values = line.decode().split()
                if kind == "started":
                    with self._lock:
                        pending = self._starts[process.pid].popleft()
                    pending.set_result(int(values[0]))
                elif kind == "exited":
                    self._exit(int(values[0])).set_result(int(values[1]))
        with self._lock:
            unanswered = self._starts.pop(process.pid, deque())
            orphans = [future for future in self._exits.values() if not future.done()]
        for pending in unanswered:
            pending.set_exception(RuntimeError("the task fork server stopped"))
        for future in orphans:
            future.set_result(LOST_EXIT_CODE)

    def _exit(self, pid: int) -> Future[int]:
        with self._lock:
            return self._exits.setdefault(pid, Future())


def _close_stdin(process: subprocess.Popen[bytes]) -> None:
    """Releases the pipe to an ended fork server (a write to it could only fail)."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()


def spawn(
    spec: TaskSpec, python: str, folder: Path, env: dict[str, str], forks: ForkServer | None = None
) -> TaskHandle:
    """Starts the task process in a new session (so its whole tree can be killed) and returns it."""
    spec_path = spec.write(folder)
    environment = task_environment(env)
    forked = forks.start(spec_path, python, environment) if forks else None
    if forked is not None:
        return forked
    with (folder / LOG_FILE).open("ab") as log:
        return _start(python, [str(spec_path)], environment, cwd=folder, stdin=subprocess.DEVNULL, log=log)


def task_environment(env: dict[str, str]) -> dict[str, str]:
    """The server's environment plus the task's variables, with lakerun importable."""
    environment = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
    environment.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return environment


def _start(
    python: str, args: list[str], env: dict[str, str], *, cwd: Path | None, stdin: int, log: Any = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [python, "-m", RUNTIME_MODULE, *args],
        stdin=stdin,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )


def kill_tree(pgid: int, grace: float = KILL_GRACE_SECONDS) -> None:
    """Ends a task's whole process group: SIGTERM, then SIGKILL for whatever is left after `grace`."""
    if not _signal(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.02)
    _signal(pgid, signal.SIGKILL)


def reap_leftovers(pgid: int) -> None:
    """Kills processes a finished task left behind in its group (background children)."""
    _signal(pgid, signal.SIGKILL)


def is_task_group(pgid: int) -> bool:
    """Whether `pgid` still leads a task process of this workspace (guards against reused pids)."""
    try:
        cmdline = Path(f"/proc/{pgid}/cmdline").read_bytes()
    except OSError:
        return _group_alive(pgid)
    return RUNTIME_MODULE.encode() in cmdline


def _signal(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
