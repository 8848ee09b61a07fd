"""The body of a task process: set up `dbutils` and `spark`, run the code, report exit value and error."""

from __future__ import annotations

import atexit
import builtins
import contextlib
import json
import os
import runpy
import sys
import threading
import traceback
from importlib import import_module
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from lakerun.local.task_runtime.dbutils import DBUtils, NotebookExit
from lakerun.local.task_runtime.mounts import map_workspace_paths
from lakerun.local.task_runtime.notebook import find_notebook, run_cells
from lakerun.local.task_runtime.spark import LazySpark
from lakerun.local.task_spec import ERROR_FILE, EXIT_FILE, LOG_FILE, TaskSpec


def main(argv: list[str]) -> int:
    """Runs the task described by the spec file in `argv[0]`; the return value is the exit code."""
    spec = TaskSpec.read(Path(argv[0]))
    if spec.workspace_root:
        map_workspace_paths(spec.workspace_root)
    output = Path(spec.output_dir)
    spark = LazySpark()
    builtins.dbutils = DBUtils(spec)  # type: ignore[attr-defined]
    builtins.spark = spark  # type: ignore[attr-defined]
    builtins.display = display  # type: ignore[attr-defined]
    try:
        _run(spec)
    except NotebookExit as exit_:
        (output / EXIT_FILE).write_text(json.dumps({"result": exit_.value}))
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            return _fail(output, f"SystemExit: {exit_.code}", traceback.format_exc(), exit_.code)
    except BaseException as error:
        return _fail(output, f"{type(error).__name__}: {error}", traceback.format_exc(), 1)
    finally:
        spark.stop()
    return 0


def display(value: Any) -> None:
    """Databricks' `display`: shows DataFrames (anything with `show()`) as text, prints the rest."""
    if hasattr(value, "show") and callable(value.show):
        value.show()
    else:
        print(value)


def quick_exit(code: int) -> None:
    """Ends the process after atexit handlers and a flush, skipping the slow module teardown.

    Interpreter finalization costs tens of milliseconds, most of a trivial task's run time; user
    threads that are still running get the normal exit, which waits for them.
    """
    if any(not thread.daemon and thread is not threading.main_thread() for thread in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def run_forked(spec_path: str) -> int:
    """Runs a task in a process forked by the fork server: output to the task's log, cwd its folder."""
    _adopt_task_folder(Path(spec_path).parent)
    return main([spec_path])


def _adopt_task_folder(folder: Path) -> None:
    log = os.open(folder / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(folder)


def _run(spec: TaskSpec) -> None:
    if spec.kind == "python_file":
        sys.argv = [spec.target, *spec.argv]
        sys.path.insert(0, str(Path(spec.target).parent))
        runpy.run_path(spec.target, run_name="__main__")
    elif spec.kind == "notebook":
        path = find_notebook(Path(spec.target))
        sys.argv = [str(path)]
        sys.path.insert(0, str(path.parent))
        run_cells(path, {"__name__": "__main__"})
    elif spec.kind == "wheel":
        package, _, entry_point = spec.target.partition(":")
        sys.argv = [entry_point, *spec.argv]
        result = _entry_point(package, entry_point)()
        if isinstance(result, int) and result != 0:
            raise SystemExit(result)
    else:
        raise ValueError(f"Unknown task kind {spec.kind!r}")


def _entry_point(package: str, name: str) -> Any:
    """The callable of a wheel task: the package's entry point of that name, else `package.name`."""
    for candidate in {package, package.replace("_", "-"), package.replace("-", "_")}:
        try:
            entry_points = distribution(candidate).entry_points
        except PackageNotFoundError:
            continue
        for entry_point in entry_points:
            if entry_point.name == name:
                return entry_point.load()
    try:
        return getattr(import_module(package.replace("-", "_")), name)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"No entry point {name!r} found in package {package!r}") from exc


def _fail(output: Path, error: str, trace: str, code: object) -> int:
    sys.stderr.write(trace)
    (output / ERROR_FILE).write_text(json.dumps({"error": error, "error_trace": trace}))
    return code if isinstance(code, int) and code > 0 else 1
