"""The run lifecycle through the official SDK: results, DAGs and repair, cancel, queueing, retries, timeouts."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service import jobs

from tests.local.conftest import python_task, result_of, task_of, wait_for
from tests.support.eventually import eventually

SLEEPER = "import time, sys\ntime.sleep(float(sys.argv[1]))\n"


def test_run_now_result_and_output_through_the_waiter(ws_client, script) -> None:
    path = script("hello.py", "import sys\nprint('out', sys.argv[1:])\nprint('err', file=sys.stderr)\n")
    job_id = ws_client.jobs.create(name="w", tasks=[python_task("main", path, "x")]).job_id
    run = ws_client.jobs.run_now(job_id=job_id).result(timeout=timedelta(seconds=60))
    assert result_of(run) == "SUCCESS"
    assert run.status.termination_details.code == jobs.TerminationCodeCode.SUCCESS
    assert run.run_type == jobs.RunType.JOB_RUN and run.trigger == jobs.TriggerType.ONE_TIME
    assert run.run_page_url.endswith(f"/jobs/{job_id}/runs/{run.run_id}")
    assert run.start_time <= run.end_time and run.run_duration >= 0
    task = run.tasks[0]
    assert task.run_id != run.run_id and task.attempt_number == 0
    assert task.execution_duration >= 0 and task.state.result_state == jobs.RunResultState.SUCCESS
    output = ws_client.jobs.get_run_output(task.run_id)
    assert "out ['x']" in output.logs and "err" in output.logs
    assert output.metadata.run_id == task.run_id and output.error is None


def test_multi_task_parent_output_is_the_databricks_400(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(name="m", tasks=[python_task("a", path)]).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    with pytest.raises(
        InvalidParameterValue, match="Retrieving the output of runs with multiple tasks is not supported"
    ):
        ws_client.jobs.get_run_output(run.run_id)


def test_submit_runs_a_one_time_run(ws_client, script) -> None:
    path = script("fail.py", "raise ValueError('broken input')\n")
    waiter = ws_client.jobs.submit(
        run_name="adhoc",
        tasks=[
            jobs.SubmitTask(
                task_key="t",
                existing_cluster_id="local",
                spark_python_task=jobs.SparkPythonTask(python_file=path),
            )
        ],
    )
    run = wait_for(ws_client, waiter.run_id)
    assert run.run_type == jobs.RunType.SUBMIT_RUN and run.job_id not in (None, run.run_id)
    assert result_of(run) == "FAILED"
    assert run.status.termination_details.code == jobs.TerminationCodeCode.RUN_EXECUTION_ERROR
    output = ws_client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.error == "ValueError: broken input"
    assert "Traceback" in output.error_trace and "broken input" in output.logs


def test_dag_failure_then_repair_succeeds(ws_client, script, tmp_path: Path) -> None:
    flag = tmp_path / "fixed"
    ok = script("ok.py", "print('ok')\n")
    flaky = script("flaky.py", f"import os, sys\nsys.exit(0 if os.path.exists({str(flag)!r}) else 3)\n")
    job_id = ws_client.jobs.create(
        name="dag",
        tasks=[
            python_task("extract", ok),
            python_task("transform", flaky, depends_on=[jobs.TaskDependency("extract")]),
            python_task("load", ok, depends_on=[jobs.TaskDependency("transform")]),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "FAILED"
    assert [result_of(task_of(run, k)) for k in ("extract", "transform", "load")] == [
        "SUCCESS",
        "FAILED",
        "UPSTREAM_FAILED",
    ]
    flag.write_text("")
    repair_id = ws_client.jobs.repair_run(run_id=run.run_id, rerun_all_failed_tasks=True).response.repair_id
    repaired = wait_for(ws_client, run.run_id)  # type: ignore[arg-type]
    assert result_of(repaired) == "SUCCESS"
    assert task_of(repaired, "extract").run_id == task_of(run, "extract").run_id
    assert task_of(repaired, "load").run_id != task_of(run, "load").run_id
    history = repaired.repair_history
    assert [h.type.value for h in history] == ["ORIGINAL", "REPAIR"] and history[1].id == repair_id
    assert history[0].state.result_state == jobs.RunResultState.FAILED
    with pytest.raises(InvalidParameterValue, match="latest_repair_id"):
        ws_client.jobs.repair_run(run_id=run.run_id, rerun_tasks=["load"])
    ws_client.jobs.repair_run(run_id=run.run_id, rerun_tasks=["load"], latest_repair_id=repair_id)
    assert len(wait_for(ws_client, run.run_id).repair_history) == 3  # type: ignore[arg-type]


def test_run_if_all_done_runs_after_failure_and_leaves_give_success_with_failures(ws_client, script) -> None:
    ok, bad = script("ok.py", ""), script("bad.py", "raise SystemExit(1)\n")
    job_id = ws_client.jobs.create(
        name="run-if",
        tasks=[
            python_task("bad", bad),
            python_task("cleanup", ok, depends_on=[jobs.TaskDependency("bad")], run_if=jobs.RunIf.ALL_DONE),
            python_task(
                "only_on_failure",
                ok,
                depends_on=[jobs.TaskDependency("cleanup")],
                run_if=jobs.RunIf.ALL_FAILED,
            ),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(task_of(run, "cleanup")) == "SUCCESS"
    assert result_of(task_of(run, "only_on_failure")) == "EXCLUDED"
    assert result_of(run) == "SUCCESS_WITH_FAILURES"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_cancel_ends_the_whole_process_tree(ws_client, script, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    path = script(
        "tree.py",
        f"import subprocess, time, pathlib\nchild = subprocess.Popen(['sleep', '60'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\ntime.sleep(60)\n",
    )
    job_id = ws_client.jobs.create(name="cancel", tasks=[python_task("t", path)]).job_id
    run_id = ws_client.jobs.run_now(job_id=job_id).run_id
    wait_for(ws_client, run_id, until=lambda r: pid_file.exists() and pid_file.read_text() != "")
    child = int(pid_file.read_text())
    assert _alive(child)
    ws_client.jobs.cancel_run(run_id)
    run = wait_for(ws_client, run_id)
    assert result_of(run) == "CANCELED" and run.state.user_cancelled_or_timedout
    assert run.status.termination_details.code == jobs.TerminationCodeCode.USER_CANCELED
    eventually(lambda: not _alive(child), what=f"task process {child} ended")


def test_queue_on_gives_queued_and_queue_off_gives_skipped(ws_client, script) -> None:
    path = script("sleep.py", SLEEPER)
    queued_job = ws_client.jobs.create(
        name="q",
        max_concurrent_runs=1,
        queue=jobs.QueueSettings(enabled=True),
        tasks=[python_task("t", path, "1.5")],
    ).job_id
    first = ws_client.jobs.run_now(job_id=queued_job).run_id
    second = ws_client.jobs.run_now(job_id=queued_job).run_id
    waiting = ws_client.jobs.get_run(second)
    assert waiting.state.life_cycle_state == jobs.RunLifeCycleState.QUEUED
    assert waiting.status.queue_details.code == jobs.QueueDetailsCodeCode.MAX_CONCURRENT_RUNS_REACHED
    assert result_of(wait_for(ws_client, first)) == "SUCCESS"
    done = wait_for(ws_client, second)
    assert result_of(done) == "SUCCESS" and done.queue_duration > 0  # type: ignore[operator]

    skipping_job = ws_client.jobs.create(
        name="s", max_concurrent_runs=1, tasks=[python_task("t", path, "30")]
    ).job_id
    running = ws_client.jobs.run_now(job_id=skipping_job).run_id
    skipped = ws_client.jobs.get_run(ws_client.jobs.run_now(job_id=skipping_job).run_id)
    assert skipped.state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED
    assert result_of(skipped) == "MAXIMUM_CONCURRENT_RUNS_REACHED"
    assert skipped.status.termination_details.code == jobs.TerminationCodeCode.MAX_CONCURRENT_RUNS_EXCEEDED
    ws_client.jobs.cancel_all_runs(job_id=skipping_job)
    assert result_of(wait_for(ws_client, running)) == "CANCELED"


def test_idempotency_token_returns_the_existing_run(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(name="idem", tasks=[python_task("t", path)]).job_id
    first = ws_client.jobs.run_now(job_id=job_id, idempotency_token="retry-me").run_id
    again = ws_client.jobs.run_now(job_id=job_id, idempotency_token="retry-me").run_id
    assert first == again
    assert len(list(ws_client.jobs.list_runs(job_id=job_id))) == 1
    with pytest.raises(InvalidParameterValue, match="64"):
        ws_client.jobs.run_now(job_id=job_id, idempotency_token="x" * 65)


def test_retries_count_attempts_and_wait_between(ws_client, script, tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    path = script(
        "flaky.py",
        f"import pathlib, sys\np = pathlib.Path({str(counter)!r})\nn = len(p.read_text()) if p.exists() else 0\n"
        "p.write_text('x' * (n + 1))\nsys.exit(0 if n >= 2 else 1)\n",
    )
    job_id = ws_client.jobs.create(
        name="retry", tasks=[python_task("t", path, max_retries=3, min_retry_interval_millis=300)]
    ).job_id
    run_id = ws_client.jobs.run_now(job_id=job_id).run_id
    waiting = wait_for(
        ws_client,
        run_id,
        until=lambda r: r.tasks[0].state.life_cycle_state == jobs.RunLifeCycleState.WAITING_FOR_RETRY,
    )
    assert waiting.tasks[0].status.state == jobs.RunLifecycleStateV2State.WAITING
    run = wait_for(ws_client, run_id)
    task = run.tasks[0]
    assert result_of(run) == "SUCCESS" and task.attempt_number == 2
    raw = ws_client.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": run_id})["tasks"][0]
    assert raw["original_attempt_run_id"] != task.run_id
    first_attempt = ws_client.jobs.get_run_output(raw["original_attempt_run_id"])
    assert first_attempt.metadata.attempt_number == 0
    assert first_attempt.metadata.state.result_state == jobs.RunResultState.FAILED


def test_task_timeout_gives_timedout(ws_client, script) -> None:
    path = script("sleep.py", SLEEPER)
    job_id = ws_client.jobs.create(
        name="slow", tasks=[python_task("t", path, "30", timeout_seconds=1)]
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert run.tasks[0].state.result_state == jobs.RunResultState.TIMEDOUT
    assert result_of(run) == "FAILED"


def test_job_timeout_times_out_the_run(ws_client, script) -> None:
    path = script("sleep.py", SLEEPER)
    job_id = ws_client.jobs.create(
        name="slowjob", timeout_seconds=1, tasks=[python_task("t", path, "30")]
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "TIMEDOUT" and run.state.user_cancelled_or_timedout


def test_list_runs_filters_and_pages(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(name="many", max_concurrent_runs=10, tasks=[python_task("t", path)]).job_id
    run_ids = [ws_client.jobs.run_now(job_id=job_id).run_id for _ in range(5)]
    for run_id in run_ids:
        wait_for(ws_client, run_id)
    listed = [r.run_id for r in ws_client.jobs.list_runs(job_id=job_id, limit=2)]
    assert listed == sorted(run_ids, reverse=True)
    page = ws_client.api_client.do(
        "GET", "/api/2.2/jobs/runs/list", query={"job_id": job_id, "limit": 2, "page_token": "2"}
    )
    assert page["has_more"] is True and page["prev_page_token"] == "0" and page["next_page_token"] == "4"
    assert list(ws_client.jobs.list_runs(job_id=job_id, active_only=True)) == []
    assert len(list(ws_client.jobs.list_runs(job_id=job_id, completed_only=True))) == 5
    assert list(ws_client.jobs.list_runs(job_id=job_id, run_type=jobs.RunType.SUBMIT_RUN)) == []


def test_parameters_reach_the_task(ws_client, script) -> None:
    path = script("args.py", "import sys\nprint(sys.argv[1:])\n")
    job_id = ws_client.jobs.create(
        name="params",
        parameters=[jobs.JobParameterDefinition(name="day", default="mon")],
        tasks=[python_task("t", path, "--day={{job.parameters.day}}", "--run={{job.run_id}}")],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id, job_parameters={"day": "tue"}).run_id)
    assert f"['--day=tue', '--run={run.run_id}']" in ws_client.jobs.get_run_output(run.tasks[0].run_id).logs
    assert [(p.name, p.value) for p in run.job_parameters] == [("day", "tue")]
    legacy = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id, python_params=["a", "b"]).run_id)
    assert "['a', 'b']" in ws_client.jobs.get_run_output(legacy.tasks[0].run_id).logs
    assert legacy.overriding_parameters.python_params == ["a", "b"]


def test_delete_run(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(name="del", tasks=[python_task("t", path)]).job_id
    run_id = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id).run_id
    ws_client.jobs.delete_run(run_id)
    assert list(ws_client.jobs.list_runs(job_id=job_id)) == []


def test_cancel_while_waiting_for_retry(ws_client, script) -> None:
    path = script("fail.py", "raise SystemExit(1)\n")
    job_id = ws_client.jobs.create(
        name="retry-cancel", tasks=[python_task("t", path, max_retries=5, min_retry_interval_millis=60000)]
    ).job_id
    run_id = ws_client.jobs.run_now(job_id=job_id).run_id
    wait_for(
        ws_client,
        run_id,
        until=lambda r: r.tasks[0].state.life_cycle_state == jobs.RunLifeCycleState.WAITING_FOR_RETRY,
    )
    ws_client.jobs.cancel_run(run_id)
    run = wait_for(ws_client, run_id, timeout=10)
    assert result_of(run) == "CANCELED" and run.tasks[0].state.result_state == jobs.RunResultState.CANCELED


def test_runs_get_accepts_a_task_run_id(ws_client, script) -> None:
    job_id = ws_client.jobs.create(name="task-view", tasks=[python_task("t", script("noop.py", ""))]).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    task_run = ws_client.jobs.get_run(run.tasks[0].run_id)
    assert task_run.run_id == run.tasks[0].run_id and task_run.job_id == job_id
    assert result_of(task_run) == "SUCCESS" and [t.task_key for t in task_run.tasks] == ["t"]


def test_parallel_task_limit_serializes_tasks(start_workspace, script, tmp_path: Path) -> None:
    from databricks.sdk import WorkspaceClient

    ws = start_workspace(max_parallel_tasks=1)
    client = WorkspaceClient(host=ws.url, token=ws.token)
    trail = tmp_path / "trail.txt"
    body = (
        f"import sys, time\nopen({str(trail)!r}, 'a').write('start ' + sys.argv[1] + '\\n')\n"
        f"time.sleep(0.3)\nopen({str(trail)!r}, 'a').write('end ' + sys.argv[1] + '\\n')\n"
    )
    path = script("step.py", body)
    job_id = client.jobs.create(
        name="serial", tasks=[python_task("a", path, "a"), python_task("b", path, "b")]
    ).job_id
    run = wait_for(client, client.jobs.run_now(job_id=job_id).run_id)  # type: ignore[arg-type]
    assert result_of(run) == "SUCCESS"
    lines = trail.read_text().split()
    pairs = list(zip(lines[::2], lines[1::2], strict=True))
    assert pairs in (
        [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")],
        [("start", "b"), ("end", "b"), ("start", "a"), ("end", "a")],
    )


def test_condition_task_branches_on_a_task_value(ws_client, script) -> None:
    setter = script("set.py", "dbutils.jobs.taskValues.set('rows', 42)\n")
    ok = script("ok.py", "print('branch ran')\n")
    job_id = ws_client.jobs.create(
        name="branch",
        tasks=[
            python_task("count", setter),
            jobs.Task(
                task_key="enough",
                depends_on=[jobs.TaskDependency("count")],
                condition_task=jobs.ConditionTask(
                    op=jobs.ConditionTaskOp.GREATER_THAN, left="{{tasks.count.values.rows}}", right="10"
                ),
            ),
            python_task("load", ok, depends_on=[jobs.TaskDependency("enough", outcome="true")]),
            python_task("alert", ok, depends_on=[jobs.TaskDependency("enough", outcome="false")]),
            python_task("after_alert", ok, depends_on=[jobs.TaskDependency("alert")]),
            python_task(
                "join",
                ok,
                depends_on=[jobs.TaskDependency("load"), jobs.TaskDependency("alert")],
                run_if=jobs.RunIf.NONE_FAILED,
            ),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    results = {task.task_key: result_of(task) for task in run.tasks}
    assert results == {
        "count": "SUCCESS",
        "enough": "SUCCESS",
        "load": "SUCCESS",
        "alert": "EXCLUDED",
        "after_alert": "EXCLUDED",
        "join": "SUCCESS",
    }
    assert "true" in task_of(run, "enough").state.state_message  # type: ignore[operator]
    assert result_of(run) == "SUCCESS"


def test_run_job_task_runs_another_job_and_cancel_reaches_it(ws_client, script) -> None:
    child_job = ws_client.jobs.create(
        name="child",
        parameters=[jobs.JobParameterDefinition(name="who", default="nobody")],
        tasks=[
            python_task(
                "greet",
                script("greet.py", "import sys\nprint('child', sys.argv[1:])\n"),
                "{{job.parameters.who}}",
            )
        ],
    ).job_id
    sleeper_job = ws_client.jobs.create(
        name="sleeper", tasks=[python_task("s", script("sleep.py", SLEEPER), "60")]
    ).job_id
    parent_job = ws_client.jobs.create(
        name="parent",
        tasks=[
            jobs.Task(
                task_key="call",
                run_job_task=jobs.RunJobTask(job_id=child_job, job_parameters={"who": "parent"}),
            )
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=parent_job).run_id)
    assert result_of(run) == "SUCCESS"
    child_run_id = ws_client.jobs.get_run_output(run.tasks[0].run_id).run_job_output.run_id
    child = ws_client.jobs.get_run(child_run_id)
    assert child.job_id == child_job and child.trigger == jobs.TriggerType.RUN_JOB_TASK
    assert "child ['parent']" in ws_client.jobs.get_run_output(child.tasks[0].run_id).logs

    waiting_job = ws_client.jobs.create(
        name="waits", tasks=[jobs.Task(task_key="call", run_job_task=jobs.RunJobTask(job_id=sleeper_job))]
    ).job_id
    waiting = ws_client.jobs.run_now(job_id=waiting_job).run_id
    started = wait_for(
        ws_client,
        waiting,
        until=lambda r: r.tasks[0].state.life_cycle_state == jobs.RunLifeCycleState.RUNNING,
    )
    ws_client.jobs.cancel_run(waiting)
    assert result_of(wait_for(ws_client, waiting)) == "CANCELED"
    inner = [r for r in ws_client.jobs.list_runs(job_id=sleeper_job)]
    assert len(inner) == 1 and result_of(wait_for(ws_client, inner[0].run_id)) == "CANCELED", started.tasks[
        0
    ].state.state_message


def test_tasks_see_the_servers_current_environment(
    ws_client, script, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = script(
        "env.py", "import os\nprint(os.environ.get('LAKERUN_TEST_MARKER'), os.environ['DATABRICKS_HOST'])\n"
    )
    job_id = ws_client.jobs.create(name="env", tasks=[python_task("t", path)]).job_id
    wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    monkeypatch.setenv("LAKERUN_TEST_MARKER", "set-after-start")
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    marker, host = ws_client.jobs.get_run_output(run.tasks[0].run_id).logs.split()
    assert marker == "set-after-start" and host == ws_client.config.host


def test_for_each_task_runs_one_iteration_per_input(ws_client, script, tmp_path: Path) -> None:
    producer = script("produce.py", "dbutils.jobs.taskValues.set('tables', ['a', 'b', 'c', 'bad'])\n")
    worker = script(
        "work.py",
        "import sys\nname = sys.argv[1]\nprint('table', name)\nsys.exit(3 if name == 'bad' else 0)\n",
    )
    job_id = ws_client.jobs.create(
        name="loop",
        tasks=[
            python_task("produce", producer),
            jobs.Task(
                task_key="each",
                depends_on=[jobs.TaskDependency("produce")],
                for_each_task=jobs.ForEachTask(
                    inputs="{{tasks.produce.values.tables}}",
                    concurrency=2,
                    task=python_task("work", worker, "{{input}}"),
                ),
            ),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    each = task_of(run, "each")
    assert result_of(each) == "FAILED" and "1 of 4 iterations" in each.state.state_message  # type: ignore[operator]
    stats = each.for_each_task.stats.task_run_stats
    assert (stats.total_iterations, stats.succeeded_iterations, stats.failed_iterations) == (4, 3, 1)
    iterations = ws_client.jobs.get_run(each.run_id).iterations
    first_lines = [ws_client.jobs.get_run_output(it.run_id).logs.splitlines()[0] for it in iterations]
    assert first_lines == ["table a", "table b", "table c", "table bad"]
