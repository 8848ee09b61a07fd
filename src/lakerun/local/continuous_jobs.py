"""Continuous jobs: an unpaused `continuous` job always has one active run.

Databricks starts a new run whenever the previous one ends (or when the job has none), and backs off
exponentially after consecutive failures instead of applying retry policies. Each unpaused continuous
job has one row in `continuous_jobs` with its count of consecutive failures and the instant before
which no new run may start, so a restart keeps the back-off. Pausing or deleting the job forgets the
row: the active run carries on, no new one starts.
"""

from __future__ import annotations

from typing import Any

from lakerun.local.db import StateDB
from lakerun.local.errors import invalid_parameter
from lakerun.local.job_schedules import PAUSE_STATUSES
from lakerun.local.job_state_table import JobStateTable

SCHEMA = """
CREATE TABLE IF NOT EXISTS continuous_jobs (
    job_id INTEGER PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    not_before_ms INTEGER NOT NULL DEFAULT 0
);
"""
TASK_RETRY_MODES = ("NEVER", "ON_FAILURE")
FAILED_RESULTS = ("FAILED", "TIMEDOUT", "INTERNAL_ERROR", "UPSTREAM_FAILED")
FIRST_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000


def validate_continuous(settings: dict[str, Any]) -> None:
    """Refuses a bad `continuous` object, naming the field (raw bodies: the SDK drops unknown enums)."""
    continuous = settings.get("continuous")
    if continuous is None:
        return
    if not isinstance(continuous, dict):
        raise invalid_parameter("continuous must be an object")
    status = continuous.get("pause_status")
    if status is not None and status not in PAUSE_STATUSES:
        raise invalid_parameter(f"Invalid continuous.pause_status {status!r}: use PAUSED or UNPAUSED")
    mode = continuous.get("task_retry_mode")
    if mode is not None and mode not in TASK_RETRY_MODES:
        raise invalid_parameter(f"Invalid continuous.task_retry_mode {mode!r}: use NEVER or ON_FAILURE")


def is_running_continuously(settings: dict[str, Any]) -> bool:
    """Whether the job has an unpaused `continuous` setting (UNPAUSED is the default)."""
    continuous = settings.get("continuous")
    return isinstance(continuous, dict) and continuous.get("pause_status", "UNPAUSED") == "UNPAUSED"


def backoff_ms(failures: int) -> int:
    """The wait before the next run after `failures` consecutive failed runs: 1 s, 2 s, 4 s ... 60 s."""
    if failures <= 0:
        return 0
    return min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** min(failures - 1, 16))


class ContinuousJobs(JobStateTable):
    """The durable table of continuous jobs; the run engine calls it under its lock."""

    table = "continuous_jobs"

    def __init__(self, db: StateDB) -> None:
        super().__init__(db)
        db.script(SCHEMA)

    def sync(self, job_id: int, settings: dict[str, Any]) -> None:
        """Follows a job's new settings: keeps the back-off of a job that stays continuous."""
        if not is_running_continuously(settings):
            self.forget(job_id)
            return
        self.db.execute("INSERT OR IGNORE INTO continuous_jobs (job_id) VALUES (?)", (job_id,))

    def run_ended(self, job_id: int, result_state: str | None, now: int) -> None:
        """Counts a failed run towards the back-off; any other ending resets it."""
        failed = result_state in FAILED_RESULTS
        rows = self.db.query("SELECT failures FROM continuous_jobs WHERE job_id = ?", (job_id,))
        if not rows:
            return
        failures = int(rows[0]["failures"]) + 1 if failed else 0
        self.db.execute(
            "UPDATE continuous_jobs SET failures = ?, not_before_ms = ? WHERE job_id = ?",
            (failures, now + backoff_ms(failures), job_id),
        )

    def due(self, now: int, busy: set[int]) -> list[int]:
        """Continuous jobs with no active run whose back-off has passed."""
        rows = self.db.query(
            "SELECT job_id FROM continuous_jobs WHERE not_before_ms <= ? ORDER BY job_id", (now,)
        )
        return [int(row["job_id"]) for row in rows if row["job_id"] not in busy]

    def next_start_ms(self, busy: set[int]) -> int | None:
        """The earliest instant an idle continuous job may start a run, for the engine's sleep."""
        rows = self.db.query("SELECT job_id, not_before_ms FROM continuous_jobs")
        moments = [int(row["not_before_ms"]) for row in rows if row["job_id"] not in busy]
        return min(moments, default=None)
