"""Jobs API through the official SDK: create, get, list with paging, update, reset, delete, typed errors."""

from __future__ import annotations

import httpx
import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service import jobs

from tests.local.conftest import python_task, result_of, wait_for


def test_create_get_and_run_a_python_file(ws_client, script) -> None:
    path = script("hello.py", "import sys\nprint('hello', *sys.argv[1:])\n")
    job_id = ws_client.jobs.create(name="hello", tasks=[python_task("main", path, "a", "b")]).job_id
    job = ws_client.jobs.get(job_id)
    assert job.settings.name == "hello"
    assert job.settings.tasks[0].spark_python_task.python_file == path
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "SUCCESS"
    assert run.job_id == job_id and run.number_in_job == run.run_id
    output = ws_client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.logs.strip() == "hello a b"


def test_list_filters_by_name_and_pages(ws_client, script) -> None:
    path = script("noop.py", "")
    ids = [ws_client.jobs.create(name=f"job-{i}", tasks=[python_task("t", path)]).job_id for i in range(5)]
    assert [j.job_id for j in ws_client.jobs.list(name="JOB-3")] == [ids[3]]
    first = ws_client.api_client.do("GET", "/api/2.2/jobs/list", query={"limit": 2})
    assert [j["job_id"] for j in first["jobs"]] == ids[:2] and first["has_more"] is True
    second = ws_client.api_client.do(
        "GET", "/api/2.2/jobs/list", query={"limit": 2, "page_token": first["next_page_token"]}
    )
    assert [j["job_id"] for j in second["jobs"]] == ids[2:4]
    back = ws_client.api_client.do(
        "GET", "/api/2.2/jobs/list", query={"limit": 2, "page_token": second["prev_page_token"]}
    )
    assert [j["job_id"] for j in back["jobs"]] == ids[:2]
    assert [j.job_id for j in ws_client.jobs.list(limit=2)] == ids
    accented = ws_client.jobs.create(name="Éclair Überblick", tasks=[python_task("t", path)]).job_id
    assert [j.job_id for j in ws_client.jobs.list(name="éclair überblick")] == [accented]
    assert list(ws_client.jobs.list(name="job-")) == []
    assert "tasks" not in first["jobs"][0]["settings"]
    assert next(iter(ws_client.jobs.list(expand_tasks=True))).settings.tasks[0].task_key == "t"


def test_update_merges_tasks_and_removes_fields(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(
        name="merge",
        tags={"team": "a"},
        tasks=[python_task("a", path), python_task("b", path, depends_on=[jobs.TaskDependency("a")])],
    ).job_id
    ws_client.jobs.update(
        job_id,
        new_settings=jobs.JobSettings(
            name="merged", tasks=[python_task("a", path, "--x"), python_task("c", path)]
        ),
        fields_to_remove=["tags", "tasks/b"],
    )
    settings = ws_client.jobs.get(job_id).settings
    assert settings.name == "merged" and settings.tags is None
    assert {t.task_key: t.spark_python_task.parameters for t in settings.tasks} == {"a": ["--x"], "c": None}


def test_reset_replaces_and_delete_removes(ws_client, script) -> None:
    path = script("noop.py", "")
    job_id = ws_client.jobs.create(name="old", tasks=[python_task("a", path)]).job_id
    ws_client.jobs.reset(job_id, new_settings=jobs.JobSettings(name="new", tasks=[python_task("z", path)]))
    assert [t.task_key for t in ws_client.jobs.get(job_id).settings.tasks] == ["z"]
    ws_client.jobs.delete(job_id)
    with pytest.raises(ResourceDoesNotExist):
        ws_client.jobs.get(job_id)


def test_bad_settings_raise_invalid_parameter_value(ws_client, script) -> None:
    path = script("noop.py", "")
    with pytest.raises(InvalidParameterValue, match="depends on 'ghost'"):
        ws_client.jobs.create(
            name="bad", tasks=[python_task("a", path, depends_on=[jobs.TaskDependency("ghost")])]
        )
    with pytest.raises(InvalidParameterValue, match="cycle"):
        ws_client.jobs.create(
            name="loop",
            tasks=[
                python_task("a", path, depends_on=[jobs.TaskDependency("b")]),
                python_task("b", path, depends_on=[jobs.TaskDependency("a")]),
            ],
        )
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        ws_client.jobs.run_now(job_id=987654)
    with pytest.raises(ResourceDoesNotExist):
        ws_client.jobs.get_run(987654)


def test_jobs_2_0_single_task_form_runs_and_gives_output(local_workspace, ws_client, script) -> None:
    path = script("single.py", "import sys\nprint('single', sys.argv[1:])\n")
    headers = {"Authorization": f"Bearer {local_workspace.token}"}
    body = {
        "name": "legacy",
        "existing_cluster_id": "local",
        "spark_python_task": {"python_file": path, "parameters": ["p"]},
    }
    job_id = httpx.post(f"{local_workspace.url}/api/2.0/jobs/create", json=body, headers=headers).json()[
        "job_id"
    ]
    run_id = httpx.post(
        f"{local_workspace.url}/api/2.0/jobs/run-now", json={"job_id": job_id}, headers=headers
    ).json()["run_id"]
    run = wait_for(ws_client, run_id)
    assert result_of(run) == "SUCCESS"
    output = ws_client.jobs.get_run_output(run_id)
    assert "single ['p']" in output.logs
    assert output.metadata.job_id == job_id


def test_jobs_2_0_update_of_a_single_task_job(local_workspace, ws_client, script) -> None:
    headers = {"Authorization": f"Bearer {local_workspace.token}"}
    first, second = script("first.py", "print('first')\n"), script("second.py", "print('second')\n")
    body = {"name": "legacy", "spark_python_task": {"python_file": first}, "timeout_seconds": 60}
    job_id = httpx.post(f"{local_workspace.url}/api/2.1/jobs/create", json=body, headers=headers).json()[
        "job_id"
    ]
    update = {
        "job_id": str(job_id),
        "new_settings": {"timeout_seconds": 7200, "spark_python_task": {"python_file": second}},
    }
    assert (
        httpx.post(f"{local_workspace.url}/api/2.1/jobs/update", json=update, headers=headers).status_code
        == 200
    )
    settings = ws_client.jobs.get(job_id).settings
    assert settings.timeout_seconds == 7200 and settings.tasks[0].spark_python_task.python_file == second
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert ws_client.jobs.get_run_output(run.run_id).logs.strip() == "second"
