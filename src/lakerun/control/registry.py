"""The job registry: `ensure_job` keeps one workspace job per key, touching it only when its settings change."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs
from sqlalchemy.orm import Session

from lakerun.store.models import JobRow, utcnow
from lakerun.store.records import JobRepository

KEY_TAG = "lakerun_key"


def tagged_settings(key: str, settings: jobs.JobSettings) -> jobs.JobSettings:
    """The settings with the `lakerun_key` tag and a default name, so a lost database can re-find the job."""
    data = settings.as_dict()
    data["tags"] = {**(data.get("tags") or {}), KEY_TAG: key}
    data.setdefault("name", f"lakerun-{key}")
    return jobs.JobSettings.from_dict(data)


def fingerprint(settings: jobs.JobSettings) -> str:
    """SHA-256 of the canonical JSON of the settings: equal settings, equal fingerprint."""
    canonical = json.dumps(settings.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class EnsureOutcome:
    """What `ensure_job` did: `created`, `reset`, `adopted` (found by tag) or `unchanged`."""

    job_id: int
    action: str


def find_tagged_job(client: WorkspaceClient, name: str, tag: str, value: str) -> int | None:
    """The id of the job named `name` carrying `tag=value`, if the workspace has one."""
    for job in client.jobs.list(name=name):
        tags = job.settings.tags if job.settings and job.settings.tags else {}
        if tags.get(tag) == value and job.job_id is not None:
            return job.job_id
    return None


def ensure_job(
    session: Session, client: WorkspaceClient, workspace: str, key: str, settings: jobs.JobSettings
) -> EnsureOutcome:
    """Creates, resets or leaves the job for `key` so that the workspace holds exactly `settings`."""
    wanted = tagged_settings(key, settings)
    digest = fingerprint(wanted)
    repo = JobRepository(session)
    row = repo.get(workspace, key)
    if row is not None and row.fingerprint == digest:
        return EnsureOutcome(row.job_id, "unchanged")
    job_id = row.job_id if row is not None else find_tagged_job(client, wanted.name or "", KEY_TAG, key)
    action = "reset" if row is not None else "adopted"
    if job_id is None:
        job_id = _create(client, wanted)
        action = "created"
    else:
        client.jobs.reset(job_id=job_id, new_settings=wanted)
    _save(session, row=row, workspace=workspace, key=key, job_id=job_id, digest=digest, data=wanted.as_dict())
    return EnsureOutcome(job_id, action)


def _create(client: WorkspaceClient, settings: jobs.JobSettings) -> int:
    created = client.jobs.create(**create_kwargs(settings))
    if created.job_id is None:
        raise RuntimeError("the workspace returned no job_id for a created job")
    return created.job_id


def create_kwargs(settings: jobs.JobSettings) -> dict[str, Any]:
    """`jobs.create` takes the settings' fields as keyword arguments."""
    data = settings.as_dict()
    fields = jobs.JobSettings.__dataclass_fields__
    return {name: getattr(settings, name) for name in fields if name in data}


def _save(
    session: Session,
    *,
    row: JobRow | None,
    workspace: str,
    key: str,
    job_id: int,
    digest: str,
    data: dict[str, Any],
) -> None:
    if row is None:
        session.add(
            JobRow(workspace_name=workspace, key=key, job_id=job_id, fingerprint=digest, settings=data)
        )
        return
    row.job_id, row.fingerprint, row.settings, row.updated_at = job_id, digest, data, utcnow()
