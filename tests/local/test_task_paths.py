"""Task and command-context code opens `/dbfs`, `/Volumes` and `/Workspace` like on Databricks:
plain `open`, `os`, `pathlib`, pandas and pyarrow, all landing in the workspace's own folders."""

from __future__ import annotations

import io
import os

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import compute

from tests.local.conftest import python_task, result_of, wait_for

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mapping the paths needs root")

TASK = """
import os, pathlib
import pandas as pd
import pyarrow.csv as pv
import pyarrow.parquet as pq

print("mode", os.environ["LAKERUN_TASK_PATHS"])
with open("/dbfs/landing/input.csv") as handle:
    print("open", handle.readline().strip())
print("listdir", sorted(os.listdir("/dbfs/landing")))
frame = pd.read_csv("/dbfs/landing/input.csv")
print("pandas", int(frame["n"].sum()))
table = pv.read_csv("/dbfs/landing/input.csv")
print("pyarrow", table.num_rows)
out = pathlib.Path("/Volumes/main/raw/files/out")
out.mkdir(parents=True, exist_ok=True)
pq.write_table(table, out / "t.parquet")
frame.to_csv("/Volumes/main/raw/files/out/frame.csv", index=False)
pathlib.Path("/Workspace/Shared/note.txt").parent.mkdir(parents=True, exist_ok=True)
pathlib.Path("/Workspace/Shared/note.txt").write_text("from the task")
print("escape", os.path.realpath("/dbfs/../dbfs/landing") == "/dbfs/landing")
"""


@needs_root
def test_task_code_opens_databricks_paths_with_plain_python_pandas_and_pyarrow(
    local_workspace, ws_client, script
) -> None:
    ws_client.dbfs.upload("/landing/input.csv", io.BytesIO(b"n,name\n1,a\n2,b\n39,c\n"))
    job_id = ws_client.jobs.create(name="paths", tasks=[python_task("t", script("paths.py", TASK))]).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id, timeout=60)
    logs = ws_client.jobs.get_run_output(run.tasks[0].run_id).logs
    assert result_of(run) == "SUCCESS", logs
    assert "mode namespace" in logs or "mode symlink" in logs
    for line in ("open n,name", "listdir ['input.csv']", "pandas 42", "pyarrow 3", "escape True"):
        assert line in logs, logs
    root = local_workspace.config.root
    assert (root / "volumes" / "main" / "raw" / "files" / "out" / "t.parquet").stat().st_size > 0
    assert ws_client.files.download("/Volumes/main/raw/files/out/frame.csv").contents.read() == (
        b"n,name\n1,a\n2,b\n39,c\n"
    )
    assert (root / "workspace" / "Shared" / "note.txt").read_text() == "from the task"


@needs_root
def test_each_workspace_sees_its_own_dbfs(start_workspace, script, tmp_path) -> None:
    body = "print('who', open('/dbfs/who.txt').read(), __import__('os').environ['LAKERUN_TASK_PATHS'])\n"
    path = script("who.py", body)
    clients = []
    for name in ("first", "second"):
        running = start_workspace(root=tmp_path / name)
        client = WorkspaceClient(host=running.url, token=running.token)
        client.dbfs.upload("/who.txt", io.BytesIO(name.encode()))
        clients.append((name, client))
    for name, client in clients:
        run = wait_for(client, client.jobs.submit(run_name="who", tasks=[_submit(path)]).run_id, timeout=60)
        logs = client.jobs.get_run_output(run.tasks[0].run_id).logs  # type: ignore[arg-type]
        if "namespace" not in logs:  # type: ignore[operator]
            pytest.skip("mount namespaces are not available: machine-wide symlinks cannot isolate workspaces")
        assert f"who {name} namespace" in logs  # type: ignore[operator]


@needs_root
def test_command_context_opens_dbfs_paths(ws_client) -> None:
    ws_client.dbfs.upload("/ctx/value.txt", io.BytesIO(b"from dbfs"))
    context = ws_client.command_execution.create_and_wait(
        cluster_id="local", language=compute.Language.PYTHON
    )
    result = ws_client.command_execution.execute_and_wait(
        cluster_id="local",
        context_id=context.id,
        language=compute.Language.PYTHON,
        command="print(open('/dbfs/ctx/value.txt').read())",
    )
    assert result.results.data == "from dbfs"


def _submit(path: str):
    from databricks.sdk.service import jobs

    return jobs.SubmitTask(task_key="t", spark_python_task=jobs.SparkPythonTask(python_file=path))
