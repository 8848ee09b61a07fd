"""`/v1/flows`: load the NiFi inventory, start and stop conversions, read what they generated, deploy and run it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from lakerun.control import flows
from lakerun.control.plane import ControlPlane
from lakerun.control.records import Attempt
from lakerun.server.auth import Caller, Plane
from lakerun.server.runs.schemas import AttemptOut

router = APIRouter(tags=["flows"])


class LoadBody(BaseModel):
    """A folder of NiFi files to add to the inventory, and where conversions read and write."""

    model_config = ConfigDict(extra="forbid")
    folder: str = Field(min_length=1, description="Folder of NiFi files as the control plane reads it.")
    workspace: str = "local"
    output_root: str | None = Field(
        None, description="Where attempts write (default: <folder>/../converted)."
    )
    task_folder: str | None = Field(None, description="The same folder as tasks read it (a Volume path).")
    wheel: str | None = Field(None, description="The lakerun wheel as tasks see it (needed on Databricks).")


class FlowOut(BaseModel):
    """A flow in the inventory with its conversion status and counters."""

    id: str
    name: str
    status: str
    source_path: str
    source_format: str | None
    process_groups: int
    processors: int
    priority: str
    owner: str | None
    load_error: str | None
    attempts: int
    successful_conversions: int
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    current_attempt: AttemptOut | None

    @classmethod
    def of(cls, view: flows.FlowView) -> FlowOut:
        """From a flow view."""
        row, subject = view.row, view.subject
        return cls(
            id=row.id,
            name=row.name,
            status=view.status,
            source_path=row.source_path,
            source_format=row.source_format,
            process_groups=row.process_groups,
            processors=row.processors,
            priority=row.priority,
            owner=row.owner,
            load_error=row.load_error,
            attempts=len(view.attempts),
            successful_conversions=view.successful,
            first_attempt_at=subject.first_attempt_at if subject else None,
            last_attempt_at=subject.last_attempt_at if subject else None,
            current_attempt=AttemptOut.of(view.latest, subject) if view.latest and subject else None,
        )


class FlowDetailOut(FlowOut):
    """A flow and its whole conversion history, newest first."""

    history: list[AttemptOut]


class UpdateBody(BaseModel):
    """Inventory fields a team sets."""

    model_config = ConfigDict(extra="forbid")
    priority: Literal["low", "medium", "high", "critical"] | None = None
    owner: str | None = Field(None, max_length=200)


class BulkBody(BaseModel):
    """The ticked flows."""

    model_config = ConfigDict(extra="forbid")
    flow_ids: list[str] = Field(min_length=1, max_length=500)


class BulkOut(BaseModel):
    """One answer per flow: its attempt, or why it did not start."""

    attempts: list[AttemptOut]
    errors: dict[str, str]


class DeployBody(BaseModel):
    """Job parameters for the generated job (sample data paths, for instance)."""

    model_config = ConfigDict(extra="forbid")
    parameters: dict[str, str] = Field(default_factory=dict)


def _attempt_out(plane: ControlPlane, attempt: Attempt) -> AttemptOut:
    detail = plane.detail(attempt.id)
    return AttemptOut.of(detail.attempt, detail.subject)


@router.post("/flows/load", response_model=list[FlowOut])
def load(body: LoadBody, plane: Plane, _: Caller) -> list[FlowOut]:
    """Adds or refreshes the NiFi files of a folder; unreadable files are listed with their error."""
    flows.load_inventory(
        plane,
        body.folder,
        workspace=body.workspace,
        output_root=body.output_root,
        task_folder=body.task_folder,
        wheel=body.wheel,
    )
    return [FlowOut.of(view) for view in flows.flow_views(plane)]


@router.get("/flows", response_model=list[FlowOut])
def list_flows(plane: Plane, _: Caller) -> list[FlowOut]:
    """The inventory with each flow's status."""
    return [FlowOut.of(view) for view in flows.flow_views(plane)]


@router.get("/flows/{flow_id}", response_model=FlowDetailOut)
def get_flow(flow_id: str, plane: Plane, _: Caller) -> FlowDetailOut:
    """One flow and the history of its conversion attempts."""
    view = flows.flow_view(plane, flow_id)
    history = [AttemptOut.of(a, view.subject) for a in view.attempts] if view.subject else []
    return FlowDetailOut(**FlowOut.of(view).model_dump(), history=history)


@router.patch("/flows/{flow_id}", response_model=FlowOut)
def update(flow_id: str, body: UpdateBody, plane: Plane, _: Caller) -> FlowOut:
    """Sets priority and owner."""
    flows.update_flow(plane, flow_id, body.priority, body.owner)
    return FlowOut.of(flows.flow_view(plane, flow_id))


@router.post("/flows/{flow_id}/conversions", status_code=201, response_model=AttemptOut)
def start(flow_id: str, plane: Plane, caller: Caller) -> AttemptOut:
    """Starts a conversion attempt (a job of its own running the agent)."""
    return _attempt_out(plane, flows.start_conversion(plane, flow_id, triggered_by=f"api:{caller.name}"))


@router.post("/flows/conversions", status_code=201, response_model=BulkOut)
def start_many(body: BulkBody, plane: Plane, caller: Caller) -> BulkOut:
    """Starts a conversion of each ticked flow."""
    results = flows.start_conversions(plane, body.flow_ids, triggered_by=f"api:{caller.name}")
    attempts, errors = [], {}
    for flow_id, result in zip(dict.fromkeys(body.flow_ids), results, strict=True):
        if isinstance(result, Exception):
            errors[flow_id] = str(result)
        else:
            attempts.append(_attempt_out(plane, result))
    return BulkOut(attempts=attempts, errors=errors)


@router.post("/flows/{flow_id}/stop", response_model=AttemptOut)
def stop(flow_id: str, plane: Plane, caller: Caller) -> AttemptOut:
    """Cancels the running conversion."""
    return _attempt_out(plane, flows.stop_conversion(plane, flow_id, by=f"api:{caller.name}"))


@router.get("/flows/{flow_id}/attempts/{attempt_id}/files", response_model=list[str])
def files(flow_id: str, attempt_id: str, plane: Plane, _: Caller) -> list[str]:
    """The notebooks an attempt generated."""
    return flows.output_files(plane, flow_id, attempt_id)


@router.get("/flows/{flow_id}/attempts/{attempt_id}/files/{name}", response_class=PlainTextResponse)
def file(flow_id: str, attempt_id: str, name: str, plane: Plane, _: Caller) -> PlainTextResponse:
    """A generated notebook, `job.json` or `conversion.json`, as a download."""
    text = flows.output_file(plane, flow_id, attempt_id, name)
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/flows/{flow_id}/attempts/{attempt_id}/deploy", status_code=201, response_model=AttemptOut)
def deploy(flow_id: str, attempt_id: str, body: DeployBody, plane: Plane, caller: Caller) -> AttemptOut:
    """Imports the attempt's notebooks, creates its job and runs it as a tracked attempt."""
    return _attempt_out(
        plane, flows.deploy_and_run(plane, flow_id, attempt_id, body.parameters, f"api:{caller.name}")
    )
