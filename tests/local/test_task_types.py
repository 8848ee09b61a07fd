"""Task types and the in-task `dbutils`: notebooks (.py source and .ipynb), wheels, widgets, fs, task values, secrets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from databricks.sdk.service import jobs, workspace

from tests.local.conftest import python_task, result_of, task_of, wait_for

SOURCE_NOTEBOOK = """# Databricks notebook source
dbutils.widgets.text("name", "nobody")
name = dbutils.widgets.get("name")

# COMMAND ----------

# MAGIC %md
# MAGIC # Not code: this cell is skipped

# COMMAND ----------

dbutils.jobs.taskValues.set("greeting", f"hi {name}")
dbutils.fs.mkdirs("dbfs:/out")
dbutils.fs.put("dbfs:/out/greeting.txt", f"hi {name}", True)
print("printed by the notebook")
dbutils.notebook.exit(f"{name} on {dbutils.widgets.get('day')}")
print("never printed")
"""

READER = """
value = dbutils.jobs.taskValues.get(taskKey="nb", key="greeting")
listing = [f.name for f in dbutils.fs.ls("/out")]
print(value, dbutils.fs.head("dbfs:/out/greeting.txt"), listing)
dbutils.fs.cp("dbfs:/out/greeting.txt", "/Volumes/main/copy.txt")
dbutils.fs.rm("dbfs:/out", recurse=True)
display({"shown": True})
"""


def test_source_notebook_widgets_task_values_and_fs(ws_client, workspace_root: Path, script) -> None:
    ws_client.workspace.mkdirs("/Users/me")
    ws_client.workspace.import_(
        "/Users/me/greet",
        content=base64.b64encode(SOURCE_NOTEBOOK.encode()).decode(),
        format=workspace.ImportFormat.SOURCE,
        language=workspace.Language.PYTHON,
    )
    job_id = ws_client.jobs.create(
        name="nb",
        parameters=[jobs.JobParameterDefinition(name="day", default="monday")],
        tasks=[
            jobs.Task(
                task_key="nb",
                notebook_task=jobs.NotebookTask(
                    notebook_path="/Users/me/greet", base_parameters={"name": "ada"}
                ),
            ),
            python_task("reader", script("reader.py", READER), depends_on=[jobs.TaskDependency("nb")]),
        ],
    ).job_id
    first = ws_client.jobs.run_now(job_id=job_id, job_parameters={"day": "friday"}).run_id
    run = wait_for(ws_client, first)
    assert result_of(run) == "SUCCESS", run.state.state_message
    other = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id, only=["reader"]).run_id)
    leaked = ws_client.jobs.get_run_output(other.tasks[0].run_id).error
    assert leaked == "ValueError: Task value 'greeting' of task 'nb' is not set and no default was given"
    notebook = ws_client.jobs.get_run_output(task_of(run, "nb").run_id)
    assert notebook.notebook_output.result == "ada on friday"
    assert notebook.notebook_output.truncated is False
    reader = ws_client.jobs.get_run_output(task_of(run, "reader").run_id)
    assert "hi ada hi ada ['greeting.txt']" in reader.logs
    assert "{'shown': True}" in reader.logs
    assert (workspace_root / "volumes" / "main" / "copy.txt").read_text() == "hi ada"
    assert not (workspace_root / "dbfs" / "out").exists()


def test_ipynb_notebook_exit_value_and_failure_trace(ws_client, workspace_root: Path) -> None:
    cells = [
        {"cell_type": "markdown", "source": ["# title"]},
        {"cell_type": "code", "source": ["x = int(dbutils.widgets.get('n'))\n", "y = x * 2"]},
        {"cell_type": "code", "source": "dbutils.notebook.exit(str(y))"},
    ]
    folder = workspace_root / "workspace" / "Shared"
    folder.mkdir(parents=True)
    (folder / "double.ipynb").write_text(
        json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}})
    )
    (folder / "broken.py").write_text("# Databricks notebook source\nraise KeyError('missing column')\n")
    job_id = ws_client.jobs.create(
        name="nbs",
        tasks=[
            jobs.Task(
                task_key="double", notebook_task=jobs.NotebookTask(notebook_path="/Workspace/Shared/double")
            ),
            jobs.Task(task_key="broken", notebook_task=jobs.NotebookTask(notebook_path="/Shared/broken")),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id, notebook_params={"n": "21"}).run_id)
    assert ws_client.jobs.get_run_output(task_of(run, "double").run_id).notebook_output.result == "42"
    broken = ws_client.jobs.get_run_output(task_of(run, "broken").run_id)
    assert broken.error == "KeyError: 'missing column'"
    view = ws_client.jobs.export_run(task_of(run, "broken").run_id).views[0]
    assert view.type == jobs.ViewType.NOTEBOOK and "missing column" in view.content
    assert "broken.py" in broken.error_trace
    assert result_of(run) == "FAILED"


@pytest.fixture
def echo_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A tiny installed distribution `lakerun-echo` whose console script prints its arguments."""
    site = tmp_path / "site"
    info = site / "lakerun_echo-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "echo_args.py").write_text("import sys\n\ndef main():\n    print(sys.argv[1:])\n    return 0\n")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lakerun-echo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[console_scripts]\necho-args = echo_args:main\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    return "lakerun-echo"


def _wheel(key: str, package: str, entry_point: str, **fields: object) -> jobs.Task:
    return jobs.Task(
        task_key=key,
        existing_cluster_id="local",
        python_wheel_task=jobs.PythonWheelTask(package_name=package, entry_point=entry_point, **fields),  # type: ignore[arg-type]
    )


def test_wheel_task_resolves_an_installed_entry_point(ws_client, echo_distribution: str) -> None:
    job_id = ws_client.jobs.create(
        name="wheel",
        parameters=[jobs.JobParameterDefinition(name="layer", default="bronze")],
        tasks=[
            _wheel("positional", echo_distribution, "echo-args", parameters=["a", "b"]),
            _wheel("named", echo_distribution, "echo-args", named_parameters={"table": "t1"}),
            _wheel("missing", echo_distribution, "no-such-entry-point"),
        ],
    ).job_id
    run = wait_for(
        ws_client, ws_client.jobs.run_now(job_id=job_id, job_parameters={"layer": "silver"}).run_id
    )
    positional = ws_client.jobs.get_run_output(task_of(run, "positional").run_id)
    assert positional.logs.strip() == "['a', 'b']"
    named = ws_client.jobs.get_run_output(task_of(run, "named").run_id)
    assert named.logs.strip() == "['--table=t1', '--layer=silver']"
    missing = ws_client.jobs.get_run_output(task_of(run, "missing").run_id)
    assert "No entry point 'no-such-entry-point'" in missing.error
    assert result_of(task_of(run, "missing")) == "FAILED"


def test_dbutils_secrets_read_through_the_secrets_api(ws_client, script) -> None:
    ws_client.secrets.create_scope(scope="app")
    ws_client.secrets.put_secret(scope="app", key="db-password", string_value="s3cr3t-value")
    path = script(
        "secret.py", "value = dbutils.secrets.get('app', 'db-password')\nprint(len(value), value[::-1])\n"
    )
    job_id = ws_client.jobs.create(name="secret", tasks=[python_task("t", path)]).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "SUCCESS", run.state.state_message
    assert ws_client.jobs.get_run_output(run.tasks[0].run_id).logs.strip() == "12 eulav-t3rc3s"


def test_notebook_run_calls_a_child_notebook(ws_client, workspace_root: Path) -> None:
    folder = workspace_root / "workspace" / "flows"
    folder.mkdir(parents=True)
    (folder / "child.py").write_text(
        "# Databricks notebook source\nx = int(dbutils.widgets.get('x'))\nprint('child ran')\ndbutils.notebook.exit(str(x * 2))\n"
    )
    (folder / "broken.py").write_text("# Databricks notebook source\nraise ValueError('bad child')\n")
    (folder / "parent.py").write_text(
        "# Databricks notebook source\n"
        "value = dbutils.notebook.run('./child', 60, {'x': 21})\n"
        "try:\n    dbutils.notebook.run('/flows/broken', 60)\nexcept Exception as error:\n    failure = str(error)\n"
        "dbutils.notebook.exit(f'{value} | {failure}')\n"
    )
    job_id = ws_client.jobs.create(
        name="flow",
        tasks=[
            jobs.Task(task_key="p", notebook_task=jobs.NotebookTask(notebook_path="/Workspace/flows/parent"))
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    result = ws_client.jobs.get_run_output(run.tasks[0].run_id).notebook_output.result
    assert result == "42 | Notebook /flows/broken failed: ValueError: bad child"
