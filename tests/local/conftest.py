"""Helpers for the local workspace's Jobs and Runs tests: task scripts and a tight run-polling loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from tests.support.eventually import eventually

TERMINAL = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}


def wait_for(
    client: WorkspaceClient, run_id: int, until: Callable[[jobs.Run], bool] | None = None, timeout: float = 60
) -> jobs.Run:
    """Polls runs/get every few milliseconds until the run is terminal (or `until` holds)."""
    return eventually(
        lambda: client.jobs.get_run(run_id),
        until or _terminal,
        timeout=timeout,
        interval=0.01,
        what=f"run {run_id}",
    )


def _terminal(run: jobs.Run) -> bool:
    state = run.state.life_cycle_state.value if run.state and run.state.life_cycle_state else ""
    return state in TERMINAL


def result_of(run: jobs.Run | jobs.RunTask) -> str:
    """The run's result state name ('' while it has none)."""
    return run.state.result_state.value if run.state and run.state.result_state else ""


def task_of(run: jobs.Run, key: str) -> jobs.RunTask:
    """The task run of a task key."""
    return next(task for task in run.tasks or [] if task.task_key == key)


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], str]:
    """Writes a python file for a task and returns its path."""

    def write(name: str, body: str) -> str:
        path = tmp_path / "scripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        return str(path)

    return write


def python_task(key: str, path: str, *params: str, **extra: Any) -> jobs.Task:
    """A spark_python_task running a local file."""
    return jobs.Task(
        task_key=key,
        spark_python_task=jobs.SparkPythonTask(python_file=path, parameters=list(params)),
        **extra,
    )


@pytest.fixture
def start_workspace(tmp_path: Path):
    """Starts local workspaces with a custom configuration (faults, limits); all stopped after the test."""
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.server import free_port, start_in_thread

    started = []

    def start(root: Path | None = None, **settings: object):
        config = WorkspaceConfig(root=root or tmp_path / "custom-ws", port=free_port(), **settings)  # type: ignore[arg-type]
        started.append(start_in_thread(config))
        return started[-1]

    yield start
    for running in started:
        running.stop()
