"""Bad trigger input is a 4xx naming the field and stores nothing; idempotency keys and retries conflict."""

from __future__ import annotations

from typing import Any

import pytest

from lakerun.control.errors import is_transient
from lakerun.control.workspaces import WorkspaceSpec
from tests.server.conftest import Stack, python_task

OK_TASK = python_task()


def body(**fields: Any) -> dict[str, Any]:
    return {"subject_key": "bad-input", "tasks": [OK_TASK], **fields}


BAD_BODIES: list[tuple[dict[str, Any] | str, str]] = [
    (body(timeout_seconds=1e12), "timeout_seconds"),
    (body(timeout_seconds=1e308), "timeout_seconds"),
    ('{"subject_key": "bad-input", "tasks": [], "timeout_seconds": Infinity}', "timeout_seconds"),
    ('{"subject_key": "bad-input", "tasks": [], "timeout_seconds": NaN}', "timeout_seconds"),
    (body(tasks="not a list"), "tasks"),
    (body(tasks=[{"spark_python_task": {"python_file": "x.py"}}]), "task_key"),
    (body(tasks=[{"task_key": ["a"], "spark_python_task": {"python_file": "x.py"}}]), "task_key"),
    (body(tasks=[{"task_key": "t", "spark_python_task": "x"}]), "tasks[0]"),
    (body(strategy="job_per_attempt", job_settings={"tasks": "x"}), "job_settings"),
    (body(subject_key="k" * 301), "subject_key"),
    (body(subject_kind="k" * 101), "subject_kind"),
    (body(strategy="shared_job", job_key="j" * 201, tasks=[]), "job_key"),
    (body(workspace="w" * 101), "workspace"),
    (body(subject_kind=""), "subject_kind"),
]


def test_bad_trigger_bodies_are_refused_naming_the_field(stack: Stack) -> None:
    for bad, field in BAD_BODIES:
        if isinstance(bad, str):
            response = stack.api.post(
                "/v1/runs", content=bad.encode(), headers={"Content-Type": "application/json"}
            )
        else:
            response = stack.api.post("/v1/runs", json=bad)
        assert 400 <= response.status_code < 500, (bad, response.status_code, response.text)
        assert field in response.text, (bad, response.text)
    assert stack.api.get("/v1/runs").json()["total"] == 0, "a refused request stores nothing"


def test_bulk_items_are_checked_the_same_way(stack: Stack) -> None:
    response = stack.api.post(
        "/v1/runs/bulk", json={"items": [body(tasks=[{"task_key": "t", "spark_python_task": "x"}])]}
    )
    assert response.status_code == 200
    assert "tasks[0]" in response.json()[0]["error"]
    assert stack.api.get("/v1/runs").json()["total"] == 0


@pytest.mark.parametrize("offset", [2**63, 2**31, -1])
def test_out_of_range_offsets_are_a_422(stack: Stack, offset: int) -> None:
    for path in ("/v1/runs", "/v1/subjects", "/v1/metadata/records"):
        response = stack.api.get(path, params={"offset": offset})
        assert response.status_code == 422, (path, response.text)
        assert "offset" in response.text


def test_a_spec_error_found_at_launch_is_permanent() -> None:
    assert not is_transient(AttributeError("'str' object has no attribute 'get'"))
    assert not is_transient(IndexError("list index out of range"))
    assert is_transient(ConnectionError("refused"))


def test_an_idempotency_key_reused_for_other_work_is_a_409(stack: Stack) -> None:
    first = stack.trigger(**body(idempotency_key="key-1"))
    assert stack.trigger(**body(idempotency_key="key-1"))["id"] == first["id"]
    for changed in (
        body(subject_key="another", idempotency_key="key-1"),
        body(idempotency_key="key-1", parameters={"a": "b"}),
    ):
        response = stack.api.post("/v1/runs", json=changed)
        assert response.status_code == 409, response.text
        assert "idempotency key" in response.json()["detail"]
    assert stack.api.get("/v1/runs").json()["total"] == 1


def test_retrying_an_active_attempt_needs_an_explicit_concurrent_request(stack: Stack) -> None:
    active = stack.trigger(subject_key="busy", tasks=[python_task("sleep")])
    stack.wait(active["id"], until=lambda run: run["status"] == "RUNNING")
    refused = stack.api.post(f"/v1/runs/{active['id']}/retry")
    assert refused.status_code == 409
    assert "concurrent" in refused.json()["detail"]
    assert stack.api.get("/v1/runs", params={"subject_key": "busy"}).json()["total"] == 1
    second = stack.api.post(f"/v1/runs/{active['id']}/retry", json={"concurrent": True})
    assert second.status_code == 201, second.text
    assert second.json()["retry_of"] == active["id"]
    for attempt_id in (active["id"], second.json()["id"]):
        stack.api.post(f"/v1/runs/{attempt_id}/cancel")


def test_a_registry_job_with_a_malformed_spec_is_a_422_and_creates_nothing(stack: Stack) -> None:
    for settings, field in (
        ({"name": "j", "tasks": "x"}, "tasks"),
        ({"name": "j", "tasks": [{"task_key": "t", "spark_python_task": "x"}]}, "tasks[0]"),
        ({"name": "j", "tasks": [{"spark_python_task": {"python_file": "a.py"}}]}, "task_key"),
    ):
        response = stack.api.put("/v1/jobs/local/malformed", json=settings)
        assert response.status_code == 422, response.text
        assert field in response.json()["detail"]
    assert stack.api.get("/v1/jobs").json() == []


def test_over_long_workspace_fields_are_a_422(stack: Stack) -> None:
    response = stack.api.post(
        "/v1/workspaces", json={"name": "long", "host": "http://" + "h" * 600, "token_ref": "env:X"}
    )
    assert response.status_code == 422 and "host" in response.text
    assert [w["name"] for w in stack.api.get("/v1/workspaces").json()] == ["local"]


def test_a_workspace_refusing_a_call_is_a_502_not_a_500(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that is no Databricks workspace (here: the control plane itself) answers 404s to the SDK."""
    monkeypatch.setenv("LAKERUN_TEST_NOT_DATABRICKS", "dapi-x")
    stack.plane.register_workspace(
        WorkspaceSpec(name="wrong", host=stack.server.url, token_ref="env:LAKERUN_TEST_NOT_DATABRICKS")
    )
    response = stack.api.put("/v1/jobs/wrong/some-job", json={"name": "j", "tasks": [OK_TASK]})
    assert response.status_code == 502, response.text
