"""Jobs kept in the workspace's state database: create, read, list, change, delete."""

from __future__ import annotations

import json
from typing import Any

from lakerun.local.db import StateDB
from lakerun.local.errors import unknown_id
from lakerun.local.ids import next_id
from lakerun.local.run_model import now_ms

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY,
    created_time INTEGER NOT NULL,
    creator TEXT NOT NULL,
    settings TEXT NOT NULL
);
"""
CREATOR = "local-user"


class JobStore:
    """The job registry of one local workspace."""

    def __init__(self, db: StateDB) -> None:
        self.db = db
        db.script(SCHEMA)

    def create(self, settings: dict[str, Any]) -> int:
        """Stores a new job and returns its id."""
        job_id = next_id(self.db)
        self.db.execute(
            "INSERT INTO jobs (job_id, created_time, creator, settings) VALUES (?, ?, ?, ?)",
            (job_id, now_ms(), CREATOR, json.dumps(settings)),
        )
        return job_id

    def settings(self, job_id: int) -> dict[str, Any]:
        """The current settings of a job, or RESOURCE_DOES_NOT_EXIST."""
        return dict(self.get(job_id)["settings"])

    def get(self, job_id: int) -> dict[str, Any]:
        """The `Job` object of jobs/get."""
        rows = self.db.query("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        if not rows:
            raise unknown_id(f"Job {job_id} does not exist.")
        return _job(rows[0])

    def exists(self, job_id: int) -> bool:
        """Whether a job with this id is stored."""
        return bool(self.db.query("SELECT 1 FROM jobs WHERE job_id = ?", (job_id,)))

    def replace(self, job_id: int, settings: dict[str, Any]) -> None:
        """Overwrites a job's settings (reset and update both end here)."""
        self.get(job_id)
        self.db.execute("UPDATE jobs SET settings = ? WHERE job_id = ?", (json.dumps(settings), job_id))

    def delete(self, job_id: int) -> None:
        """Removes a job (its finished runs stay readable, as on Databricks)."""
        self.get(job_id)
        self.db.execute("DELETE FROM jobs WHERE job_id = ?", (job_id,))

    def all_settings(self) -> dict[int, dict[str, Any]]:
        """Every job's settings by id (the scheduler's start-up reconciliation)."""
        rows = self.db.query("SELECT job_id, settings FROM jobs")
        return {int(row["job_id"]): json.loads(row["settings"]) for row in rows}

    def list(
        self, name: str | None, offset: int, limit: int, expand_tasks: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of jobs (by id), optionally only those with a name (case-insensitive), and whether more follow."""
        where, args = (
            ("WHERE unicode_lower(json_extract(settings, '$.name')) = ?", (name.lower(),))
            if name
            else ("", ())
        )
        rows = self.db.query(
            f"SELECT * FROM jobs {where} ORDER BY job_id LIMIT ? OFFSET ?",
            (*args, limit + 1, offset),
        )
        page = [_job(row) for row in rows[:limit]]
        if not expand_tasks:
            for job in page:
                job["settings"] = {
                    k: v for k, v in job["settings"].items() if k not in ("tasks", "job_clusters")
                }
        return page, len(rows) > limit


def _job(row: Any) -> dict[str, Any]:
    return {
        "job_id": row["job_id"],
        "creator_user_name": row["creator"],
        "run_as_user_name": row["creator"],
        "created_time": row["created_time"],
        "settings": json.loads(row["settings"]),
    }
