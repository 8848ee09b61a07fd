"""`spark` inside a task: a local SparkSession created on first use."""

from __future__ import annotations

import pytest
from databricks.sdk.service import compute, jobs

from tests.local.conftest import python_task, result_of, wait_for

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.usefixtures("spark_available"),
]


def test_spark_global_is_a_lazy_local_session(ws_client, script) -> None:
    body = (
        "print('before spark')\nprint('rows', spark.range(7).filter('id % 2 = 0').count())\n"
        "print('partitions', spark.conf.get('spark.sql.shuffle.partitions'))\n"
    )
    cluster = compute.ClusterSpec(
        spark_version="15.4.x-scala2.12", spark_conf={"spark.sql.shuffle.partitions": "3"}
    )
    job_id = ws_client.jobs.create(
        name="spark",
        job_clusters=[jobs.JobCluster(job_cluster_key="c", new_cluster=cluster)],
        tasks=[python_task("t", script("spark_task.py", body), job_cluster_key="c")],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id, timeout=180)
    logs = ws_client.jobs.get_run_output(run.tasks[0].run_id).logs
    assert result_of(run) == "SUCCESS", logs
    assert "before spark" in logs and "rows 4" in logs and "partitions 3" in logs
