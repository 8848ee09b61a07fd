"""A wheel task whose package is installed from the job's environment into a local environment."""

from __future__ import annotations

import pytest
from databricks.sdk.service import compute, jobs

from tests.local.conftest import result_of, task_of, wait_for

pytestmark = pytest.mark.slow

SOURCE = "import sys\n\ndef main():\n    print('lrdemo says', sys.argv[1:])\n"


def test_wheel_from_environment_dependencies_and_task_libraries(ws_client, make_wheel) -> None:
    wheel = make_wheel("lrdemo", "1.0", SOURCE, "[console_scripts]\nlrdemo-run = lrdemo:main\n")
    wheel_task = jobs.PythonWheelTask(
        package_name="lrdemo", entry_point="lrdemo-run", parameters=["--layer", "gold"]
    )
    job_id = ws_client.jobs.create(
        name="libs",
        environments=[
            jobs.JobEnvironment(
                environment_key="default",
                spec=compute.Environment(environment_version="2", dependencies=[str(wheel)]),
            )
        ],
        tasks=[
            jobs.Task(task_key="from_env", environment_key="default", python_wheel_task=wheel_task),
            jobs.Task(task_key="without", python_wheel_task=wheel_task),
        ],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id, timeout=240)
    output = ws_client.jobs.get_run_output(task_of(run, "from_env").run_id)
    assert output.logs.strip() == "lrdemo says ['--layer', 'gold']", output.error
    assert result_of(task_of(run, "without")) == "FAILED"
    assert "lrdemo" in ws_client.jobs.get_run_output(task_of(run, "without").run_id).error
