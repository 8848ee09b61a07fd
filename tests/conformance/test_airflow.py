"""Airflow's Databricks provider (hook, DatabricksRunNowOperator with repair, the deferrable trigger)
against the local workspace.

Recipe: an Airflow connection `databricks_default` with `host` 127.0.0.1, `port` and `schema: http`,
and the token as `password` (here through `AIRFLOW_CONN_DATABRICKS_DEFAULT`).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from databricks.sdk.service import jobs

from tests.conformance.client_venvs import client_venv

pytestmark = [pytest.mark.conformance, pytest.mark.slow]
CLIENT = Path(__file__).parent / "clients" / "airflow_hook.py"
FLAKY = """
import pathlib, sys
marker = pathlib.Path(sys.argv[1])
if not marker.exists():
    marker.write_text("failed once")
    raise SystemExit("first attempt fails")
print("repaired")
"""


@pytest.fixture(scope="session")
def airflow_python() -> Path:
    """Python of a venv with apache-airflow-providers-databricks."""
    return client_venv("airflow", ["apache-airflow-providers-databricks==7.23.0"]) / "bin" / "python"


def test_hook_operator_repair_and_deferrable_trigger(
    airflow_python, local_workspace, ws_client, tmp_path
) -> None:
    marker = tmp_path / "marker"
    flaky, once = tmp_path / "flaky.py", tmp_path / "once.py"
    flaky.write_text(FLAKY)
    once.write_text("print('once')\n")
    task = jobs.Task(
        task_key="t", spark_python_task=jobs.SparkPythonTask(python_file=str(flaky), parameters=[str(marker)])
    )
    job_id = ws_client.jobs.create(name="flaky", tasks=[task]).job_id
    connection = {
        "conn_type": "databricks",
        "host": local_workspace.config.host,
        "port": local_workspace.config.port,
        "schema": "http",
        "password": local_workspace.token,
    }
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW_CONN_DATABRICKS_DEFAULT": json.dumps(connection),
    }
    done = subprocess.run(
        [str(airflow_python), str(CLIENT), str(job_id), str(marker), str(once)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["job_by_name"] == job_id
    assert found["first"] == "FAILED" and found["repair_before"] is None
    assert found["repaired"] == "SUCCESS" and found["repair_after_matches"]
    assert found["page_url"].startswith(local_workspace.url)
    # The operator repairs the failed run; provider 7.23.0 then still raises the first failure's
    # AirflowException after the repaired run succeeded, so the outcome is read from the workspace.
    assert found["operator"] in ("returned", "AirflowException")
    repaired = ws_client.jobs.get_run(found["operator_run_id"])
    assert repaired.state.result_state.value == "SUCCESS"
    assert [item.type.value for item in repaired.repair_history] == ["ORIGINAL", "REPAIR"]
    assert isinstance(found["submit_job_id"], int)
    assert found["trigger_state"] == "SUCCESS"
