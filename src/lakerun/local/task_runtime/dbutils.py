"""The in-task `dbutils`: widgets, notebook.exit, secrets, fs and jobs.taskValues, as on Databricks."""

from __future__ import annotations

import base64
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakerun.local.paths import WorkspacePaths
from lakerun.local.task_runtime.notebook_workflow import run_notebook
from lakerun.local.task_spec import TaskSpec


class NotebookExit(BaseException):
    """Raised by `dbutils.notebook.exit` to end the task with a value."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


class Widgets:
    """`dbutils.widgets`: job and notebook parameters, with defaults from widget definitions."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = dict(values)
        self._defaults: dict[str, str] = {}

    def get(self, name: str) -> str:
        """The value of a widget; an undefined widget is an error, as on Databricks."""
        if name in self._values:
            return self._values[name]
        if name in self._defaults:
            return self._defaults[name]
        raise ValueError(f"InputWidgetNotDefined: No input widget named {name} is defined")

    def getArgument(self, name: str, default: str | None = None) -> str | None:  # noqa: N802 - Databricks' name
        """The value of a widget, or `default` when it is not defined."""
        try:
            return self.get(name)
        except ValueError:
            return default

    def getAll(self) -> dict[str, str]:  # noqa: N802 - Databricks' name
        """Every widget value (definitions' defaults overridden by parameters)."""
        return {**self._defaults, **self._values}

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:  # noqa: N803
        """Defines a text widget; a parameter of the same name wins over the default."""
        self._defaults[name] = str(defaultValue)

    def dropdown(self, name: str, defaultValue: str, choices: list[str], label: str | None = None) -> None:  # noqa: N803
        """Defines a dropdown widget."""
        self._defaults[name] = str(defaultValue)

    combobox = dropdown
    multiselect = dropdown

    def remove(self, name: str) -> None:
        """Forgets a widget definition."""
        self._defaults.pop(name, None)

    def removeAll(self) -> None:  # noqa: N802 - Databricks' name
        """Forgets every widget definition."""
        self._defaults.clear()


class Notebook:
    """`dbutils.notebook`: `exit(value)` ends the task and becomes get-output's `notebook_output`."""

    def __init__(self, spec: TaskSpec) -> None:
        self._spec = spec

    def exit(self, value: Any) -> None:
        """Ends the notebook successfully with a string result."""
        raise NotebookExit(str(value))

    def run(self, path: str, timeout_seconds: int = 0, arguments: dict[str, Any] | None = None) -> str:
        """Runs another notebook with `arguments` as widgets and returns the value it exits with."""
        return run_notebook(self._spec, path, timeout_seconds, arguments)


class Secrets:
    """`dbutils.secrets`: read through the workspace's Secrets API with the task's own credentials."""

    def _client(self) -> Any:
        from databricks.sdk import WorkspaceClient

        return WorkspaceClient(host=os.environ["DATABRICKS_HOST"], token=os.environ["DATABRICKS_TOKEN"])

    def getBytes(self, scope: str, key: str) -> bytes:  # noqa: N802 - Databricks' name
        """A secret's raw bytes."""
        response = self._client().secrets.get_secret(scope=scope, key=key)
        return base64.b64decode(response.value or "")

    def get(self, scope: str, key: str) -> str:
        """A secret's value as text."""
        return self.getBytes(scope, key).decode("utf-8")

    def listScopes(self) -> list[Any]:  # noqa: N802 - Databricks' name
        """Every secret scope."""
        return [*self._client().secrets.list_scopes()]

    def list(self, scope: str) -> list[Any]:
        """The keys of a scope (metadata only)."""
        return [*self._client().secrets.list_secrets(scope=scope)]


@dataclass
class FileInfo:
    """An entry of `dbutils.fs.ls`."""

    path: str
    name: str
    size: int
    modificationTime: int  # noqa: N815 - Databricks' field name


class Fs:
    """`dbutils.fs` over the workspace's mapped folders (`dbfs:/`, `/Volumes`, `/Workspace`, `file:/`)."""

    def __init__(self, paths: WorkspacePaths) -> None:
        self._paths = paths

    def _local(self, path: str) -> Path:
        if path.startswith("file:"):
            return Path(path[len("file:") :])
        if path.startswith(("/Workspace", "/Volumes")):
            return self._paths.resolve(path)
        return self._paths.resolve_dbfs(path)

    def ls(self, path: str) -> list[FileInfo]:
        """The entries of a folder (a file lists as itself)."""
        local = self._local(path)
        entries = sorted(local.iterdir()) if local.is_dir() else [local]
        prefix = path.rstrip("/")
        return [_info(entry, f"{prefix}/{entry.name}" if local.is_dir() else path) for entry in entries]

    def put(self, path: str, contents: str, overwrite: bool = False) -> bool:
        """Writes a text file."""
        local = self._local(path)
        if local.exists() and not overwrite:
            raise FileExistsError(f"File already exists: {path}")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(contents)
        return True

    def head(self, path: str, maxBytes: int = 65536) -> str:  # noqa: N803 - Databricks' name
        """The first bytes of a file, as text."""
        with self._local(path).open("rb") as handle:
            return handle.read(maxBytes).decode("utf-8", errors="replace")

    def cp(self, source: str, destination: str, recurse: bool = False) -> bool:
        """Copies a file, or a folder with `recurse=True`."""
        src, dst = self._local(source), self._local(destination)
        if src.is_dir():
            if not recurse:
                raise IsADirectoryError(f"{source} is a directory; pass recurse=True")
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        return True

    def rm(self, path: str, recurse: bool = False) -> bool:
        """Deletes a file, or a folder with `recurse=True`; a missing path returns False."""
        local = self._local(path)
        if not local.exists():
            return False
        if local.is_dir():
            if not recurse:
                raise IsADirectoryError(f"{path} is a directory; pass recurse=True")
            shutil.rmtree(local)
        else:
            local.unlink()
        return True

    def mkdirs(self, path: str) -> bool:
        """Creates a folder and its parents."""
        self._local(path).mkdir(parents=True, exist_ok=True)
        return True


def _info(entry: Path, path: str) -> FileInfo:
    stat = entry.stat()
    name = entry.name + ("/" if entry.is_dir() else "")
    return FileInfo(
        path + ("/" if entry.is_dir() else ""),
        name,
        0 if entry.is_dir() else stat.st_size,
        int(stat.st_mtime * 1000),
    )


class TaskValues:
    """`dbutils.jobs.taskValues`: small values one task sets and its downstream tasks read."""

    def __init__(self, folder: Path, task_key: str) -> None:
        self._folder = folder
        self._task_key = task_key

    def set(self, key: str, value: Any) -> None:
        """Stores a JSON-serializable value under this task's key."""
        path = self._folder / f"{self._task_key}.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        values[key] = value
        self._folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))

    def get(self, taskKey: str, key: str, default: Any = None, debugValue: Any = None) -> Any:  # noqa: N803
        """A value set by an upstream task of the same run, or `default`."""
        path = self._folder / f"{taskKey}.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        if key in values:
            return values[key]
        if default is None:
            raise ValueError(f"Task value {key!r} of task {taskKey!r} is not set and no default was given")
        return default


class Jobs:
    """`dbutils.jobs`."""

    def __init__(self, task_values: TaskValues) -> None:
        self.taskValues = task_values


class DBUtils:
    """The `dbutils` object a task sees."""

    def __init__(self, spec: TaskSpec) -> None:
        self.widgets = Widgets(spec.widgets)
        self.notebook = Notebook(spec)
        self.secrets = Secrets()
        self.fs = Fs(WorkspacePaths(Path(spec.workspace_root)))
        self.jobs = Jobs(TaskValues(Path(spec.task_values_dir), spec.task_key))
