"""How an attempt's tasks are prepared: callback settings and parameters reach each kind of task."""

from __future__ import annotations

import pytest

from lakerun.control.launch import CALLBACK_PARAMETERS, LaunchRequest, job_parameter_references
from lakerun.executor.callbacks import CallbackClient, CallbackError


def request(**fields: object) -> LaunchRequest:
    base: dict = {
        "attempt_id": "11111111-2222-3333-4444-555555555555",
        "attempt_number": 1,
        "strategy": "one_time",
        "subject_key": "s",
        "spec": {},
        "parameters": {"table": "orders"},
        "callback": {
            "lakerun_attempt_id": "a",
            "lakerun_callback_url": "http://cp/x",
            "lakerun_callback_secret": "k",
        },
    }
    return LaunchRequest(**{**base, **fields})


def test_python_task_gets_arguments_the_client_reads_back() -> None:
    task = request().task(
        {"task_key": "t", "spark_python_task": {"python_file": "f.py", "parameters": ["--x=1"]}}
    )
    argv = task["spark_python_task"]["parameters"]
    assert argv[0] == "--x=1" and "--table=orders" in argv
    client = CallbackClient.from_env(argv)
    assert client is not None
    assert (client.attempt_id, client.url, client.secret) == ("a", "http://cp/x", "k")


def test_notebook_and_named_wheel_tasks_get_key_values() -> None:
    notebook = request().task({"task_key": "n", "notebook_task": {"notebook_path": "/nb"}})
    assert notebook["notebook_task"]["base_parameters"]["lakerun_callback_url"] == "http://cp/x"
    wheel = request().task(
        {
            "task_key": "w",
            "python_wheel_task": {"package_name": "p", "entry_point": "e", "named_parameters": {"a": "1"}},
        }
    )
    assert wheel["python_wheel_task"]["named_parameters"] == {
        "a": "1",
        "table": "orders",
        **request().callback,  # type: ignore[dict-item]
    }


def test_default_cluster_only_where_the_task_names_no_compute() -> None:
    launch = request(default_cluster_id="c-1")
    bare = launch.task({"task_key": "t", "spark_python_task": {"python_file": "f.py"}})
    own = launch.task({"task_key": "t", "environment_key": "e", "spark_python_task": {"python_file": "f.py"}})
    assert bare["existing_cluster_id"] == "c-1" and "existing_cluster_id" not in own


def test_idempotency_token_is_derived_from_the_attempt_and_fits_the_api_limit() -> None:
    token = request().idempotency_token
    assert token == "lakerun-11111111222233334444555555555555" and len(token) <= 64


def test_shared_jobs_declare_callback_parameters_and_reference_them() -> None:
    settings = job_parameter_references(
        {
            "tasks": [{"task_key": "t", "spark_python_task": {"python_file": "f.py"}}],
            "parameters": [{"name": "mode", "default": "ok"}],
        },
        CALLBACK_PARAMETERS,
    )
    assert [p["name"] for p in settings["parameters"]] == ["mode", *CALLBACK_PARAMETERS]
    assert (
        "--lakerun-callback-url={{job.parameters.lakerun_callback_url}}"
        in settings["tasks"][0]["spark_python_task"]["parameters"]
    )


def test_client_is_off_without_settings_and_an_unreadable_secret_reference_is_an_error() -> None:
    assert CallbackClient.from_env([]) is None
    with pytest.raises(CallbackError, match="secret s/k is not available"):
        CallbackClient.from_env(
            ["--lakerun-attempt-id=a", "--lakerun-callback-url=u", "--lakerun-callback-secret-ref=s/k"]
        )
