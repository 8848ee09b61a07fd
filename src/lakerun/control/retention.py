"""Retention of per-attempt jobs: keep the latest N of a subject, delete the older finished ones."""

from __future__ import annotations

import logging

from databricks.sdk import errors

from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.status import Status
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import utcnow

log = logging.getLogger(__name__)


def apply_retention(ctx: ControlContext, subject_id: int) -> int:
    """Deletes the jobs of this subject's finished `job_per_attempt` attempts beyond the newest N; returns how many."""
    keep = ctx.settings.keep_jobs_per_subject
    with ctx.sessions() as session:
        attempts = [
            a
            for a in AttemptRepository(session).of_subject(subject_id)
            if a.strategy == "job_per_attempt" and a.job_id is not None
        ]
    expired = [a for a in attempts[keep:] if Status(a.status).terminal and a.job_deleted_at is None]
    deleted = 0
    for attempt in expired:
        try:
            ctx.client(attempt.workspace_name).jobs.delete(job_id=int(attempt.job_id or 0))
        except errors.NotFound:
            pass
        except Exception as exc:
            log.warning("retention could not delete job %s: %s", attempt.job_id, describe(exc))
            continue
        with ctx.uow() as uow:
            row = AttemptRepository(uow.session).get(attempt.id)
            if row is not None:
                row.job_deleted_at = utcnow()
        deleted += 1
    return deleted
