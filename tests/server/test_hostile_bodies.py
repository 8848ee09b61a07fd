"""Values no store or JSON answer can hold (NaN, Infinity, lone surrogates, ids past 32 bits) and bodies
past the API's size limit are a 4xx naming the problem, never a 500, and store nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lakerun.server.json_bodies import MAX_BODY_BYTES
from tests.server.conftest import Stack, python_task

TASK = python_task()
TRIGGERS = [
    (
        '{"subject_key": "s", "tasks": [{"task_key": "t", "timeout_seconds": NaN, '
        '"spark_python_task": {"python_file": "x.py"}}]}',
        "timeout_seconds",
    ),
    ('{"subject_key": "s", "tasks": [], "parameters": {"a": Infinity}}', "parameters"),
    (
        '{"subject_key": "s", "strategy": "job_per_attempt", "tasks": [], '
        '"job_settings": {"timeout_seconds": -Infinity}}',
        "job_settings",
    ),
    ('{"subject_key": "\\ud800", "tasks": []}', "subject_key"),
    ('{"subject_key": "s", "tasks": [], "parameters": {"\\udfff": "v"}}', "parameters"),
    ('{"subject_key": "s", "tasks": "\\ud800"}', "tasks"),
]


def post_json(stack: Stack, path: str, raw: str, method: str = "POST") -> tuple[int, str]:
    response = stack.api.request(
        method, path, content=raw.encode(), headers={"Content-Type": "application/json"}
    )
    return response.status_code, response.text


@pytest.mark.parametrize(("raw", "field"), TRIGGERS)
def test_unstorable_values_in_a_trigger_are_a_422_naming_where_they_are(
    stack: Stack, raw: str, field: str
) -> None:
    status, text = post_json(stack, "/v1/runs", raw)
    assert status == 422, text
    assert field in text
    listed = stack.api.get("/v1/runs")
    assert listed.status_code == 200 and listed.json()["total"] == 0, "a refused request stores nothing"


def test_unstorable_values_elsewhere_are_a_422_too(stack: Stack) -> None:
    job = '{"tasks": [{"task_key": "t", "timeout_seconds": NaN, "spark_python_task": {"python_file": "x"}}]}'
    assert post_json(stack, "/v1/jobs/local/j", job, "PUT")[0] == 422
    bulk = '{"items": [{"subject_key": "s", "tasks": [], "parameters": {"a": NaN}}]}'
    assert post_json(stack, "/v1/runs/bulk", bulk)[0] == 422
    token = '{"name": "\\ud83d", "scope": "read"}'
    assert post_json(stack, "/v1/tokens", token)[0] == 422
    assert stack.api.get("/v1/runs").json()["total"] == 0
    assert stack.api.get("/v1/jobs").status_code == 200


@pytest.mark.parametrize("name_or_id", [str(2**31), str(2**70), "²", "1" * 400])
def test_revoking_a_token_by_a_number_past_any_id_is_a_404(stack: Stack, name_or_id: str) -> None:
    response = stack.api.delete(f"/v1/tokens/{name_or_id}")
    assert response.status_code == 404, response.text


def test_a_body_past_the_limit_is_a_413_declared_or_streamed(stack: Stack) -> None:
    huge = {"subject_key": "huge", "tasks": [TASK], "parameters": {"a": "y" * (MAX_BODY_BYTES + 1)}}
    declared = stack.api.post("/v1/runs", json=huge)
    assert declared.status_code == 413, declared.text[:300]

    def chunks() -> Iterator[bytes]:
        yield b'{"subject_key": "huge", "tasks": [], "parameters": {"a": "'
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 1):
            yield b"y" * (1024 * 1024)
        yield b'"}}'

    streamed = stack.api.post("/v1/runs", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text[:300]
    assert stack.api.get("/v1/runs").json()["total"] == 0
    fine = stack.api.post("/v1/runs", json={"subject_key": "fine", "tasks": [TASK]})
    assert fine.status_code == 201, fine.text
