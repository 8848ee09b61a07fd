"""`POST /v1/workspaces/{name}/onboard`: install the executor into a registered workspace, step by step.

The same facade as `lakerun onboard`, with the executor jobs kept by the control plane's job
registry (so a lost database re-finds them) and the platform credential given as a reference. Unless
another platform endpoint is named, the executor's `api_transmission` sends to this control plane
(`/v1/metadata/batches`) with an API token issued for it, which only the workspace's secret scope holds.
"""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import jobs
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.plane import ControlPlane
from lakerun.control.secret_refs import check_secret_ref
from lakerun.control.tokens import issue_token
from lakerun.errors import InvalidInputError
from lakerun.executor.onboarding import OnboardingOptions, onboard
from lakerun.runtime.secrets import SecretReferenceError
from lakerun.runtime.secrets import resolve as resolve_secret
from lakerun.server.auth import Caller, Plane

router = APIRouter(tags=["workspaces"])


class OnboardBody(BaseModel):
    """What to install and where; the platform credential is an `env:NAME` or `file:/path` reference."""

    model_config = ConfigDict(extra="forbid")
    cluster_id: str | None = Field(
        None, description="Cluster to install on; the workspace's default if empty."
    )
    wheel: str = Field(description="A local .whl file, or a dbfs:/ or /Volumes/ path of one.")
    tenant_id: str = "default"
    data_source_path: str | None = None
    source_type: str = "auto"
    secret_scope: str = "lakerun-executor"
    platform_endpoint: str | None = Field(
        None,
        description="Where api_transmission sends; default: this control plane's /v1/metadata/batches, "
        "with an API token issued for the executor and put in the secret scope.",
    )
    platform_credential_ref: str | None = Field(
        None, description="`env:NAME` or `file:/path` of the credential for a platform_endpoint of your own."
    )
    timeout_seconds: int = Field(900, gt=0, le=7200)


@router.post("/workspaces/{name}/onboard")
def onboard_workspace(
    name: str, body: OnboardBody, request: Request, plane: Plane, _: Caller
) -> dict[str, Any]:
    """Runs every onboarding step and returns each step's outcome; `status` is `failed` if any failed."""
    client = plane.ctx.client(name)
    ingest_path = request.app.url_path_for("receive_batch")
    endpoint, credential = _platform(plane, name, body, ingest_path)
    options = OnboardingOptions(
        cluster_id=body.cluster_id or _default_cluster(plane, name),
        wheel=body.wheel,
        tenant_id=body.tenant_id,
        data_source_path=body.data_source_path,
        source_type=body.source_type,
        secret_scope=body.secret_scope,
        platform_endpoint=endpoint,
        platform_credential=credential,
        timeout_seconds=body.timeout_seconds,
    )

    def ensure_job(key: str, settings: jobs.JobSettings) -> int:
        return plane.ensure_job(name, key, settings).job_id

    return {**onboard(client, options, ensure_job=ensure_job).as_dict(), "platform_endpoint": endpoint}


def _platform(
    plane: ControlPlane, workspace: str, body: OnboardBody, ingest_path: str
) -> tuple[str, str | None]:
    """The endpoint api_transmission uses and its credential: the caller's, or this control plane's own."""
    if body.platform_credential_ref:
        check_secret_ref(body.platform_credential_ref, plane.ctx.settings, "platform_credential_ref")
    if body.platform_endpoint:
        credential = _credential(body.platform_credential_ref) if body.platform_credential_ref else None
        return body.platform_endpoint, credential
    endpoint = plane.ctx.settings.public_url.rstrip("/") + ingest_path
    if body.platform_credential_ref:
        return endpoint, _credential(body.platform_credential_ref)
    return endpoint, issue_token(plane.ctx, f"executor {workspace}/{body.tenant_id}", scope="trigger")


def _credential(ref: str) -> str:
    """The value behind the caller's `platform_credential_ref`; one that cannot be read is the caller's error."""
    try:
        return resolve_secret(ref)
    except SecretReferenceError as exc:
        raise InvalidInputError(f"platform_credential_ref: {exc}") from None


def _default_cluster(plane: ControlPlane, name: str) -> str:
    for row, _health in plane.workspaces(with_health=False):
        if row.name == name and row.default_cluster_id:
            return str(row.default_cluster_id)
    raise InvalidInputError(f"workspace {name!r} has no default cluster; give cluster_id")
