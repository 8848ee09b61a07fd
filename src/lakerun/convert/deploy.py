"""Deploy a conversion to a workspace (notebooks imported, job created) and run it, through `databricks-sdk`.

Works the same against Databricks and lakerun's local workspace; the agent's run check and the
control plane's "Deploy and run" both use it.
"""

from __future__ import annotations

import ast
import base64
from dataclasses import dataclass
from typing import Any

from lakerun.convert.conversion import Conversion


@dataclass
class Deployment:
    """Where a conversion landed in a workspace."""

    job_id: int
    notebook_folder: str


def deploy(client: Any, conversion: Conversion, notebook_folder: str | None = None) -> Deployment:
    """Imports the notebooks and creates the job (its tasks pointed at the imported notebooks)."""
    from databricks.sdk.service import jobs, workspace

    job = dict(conversion.job)
    folder = notebook_folder or job["tasks"][0]["notebook_task"]["notebook_path"].rsplit("/", 1)[0]
    client.workspace.mkdirs(folder)
    for name, source in conversion.notebooks.items():
        client.workspace.import_(
            f"{folder}/{name.removesuffix('.py')}",
            content=base64.b64encode(source.encode()).decode(),
            format=workspace.ImportFormat.SOURCE,
            language=workspace.Language.PYTHON,
            overwrite=True,
        )
    job["tasks"] = [
        {**task, "notebook_task": {**task["notebook_task"], "notebook_path": f"{folder}/{task['task_key']}"}}
        for task in job["tasks"]
    ]
    settings = jobs.JobSettings.from_dict(job)
    created = client.jobs.create(
        **{
            k: getattr(settings, k)
            for k in ("name", "tasks", "parameters", "tags", "max_concurrent_runs", "schedule")
        }
    )
    return Deployment(int(created.job_id), folder)


def run_job(
    client: Any, job_id: int, parameters: dict[str, str], timeout_minutes: float = 30
) -> tuple[str, str, int]:
    """Runs the job and waits: (result state, state message, run id)."""
    import datetime

    waiter = client.jobs.run_now(job_id=job_id, job_parameters=parameters)
    run = waiter.result(timeout=datetime.timedelta(minutes=timeout_minutes))
    state = run.state
    result = state.result_state.value if state and state.result_state else ""
    return result, (state.state_message or "") if state else "", int(run.run_id)


def failed_task_errors(client: Any, run_id: int) -> list[str]:
    """The error of each failed task of a run."""
    run = client.jobs.get_run(run_id)
    errors = []
    for task in run.tasks or []:
        result = task.state.result_state.value if task.state and task.state.result_state else ""
        if result != "SUCCESS":
            output = client.jobs.get_run_output(task.run_id)
            errors.append(f"{task.task_key}: {output.error or result}")
    return errors


def resolve_path(code: str, parameters: dict[str, str]) -> str | None:
    """The path a sink's generated path expression names, given the run's parameters; None if not static."""
    try:
        tree = ast.parse(code, mode="eval").body
    except SyntaxError:
        return None
    return _evaluate(tree, parameters)


def _evaluate(node: ast.expr, parameters: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _evaluate(node.left, parameters), _evaluate(node.right, parameters)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "PARAMS":
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        return parameters.get(str(key)) if key is not None else None
    return None
