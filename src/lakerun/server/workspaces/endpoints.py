"""Workspaces (with live health) and the job registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.secret_refs import check_host, check_secret_ref
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.server.auth import Caller, Plane

router = APIRouter(tags=["workspaces"])


class WorkspaceBody(BaseModel):
    """Register a workspace; secrets are given as references (`env:NAME` or `file:/path`)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    host: str = Field(min_length=1, max_length=500)
    auth_type: Literal["pat", "oauth-m2m"] = "pat"
    token_ref: str | None = Field(None, max_length=500)
    client_id: str | None = Field(None, max_length=200)
    client_secret_ref: str | None = Field(None, max_length=500)
    default_cluster_id: str | None = Field(None, max_length=200)


class WorkspaceOut(BaseModel):
    """A registered workspace, references shown, secrets never."""

    model_config = ConfigDict(from_attributes=True)
    name: str
    host: str
    auth_type: str
    token_ref: str | None
    client_id: str | None
    client_secret_ref: str | None
    default_cluster_id: str | None
    created_at: datetime
    health: dict[str, Any] | None = None


class JobOut(BaseModel):
    """A job the registry keeps."""

    model_config = ConfigDict(from_attributes=True)
    workspace_name: str
    key: str
    job_id: int
    fingerprint: str
    settings: dict[str, Any]
    updated_at: datetime


class EnsureOut(BaseModel):
    """What ensure did: created, reset, adopted or unchanged."""

    job_id: int
    action: str


@router.get("/workspaces", response_model=list[WorkspaceOut])
def list_workspaces(plane: Plane, _: Caller, health: bool = True) -> list[WorkspaceOut]:
    """Registered workspaces, each with a live reachability probe."""
    return [
        WorkspaceOut.model_validate(row).model_copy(update={"health": status})
        for row, status in plane.workspaces(with_health=health)
    ]


@router.post("/workspaces", status_code=201, response_model=WorkspaceOut)
def register_workspace(body: WorkspaceBody, plane: Plane, _: Caller) -> WorkspaceOut:
    """Register or update a workspace; its secret references and host must be ones the operator allows."""
    settings = plane.ctx.settings
    for field in ("token_ref", "client_secret_ref"):
        if (ref := getattr(body, field)) is not None:
            check_secret_ref(ref, settings, field)
    check_host(body.host, settings)
    return WorkspaceOut.model_validate(plane.register_workspace(WorkspaceSpec(**body.model_dump())))


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(plane: Plane, _: Caller, workspace: str | None = None) -> list[JobOut]:
    """Jobs kept by the registry."""
    return [JobOut.model_validate(row) for row in plane.jobs(workspace)]


@router.put("/jobs/{workspace}/{key}", response_model=EnsureOut)
def ensure(workspace: str, key: str, settings: dict[str, Any], plane: Plane, _: Caller) -> EnsureOut:
    """Idempotently create or update the job for `key` from Databricks job settings."""
    outcome = plane.ensure_job(workspace, key, settings)
    return EnsureOut(job_id=outcome.job_id, action=outcome.action)
