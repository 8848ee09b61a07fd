"""What the engine tells a task process to run: written as JSON next to the task's logs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SPEC_FILE = "task.json"
LOG_FILE = "logs.txt"
EXIT_FILE = "notebook_exit.json"
ERROR_FILE = "error.json"
FORK_SERVER_FLAG = "--fork-server"


@dataclass
class TaskSpec:
    """One task attempt: the code to run, its arguments and widgets, and where to report."""

    kind: str
    """`python_file`, `wheel` or `notebook`."""
    target: str
    """The local file to run, or `package_name:entry_point` for wheels."""
    argv: list[str] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)
    output_dir: str = ""
    task_values_dir: str = ""
    workspace_root: str = ""
    task_key: str = ""
    run_id: int = 0
    parent_run_id: int = 0
    job_id: int | None = None

    def write(self, folder: Path) -> Path:
        """Saves the spec into the task's folder and returns the file."""
        path = folder / SPEC_FILE
        path.write_text(json.dumps(asdict(self)))
        return path

    @classmethod
    def read(cls, path: Path) -> TaskSpec:
        """Loads a spec written by `write`."""
        data: dict[str, Any] = json.loads(path.read_text())
        return cls(**data)
