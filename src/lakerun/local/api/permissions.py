"""Endpoints of the local workspace: the Permissions API for jobs (get, set, update, levels).

Grants are stored and returned as Databricks does, the local user always being the owner; they are
not enforced, since the local workspace has one user.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request

from lakerun.local.errors import invalid_parameter
from lakerun.local.job_store import CREATOR, JobStore
from lakerun.local.params import request_params
from lakerun.local.settings_store import SettingsStore

router = APIRouter()
JOB_LEVELS = {
    "CAN_VIEW": "Can view the job and its runs",
    "CAN_MANAGE_RUN": "Can view, trigger and cancel runs",
    "IS_OWNER": "Owns the job",
    "CAN_MANAGE": "Can change the job and its permissions",
}
PRINCIPALS = ("user_name", "group_name", "service_principal_name")


def on_startup(app: FastAPI) -> None:
    """Nothing to open: grants live in the settings store the identity feature opens."""


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release."""


def _settings(request: Request) -> SettingsStore:
    store: SettingsStore = request.app.state.settings
    return store


def _job(request: Request, job_id: str) -> str:
    jobs: JobStore = request.app.state.jobs
    try:
        exists = jobs.exists(int(job_id))
    except ValueError:
        exists = False
    if not exists:
        raise invalid_parameter(f"Job {job_id} does not exist.")
    return job_id


@router.get("/permissions/jobs/{job_id}/permissionLevels")
async def levels(request: Request, job_id: str) -> dict[str, Any]:
    """The permission levels a job grant can have."""
    _job(request, job_id)
    return {"permission_levels": [{"permission_level": k, "description": v} for k, v in JOB_LEVELS.items()]}


@router.get("/permissions/jobs/{job_id}")
async def get(request: Request, job_id: str) -> dict[str, Any]:
    """The job's access control list: the owner, the admins group and the explicit grants."""
    return _view(request, _job(request, job_id))


@router.put("/permissions/jobs/{job_id}")
async def set_permissions(request: Request, job_id: str) -> dict[str, Any]:
    """Replaces the job's explicit grants."""
    grants = await _grants(request)
    _settings(request).set_acl("jobs", _job(request, job_id), grants)
    return _view(request, job_id)


@router.patch("/permissions/jobs/{job_id}")
async def update_permissions(request: Request, job_id: str) -> dict[str, Any]:
    """Adds grants (a principal's new level replaces its old one)."""
    grants = await _grants(request)
    store = _settings(request)
    merged = {_principal(g): g for g in store.acl("jobs", _job(request, job_id))}
    merged.update({_principal(g): g for g in grants})
    store.set_acl("jobs", job_id, list(merged.values()))
    return _view(request, job_id)


async def _grants(request: Request) -> list[dict[str, Any]]:
    acl = (await request_params(request)).get("access_control_list") or []
    if not isinstance(acl, list):
        raise invalid_parameter("access_control_list must be a list")
    grants = []
    for entry in acl:
        named = [field for field in PRINCIPALS if isinstance(entry, dict) and entry.get(field)]
        if len(named) != 1:
            raise invalid_parameter(f"Each grant names exactly one of {', '.join(PRINCIPALS)}: {entry!r}")
        level = entry.get("permission_level")
        if level not in JOB_LEVELS:
            raise invalid_parameter(
                f"Invalid permission level {level!r} for a job; use one of {', '.join(JOB_LEVELS)}"
            )
        if level == "IS_OWNER" and entry.get(named[0]) != CREATOR:
            raise invalid_parameter(f"The owner of a local job is always {CREATOR}")
        grants.append({named[0]: entry[named[0]], "permission_level": level})
    return grants


def _principal(grant: dict[str, Any]) -> tuple[str, str]:
    field = next(field for field in PRINCIPALS if field in grant)
    return field, str(grant[field])


def _view(request: Request, job_id: str) -> dict[str, Any]:
    explicit = [g for g in _settings(request).acl("jobs", job_id) if g.get("user_name") != CREATOR]
    entries = [
        {"user_name": CREATOR, "all_permissions": [{"permission_level": "IS_OWNER", "inherited": False}]},
        {
            "group_name": "admins",
            "all_permissions": [
                {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/jobs/"]}
            ],
        },
    ]
    for grant in explicit:
        field, name = _principal(grant)
        entries.append(
            {
                field: name,
                "all_permissions": [{"permission_level": grant["permission_level"], "inherited": False}],
            }
        )
    return {"object_id": f"/jobs/{job_id}", "object_type": "job", "access_control_list": entries}
