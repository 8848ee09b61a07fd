"""Only lakerun's own errors reach API clients with their status; anything else is a 500 carrying a
correlation id that finds the traceback in the log, and nothing of the exception itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from databricks.sdk import errors as sdk_errors
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lakerun import errors
from lakerun.control.actions import ActionError
from lakerun.control.callbacks import CallbackRejectedError
from lakerun.control.isolation import WorkspaceBusyError
from lakerun.control.plane import ControlPlane
from lakerun.control.request_checks import ConflictError
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceNotFoundError
from lakerun.server import errors as server_errors
from lakerun.server.app import create_app

SECRET_DETAIL = "password=hunter2 at /srv/lakerun/internal.py line 42"
"""What a bug's message might carry: it must never reach the client."""

CASES: list[tuple[Exception, int, str]] = [
    (errors.InvalidInputError("timeout_seconds must be above 0"), 422, "invalid_input"),
    (errors.NotFoundError("no attempt a1"), 404, "not_found"),
    (WorkspaceNotFoundError("no workspace registered as 'x'"), 404, "not_found"),
    (errors.ConflictError("the subject is busy"), 409, "conflict"),
    (ConflictError("idempotency key reused for other work"), 409, "conflict"),
    (ActionError("the attempt has ended"), 409, "conflict"),
    (errors.UnavailableError("the workspace does not answer"), 503, "unavailable"),
    (WorkspaceBusyError("workspace 'w' already has 8 calls in flight"), 503, "unavailable"),
    (errors.UpstreamError("the workspace refused the call"), 502, "upstream_error"),
    (CallbackRejectedError("bad signature", 401), 401, "rejected"),
    (errors.RejectedError("body is not valid gzip"), 400, "rejected"),
]


def app_raising(exc: BaseException) -> TestClient:
    """An app with lakerun's error handling whose one route raises `exc`."""
    app = FastAPI()
    server_errors.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("exc", "status", "code"), CASES, ids=lambda c: type(c).__name__)
def test_each_category_answers_its_status_and_code(exc: Exception, status: int, code: str) -> None:
    response = app_raising(exc).get("/boom")
    assert response.status_code == status, response.text
    assert response.json() == {"detail": str(exc), "code": code}
    assert server_errors.CORRELATION_HEADER not in response.headers


@pytest.mark.parametrize(
    "bug",
    [
        ValueError(SECRET_DETAIL),
        LookupError(SECRET_DETAIL),
        KeyError(SECRET_DETAIL),
        RuntimeError(SECRET_DETAIL),
        errors.LakerunError(SECRET_DETAIL),
        errors.ConfigurationError(SECRET_DETAIL),
    ],
    ids=lambda c: type(c).__name__,
)
def test_anything_else_is_a_500_with_a_correlation_id_and_nothing_internal(
    bug: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="lakerun.server.errors"):
        response = app_raising(bug).get("/boom")
    assert response.status_code == 500
    correlation_id = response.headers[server_errors.CORRELATION_HEADER]
    body = response.json()
    assert body["correlation_id"] == correlation_id and body["code"] == "internal_error"
    assert correlation_id in body["detail"]
    assert "hunter2" not in response.text and type(bug).__name__ not in response.text
    (record,) = [r for r in caplog.records if correlation_id in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[1] is bug, "the traceback is logged under the id"


def test_each_500_has_its_own_correlation_id() -> None:
    client = app_raising(ValueError("bug"))
    ids = {client.get("/boom").headers[server_errors.CORRELATION_HEADER] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize(
    ("vendor", "status", "transient"),
    [
        (sdk_errors.TooManyRequests("slow down"), 502, True),
        (sdk_errors.PermissionDenied("no access to the job"), 502, False),
        (ConnectionRefusedError("[Errno 111] Connection refused"), 503, True),
        (TimeoutError("timed out"), 503, True),
    ],
    ids=lambda c: type(c).__name__,
)
def test_workspace_and_network_errors_become_lakerun_errors(
    vendor: Exception, status: int, transient: bool
) -> None:
    response = app_raising(vendor).get("/boom")
    assert response.status_code == status
    assert str(vendor) in response.json()["detail"]
    assert response.json()["code"] == ("upstream_error" if status == 502 else "unavailable")


def test_request_validation_keeps_naming_the_field() -> None:
    app = FastAPI()
    server_errors.install(app)

    @app.get("/items")
    def items(limit: int) -> dict[str, int]:
        return {"limit": limit}

    response = TestClient(app).get("/items", params={"limit": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, ControlPlane]]:
    config = ControlSettings(home=tmp_path / "home", database_url=database_url, server_key="errors")
    plane = ControlPlane(config)
    client = TestClient(create_app(config, plane), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {issue_token(plane.ctx, 'errors')}"
    try:
        yield client, plane
    finally:
        plane.stop()


def test_the_control_plane_answers_a_deep_value_error_with_a_500_not_a_422(
    served: tuple[TestClient, ControlPlane], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, plane = served
    assert client.get("/v1/runs/no-such-attempt").status_code == 404

    def broken(*_: object, **__: object) -> None:
        raise ValueError(f"invalid literal for int() with base 10: {SECRET_DETAIL!r}")

    monkeypatch.setattr(plane, "detail", broken)
    response = client.get("/v1/runs/no-such-attempt")
    assert response.status_code == 500
    assert "hunter2" not in response.text and "int()" not in response.text
    assert response.json()["correlation_id"] == response.headers[server_errors.CORRELATION_HEADER]
