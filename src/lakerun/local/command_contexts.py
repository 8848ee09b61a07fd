"""Execution contexts of the Commands API: one long-lived Python process per context, run in order.

A context runs `command_runner.py` in its own small venv layered on its cluster's environment, so
`%pip install` inside it affects only that context, as notebook-scoped libraries do on Databricks.
Commands queue per context and move Queued → Running → Finished (or Cancelled); a Python exception
is a Finished command whose result has `resultType: error`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lakerun.local.context_globals import CONTEXT_DIR_VARIABLE, ROOT_VARIABLE
from lakerun.local.environments import create_layered_venv, python_for
from lakerun.local.errors import DatabricksError, does_not_exist, invalid_parameter

RUNNER = Path(__file__).with_name("command_runner.py")
MAX_CONTEXTS_PER_CLUSTER = 145
MAX_RESULT_CHARS = 1024 * 1024
START_TIMEOUT_SECONDS = 120
KEPT_COMMANDS = 10_000


@dataclass
class Command:
    """One submitted command and, once done, its result in the API's shape."""

    id: str
    context_id: str
    text: str
    status: str = "Queued"
    results: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def finish(self, status: str, results: dict[str, Any] | None) -> None:
        """Records the final status and results, and wakes whoever waits for them."""
        self.status, self.results = status, results
        self.done.set()

    def as_status(self) -> dict[str, Any]:
        """The body of `commands/status`."""
        body: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.results is not None:
            body["results"] = self.results
        return body


@dataclass
class Context:
    """A context: its process, its command queue and its folder."""

    id: str
    cluster_id: str
    folder: Path
    status: str = "Pending"
    error: str | None = None
    process: subprocess.Popen[str] | None = None
    pending: queue.Queue[Command | None] = field(default_factory=queue.Queue)
    running: Command | None = None
    ready: threading.Event = field(default_factory=threading.Event)


class CommandContexts:
    """Every context and command of one workspace, in memory (contexts end with the server)."""

    def __init__(self, root: Path, environ: dict[str, str]) -> None:
        self._root = root
        self._environ = environ
        self._contexts: dict[str, Context] = {}
        self._commands: dict[str, Command] = {}
        self._lock = threading.Lock()

    def create(self, cluster_id: str) -> Context:
        """Starts a context on a cluster; it is Pending until its process answers."""
        with self._lock:
            used = sum(
                1 for c in self._contexts.values() if c.cluster_id == cluster_id and c.status != "Error"
            )
            if used >= MAX_CONTEXTS_PER_CLUSTER:
                raise DatabricksError(
                    400,
                    "RESOURCE_LIMIT_EXCEEDED",
                    f"Too many execution contexts ({used}) on cluster {cluster_id}",
                )
            context_id = str(secrets.randbelow(9 * 10**18) + 10**18)
            context = Context(context_id, cluster_id, self._root / "contexts" / context_id)
            self._contexts[context_id] = context
        threading.Thread(
            target=self._serve, args=(context,), name=f"context-{context_id}", daemon=True
        ).start()
        return context

    def get(self, cluster_id: str, context_id: str) -> Context:
        """A context of a cluster, or RESOURCE_DOES_NOT_EXIST."""
        context = self._contexts.get(str(context_id))
        if context is None or context.cluster_id != cluster_id:
            raise does_not_exist(f"Context {context_id} does not exist on cluster {cluster_id}.")
        return context

    def destroy(self, cluster_id: str, context_id: str) -> None:
        """Ends a context's process and forgets it; queued commands are cancelled."""
        context = self.get(cluster_id, context_id)
        with self._lock:
            self._contexts.pop(context.id, None)
        self._stop(context)

    def execute(self, context: Context, text: str) -> Command:
        """Queues a command on a context."""
        if context.status == "Error":
            raise invalid_parameter(f"Context {context.id} is in an error state: {context.error}")
        command = Command(secrets.token_hex(16), context.id, text)
        self.record(command)
        context.pending.put(command)
        return command

    def record(self, command: Command) -> None:
        """Registers a command (also ones run outside any context), forgetting the oldest finished ones."""
        with self._lock:
            self._commands[command.id] = command
            if len(self._commands) > KEPT_COMMANDS:
                finished = [c.id for c in self._commands.values() if c.done.is_set()]
                for command_id in finished[: len(self._commands) - KEPT_COMMANDS]:
                    del self._commands[command_id]

    def command(self, command_id: str) -> Command:
        """A command by id, or RESOURCE_DOES_NOT_EXIST."""
        found = self._commands.get(str(command_id))
        if found is None:
            raise does_not_exist(f"Command {command_id} does not exist.")
        return found

    def cancel(self, command: Command) -> None:
        """Cancels a queued command at once, or interrupts a running one (asynchronous)."""
        if command.status == "Queued":
            command.finish("Cancelled", None)
            return
        context = self._contexts.get(command.context_id)
        if command.status == "Running" and context and context.process and context.running is command:
            command.status = "Cancelling"
            os.kill(context.process.pid, signal.SIGINT)

    def wait_until_ready(self, context: Context, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Blocks until a context has started (or failed to)."""
        context.ready.wait(timeout)

    def shutdown(self) -> None:
        """Ends every context process (server shutdown)."""
        with self._lock:
            contexts = list(self._contexts.values())
            self._contexts.clear()
        for context in contexts:
            self._stop(context)

    def _serve(self, context: Context) -> None:
        try:
            process = self._start(context)
        except Exception as exc:
            context.status, context.error = "Error", str(exc)
            context.ready.set()
            self._drain(context, f"The context failed to start: {exc}")
            return
        context.process, context.status = process, "Running"
        context.ready.set()
        while (command := context.pending.get()) is not None:
            if command.status == "Cancelled":
                continue
            self._run(context, process, command)
            if context.status == "Error":
                self._drain(context, context.error or "The context failed")
                return

    def _start(self, context: Context) -> subprocess.Popen[str]:
        base_python = python_for(self._root, context.cluster_id, [])
        python = create_layered_venv(context.folder / "venv", base_python)
        log = (context.folder / "context.log").open("w")
        process = subprocess.Popen(
            [str(python), "-u", str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=context.folder,
            env={
                **os.environ,
                **self._environ,
                ROOT_VARIABLE: str(self._root),
                CONTEXT_DIR_VARIABLE: str(context.folder),
            },
            text=True,
            start_new_session=True,
        )
        log.close()
        if (_read_reply(process.stdout) or {}).get("status") != "ready":
            process.kill()
            raise RuntimeError(
                (context.folder / "context.log").read_text()[-2000:] or "no answer from the process"
            )
        return process

    def _run(self, context: Context, process: subprocess.Popen[str], command: Command) -> None:
        capture = context.folder / "output.txt"
        context.running, command.status = command, "Running"
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps({"command": command.text, "capture": str(capture)}) + "\n")
            process.stdin.flush()
            reply = _read_reply(process.stdout)
        except (OSError, ValueError):
            reply = None
        output = capture.read_text(errors="replace") if capture.exists() else ""
        context.running = None
        if reply is None:
            context.status, context.error = "Error", _exit_message(process)
            reply = {"status": "error", "summary": context.error, "cause": ""}
        command.finish(*outcome_results(reply, output))

    def _drain(self, context: Context, message: str) -> None:
        while not context.pending.empty():
            command = context.pending.get_nowait()
            if command is not None and command.status == "Queued":
                command.finish("Error", {"resultType": "error", "summary": message, "cause": message})

    def _stop(self, context: Context) -> None:
        self._drain(context, "The context was destroyed")
        context.pending.put(None)
        process = context.process
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if process:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError, ValueError):  # a reader may still hold it; EOF ends it
                        pipe.close()
        shutil.rmtree(context.folder, ignore_errors=True)


def outcome_results(reply: dict[str, Any], output: str) -> tuple[str, dict[str, Any] | None]:
    """A runner reply plus captured output, as a command status and its `results`."""
    if reply.get("status") == "cancelled":
        return "Cancelled", None
    if reply.get("status") == "error":
        cause = (output + reply.get("cause", "")).strip()
        return "Finished", {"resultType": "error", "summary": reply.get("summary", ""), "cause": cause}
    parts = [part for part in (output.rstrip("\n"), reply.get("value")) if part]
    return "Finished", text_result("\n".join(parts))


def text_result(text: str) -> dict[str, Any]:
    """A `resultType: text` result, truncated past 1 MB like a notebook cell's output."""
    truncated = len(text) > MAX_RESULT_CHARS
    results: dict[str, Any] = {"resultType": "text", "data": text[:MAX_RESULT_CHARS]}
    if truncated:
        results["truncated"] = True
    return results


def _read_reply(stream: IO[str] | None) -> dict[str, Any] | None:
    line = stream.readline() if stream is not None else ""
    if not line:
        return None
    reply: dict[str, Any] = json.loads(line)
    return reply


def _exit_message(process: subprocess.Popen[str]) -> str:
    try:
        code = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait(timeout=10)
    return f"The context's Python process exited with code {code}"
