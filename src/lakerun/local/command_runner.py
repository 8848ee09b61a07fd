"""The Python process behind one command context: runs commands sent as JSON lines, keeping state.

Started as a script by `command_contexts`, with only the standard library, so it works in any
environment. Each request is `{"command", "capture"}`; everything the command writes to file
descriptors 1 and 2 (its own prints, child processes, pip) goes to the `capture` file, and the
reply on the saved original stdout is `{"status": "ok"|"error"|"cancelled", ...}`. SIGINT cancels
the command in progress.
"""

from __future__ import annotations

import ast
import importlib
import json
import linecache
import os
import shlex
import signal
import site
import subprocess
import sys
import sysconfig
import traceback
from types import FrameType
from typing import Any, TextIO

NAMESPACE: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
_busy = False
_counter = 0


def main() -> None:
    """Serves commands until stdin closes."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    silent_input = os.open(os.devnull, os.O_RDONLY)
    os.dup2(silent_input, 0)
    signal.signal(signal.SIGINT, _interrupt)
    _map_workspace_paths()
    NAMESPACE.update(_databricks_globals())
    _reply(replies, {"status": "ready"})
    for line in requests:
        request = json.loads(line)
        _reply(replies, run_captured(request["command"], request["capture"]))


def run_captured(command: str, capture_path: str) -> dict[str, Any]:
    """Runs one command with file descriptors 1 and 2 sent to `capture_path`."""
    global _busy
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with open(capture_path, "wb") as capture:
        os.dup2(capture.fileno(), 1)
        os.dup2(capture.fileno(), 2)
        try:
            _busy = True
            outcome = execute(command)
        finally:
            _busy = False
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    return outcome


def execute(command: str) -> dict[str, Any]:
    """The outcome of one command: its last expression's repr, an error, or a cancellation."""
    try:
        value = None
        if _is_magic(command):
            run_magics(command)
        else:
            value = run_python(command)
    except KeyboardInterrupt:
        return {"status": "cancelled"}
    except BaseException as exc:
        return {"status": "error", "summary": f"{type(exc).__name__}: {exc}", "cause": _user_traceback(exc)}
    return {"status": "ok", "value": value}


def run_python(source: str) -> str | None:
    """Executes Python in the context's namespace; returns the repr of a final expression."""
    global _counter
    _counter += 1
    filename = f"<command-{_counter}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    tree = ast.parse(source, filename=filename, mode="exec")
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        exec(compile(tree, filename, "exec"), NAMESPACE)
        return None
    tree.body.pop()
    exec(compile(tree, filename, "exec"), NAMESPACE)
    value = eval(compile(ast.Expression(last.value), filename, "eval"), NAMESPACE)
    return None if value is None else repr(value)


def run_magics(command: str) -> None:
    """Runs `%pip`, `%sh` and `%md` cells the way a Databricks notebook does."""
    lines = command.strip().splitlines()
    magic, _, rest = lines[0].strip().partition(" ")
    body = "\n".join([rest, *lines[1:]]).strip()
    if magic == "%pip":
        for line in lines:
            _pip(line.strip().removeprefix("%pip").strip())
    elif magic == "%sh":
        _check(subprocess.run(body, shell=True, check=False).returncode, "%sh command")
    elif magic == "%python":
        run_python(body)
    elif magic != "%md":
        raise ValueError(
            f"Magic command {magic} is not supported by the local workspace (use %pip, %sh, %md)"
        )


def _pip(arguments: str) -> None:
    if not arguments:
        return
    command = [sys.executable, "-m", "pip", *shlex.split(arguments), "--disable-pip-version-check"]
    _check(subprocess.run(command, check=False).returncode, "%pip " + arguments)
    importlib.invalidate_caches()
    site.addsitedir(sysconfig.get_paths()["purelib"])


def _map_workspace_paths() -> None:
    """`/dbfs`, `/Volumes` and `/Workspace` show the workspace here, as in tasks (when lakerun is importable)."""
    root = os.environ.get("LAKERUN_WORKSPACE_ROOT")
    if not root:
        return
    try:
        from lakerun.local.task_runtime.mounts import map_workspace_paths

        map_workspace_paths(root)
    except Exception as exc:
        print(f"lakerun: /dbfs, /Volumes and /Workspace are not mapped here: {exc!r}", file=sys.stderr)


def _databricks_globals() -> dict[str, Any]:
    """`dbutils` and `spark` when lakerun is importable here; a context works without them."""
    try:
        from lakerun.local.context_globals import notebook_globals

        return notebook_globals()
    except Exception as exc:
        print(f"lakerun: no dbutils/spark in this context: {exc!r}", file=sys.stderr)
        return {}


def _user_traceback(exc: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.abspath(frame.filename) != os.path.abspath(__file__)
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "Traceback (most recent call last):\n" + "".join(lines) if frames else "".join(lines)


def _check(returncode: int, what: str) -> None:
    if returncode != 0:
        raise RuntimeError(f"{what} failed with exit code {returncode}")


def _is_magic(command: str) -> bool:
    return command.lstrip().startswith("%")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    if _busy:
        raise KeyboardInterrupt


def _reply(stream: TextIO, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


if __name__ == "__main__":
    main()
