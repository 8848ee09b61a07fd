"""get-output limits (5 MB) and tasks that cannot start, seen through the SDK."""

from __future__ import annotations

from databricks.sdk.service import jobs

from tests.local.conftest import python_task, result_of, task_of, wait_for

FIVE_MB = 5 * 1024 * 1024


def test_logs_keep_the_last_5_mb_and_notebook_output_the_first(ws_client, script, workspace_root) -> None:
    noisy = script("noisy.py", "import sys\nsys.stdout.write('x' * (6 * 1024 * 1024))\nprint('THE END')\n")
    notebook = workspace_root / "workspace" / "big.py"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.write_text(
        "# Databricks notebook source\ndbutils.notebook.exit('START' + 'y' * (6 * 1024 * 1024))\n"
    )
    job_id = ws_client.jobs.create(
        name="big",
        tasks=[
            python_task("noisy", noisy),
            jobs.Task(task_key="nb", notebook_task=jobs.NotebookTask(notebook_path="/Workspace/big")),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    logs = ws_client.jobs.get_run_output(task_of(run, "noisy").run_id)
    assert logs.logs_truncated is True and len(logs.logs) == FIVE_MB and logs.logs.endswith("THE END\n")
    exit_value = ws_client.jobs.get_run_output(task_of(run, "nb").run_id).notebook_output
    assert (
        exit_value.truncated is True
        and len(exit_value.result) == FIVE_MB
        and exit_value.result.startswith("START")
    )


def test_tasks_that_cannot_start_fail_with_a_clear_message(ws_client) -> None:
    job_id = ws_client.jobs.create(
        name="bad",
        tasks=[
            python_task("escape", "dbfs:/../../etc/passwd"),
            python_task("relative", "scripts/run.py"),
            jobs.Task(
                task_key="sql", sql_task=jobs.SqlTask(warehouse_id="w", query=jobs.SqlTaskQuery(query_id="q"))
            ),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "FAILED"
    assert "escapes its root" in task_of(run, "escape").state.state_message  # type: ignore[operator]
    assert "git_source" in task_of(run, "relative").state.state_message  # type: ignore[operator]
    sql = task_of(run, "sql")
    assert "sql_task is not supported" in sql.state.state_message  # type: ignore[operator]
    assert sql.status.termination_details.code == jobs.TerminationCodeCode.INVALID_RUN_CONFIGURATION
    assert ws_client.jobs.get_run_output(sql.run_id).error == sql.state.state_message


def test_git_source_runs_relative_paths_from_a_local_checkout(ws_client, tmp_path) -> None:
    checkout = tmp_path / "repo"
    (checkout / "jobs").mkdir(parents=True)
    (checkout / "jobs" / "etl.py").write_text("print('from the checkout')\n")
    relative = jobs.Task(
        task_key="etl",
        spark_python_task=jobs.SparkPythonTask(python_file="jobs/etl.py", source=jobs.Source.GIT),
    )
    local = ws_client.jobs.create(
        name="git-local",
        git_source=jobs.GitSource(
            git_url=str(checkout), git_provider=jobs.GitProvider.GIT_HUB, git_branch="main"
        ),
        tasks=[relative],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=local).run_id)
    assert ws_client.jobs.get_run_output(run.tasks[0].run_id).logs.strip() == "from the checkout"
    remote = ws_client.jobs.create(
        name="git-remote",
        git_source=jobs.GitSource(
            git_url="https://github.com/acme/etl", git_provider=jobs.GitProvider.GIT_HUB, git_branch="main"
        ),
        tasks=[relative],
    ).job_id
    failed = wait_for(ws_client, ws_client.jobs.run_now(job_id=remote).run_id).tasks[0]
    assert failed.status.termination_details.code == jobs.TerminationCodeCode.REPOSITORY_CHECKOUT_FAILED
    assert "does not clone" in failed.state.state_message  # type: ignore[operator]
