"""`/v1/pipelines`: register a medallion pipeline, list them, and trigger one layer (or all) of one."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.pipelines import (
    JOB_KEY_PREFIX,
    PipelineRegistration,
    register_pipeline,
    registered_pipelines,
    trigger_layer,
)
from lakerun.errors import InvalidInputError
from lakerun.pipeline.errors import PipelineError
from lakerun.pipeline.export import DEFAULT_WHEEL
from lakerun.server.auth import Caller, Plane
from lakerun.server.runs.schemas import AttemptOut

router = APIRouter(tags=["pipelines"])


class RegisterBody(BaseModel):
    """A pipeline config to register (validated now) and how its tasks reach it."""

    model_config = ConfigDict(extra="forbid")
    config_path: str = Field(min_length=1, description="The pipeline config as the control plane reads it.")
    task_config_path: str | None = Field(
        None, description="The config as tasks read it (default: config_path)."
    )
    wheel: str = Field(DEFAULT_WHEEL, description="The lakerun wheel as tasks see it.")
    workspace: str = Field("local", max_length=100)
    vars: dict[str, str] = Field(
        default_factory=dict, description="Template variables, passed to every task."
    )


class PipelineOut(BaseModel):
    """A registered pipeline: its job and layers."""

    name: str
    workspace: str
    job_id: int
    layers: list[str]
    action: str | None = None


class LayerTriggerBody(BaseModel):
    """Which layer to run (seed 002's `layer`)."""

    model_config = ConfigDict(extra="forbid")
    layer: str = Field(
        "all",
        max_length=100,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="A layer of the pipeline (its upstream layers holding stale tables run too), or `all`.",
    )
    workspace: str = Field("local", max_length=100)
    triggered_by: str = Field("api", max_length=100)


@router.post("/pipelines", status_code=201, response_model=PipelineOut)
def register(body: RegisterBody, plane: Plane, _: Caller) -> PipelineOut:
    """Validate the config and keep its multi-task job in the registry (created or updated)."""
    registration = PipelineRegistration(
        config_path=body.config_path,
        workspace=body.workspace,
        task_config_path=body.task_config_path,
        wheel=body.wheel,
        variables=body.vars,
    )
    try:
        name, outcome = register_pipeline(plane, registration)
    except PipelineError as exc:
        raise InvalidInputError(str(exc)) from None
    row = next(r for r in registered_pipelines(plane, body.workspace) if r.key == JOB_KEY_PREFIX + name)
    return _out(row.key, row.workspace_name, row.job_id, row.settings, outcome.action)


@router.get("/pipelines", response_model=list[PipelineOut])
def list_pipelines(plane: Plane, _: Caller, workspace: str | None = None) -> list[PipelineOut]:
    """Registered pipelines."""
    return [
        _out(r.key, r.workspace_name, r.job_id, r.settings) for r in registered_pipelines(plane, workspace)
    ]


@router.post("/pipelines/{name}/trigger", status_code=201, response_model=AttemptOut)
def trigger(name: str, body: LayerTriggerBody, plane: Plane, _: Caller) -> AttemptOut:
    """Run one layer (or all) of a registered pipeline as a tracked attempt."""
    attempt = trigger_layer(plane, name, body.layer, body.workspace, body.triggered_by)
    detail = plane.detail(attempt.id)
    return AttemptOut.of(detail.attempt, detail.subject)


def _out(key: str, workspace: str, job_id: int, settings: dict, action: str | None = None) -> PipelineOut:
    layers = [task["task_key"] for task in settings.get("tasks", [])]
    return PipelineOut(
        name=key[len(JOB_KEY_PREFIX) :], workspace=workspace, job_id=job_id, layers=layers, action=action
    )
