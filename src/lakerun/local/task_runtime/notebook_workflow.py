"""`dbutils.notebook.run`: a child notebook run in its own process, returning its exit value."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from lakerun.errors import LakerunError
from lakerun.local.paths import WorkspacePaths
from lakerun.local.task_spec import ERROR_FILE, EXIT_FILE, LOG_FILE, TaskSpec


class NotebookRunError(LakerunError):
    """The child notebook failed or timed out (Databricks raises a WorkflowException)."""


def run_notebook(parent: TaskSpec, path: str, timeout_seconds: int, arguments: dict[str, Any] | None) -> str:
    """Runs the notebook at `path` (absolute, or relative to the running notebook) and returns its exit value."""
    target = _resolve(parent, path)
    folder = Path(tempfile.mkdtemp(prefix="notebook-run-", dir=parent.output_dir or None))
    spec = replace(
        parent,
        kind="notebook",
        target=str(target),
        argv=[],
        widgets={str(key): str(value) for key, value in (arguments or {}).items()},
        output_dir=str(folder),
    )
    spec_path = spec.write(folder)
    with (folder / LOG_FILE).open("wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "lakerun.local.task_runtime", str(spec_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            code = child.wait(timeout=timeout_seconds if timeout_seconds and timeout_seconds > 0 else None)
        except subprocess.TimeoutExpired as exc:
            child.kill()
            child.wait()
            raise NotebookRunError(f"Notebook {path} timed out after {timeout_seconds} seconds") from exc
    sys.stdout.write((folder / LOG_FILE).read_text(errors="replace"))
    if code != 0:
        error = (
            json.loads((folder / ERROR_FILE).read_text()).get("error")
            if (folder / ERROR_FILE).exists()
            else f"exit code {code}"
        )
        raise NotebookRunError(f"Notebook {path} failed: {error}")
    exit_file = folder / EXIT_FILE
    return str(json.loads(exit_file.read_text())["result"]) if exit_file.exists() else ""


def _resolve(parent: TaskSpec, path: str) -> Path:
    paths = WorkspacePaths(Path(parent.workspace_root))
    if path.startswith(("/Workspace/", "dbfs:/", "/Volumes/")):
        return paths.resolve(path)
    if path.startswith("/"):
        return paths.resolve_workspace(path)
    base = Path(parent.target).parent if parent.kind == "notebook" else Path.cwd()
    return (base / path).resolve()
