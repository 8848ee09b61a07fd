"""A task's cluster definition reaches its process: `spark_env_vars` of `new_cluster` and job clusters."""

from __future__ import annotations

from databricks.sdk.service import compute, jobs

from tests.local.conftest import python_task, result_of, wait_for

PRINT_ENV = "import os\nprint('stage', os.environ.get('STAGE'), os.environ.get('PYSPARK_PYTHON_OPTS'))\n"


def test_job_cluster_spark_env_vars_reach_the_task(ws_client, script) -> None:
    cluster = compute.ClusterSpec(
        spark_version="15.4.x-scala2.12",
        num_workers=1,
        spark_env_vars={"STAGE": "silver", "PYSPARK_PYTHON_OPTS": "-X dev"},
    )
    job_id = ws_client.jobs.create(
        name="env",
        job_clusters=[jobs.JobCluster(job_cluster_key="main", new_cluster=cluster)],
        tasks=[python_task("t", script("env.py", PRINT_ENV), job_cluster_key="main")],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    logs = ws_client.jobs.get_run_output(run.tasks[0].run_id).logs
    assert result_of(run) == "SUCCESS", logs
    assert "stage silver -X dev" in logs


def test_submit_new_cluster_spark_env_vars_reach_the_task(ws_client, script) -> None:
    cluster = compute.ClusterSpec(spark_version="15.4.x-scala2.12", spark_env_vars={"STAGE": "gold"})
    task = jobs.SubmitTask(
        task_key="t",
        new_cluster=cluster,
        spark_python_task=jobs.SparkPythonTask(python_file=script("env.py", PRINT_ENV)),
    )
    run = wait_for(ws_client, ws_client.jobs.submit(run_name="env", tasks=[task]).run_id)
    logs = ws_client.jobs.get_run_output(run.tasks[0].run_id).logs
    assert result_of(run) == "SUCCESS", logs
    assert "stage gold None" in logs
