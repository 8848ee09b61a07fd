"""The `/v1` OpenAPI fuzzed with schemathesis, authenticated: whatever is sent, the answer is never a 500."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.server.app import create_app

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("LAKERUN_FUZZ_EXAMPLES", "25"))
"""Examples per operation; raise it for a longer hunt."""
LAST = ("POST /v1/workspaces", "POST /v1/workspaces/{name}/onboard")
"""Operations fuzzed last: registering random workspaces makes listing them probe random hosts."""


@pytest.fixture
def fuzzed_app(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("LAKERUN_TEST_LOCAL_TOKEN", local_workspace.token)
    config = ControlSettings(
        home=tmp_path / "home", database_url=database_url, server_key="fuzz", workspace_retry_seconds=1
    )
    plane = ControlPlane(config)
    plane.register_workspace(
        WorkspaceSpec(name="local", host=local_workspace.url, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN")
    )
    try:
        yield create_app(config, plane), issue_token(plane.ctx, "fuzz")
    finally:
        plane.stop()


def operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: f"{op.method.upper()} {op.path}" in LAST)


def test_no_operation_answers_500(fuzzed_app: tuple[Any, str]) -> None:
    app, token = fuzzed_app
    failures: list[str] = []
    for operation in operations(app):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            try:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
            except Exception as exc:
                answer = f"500 (raised {type(exc).__name__}: {str(exc)[:200]})"
            else:
                if response.status_code < 500:
                    return
                answer = f"{response.status_code}: {response.text[:300]}"
            failures.append(
                f"{case.method} {case.formatted_path} -> {answer}\n  {case.as_curl_command()[:600]}"
            )

        call()
    assert not failures, "\n".join(failures)
