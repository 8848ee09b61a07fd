"""A state-DB table with one row per job that a trigger keeps (schedules, file arrival, continuous)."""

from __future__ import annotations

from lakerun.local.db import StateDB


class JobStateTable:
    """The shared part of every per-job trigger state: forgetting a job, and start-up clean-up."""

    table = ""
    """The table's name, set by each subclass (a constant, never user input)."""

    def __init__(self, db: StateDB) -> None:
        self.db = db

    def forget(self, job_id: int) -> None:
        """Drops the job's row: it was deleted, paused, or its trigger removed."""
        self.db.execute(f"DELETE FROM {self.table} WHERE job_id = ?", (job_id,))

    def keep_only(self, job_ids: set[int]) -> None:
        """Drops rows of jobs that no longer exist (start-up clean-up)."""
        for row in self.db.query(f"SELECT job_id FROM {self.table}"):
            if row["job_id"] not in job_ids:
                self.forget(row["job_id"])
