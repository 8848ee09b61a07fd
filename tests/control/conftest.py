"""Control-plane fixtures: a ControlPlane on each database backend, and attempts made without a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lakerun.control.attempts import TriggerRequest, create_attempt
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.store.models import AttemptRow, utcnow
from tests.store.databases import database_url, postgres_database, sqlite_template

__all__ = ["database_url", "postgres_database", "sqlite_template"]


@pytest.fixture
def plane(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlPlane]:
    """A control plane (not started) with one registered workspace nobody listens on."""
    monkeypatch.setenv("LAKERUN_TEST_NOWHERE_TOKEN", "dapi-nowhere")
    settings = ControlSettings(
        home=tmp_path / "home", database_url=database_url, server_key="test-key", workspace_retry_seconds=1
    )
    control = ControlPlane(settings)
    control.register_workspace(
        WorkspaceSpec(name="nowhere", host="http://127.0.0.1:9", token_ref="env:LAKERUN_TEST_NOWHERE_TOKEN")
    )
    yield control
    control.stop()


def make_attempt(plane: ControlPlane, subject: str = "flow-1", **fields: object) -> AttemptRow:
    """A committed CREATING attempt that no workspace was asked to run."""
    request = TriggerRequest(
        subject_key=subject,
        workspace="nowhere",
        tasks=[{"task_key": "t"}],
        **fields,  # type: ignore[arg-type]
    )
    with plane.ctx.uow() as uow:
        attempt, _ = create_attempt(uow, request, utcnow() + timedelta(hours=1), True)
    return attempt
