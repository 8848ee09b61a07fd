"""Command Execution (1.2) through the official SDK and curl-style calls: state, errors, %pip, cancel."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import httpx
import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service import jobs
from databricks.sdk.service.compute import CommandStatus, ContextStatus, Language, ResultType

from tests.support.eventually import eventually


@pytest.fixture
def context(ws_client):
    created = ws_client.command_execution.create(cluster_id="local", language=Language.PYTHON).result()
    yield created.id
    ws_client.command_execution.destroy(cluster_id="local", context_id=created.id)


def run(ws_client, context_id: str, command: str):
    return ws_client.command_execution.execute(
        cluster_id="local", context_id=context_id, language=Language.PYTHON, command=command
    ).result()


def wait_for(ws_client, command_id: str, context_id: str, wanted: set[CommandStatus]):
    return eventually(
        lambda: ws_client.command_execution.command_status(
            cluster_id="local", context_id=context_id, command_id=command_id
        ),
        lambda status: status.status in wanted,
        interval=0.1,
        what=f"command {command_id} in {wanted}",
    )


def test_context_keeps_variables_between_commands(ws_client, context) -> None:
    status = ws_client.command_execution.context_status(cluster_id="local", context_id=context)
    assert status.status == ContextStatus.RUNNING
    first = run(ws_client, context, "x = 21\nprint('set x')")
    assert first.status == CommandStatus.FINISHED
    assert first.results.result_type == ResultType.TEXT
    assert first.results.data == "set x"
    second = run(ws_client, context, "x * 2")
    assert second.results.data == "42"


def test_exception_returns_an_error_result_and_the_context_survives(ws_client, context) -> None:
    failed = run(ws_client, context, "value = 1\nraise ValueError('bad input: 7')")
    assert failed.status == CommandStatus.FINISHED
    assert failed.results.result_type == ResultType.ERROR
    assert failed.results.summary == "ValueError: bad input: 7"
    assert "raise ValueError('bad input: 7')" in failed.results.cause
    assert "command_runner" not in failed.results.cause
    assert run(ws_client, context, "value + 1").results.data == "2"
    syntax = run(ws_client, context, "def broken(:")
    assert syntax.results.result_type == ResultType.ERROR
    assert syntax.results.summary.startswith("SyntaxError")


def test_context_has_dbutils_for_files_and_secrets(ws_client, context) -> None:
    ws_client.secrets.create_scope("ctx")
    ws_client.secrets.put_secret("ctx", "token", string_value="t-42")
    code = "dbutils.fs.put('dbfs:/from_context.txt', 'written in a context', True)\ndbutils.secrets.get('ctx', 'token')"
    result = run(ws_client, context, code)
    assert result.results.data == "'t-42'", result.results.cause
    assert ws_client.dbfs.download("/from_context.txt").read() == b"written in a context"


def test_output_of_child_processes_is_captured(ws_client, context) -> None:
    result = run(ws_client, context, "%sh echo from-the-shell")
    assert result.results.data == "from-the-shell"
    code = "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'print(123)'])\nNone"
    assert run(ws_client, context, code).results.data == "123"


def test_pip_install_of_a_local_wheel_is_scoped_to_the_context(ws_client, context, make_wheel) -> None:
    wheel = make_wheel("ctxscopedpkg", "0.3", "ANSWER = 'installed in the context'\n")
    installed = run(ws_client, context, f"%pip install {wheel}")
    assert installed.results.result_type == ResultType.TEXT, installed.results.cause
    assert "Successfully installed ctxscopedpkg-0.3" in installed.results.data
    assert run(ws_client, context, "import ctxscopedpkg\nctxscopedpkg.ANSWER").results.data == (
        "'installed in the context'"
    )
    other = ws_client.command_execution.create(cluster_id="local", language=Language.PYTHON).result()
    try:
        missing = run(ws_client, other.id, "import ctxscopedpkg")
        assert missing.results.result_type == ResultType.ERROR
    finally:
        ws_client.command_execution.destroy(cluster_id="local", context_id=other.id)
    probe = subprocess.run([sys.executable, "-c", "import ctxscopedpkg"], capture_output=True, check=False)
    assert probe.returncode != 0


@pytest.mark.slow
def test_pip_install_of_a_pinned_pypi_package(ws_client, context) -> None:
    installed = run(ws_client, context, "%pip install --no-deps six==1.16.0")
    assert installed.results.result_type == ResultType.TEXT, installed.results.cause
    assert run(ws_client, context, "import six\nsix.__version__").results.data == "'1.16.0'"


def test_failed_pip_install_is_an_error_result(ws_client, context, tmp_path) -> None:
    result = run(ws_client, context, f"%pip install {tmp_path}/no-such-wheel-1.0-py3-none-any.whl")
    assert result.results.result_type == ResultType.ERROR
    assert "failed" in result.results.summary


def test_cancel_interrupts_a_running_command(ws_client, context) -> None:
    started = ws_client.command_execution.execute(
        cluster_id="local",
        context_id=context,
        language=Language.PYTHON,
        command="import time\nfor _ in range(600):\n    time.sleep(0.1)",
    )
    wait_for(ws_client, started.command_id, context, {CommandStatus.RUNNING})
    ws_client.command_execution.cancel(cluster_id="local", context_id=context, command_id=started.command_id)
    done = wait_for(ws_client, started.command_id, context, {CommandStatus.CANCELLED})
    assert done.status == CommandStatus.CANCELLED
    assert run(ws_client, context, "'still alive'").results.data == "'still alive'"


def test_unknown_context_and_languages_are_refused(ws_client) -> None:
    with pytest.raises(ResourceDoesNotExist):
        ws_client.command_execution.context_status(cluster_id="local", context_id="123")
    with pytest.raises(InvalidParameterValue, match="only python"):
        ws_client.command_execution.create(cluster_id="local", language=Language.SCALA)
    with pytest.raises(InvalidParameterValue, match="cluster id"):
        ws_client.command_execution.create(cluster_id="../etc", language=Language.PYTHON)


def test_destroyed_context_is_gone(ws_client) -> None:
    created = ws_client.command_execution.create(cluster_id="local", language=Language.PYTHON).result()
    ws_client.command_execution.destroy(cluster_id="local", context_id=created.id)
    with pytest.raises(ResourceDoesNotExist):
        ws_client.command_execution.context_status(cluster_id="local", context_id=created.id)


def test_seed_style_calls_without_context_under_api_2_0(local_workspace, make_wheel) -> None:
    headers = {"Authorization": f"Bearer {local_workspace.token}", "Content-Type": "application/json"}
    base = f"{local_workspace.url}/api/2.0"
    wheel = make_wheel("seedexecutor", "1.0", "NAME = 'executor'\n")
    on_dbfs = local_workspace.config.root / "dbfs" / "libs" / wheel.name
    on_dbfs.parent.mkdir(parents=True)
    on_dbfs.write_bytes(wheel.read_bytes())
    cluster = "0123-456789-abcdef01"
    body = {"language": "python", "clusterId": cluster, "command": f"%pip install /dbfs/libs/{wheel.name}"}
    submitted = httpx.post(f"{base}/commands/execute", headers=headers, json=body)
    assert submitted.status_code == 200, submitted.text
    command_id = submitted.json()["id"]
    status = poll_http(base, headers, cluster, command_id)
    assert status["status"] == "Finished"
    assert status["results"]["resultType"] == "text"
    assert "Successfully installed seedexecutor-1.0" in status["results"]["data"]
    code = {"language": "python", "clusterId": cluster, "command": "import seedexecutor\nseedexecutor.NAME"}
    second = httpx.post(f"{base}/commands/execute", headers=headers, json=code).json()["id"]
    poll_http(base, headers, cluster, second)
    seed_style_get = httpx.request(
        "GET",
        f"{base}/commands/status",
        headers={"Authorization": headers["Authorization"]},
        content=json.dumps({"clusterId": cluster, "commandId": second}),
    )
    assert seed_style_get.json()["results"] == {"resultType": "text", "data": "'executor'"}
    from lakerun.local.environments import python_for

    python = python_for(local_workspace.config.root, cluster, [])
    probe = subprocess.run([python, "-c", "import seedexecutor"], capture_output=True, check=False)
    assert probe.returncode == 0


def test_form_encoded_1_2_calls(local_workspace) -> None:
    auth = {"Authorization": f"Bearer {local_workspace.token}"}
    base = f"{local_workspace.url}/api/1.2"
    created = httpx.post(
        f"{base}/contexts/create", headers=auth, data={"language": "python", "clusterId": "local"}
    )
    context_id = created.json()["id"]
    eventually(
        lambda: httpx.get(
            f"{base}/contexts/status", headers=auth, params={"clusterId": "local", "contextId": context_id}
        ).json()["status"],
        lambda status: status == "Running",
        interval=0.1,
    )
    executed = httpx.post(
        f"{base}/commands/execute",
        headers=auth,
        data={"language": "python", "clusterId": "local", "contextId": context_id, "command": "6 * 7"},
    )
    status = poll_http(base, auth, "local", executed.json()["id"])
    assert status["results"]["data"] == "42"
    httpx.post(f"{base}/contexts/destroy", headers=auth, data={"clusterId": "local", "contextId": context_id})


def poll_http(base: str, headers: dict[str, str], cluster: str, command_id: str) -> dict:
    return eventually(
        lambda: httpx.request(
            "GET",
            f"{base}/commands/status",
            headers=headers,
            params={"clusterId": cluster, "commandId": command_id},
        ).json(),
        lambda status: status["status"] in ("Finished", "Error", "Cancelled"),
        timeout=120,
        interval=0.1,
    )


@pytest.mark.slow
def test_seed_flow_cluster_pip_then_job_on_that_cluster(ws_client, make_wheel) -> None:
    wheel = make_wheel("seedflowpkg", "1.0", "def greet():\n    return 'hello from the cluster library'\n")
    ws_client.dbfs.upload(f"/libs/{wheel.name}", io.BytesIO(wheel.read_bytes()))
    script = b"import sys, seedflowpkg\nprint(seedflowpkg.greet(), sys.argv[1:])\n"
    ws_client.dbfs.upload("/executor/main.py", io.BytesIO(script))
    installed = ws_client.command_execution.execute(
        cluster_id="0123-456789-abcdef01",
        language=Language.PYTHON,
        command=f"%pip install /dbfs/libs/{wheel.name}",
    ).result()
    assert installed.results.result_type == ResultType.TEXT, installed.results.cause
    task = jobs.SubmitTask(
        task_key="extract",
        existing_cluster_id="0123-456789-abcdef01",
        spark_python_task=jobs.SparkPythonTask(
            python_file="dbfs:/executor/main.py", parameters=["metadata_extraction"]
        ),
    )
    run = ws_client.jobs.submit(run_name="seed-000", tasks=[task]).result()
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    output = ws_client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.logs.strip() == "hello from the cluster library ['metadata_extraction']"


def test_a_context_whose_process_dies_reports_it(ws_client, context) -> None:
    died = run(ws_client, context, "import os\nos._exit(3)")
    assert died.results.result_type == ResultType.ERROR
    assert "exited" in died.results.summary
    status = ws_client.command_execution.context_status(cluster_id="local", context_id=context)
    assert status.status == ContextStatus.ERROR
    with pytest.raises(InvalidParameterValue, match="error state"):
        ws_client.command_execution.execute(
            cluster_id="local", context_id=context, language=Language.PYTHON, command="1"
        )
