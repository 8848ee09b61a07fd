"""A fork server: one interpreter with the task runtime already imported forks a child per task.

Starting Python and importing the runtime costs 100-400 ms; a fork costs a few. The server sends
one JSON line per task on stdin (`{"spec": path, "env": {...}}`, the child's environment); this process answers `started <pid>` and, when the child ends,
`exited <pid> <exit code>` on stdout. It is single-threaded (forking is only safe then): a SIGCHLD
wake-up pipe and stdin are multiplexed with `select`. Each child starts its own session, so the
workspace can kill its whole process tree as for any task. The server maps `/dbfs`, `/Volumes` and
`/Workspace` once at start (`mounts`), and every forked task inherits the mapping.
"""

from __future__ import annotations

import json
import os
import select
import signal

from lakerun.local.task_runtime.mounts import map_workspace_paths
from lakerun.local.task_runtime.runner import quick_exit, run_forked

STDIN, STDOUT = 0, 1


def serve() -> int:
    """Forks a task per spec path read from stdin until stdin closes; returns the exit code."""
    root = os.environ.get("LAKERUN_WORKSPACE_ROOT")
    if root:
        map_workspace_paths(root)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    pending = b""
    while True:
        ready, _, _ = select.select([STDIN, wake_read], [], [])
        if wake_read in ready:
            _drain(wake_read)
            _report_exits()
        if STDIN in ready:
            data = os.read(STDIN, 65536)
            if not data:
                return 0
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                _fork(line.decode(), (wake_read, wake_write))


def _fork(request: str, wake: tuple[int, int]) -> None:
    """Forks one task; `started <pid>` goes out only once the child leads its own process group, so a
    cancel that follows at once can already kill the whole group."""
    task = json.loads(request)
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (*wake, ready_read):
            os.close(fd)
        os.setsid()
        os.write(ready_write, b"1")
        os.close(ready_write)
        os.environ.clear()
        os.environ.update(task["env"])
        quick_exit(run_forked(task["spec"]))
    os.close(ready_write)
    os.read(ready_read, 1)
    os.close(ready_read)
    os.write(STDOUT, f"started {pid}\n".encode())


def _report_exits() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        os.write(STDOUT, f"exited {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        return
