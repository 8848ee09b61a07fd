"""The API's doors: tokens required, bad input named, bulk trigger, paging, workspaces with health, OpenAPI."""

from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import Stack, python_task

pytestmark = pytest.mark.slow


def test_every_endpoint_but_the_callback_requires_a_token(stack: Stack) -> None:
    anonymous = httpx.Client(base_url=stack.server.url)
    assert anonymous.get("/v1/runs").status_code == 401
    assert anonymous.post("/v1/runs", json={"subject_key": "x"}).status_code == 401
    assert anonymous.get("/v1/workspaces").status_code == 401
    wrong = anonymous.get("/v1/runs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    callback = anonymous.post("/v1/attempts/unknown/events", content=b"{}")
    assert callback.status_code == 401
    anonymous.close()


def test_bad_input_is_named(stack: Stack) -> None:
    bad_strategy = stack.api.post("/v1/runs", json={"subject_key": "x", "strategy": "sometimes"})
    assert bad_strategy.status_code == 422 and "strategy" in bad_strategy.text
    no_tasks = stack.api.post("/v1/runs", json={"subject_key": "x"})
    assert no_tasks.status_code == 422 and "tasks" in no_tasks.text
    no_job = stack.api.post(
        "/v1/runs", json={"subject_key": "x", "strategy": "shared_job", "job_key": "nope"}
    )
    assert no_job.status_code == 422 and "nope" in no_job.text
    no_workspace = stack.api.post(
        "/v1/runs", json={"subject_key": "x", "workspace": "mars", "tasks": [python_task()]}
    )
    assert no_workspace.status_code == 404 and "mars" in no_workspace.text
    assert stack.api.get("/v1/runs/not-an-attempt").status_code == 404
    assert stack.api.get("/v1/runs", params={"total": 1}).status_code == 200
    assert stack.api.get("/v1/runs").json()["total"] == 0


def test_idempotency_key_returns_the_first_attempt(stack: Stack) -> None:
    first = stack.trigger(subject_key="once", tasks=[python_task()], idempotency_key="req-1")
    second = stack.trigger(subject_key="once", tasks=[python_task()], idempotency_key="req-1")
    assert first["id"] == second["id"]
    assert stack.api.get("/v1/runs", params={"subject_key": "once"}).json()["total"] == 1


def test_bulk_trigger_runs_each_subject_and_pages_the_list(stack: Stack) -> None:
    items = [
        {"subject_key": f"table-{n}", "subject_kind": "table", "tasks": [python_task()]} for n in range(5)
    ]
    items.append({"subject_key": "broken", "workspace": "mars", "tasks": [python_task()]})
    results = stack.api.post("/v1/runs/bulk", json={"items": items}).json()
    assert [bool(r["attempt"]) for r in results] == [True] * 5 + [False]
    assert "mars" in results[-1]["error"]
    for result in results[:5]:
        assert stack.wait(result["attempt"]["id"])["status"] == "SUCCESS"
    first = stack.api.get("/v1/runs", params={"subject_kind": "table", "limit": 2}).json()
    second = stack.api.get("/v1/runs", params={"subject_kind": "table", "limit": 2, "offset": 2}).json()
    assert first["total"] == 5 and len(first["items"]) == 2 and len(second["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    subjects = stack.api.get("/v1/subjects", params={"kind": "table"}).json()
    assert sorted(s["key"] for s in subjects) == [f"table-{n}" for n in range(5)]
    found = stack.api.get("/v1/subjects", params={"q": "TABLE-3", "limit": 1})
    assert [s["key"] for s in found.json()] == ["table-3"] and found.headers["X-Total-Count"] == "1"
    assert stack.api.get("/v1/subjects", params={"limit": 2}).headers["X-Total-Count"] == "5"


def test_workspaces_show_health_and_never_secrets(stack: Stack) -> None:
    workspaces = stack.api.get("/v1/workspaces").json()
    assert workspaces[0]["name"] == "local" and workspaces[0]["health"]["ok"] is True
    assert stack.workspace.token not in str(workspaces)
    bad = stack.api.post("/v1/workspaces", json={"name": "x", "host": "ftp://nowhere", "token_ref": "env:X"})
    assert bad.status_code == 422 and "host" in bad.text
    clear = stack.api.post(
        "/v1/workspaces", json={"name": "y", "host": "http://h", "token_ref": "dapi-secret"}
    )
    assert clear.status_code == 422 and "env:NAME" in clear.text
    down = stack.api.post(
        "/v1/workspaces", json={"name": "down", "host": "http://127.0.0.1:9", "token_ref": "env:X"}
    )
    assert down.status_code == 201
    health = {w["name"]: w["health"]["ok"] for w in stack.api.get("/v1/workspaces").json()}
    assert health == {"down": False, "local": True}


def test_openapi_documents_the_v1_api(stack: Stack) -> None:
    paths = stack.api.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/runs",
        "/v1/runs/{attempt_id}/repair",
        "/v1/subjects/{kind}/{key}/history",
        "/v1/workspaces",
    ):
        assert path in paths


def test_cors_allows_only_configured_origins(
    database_url: str, tmp_path, local_workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.server.conftest import build_stack

    stack = build_stack(
        database_url, tmp_path / "h", local_workspace, monkeypatch, cors_origins=["http://app.example"]
    )
    try:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = stack.api.options("/v1/runs", headers={"Origin": "http://app.example", **preflight})
        other = stack.api.options("/v1/runs", headers={"Origin": "http://evil.example", **preflight})
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    assert allowed.headers.get("access-control-allow-origin") == "http://app.example"
    assert "access-control-allow-origin" not in other.headers
