"""The notebook globals a command context offers, as a Databricks cluster does: `dbutils` and `spark`.

Imported by `command_runner` inside the context process when lakerun is importable there; the
objects are the same ones task processes get (`task_runtime`), so contexts and tasks behave alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lakerun.local.task_runtime.dbutils import DBUtils
from lakerun.local.task_runtime.spark import LazySpark
from lakerun.local.task_spec import TaskSpec

ROOT_VARIABLE = "LAKERUN_WORKSPACE_ROOT"
CONTEXT_DIR_VARIABLE = "LAKERUN_CONTEXT_DIR"


def notebook_globals() -> dict[str, Any]:
    """`dbutils` (fs, secrets, widgets, jobs.taskValues) and a lazily started `spark`."""
    root = os.environ[ROOT_VARIABLE]
    context_dir = Path(os.environ.get(CONTEXT_DIR_VARIABLE, "."))
    spec = TaskSpec(
        kind="context",
        target="",
        workspace_root=root,
        task_values_dir=str(context_dir / "task_values"),
        output_dir=str(context_dir),
        task_key="context",
    )
    return {"dbutils": DBUtils(spec), "spark": LazySpark()}
